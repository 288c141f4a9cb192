"""Optional webhook: POST a JSON description of each overdue notice to a configured URL."""

from __future__ import annotations

import logging

import httpx

from ..feeds.index import NoticeRecord
from ..feeds.views import deadline_ms
from ..settings import Deadlines
from .deadlines import Hook

log = logging.getLogger("hotline.acks")


def overdue_webhook(own_side: str, deadlines: Deadlines, url: str) -> Hook:
    """A deadline hook that posts ``{"event": "overdue", ...}`` to ``url`` (5 s timeout)."""

    async def hook(rec: NoticeRecord) -> None:
        body = {
            "event": "overdue",
            "node": own_side,
            "side": rec.side,
            "index": rec.index,
            "id": rec.id,
            "kind": rec.kind,
            "precedence": rec.precedence,
            "deadline": deadline_ms(rec, deadlines),
        }
        async with httpx.AsyncClient(timeout=5.0) as client:
            response = await client.post(url, json=body)
        if response.status_code >= 300:
            log.warning("overdue webhook answered %s", response.status_code)

    return hook
