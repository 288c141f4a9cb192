"""Crash safety on Redis (appendonly yes, appendfsync always), with real processes.

- SIGKILL the node while clients post, restart it: every notice that got a 201 is in the feed,
  once, at its index; nothing doubled, no gap, the log verifies.
- SIGKILL redis-server while clients post and start it again on the same port and directory:
  posts during the outage are refused (503 ``store_unavailable``), never answered 201 unless
  stored; the node takes posts again without a restart, every 201 is in the feed once, the log
  verifies, and a restarted node reads the same feed.
- A write that Redis stored but whose reply was lost (the connection died after the fsync): the
  client gets a 503, and the next post appends after that entry instead of failing forever.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from hotline.app import create_app
from hotline.auth.users import add_user
from hotline.errors import StoreError
from hotline.keys import generate_keys
from hotline.settings import Settings
from hotline.store.base import CheckpointRecord
from hotline.store.redis import RedisStore
from hotline_protocol.audit import verify_export
from tests.helpers.node_process import NodeProcess, make_node_dir
from tests.helpers.redis_server import RedisServer
from tests.integration.test_crash_sqlite import ORIGIN, Posted, post_until_failure, read_feed

pytestmark = [pytest.mark.integration, pytest.mark.slow]

CLIENTS = 8
KILL_AFTER = 120  # acknowledged posts before a SIGKILL
AFTER_RESTART = 60  # acknowledged posts after redis-server is back
TIMEOUT = 30.0


async def wait_until(cond: Callable[[], bool], what: str, timeout: float = TIMEOUT) -> None:
    try:
        async with asyncio.timeout(timeout):
            while not cond():
                await asyncio.sleep(0.005)
    except TimeoutError:
        raise AssertionError(f"timed out after {timeout}s waiting for {what}") from None


def liaison(notice_id: str, text: str) -> dict[str, str]:
    return {"id": notice_id, "kind": "liaison", "status": "test", "language": "en", "text": text}


def verify_log(url: str, token: str) -> None:
    export = httpx.get(
        f"{url}/v1/audit/export", headers={"Authorization": f"Bearer {token}"}, timeout=TIMEOUT
    )
    assert export.status_code == 200, export.text
    report = verify_export(export.content)
    assert report.sound, report.render()  # consistent; these nodes' cards are not pinned


def check_feed(ids: Sequence[str], acked: Mapping[str, int], unsure: set[str]) -> None:
    """Every acknowledged notice at its index, nothing twice, nothing nobody posted."""
    assert len(ids) == len(set(ids)), "a notice is in the feed twice"
    assert set(ids) <= set(acked) | unsure, "an entry nobody posted"
    for notice_id, index in acked.items():
        assert index < len(ids) and ids[index] == notice_id, f"{notice_id} (201) not at {index}"


# the node dies -----------------------------------------------------------------------------


async def test_sigkill_node_on_redis_loses_and_doubles_nothing(
    tmp_path: Path, redis_server: RedisServer
) -> None:
    directory, tokens = make_node_dir(tmp_path, "alpha", ORIGIN, redis_server.url)
    node = NodeProcess(directory)
    node.start()
    try:
        posted = Posted()
        workers = [
            asyncio.create_task(post_until_failure(node.url, tokens["automation"], i, posted))
            for i in range(CLIENTS)
        ]
        await wait_until(
            lambda: len(posted.acked) >= KILL_AFTER or all(w.done() for w in workers),
            f"{KILL_AFTER} posts",
        )
        await asyncio.to_thread(node.kill)
        await asyncio.wait_for(asyncio.gather(*workers), timeout=TIMEOUT)
        assert posted.refused == []
        assert len(posted.acked) >= KILL_AFTER
        assert posted.unknown, "the crash should have cut some posts short"

        node.start()
        ids = read_feed(node.url, tokens["auditor"])
        check_feed(ids, posted.acked, posted.unknown)
        after = httpx.post(
            f"{node.url}/v1/notices",
            headers={"Authorization": f"Bearer {tokens['operator']}"},
            json=liaison(str(uuid.uuid4()), "after the crash"),
        )
        assert after.status_code == 201, after.text
        assert after.json()["index"] == len(ids)
        verify_log(node.url, tokens["auditor"])
    finally:
        node.stop()


# redis-server dies -------------------------------------------------------------------------


@dataclass
class Outcomes:
    acked: dict[str, int] = field(default_factory=dict)  # notice id -> index from the 201
    refused: set[str] = field(default_factory=set)  # 503 store_unavailable
    failed: set[str] = field(default_factory=set)  # no answer (connection error, timeout)
    unexpected: list[str] = field(default_factory=list)


async def keep_posting(
    url: str, token: str, client_no: int, out: Outcomes, stop: asyncio.Event
) -> None:
    """Post until ``stop``, whatever the answers; a refused post is not retried."""
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=url, headers=headers, timeout=10.0) as client:
        n = 0
        while not stop.is_set():
            n += 1
            notice_id = str(uuid.uuid4())
            body = liaison(notice_id, f"client {client_no} notice {n}")
            try:
                r = await client.post("/v1/notices", json=body)
            except httpx.HTTPError:
                out.failed.add(notice_id)
                await asyncio.sleep(0.01)  # pace, not a check: the node may be busy
                continue
            if r.status_code == 201:
                out.acked[notice_id] = r.json()["index"]
            elif r.status_code == 503 and r.json().get("error") == "store_unavailable":
                out.refused.add(notice_id)
                await asyncio.sleep(0.01)  # pace the retries while the store is away
            else:
                out.unexpected.append(f"{r.status_code} {r.text[:300]}")


async def test_redis_restart_while_posting_recovers_without_node_restart(
    tmp_path: Path, redis_server: RedisServer
) -> None:
    directory, tokens = make_node_dir(tmp_path, "alpha", ORIGIN, redis_server.url)
    node = NodeProcess(directory)
    node.start()
    try:
        assert node.process is not None
        pid = node.process.pid
        out, stop = Outcomes(), asyncio.Event()
        workers = [
            asyncio.create_task(keep_posting(node.url, tokens["automation"], i, out, stop))
            for i in range(CLIENTS)
        ]
        await wait_until(lambda: len(out.acked) >= KILL_AFTER, f"{KILL_AFTER} posts")

        await asyncio.to_thread(redis_server.kill)
        await wait_until(lambda: len(out.refused) >= 2 * CLIENTS, "posts refused in the outage")
        health = httpx.get(f"{node.url}/healthz")
        assert health.status_code == 200, "the node stays up while its store is away"

        await asyncio.to_thread(redis_server.start)
        back = len(out.acked)
        await wait_until(
            lambda: len(out.acked) >= back + AFTER_RESTART,
            "posts acknowledged again after redis-server came back",
        )
        stop.set()
        await asyncio.wait_for(asyncio.gather(*workers), timeout=TIMEOUT)

        assert out.unexpected == []
        assert node.process is not None and node.process.pid == pid, "the node was restarted"
        ids = read_feed(node.url, tokens["auditor"])
        check_feed(ids, out.acked, out.refused | out.failed)
        verify_log(node.url, tokens["auditor"])

        # what the node held in memory is what Redis holds: a restarted node reads the same
        node.stop()
        node.start()
        assert read_feed(node.url, tokens["auditor"]) == ids
        after = httpx.post(
            f"{node.url}/v1/notices",
            headers={"Authorization": f"Bearer {tokens['operator']}"},
            json=liaison(str(uuid.uuid4()), "after both restarts"),
        )
        assert after.status_code == 201, after.text
        assert after.json()["index"] == len(ids)
    finally:
        node.stop()


# a write stored, its reply lost ---------------------------------------------------------------


class LostReplyStore(RedisStore):
    """A Redis store whose next append, once armed, is stored but answered with a StoreError,
    as when the connection dies between Redis's fsync and its reply."""

    armed = False

    async def append(
        self,
        origin: str,
        start: int,
        entries: Sequence[tuple[bytes, bytes]],
        checkpoint: CheckpointRecord | None = None,
        refs: Mapping[str, int] | None = None,
    ) -> None:
        await super().append(origin, start, entries, checkpoint, refs)
        if self.armed:
            self.armed = False
            raise StoreError("Redis connection lost while reading the reply")


@pytest.fixture
async def lossy_node(
    tmp_path: Path, redis_server: RedisServer
) -> AsyncIterator[tuple[httpx.AsyncClient, LostReplyStore, dict[str, str]]]:
    settings = Settings(
        dir=tmp_path, side="alpha", origin=ORIGIN, unit="JOC", nation="XAA", store=redis_server.url
    )
    generate_keys(settings)
    store = LostReplyStore(redis_server.url)
    app = create_app(settings, store=store)
    async with app.router.lifespan_context(app):
        _, token = await add_user(store, "ops", "operator", 0)
        _, audit = await add_user(store, "audit", "auditor", 0)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://node") as client:
            yield client, store, {"operator": token, "auditor": audit}


async def test_a_stored_write_whose_reply_was_lost_does_not_wedge_the_feed(
    lossy_node: tuple[httpx.AsyncClient, LostReplyStore, dict[str, str]],
) -> None:
    client, store, tokens = lossy_node
    ops = {"Authorization": f"Bearer {tokens['operator']}"}
    for i in range(3):
        r = await client.post("/v1/notices", json=liaison(str(uuid.uuid4()), f"n{i}"), headers=ops)
        assert r.status_code == 201, r.text

    lost_id = str(uuid.uuid4())
    store.armed = True
    lost = await client.post(
        "/v1/notices",
        json=liaison(lost_id, "stored, answer lost"),
        headers={**ops, "Idempotency-Key": "lost-1"},
    )
    assert (lost.status_code, lost.json()["error"]) == (503, "store_unavailable"), lost.text
    assert await store.size(ORIGIN) == 4, "the write was stored"

    nxt = await client.post("/v1/notices", json=liaison(str(uuid.uuid4()), "next"), headers=ops)
    assert nxt.status_code == 201, f"the feed is wedged: {nxt.text}"
    assert nxt.json()["index"] == 4
    assert (await client.get("/healthz")).json()["sizes"] == {"alpha": 5}

    got = await client.get("/v1/notices/alpha/3", headers=ops)
    assert got.status_code == 200 and got.json()["id"] == lost_id, got.text
    retry = await client.post(
        "/v1/notices",
        json=liaison(lost_id, "stored, answer lost"),
        headers={**ops, "Idempotency-Key": "lost-1"},
    )
    assert retry.status_code == 200 and retry.json()["index"] == 3, retry.text
    assert retry.headers["Idempotent-Replayed"] == "true"

    export = await client.get(
        "/v1/audit/export", headers={"Authorization": f"Bearer {tokens['auditor']}"}
    )
    report = verify_export(export.content)
    assert report.sound, report.render()  # consistent; these nodes' cards are not pinned
    assert len(json.loads(export.content)["sides"][0]["entries"]) == 5
