"""Errors of the demo package.

DemoError              the demo cannot go on; the message says why
├── LinkError          the two nodes did not report a connected peer link in time
└── RefusedError       a node answered a demo request with an error (status, code, detail)
"""

from __future__ import annotations

from typing import Any


class DemoError(Exception):
    """The demo cannot go on; ``str(exc)`` says why."""


class LinkError(DemoError):
    """The nodes did not both report ``connected`` at ``GET /v1/link`` within the time allowed."""


class RefusedError(DemoError):
    """A node refused a request: the HTTP ``status``, the API's error ``code`` and ``detail``."""

    def __init__(self, status: int, code: str, detail: Any) -> None:
        super().__init__(f"{status} {code}: {detail}")
        self.status = status
        self.code = code
        self.detail = detail
