"""A node restored from a backup older than what its peer cosigned of its feed takes the missing
entries back from the peer (same bytes, same indexes) instead of forking its own log; until it
has, posts are refused (``feed_behind``); forged recovered entries are refused with evidence."""

from __future__ import annotations

import asyncio
import base64
import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import connect

from hotline_protocol.audit import verify_export
from hotline_protocol.checkpoint import Checkpoint, sign_checkpoint
from hotline_protocol.cosignature import cosign
from hotline_protocol.entries import decode_entry, encode_entry
from hotline_protocol.merkle import Tree, leaf_hash
from hotline_protocol.note import Signer, add_signatures, split_note
from tests.helpers.fake_peer import FakePeer, b64
from tests.helpers.redis_server import RedisServer, redis_server_binary
from tests.helpers.stream_client import ws_url

from .conftest import TIMEOUT, EventLog, LiveNode, Nodes, wait_until

DB_FILES = ("hotline.db", "hotline.db-wal", "hotline.db-shm")


def liaison(text: str) -> dict[str, Any]:
    return {"kind": "liaison", "status": "exercise", "text": text, "language": "en"}


def copy_store(source: Path, target: Path) -> None:
    """Copy a stopped node's SQLite files (those that exist; the others removed at target)."""
    target.mkdir(exist_ok=True)
    for name in DB_FILES:
        (target / name).unlink(missing_ok=True)
        if (source / name).exists():
            shutil.copy2(source / name, target / name)


async def entries_of(live: LiveNode, side: str) -> list[bytes]:
    out: list[bytes] = []
    size = (await live.get("/healthz"))["sizes"][side]
    while len(out) < size:
        page = await live.get(f"/v1/logs/{side}/entries", start=len(out))
        out += [base64.b64decode(e) for e in page["entries"]]
    return out


async def try_post(live: LiveNode, text: str) -> httpx.Response:
    async with httpx.AsyncClient(timeout=TIMEOUT) as client:
        return await client.post(
            f"{live.http}/v1/notices", json=liaison(text), headers=live.headers()
        )


async def post_and_deliver(alpha: LiveNode, bravo: LiveNode, n: int) -> None:
    for i in range(n):
        await alpha.post(liaison(f"alpha {alpha.size('alpha')} #{i}"))
    size = alpha.size("alpha")
    await wait_until(
        lambda: bravo.size("alpha") == size and alpha.node.index.delivered_size("alpha") == size,
        f"bravo cosigning alpha's {size} entries",
    )


class Backup:
    """Backs up and restores alpha's store while alpha is stopped: the SQLite files, or the
    directory of alpha's own ``redis-server`` (stopped for the copy, as a restore does)."""

    def __init__(self, alpha_dir: Path, redis: RedisServer | None) -> None:
        self.redis = redis
        self.source = alpha_dir if redis is None else redis.directory
        self.copy = alpha_dir.parent / "alpha-backup"

    def _files(self, source: Path, target: Path) -> None:
        if self.redis is None:
            copy_store(source, target)
            return
        self.redis.stop()
        shutil.rmtree(target, ignore_errors=True)
        shutil.copytree(source, target)
        self.redis.start()

    def take(self) -> None:
        self._files(self.source, self.copy)

    def restore(self) -> None:
        self._files(self.copy, self.source)


@pytest.fixture(params=["sqlite", "sqlite-tls", "redis"])
def alpha_store(
    request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[tuple[str, RedisServer | None]]:
    """alpha's store: SQLite, or a Redis of its own (stopped after the nodes); with
    ``sqlite-tls`` bravo serves HTTPS and alpha dials it over TLS, pinning its certificate."""
    if request.param != "redis":
        yield request.param, None
        return
    redis_server_binary()
    redis = RedisServer(tmp_path / "redis-alpha").start()
    try:
        yield request.param, redis
    finally:
        redis.stop()


@pytest.fixture
async def pair_and_backup(
    alpha_store: tuple[str, RedisServer | None], nodes: Nodes
) -> tuple[LiveNode, LiveNode, Backup]:
    """alpha (on SQLite, or on its Redis) dialing bravo (SQLite), and alpha's backup."""
    kind, redis = alpha_store
    a = nodes.prepare("alpha", store=redis.url if redis else None)
    b = nodes.prepare("bravo", tls=kind == "sqlite-tls")
    card = b.card(dial=True)
    if kind == "sqlite-tls":
        card = card.model_copy(update={"tls_ca": str(b.settings.dir / "cert.pem")})
    alpha, bravo = await asyncio.gather(nodes.start(a, card), nodes.start(b, a.card(dial=False)))
    return alpha, bravo, Backup(a.settings.dir, redis)


async def test_a_node_restored_from_an_older_backup_recovers_its_feed_from_the_peer(
    nodes: Nodes, pair_and_backup: tuple[LiveNode, LiveNode, Backup]
) -> None:
    alpha, bravo, backup = pair_and_backup
    await post_and_deliver(alpha, bravo, 3)
    await alpha.stop()
    backup.take()  # 3 entries
    await alpha.start()
    await post_and_deliver(alpha, bravo, 3)  # 6 entries, all cosigned by bravo
    held_by_bravo = await entries_of(bravo, "alpha")
    assert len(held_by_bravo) == 6

    await alpha.stop()
    backup.restore()  # the restore drill
    await alpha.start()
    await wait_until(lambda: alpha.size("alpha") == 6, "alpha recovering its entries 3-5")
    await wait_until(alpha.connected, "the link up again")
    assert await entries_of(alpha, "alpha") == held_by_bravo  # same bytes, same indexes
    link = await alpha.get("/v1/link")
    assert link["own_behind"] is None and link["own_delivered_size"] == 6
    assert (await alpha.get("/healthz"))["own_behind"] is None

    posted = await alpha.post(liaison("after the restore"))
    assert posted["index"] == 6
    await wait_until(lambda: bravo.size("alpha") == 7, "bravo receiving entry 6")
    assert await entries_of(bravo, "alpha") == await entries_of(alpha, "alpha")
    assert not await bravo.evidence() and not await alpha.evidence()
    async with httpx.AsyncClient(timeout=TIMEOUT) as client:
        export = await client.get(f"{alpha.http}/v1/audit/export", headers=alpha.headers("auditor"))
    report = verify_export(export.content)
    assert report.sound, report.render()

    # the recovered entries, their checkpoint and bravo's receipt are durable: a restart keeps them
    await alpha.stop()
    await alpha.start()
    assert await entries_of(alpha, "alpha") == await entries_of(bravo, "alpha")
    assert alpha.node.index.delivered_size("alpha") >= 6


async def test_a_restored_node_that_posted_before_its_peer_was_back_is_refused_as_a_fork(
    nodes: Nodes, pair_and_backup: tuple[LiveNode, LiveNode, Backup]
) -> None:
    """Before the first handshake a node cannot know it is behind, and posts are allowed (its
    peer may be down for long). A restored node that posts then forks its feed: when the peer
    is back, its recovery is refused (``own_fork``, with evidence), nothing is appended on
    either side, and posts are refused."""
    alpha, bravo, backup = pair_and_backup
    await post_and_deliver(alpha, bravo, 3)
    await alpha.stop()
    backup.take()
    await alpha.start()
    await post_and_deliver(alpha, bravo, 3)
    held_by_bravo = await entries_of(bravo, "alpha")
    await alpha.stop()
    await bravo.stop()
    backup.restore()
    await alpha.start()
    assert (await alpha.post(liaison("posted while bravo is down")))["index"] == 3
    events = nodes.events(alpha)
    await bravo.start()
    alarm = await events.wait_for("alarm", reason="refused", code="own_fork")
    evidence = await alpha.evidence()
    assert [e["reason"] for e in evidence] == ["own_fork"] and alarm["evidence"] == evidence[0][
        "id"
    ]
    assert held_by_bravo[4] in base64.b64decode(evidence[0]["raw"])
    r = await try_post(alpha, "would fork further")
    assert (r.status_code, r.json()["error"]) == (503, "feed_behind")
    assert (await alpha.get("/v1/link"))["own_behind"] == 6
    assert alpha.size("alpha") == 4 and await entries_of(bravo, "alpha") == held_by_bravo


async def test_a_long_recovery_comes_in_several_messages(
    nodes: Nodes, monkeypatch: pytest.MonkeyPatch
) -> None:
    """150 entries lost: more than one ``recovered`` message carries them, in order; bravo reads
    the checkpoint that ends each run, not every checkpoint it holds."""
    alpha, bravo = await nodes.pair()
    await post_and_deliver(alpha, bravo, 2)
    directory = alpha.prepared.settings.dir
    backup = directory.parent / "alpha-backup"
    await alpha.stop()
    copy_store(directory, backup)
    await alpha.start()
    async with httpx.AsyncClient(timeout=TIMEOUT) as client:
        for first in range(0, 150, 50):
            replies = await asyncio.gather(
                *(
                    client.post(
                        f"{alpha.http}/v1/notices",
                        json=liaison(f"alpha {i}"),
                        headers=alpha.headers(),
                    )
                    for i in range(first, first + 50)
                )
            )
            assert all(r.status_code == 201 for r in replies)
    await wait_until(
        lambda: alpha.node.index.delivered_size("alpha") == 152, "bravo cosigning 152 entries"
    )
    await alpha.stop()

    async def whole(origin: str) -> Any:
        raise AssertionError(f"a whole read of {origin}'s checkpoints")

    monkeypatch.setattr(bravo.node.store, "checkpoints", whole)
    copy_store(backup, directory)
    await alpha.start()
    await wait_until(lambda: alpha.size("alpha") == 152, "alpha recovering 150 entries")
    assert await entries_of(alpha, "alpha") == await entries_of(bravo, "alpha")
    assert (await alpha.post(liaison("next")))["index"] == 152
    await wait_until(lambda: bravo.size("alpha") == 153, "bravo receiving entry 152")


async def recovering(nodes: Nodes) -> tuple[FakePeer, LiveNode, Any, list[bytes], EventLog]:
    """bravo (a real node, 2 entries of its own) faces a fake alpha that claims to have
    cosigned 5 of bravo's entries and does not send them."""
    fake = FakePeer()
    bravo = await nodes.facing(fake)
    for i in range(2):
        await bravo.post(liaison(f"bravo {i}"))
    held = await entries_of(bravo, "bravo")
    events = nodes.events(bravo)
    link = await fake.connect(
        bravo.peer_ws,
        bravo.prepared.keys.log.vkey,
        status={"size": 0, "have": 5, "cosigned": 5},
    )
    assert (await link.expect("recover"))["size"] == 2
    alarm = await events.wait_for("alarm", reason="feed_behind")
    assert "holds 5 entries" in alarm["detail"]
    return fake, bravo, link, held, events


async def test_posts_are_refused_while_the_peer_holds_more_of_the_feed(nodes: Nodes) -> None:
    _, bravo, _, held, _ = await recovering(nodes)
    r = await try_post(bravo, "would fork the feed")
    assert r.status_code == 503, r.text
    assert r.json()["error"] == "feed_behind"
    async with connect(
        ws_url(bravo.http, "/v1/stream"),
        additional_headers={"Authorization": f"Bearer {bravo.tokens['operator']}"},
    ) as ws:
        await ws.send(json.dumps({"type": "post", "id": 1, "notice": liaison("over the stream")}))
        async with asyncio.timeout(TIMEOUT):
            reply = json.loads(await ws.recv())
    assert (reply["type"], reply["id"], reply["error"]) == ("error", 1, "feed_behind"), reply
    assert (await bravo.get("/v1/link"))["own_behind"] == 5
    assert (await bravo.get("/healthz"))["own_behind"] == 5
    metrics = (await bravo.get("/metrics")).decode()
    assert "\nhotline_own_feed_behind 5.0\n" in metrics
    assert await entries_of(bravo, "bravo") == held  # nothing appended


async def test_forged_recovered_entries_are_refused_with_evidence(nodes: Nodes) -> None:
    fake, bravo, link, held, events = await recovering(nodes)
    origin = bravo.prepared.settings.origin
    prev = decode_entry(held[-1], origin=origin, index=1, prev=_leaf(held[0])).leaf_hash
    forged = []
    for index in range(2, 5):
        entry = encode_entry(origin, index, prev, fake.notice(text=f"forged {index}"))
        forged.append(entry.raw)
        prev = entry.leaf_hash
    tree = Tree([_leaf(r) for r in held + forged])
    cp = Checkpoint(origin, 5, tree.root())
    forger = Signer.generate(origin)  # bravo's name, another key
    note = add_signatures(sign_checkpoint(cp, forger), [cosign(cp.body(), fake.witness, 1)])
    await link.send("recovered", start=2, entries=[b64(r) for r in forged], note=note.decode())

    refused = await link.expect("refused")
    assert refused["reason"] == "no_verified_signature", refused
    assert await link.closed() == (4422, "no_verified_signature")
    await events.wait_for("alarm", reason="refused", code="no_verified_signature")
    evidence = await bravo.evidence()
    assert [e["reason"] for e in evidence] == ["no_verified_signature"]
    assert forged[0] in base64.b64decode(evidence[0]["raw"])
    assert await entries_of(bravo, "bravo") == held  # nothing appended
    r = await try_post(bravo, "still behind")  # still not known to be complete
    assert r.status_code == 503 and r.json()["error"] == "feed_behind"


def _leaf(raw: bytes) -> bytes:
    return leaf_hash(raw)


async def test_recovered_entries_that_do_not_make_the_own_checkpoint_are_refused(
    nodes: Nodes,
) -> None:
    """Genuine checkpoint (bravo's own key, size 5), entries rewritten into another valid chain:
    refused as ``root_mismatch``, nothing appended; the genuine entries then recover the feed."""
    fake = FakePeer()
    bravo = await nodes.facing(fake)
    for i in range(2):
        await bravo.post(liaison(f"bravo {i}"))
    directory = bravo.prepared.settings.dir
    backup = directory.parent / "bravo-backup"
    await bravo.stop()
    copy_store(directory, backup)
    await bravo.start()
    for i in range(2, 5):
        await bravo.post(liaison(f"bravo {i}"))
    genuine = await entries_of(bravo, "bravo")
    own_note = await bravo.get("/v1/logs/bravo/checkpoint")  # signed by bravo's key, size 5
    body = split_note(own_note)[0]
    note = add_signatures(own_note, [cosign(body, fake.witness, 1_767_261_600)])
    await bravo.stop()
    copy_store(backup, directory)
    await bravo.start()
    assert bravo.size("bravo") == 2
    origin = bravo.prepared.settings.origin

    prev, rewritten = leaf_hash(genuine[1]), []
    for index in range(2, 5):
        entry = encode_entry(origin, index, prev, fake.notice(text=f"rewritten {index}"))
        rewritten.append(entry.raw)
        prev = entry.leaf_hash
    status = {"size": 0, "have": 5, "cosigned": 5}
    link = await fake.connect(bravo.peer_ws, bravo.prepared.keys.log.vkey, status=status)
    assert (await link.expect("recover"))["size"] == 2
    await link.send("recovered", start=2, entries=[b64(r) for r in rewritten], note=note.decode())
    assert (await link.expect("refused"))["reason"] == "root_mismatch"
    assert await link.closed() == (4422, "root_mismatch")
    assert [e["reason"] for e in await bravo.evidence()] == ["root_mismatch"]
    assert await entries_of(bravo, "bravo") == genuine[:2]
    assert (await try_post(bravo, "still behind")).status_code == 503

    link = await fake.connect(bravo.peer_ws, bravo.prepared.keys.log.vkey, status=status)
    assert (await link.expect("recover"))["size"] == 2
    await link.send("recovered", start=2, entries=[b64(r) for r in genuine[2:]], note=note.decode())
    await wait_until(lambda: bravo.size("bravo") == 5, "bravo recovering the genuine entries")
    assert await entries_of(bravo, "bravo") == genuine
    assert (await bravo.post(liaison("bravo 5")))["index"] == 5
    assert (await bravo.get("/v1/link"))["own_behind"] is None
