"""Errors of the demo package.

DemoError              the demo cannot go on; the message says why
├── InUseError         a side's directory already exists under the demo's directory, or a port
│                      the demo needs is taken (the demo changed nothing)
├── LinkError          the two nodes did not report a connected peer link in time
├── NodeExitedError    a node's process exited while the demo ran (its log tail in the message)
├── RefusedError       a node answered a demo request with an error (status, code, detail)
└── SampleError        the sample notice could not be posted (the node's answer, if any)

Setting up a node may also raise :class:`hotline.provision.errors.ProvisionError` (among them
``NodeStartError``, a node that did not come up).
"""

from __future__ import annotations

from typing import Any

import httpx


class DemoError(Exception):
    """The demo cannot go on; ``str(exc)`` says why."""


class InUseError(DemoError):
    """A side's directory exists under the demo's directory, or a demo port is not free."""


class LinkError(DemoError):
    """The nodes did not both report ``connected`` at ``GET /v1/link`` within the time allowed."""


class NodeExitedError(DemoError):
    """A node's process exited while the demo ran; ``side`` names it, the message has its log
    tail."""

    def __init__(self, side: str, log_tail: str) -> None:
        super().__init__(f"node {side} exited:\n{log_tail}")
        self.side = side


class RefusedError(DemoError):
    """A node refused a request: the HTTP ``status``, the API's error ``code`` and ``detail``."""

    def __init__(self, status: int, code: str, detail: Any) -> None:
        super().__init__(f"{status} {code}: {detail}")
        self.status = status
        self.code = code
        self.detail = detail


class SampleError(DemoError):
    """The sample notice was not posted: ``response`` is the node's answer when it refused,
    None when the node could not be reached."""

    def __init__(self, message: str, response: httpx.Response | None = None) -> None:
        super().__init__(message)
        self.response = response
