"""Refusal with evidence at a real node (bravo, a ``hotline serve`` process on SQLite and on
Redis): a fake alpha, pinned at bravo, sends a forged checkpoint signature, a gap, a fork, an
inconsistent checkpoint, an oversized entry, an entry of an unknown kind and a wrong-origin
entry. Each is refused (``refused``, close 4422), kept as evidence (audit export), raises an
alarm on bravo's stream, and leaves both of bravo's feeds as they were."""

from __future__ import annotations

import base64
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from hotline_protocol.merkle import Tree, leaf_hash
from hotline_protocol.note import Signer
from tests.helpers.fake_peer import FakeLink, FakePeer
from tests.helpers.node_process import NodeProcess, make_node_dir, run_cli
from tests.helpers.peer_pair import Side
from tests.helpers.stream_client import StreamWatch, ws_url

pytestmark = [pytest.mark.integration]

BASE = 4


def checkpoint_over(fake: FakePeer, raw: bytes) -> tuple[bytes, list[bytes]]:
    """A validly signed checkpoint over the fake's feed plus ``raw``, with its proof."""
    tree = Tree([*(e.leaf_hash for e in fake.entries), leaf_hash(raw)])
    return fake.sign(tree.size, tree.root()), tree.consistency_proof(BASE, tree.size)


async def forged_signature(link: FakeLink, fake: FakePeer) -> None:
    entry = fake.append()
    await link.send_entries(BASE, [entry.raw])
    forged = fake.sign(key=Signer.generate(fake.origin))
    await link.send_checkpoint(forged, BASE, fake.tree().consistency_proof(BASE, BASE + 1))


async def gap(link: FakeLink, fake: FakePeer) -> None:
    fake.append_many(2)
    await link.send_entries(BASE + 1, [fake.entries[BASE + 1].raw])


async def fork(link: FakeLink, fake: FakePeer) -> None:
    await link.send_checkpoint(fake.sign(BASE, root=bytes(32)), BASE)


async def inconsistent(link: FakeLink, fake: FakePeer) -> None:
    fake.append_many(2)
    await link.send_entries(BASE, [e.raw for e in fake.entries[BASE:]])
    await link.send_checkpoint(fake.sign(), BASE, [bytes(32)] * 2)


async def oversized(link: FakeLink, fake: FakePeer) -> None:
    raw = fake.raw_entry(BASE, fake.notice_json(text="x" * 70_000))
    await link.send_entries(BASE, [raw])


async def unknown_kind(link: FakeLink, fake: FakePeer) -> None:
    raw = fake.raw_entry(BASE, fake.notice_json(kind="weather_report"))
    note, proof = checkpoint_over(fake, raw)
    await link.send_entries(BASE, [raw])
    await link.send_checkpoint(note, BASE, proof)


async def wrong_origin(link: FakeLink, fake: FakePeer) -> None:
    raw = fake.raw_entry(BASE, fake.notice_json(), origin="charlie.hotline.example")
    note, proof = checkpoint_over(fake, raw)
    await link.send_entries(BASE, [raw])
    await link.send_checkpoint(note, BASE, proof)


CASES: list[tuple[str, Callable[[FakeLink, FakePeer], Awaitable[None]], str]] = [
    ("forged signature", forged_signature, "no_verified_signature"),
    ("gap", gap, "gap"),
    ("fork", fork, "conflict"),
    ("inconsistent checkpoint", inconsistent, "bad_proof"),
    ("oversized entry", oversized, "entry_too_large"),
    ("unknown kind", unknown_kind, "invalid_notice"),
    ("wrong origin", wrong_origin, "wrong_origin"),
]


def feeds_of(bravo: Side) -> dict[str, Any]:
    return {
        "sizes": bravo.sizes(),
        "alpha": bravo.entries("alpha"),
        "alpha_checkpoint": bravo.get("/v1/logs/alpha/checkpoint"),
        "bravo": bravo.entries("bravo"),
        "bravo_checkpoint": bravo.get("/v1/logs/bravo/checkpoint"),
        "link": {k: bravo.link()[k] for k in ("peer_size_held", "peer_cosigned_size")},
    }


async def test_fake_peer_input_is_refused_with_evidence(
    tmp_path: Path, store_url: str | None
) -> None:
    fake = FakePeer()
    directory, tokens = make_node_dir(tmp_path, "bravo", "bravo.hotline.example", store_url)
    card = tmp_path / "alpha-card.txt"
    card.write_text(fake.card_text("http://127.0.0.1:9"))
    assert run_cli("pair", directory, card).code == 0
    process = NodeProcess(directory)
    bravo = Side("bravo", directory, tokens, process)
    bravo_vkey = bravo.card()["log-vkey"]
    peer_url = ws_url(process.url, "/v1/peer")
    with process:
        bravo.post({"kind": "liaison", "status": "exercise", "text": "own", "language": "en"})
        fake.append_many(BASE)
        link = await fake.connect(peer_url, bravo_vkey)
        await link.send_entries(0, [e.raw for e in fake.entries])
        await link.send_checkpoint(fake.sign())
        receipt = await link.expect("cosignature")
        assert receipt["size"] == BASE
        await link.close()
        before = feeds_of(bravo)
        stream = await StreamWatch.open(process.url, tokens["auditor"])
        try:
            for n, (name, attack, reason) in enumerate(CASES, start=1):
                del fake.entries[BASE:]
                link = await fake.connect(peer_url, bravo_vkey)
                await attack(link, fake)
                refused = await link.expect("refused")
                assert refused["reason"] == reason, (name, refused)
                assert await link.closed() == (4422, reason), name
                alarm = await stream.wait_for("alarm", reason="refused", code=reason)
                evidence = bravo.evidence()
                assert len(evidence) == n, name
                assert evidence[-1]["reason"] == reason and evidence[-1]["id"] == alarm["evidence"]
                assert base64.b64decode(evidence[-1]["raw"]), name
                assert feeds_of(bravo) == before, f"{name} changed a feed"
        finally:
            await stream.close()
