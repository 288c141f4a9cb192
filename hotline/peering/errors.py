"""Errors of the peer link, and how the protocol library's errors become them.

LinkError            the link must close (``code`` is the WebSocket close code)
└── Refusal          the peer sent something that does not verify; kept as evidence

A malformed message (:class:`~hotline_protocol.errors.MessageError`, ``bad_message``) closes the
link with 4400, a handshake that does not verify (:class:`~hotline_protocol.errors.HandshakeError`,
``bad_auth``) with 4401: :func:`link_errors` turns one into the other.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from hotline_protocol.errors import HandshakeError, MessageError

CLOSE_BAD_MESSAGE = 4400
CLOSE_UNAUTHENTICATED = 4401


class LinkError(Exception):
    def __init__(self, reason: str, detail: str = "", close_code: int = CLOSE_BAD_MESSAGE) -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail
        self.close_code = close_code


class Refusal(LinkError):  # noqa: N818 - a refusal, not a failure
    """Input from the peer that failed verification; ``raw`` is what was received."""

    def __init__(self, reason: str, detail: str, raw: bytes) -> None:
        super().__init__(reason, detail, 4422)
        self.raw = raw


@contextmanager
def link_errors() -> Iterator[None]:
    """Raise the protocol library's message and handshake errors as the LinkError that closes
    the link with their code."""
    try:
        yield
    except HandshakeError as exc:
        raise LinkError(exc.code, exc.message, CLOSE_UNAUTHENTICATED) from exc
    except MessageError as exc:
        raise LinkError(exc.code, str(exc.detail), CLOSE_BAD_MESSAGE) from exc
