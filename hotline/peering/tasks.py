"""The peer link's tasks ended: cancelled, and waited for until every one has."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import Any

from ..errors import LinkError
from .transport import Closed

log = logging.getLogger("hotline.peering")


async def cancel_all(tasks: Sequence[asyncio.Task[Any]]) -> None:
    """Cancel the tasks and wait until every one has ended. A cancellation can be lost
    (a library that catches it in the wrong place, a timeout context exiting at the same
    moment), so a task still running after a moment is cancelled again."""
    pending = set(tasks)
    while pending:
        for task in pending:
            task.cancel()
        _, pending = await asyncio.wait(pending, timeout=0.5)
    for task in tasks:
        if not task.cancelled() and task.exception() is not None:
            exc = task.exception()
            if not isinstance(exc, Closed | LinkError):
                log.error("peer link task %s failed", task.get_name(), exc_info=exc)
