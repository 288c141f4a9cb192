"""The stream's close codes, and its errors' place in the node's tree (:mod:`hotline.errors`).

    StreamError             a client message is refused; the connection stays open
    └── (codes)             forbidden, bad_cursor, already_subscribed, not_subscribed, ...

    Close                   the session must end with a WebSocket close code and a reason

A frame that is not a client message raises the protocol library's MessageError
(``malformed_json``, ``invalid_request``, ``unknown_type``); the session answers it with an
``error`` message of that code and detail, or, before authentication, closes with 4401.

A StreamError, and any error of the services a message reaches (the node's and the protocol
library's), is answered with the code and detail :func:`hotline.errors.explain` gives: the same
as the REST API's.
"""

from __future__ import annotations

from ..errors import HotlineError

# close codes: 1xxx from RFC 6455, 4xxx private to this protocol (HTTP status + 4000 where one fits)
CLOSE_NORMAL = 1000
CLOSE_TOO_BIG = 1009
CLOSE_INTERNAL = 1011
CLOSE_UNAUTHENTICATED = 4401
CLOSE_FORBIDDEN = 4403
CLOSE_SLOW_CONSUMER = 4008
CLOSE_TOO_MANY = 4429  # too many connections: the node's or the user's


class Close(HotlineError):  # noqa: N818 - a request, not a failure
    """End the session with ``close_code`` and ``reason`` (its code: stable, at most 123
    bytes)."""

    def __init__(self, close_code: int, reason: str) -> None:
        super().__init__(reason)
        self.close_code = close_code

    @property
    def reason(self) -> str:
        return self.code

    def __str__(self) -> str:
        return f"{self.close_code} {self.reason}"
