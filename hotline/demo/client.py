"""A small async client of one node for the traffic generator: REST calls and the event stream.

REST answers that are not 2xx become :class:`RefusedError` with the API's error code and detail.
:meth:`NodeClient.follow` keeps a ``/v1/stream`` subscription up: on a dropped connection it
reconnects and resumes from the last cursor it saw, so no event is missed or seen twice.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from typing import Any

import httpx
from websockets.asyncio.client import connect
from websockets.exceptions import WebSocketException

from .errors import RefusedError

log = logging.getLogger("hotline.demo")
RECONNECT_SECONDS = 1.0

Event = dict[str, Any]


class NodeClient:
    """One user's view of one node: ``url`` like ``http://127.0.0.1:8400``, a bearer token."""

    def __init__(self, url: str, token: str, *, timeout: float = 15.0) -> None:
        self.url = url.rstrip("/")
        self.token = token
        self.http = httpx.AsyncClient(
            base_url=self.url,
            headers={"Authorization": f"Bearer {token}"},
            timeout=httpx.Timeout(timeout, connect=5.0),
        )

    async def aclose(self) -> None:
        await self.http.aclose()

    async def _call(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        response = await self.http.request(method, path, **kwargs)
        try:
            body = response.json()
        except ValueError:
            body = None
        if not response.is_success:
            if isinstance(body, dict) and "error" in body:
                raise RefusedError(response.status_code, body["error"], body.get("detail"))
            raise RefusedError(response.status_code, "http_error", response.text[:300])
        if not isinstance(body, dict):
            raise RefusedError(response.status_code, "not_json", response.text[:300])
        return body

    async def post(self, notice: dict[str, Any]) -> dict[str, Any]:
        """Post a notice; the entry it became (side, origin, index, leaf_hash, id, notice)."""
        return await self._call("POST", "/v1/notices", json=notice)

    async def ack(
        self,
        side: str,
        index: int,
        response: str,
        *,
        reason: str | None = None,
        remark: str | None = None,
    ) -> dict[str, Any]:
        """Acknowledge the other side's entry; retried safely (an idempotency key per entry)."""
        body: dict[str, Any] = {"response": response}
        if reason is not None:
            body["reason"] = reason
        if remark is not None:
            body["remark"] = remark
        headers = {"Idempotency-Key": f"demo-ack-{side}-{index}"}
        return await self._call(
            "POST", f"/v1/notices/{side}/{index}/ack", json=body, headers=headers
        )

    async def cancel(
        self, side: str, index: int, reason: str, remark: str | None = None
    ) -> dict[str, Any]:
        body: dict[str, Any] = {"reason": reason}
        if remark is not None:
            body["remark"] = remark
        return await self._call("POST", f"/v1/notices/{side}/{index}/cancel", json=body)

    async def notice(self, side: str, index: int) -> dict[str, Any]:
        """One notice with its state (delivered, acknowledged, superseded_by, ...)."""
        return await self._call("GET", f"/v1/notices/{side}/{index}")

    @property
    def stream_url(self) -> str:
        return self.url.replace("http", "ws", 1) + "/v1/stream"

    async def follow(self, filters: dict[str, Any], handle: Callable[[Event], None]) -> None:
        """Subscribe to the node's events from the start of both feeds and call ``handle`` for
        each, forever (until cancelled), reconnecting after a dropped connection."""
        cursor = ""  # from the beginning: a backlog is handled like live events
        headers = {"Authorization": f"Bearer {self.token}"}
        while True:
            try:
                async with connect(
                    self.stream_url, additional_headers=headers, open_timeout=10
                ) as ws:
                    subscribe = {"type": "subscribe", "id": "demo", "filters": filters}
                    await ws.send(json.dumps({**subscribe, "cursor": cursor}))
                    async for frame in ws:
                        message = json.loads(frame)
                        if message.get("type") == "event":
                            event: Event = message["event"]
                            cursor = event.get("cursor", cursor)
                            handle(event)
                        elif message.get("type") == "replayed":  # past what the filters skip
                            cursor = message["cursor"]
                        elif message.get("type") == "error":
                            log.warning("stream of %s: %s", self.url, message)
            except (OSError, TimeoutError, WebSocketException) as exc:
                log.debug("stream of %s dropped: %s", self.url, exc)
            await asyncio.sleep(RECONNECT_SECONDS)
