"""How the protocol library's errors become the peer link's.

The link's errors are a branch of the node's tree (:mod:`hotline.errors`):

    LinkError            the link must close; ``reason`` is the close reason the peer sees
    ├── BadMessage       a malformed message: ``bad_message``
    ├── AuthFailed       a handshake that does not verify: ``bad_auth``, ``bad_handshake``
    ├── UnknownPeer      the other end is not the pinned peer: ``unknown_peer``
    ├── HandshakeTimeout the handshake took too long: ``handshake_timeout``
    ├── TooManyHandshakes as many peer connections as allowed are in their handshake:
    │                    ``too_many_connections``
    ├── Superseded       another link took over: ``superseded``
    ├── LinkFailed       this node cannot go on: ``checkpoint_worker_stopped``,
    │                    ``store_unavailable`` (its store failed), ``feed_moved`` (a post
    │                    went in during a recovery of the own feed)
    └── Refusal          the peer sent something that does not verify; kept as evidence

A malformed message (:class:`~hotline_protocol.errors.MessageError`) becomes a BadMessage, a
handshake that does not verify (:class:`~hotline_protocol.errors.HandshakeError`) an AuthFailed:
:func:`link_errors` turns one into the other. Each closes the link with its class's close code
(:data:`hotline.peering.transport.CLOSE_CODES`).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from hotline_protocol.errors import HandshakeError, MessageError

from ..errors import AuthFailed, BadMessage


@contextmanager
def link_errors() -> Iterator[None]:
    """Raise the protocol library's message and handshake errors as the LinkError that closes
    the link with their code."""
    try:
        yield
    except HandshakeError as exc:
        raise AuthFailed(exc.code, exc.message) from exc
    except MessageError as exc:
        raise BadMessage(exc.code, str(exc.detail)) from exc
