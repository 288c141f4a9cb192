"""Errors of the peer link.

LinkError            the link must close (``code`` is the WebSocket close code)
└── Refusal          the peer sent something that does not verify; kept as evidence
"""

from __future__ import annotations


class LinkError(Exception):
    def __init__(self, reason: str, detail: str = "", close_code: int = 4400) -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail
        self.close_code = close_code


class Refusal(LinkError):  # noqa: N818 - a refusal, not a failure
    """Input from the peer that failed verification; ``raw`` is what was received."""

    def __init__(self, reason: str, detail: str, raw: bytes) -> None:
        super().__init__(reason, detail, 4422)
        self.raw = raw
