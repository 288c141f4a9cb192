"""Errors of the stream, and how any error becomes a message the client can act on.

    StreamError             a client message is refused; the connection stays open
    └── (codes)             forbidden, bad_cursor, already_subscribed, not_subscribed, ...

    Close                   the session must end with a WebSocket close code and a reason

A frame that is not a client message raises the protocol library's MessageError
(``malformed_json``, ``invalid_request``, ``unknown_type``); the session answers it with an
``error`` message of that code and detail, or, before authentication, closes with 4401.

Errors raised by the services a message reaches (NoticeError, ProtocolError, RuleError,
UserError, StoreError) are described with the same codes and details as the REST API gives.
"""

from __future__ import annotations

from typing import Any

from ..errors import describe as describe_service_error

# close codes: 1xxx from RFC 6455, 4xxx private to this protocol (HTTP status + 4000 where one fits)
CLOSE_NORMAL = 1000
CLOSE_TOO_BIG = 1009
CLOSE_INTERNAL = 1011
CLOSE_UNAUTHENTICATED = 4401
CLOSE_FORBIDDEN = 4403
CLOSE_SLOW_CONSUMER = 4008


class StreamError(Exception):
    """A refused client message: ``code`` is stable, ``detail`` says why."""

    def __init__(self, code: str, detail: Any) -> None:
        super().__init__(f"{code}: {detail}")
        self.code = code
        self.detail = detail


class Close(Exception):  # noqa: N818 - a request, not a failure
    """End the session with ``code`` and ``reason`` (a stable code, at most 123 bytes)."""

    def __init__(self, code: int, reason: str) -> None:
        super().__init__(f"{code} {reason}")
        self.code = code
        self.reason = reason


def describe(exc: Exception) -> tuple[str, Any] | None:
    """``(code, detail)`` for an error a client caused, as the REST API reports it; None for
    anything else (a bug, answered as ``internal_error``)."""
    if isinstance(exc, StreamError):
        return exc.code, exc.detail
    described = describe_service_error(exc)
    return None if described is None else described[1:]
