"""Errors of the demo package, a branch of :class:`hotline.errors.HotlineError`.

DemoError              the demo cannot go on; the message says why
├── InUseError         a side's directory already exists under the demo's directory, or a port
│                      the demo needs is taken (the demo changed nothing)
├── NotLinkedError     the two nodes did not report a connected peer link in time
├── NodeExitedError    a node's process exited while the demo ran (its log tail in the message)
├── RefusedError       a node answered a demo request with an error (status, code, detail)
└── SampleError        the sample notice could not be posted (the node's answer, if any)

Setting up a node may also raise :class:`hotline.provision.errors.ProvisionError` (among them
``NodeStartError``, a node that did not come up).
"""

from __future__ import annotations

from typing import Any

import httpx

from ..errors import HotlineError


class DemoError(HotlineError):
    """The demo cannot go on; ``str(exc)`` says why."""

    code = "demo_failed"

    def __init__(self, message: str) -> None:
        super().__init__(type(self).code, message)

    def __str__(self) -> str:
        return str(self.detail)


class InUseError(DemoError):
    """A side's directory exists under the demo's directory, or a demo port is not free."""

    code = "in_use"


class NotLinkedError(DemoError):
    """The nodes did not both report ``connected`` at ``GET /v1/link`` within the time allowed."""

    code = "not_linked"


class NodeExitedError(DemoError):
    """A node's process exited while the demo ran; ``side`` names it, the message has its log
    tail."""

    code = "node_exited"

    def __init__(self, side: str, log_tail: str) -> None:
        super().__init__(f"node {side} exited:\n{log_tail}")
        self.side = side


class RefusedError(DemoError):
    """A node refused a request: the HTTP ``status`` it answered, the API's error ``code`` and
    ``detail``."""

    def __init__(self, status: int, code: str, detail: Any) -> None:
        HotlineError.__init__(self, code, detail)
        self.status = status

    def __str__(self) -> str:
        return f"{self.status} {self.code}: {self.detail}"


class SampleError(DemoError):
    """The sample notice was not posted: ``response`` is the node's answer when it refused,
    None when the node could not be reached."""

    code = "sample_failed"

    def __init__(self, message: str, response: httpx.Response | None = None) -> None:
        super().__init__(message)
        self.response = response
