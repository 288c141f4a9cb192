"""Crash safety on SQLite: SIGKILL a real node while clients post, restart it, and find every
notice that got a 201 in the feed, once, at its index; nothing doubled, no gap, a valid log."""

from __future__ import annotations

import asyncio
import base64
import json
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from hotline_protocol.audit import verify_export
from hotline_protocol.entries import decode_entry
from tests.helpers.node_process import NodeProcess, make_node_dir

pytestmark = [pytest.mark.integration, pytest.mark.slow]

ORIGIN = "hotline.example/alpha"
CLIENTS = 8
KILL_AFTER = 120  # acknowledged posts before the SIGKILL
MAX_POSTS = 5000  # per client, a bound in case the kill never lands


@dataclass
class Posted:
    acked: dict[str, int] = field(default_factory=dict)  # notice id -> index from the 201
    unknown: set[str] = field(default_factory=set)  # sent, but the answer was lost in the crash
    refused: list[str] = field(default_factory=list)


async def post_until_failure(url: str, token: str, client_no: int, posted: Posted) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=url, headers=headers, timeout=10.0) as client:
        for n in range(MAX_POSTS):
            notice_id = str(uuid.uuid4())
            body = {
                "id": notice_id,
                "kind": "liaison",
                "status": "test",
                "language": "en",
                "text": f"client {client_no} notice {n}",
            }
            try:
                response = await client.post("/v1/notices", json=body)
            except httpx.HTTPError:
                posted.unknown.add(notice_id)
                return
            if response.status_code != 201:
                posted.refused.append(f"{response.status_code} {response.text}")
                return
            posted.acked[notice_id] = response.json()["index"]


def read_feed(url: str, token: str) -> list[str]:
    """Every entry's notice id, in index order, each entry checked against the previous one."""
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=url, headers=headers, timeout=30.0) as client:
        size = client.get("/healthz").json()["sizes"]["alpha"]
        ids: list[str] = []
        prev = b""
        while len(ids) < size:
            page = client.get("/v1/logs/alpha/entries", params={"start": len(ids)}).json()
            for raw in (base64.b64decode(e) for e in page["entries"]):
                entry = decode_entry(raw, origin=ORIGIN, index=len(ids), prev=prev)
                ids.append(str(entry.notice.id))
                prev = entry.leaf_hash
        return ids


async def test_sigkill_while_posting_loses_and_doubles_nothing(tmp_path: Path) -> None:
    directory, tokens = make_node_dir(tmp_path, "alpha", ORIGIN)
    node = NodeProcess(directory)
    node.start()
    try:
        posted = Posted()
        workers = [
            asyncio.create_task(post_until_failure(node.url, tokens["automation"], i, posted))
            for i in range(CLIENTS)
        ]
        while len(posted.acked) < KILL_AFTER and not all(w.done() for w in workers):
            await asyncio.sleep(0.005)
        await asyncio.to_thread(node.kill)
        await asyncio.wait_for(asyncio.gather(*workers), timeout=30)
        assert posted.refused == []
        assert len(posted.acked) >= KILL_AFTER
        assert posted.unknown, "the crash should have cut some posts short"

        node.start()
        ids = read_feed(node.url, tokens["auditor"])

        assert len(ids) == len(set(ids)), "a notice is in the feed twice"
        assert set(ids) <= set(posted.acked) | posted.unknown, "an entry nobody posted"
        for notice_id, index in posted.acked.items():
            assert ids[index] == notice_id, f"acknowledged notice {notice_id} not at {index}"

        # the node goes on where it was, and the whole log still verifies
        headers = {"Authorization": f"Bearer {tokens['operator']}"}
        after = httpx.post(
            f"{node.url}/v1/notices",
            headers=headers,
            json={"kind": "liaison", "status": "test", "text": "after", "language": "en"},
        )
        assert after.status_code == 201
        assert after.json()["index"] == len(ids)
        auditor = {"Authorization": f"Bearer {tokens['auditor']}"}
        export = httpx.get(f"{node.url}/v1/audit/export", headers=auditor, timeout=30.0)
        assert export.status_code == 200
        report = verify_export(export.content)
        assert report.sound, report.render()  # consistent; these nodes' cards are not pinned
        assert json.loads(export.content)["sides"][0]["name"] == "alpha"
    finally:
        node.stop()
