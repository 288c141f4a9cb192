"""The ``/v1/stream`` WebSocket: sessions, replay from a cursor. The messages (what clients send,
parsed and checked, and what the node sends) are :mod:`hotline_protocol.stream`.

session.py    one connection: authentication, reader, writer, pipelined posts
replay.py     a subscription's events: replayed after a cursor, then live, without a gap
errors.py     Close and the close codes
"""

from .session import StreamSession

__all__ = ["StreamSession"]
