"""Refusal with evidence: a fake peer, authenticated with the pinned key, sends crafted input.

Each bad input is refused (a ``refused`` message, then close 4422 with the reason), kept as
evidence (reason, detail, the raw bytes), raises an ``alarm`` on the node's stream, and changes
neither feed; afterwards the same peer can go on with valid input.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import pytest

from hotline_protocol.checkpoint import Checkpoint, sign_checkpoint
from hotline_protocol.cosignature import (
    CosignatureSigner,
    CosignatureVerifier,
    cosign,
    verify_cosignature,
)
from hotline_protocol.entries import encode_entry
from hotline_protocol.note import Signature, Signer, split_note
from tests.helpers.fake_peer import FakeLink, FakePeer, b64

from .conftest import LiveNode, Nodes

BASE = 3  # entries the fake peer delivers (and bravo cosigns) before the bad input


@dataclass
class Scene:
    fake: FakePeer
    bravo: LiveNode
    link: FakeLink


async def snapshot(bravo: LiveNode) -> dict[str, Any]:
    node = bravo.node
    return {
        "sizes": {s: node.index.size(s) for s in node.sides.names()},
        "alpha_checkpoint": await bravo.get("/v1/logs/alpha/checkpoint"),
        "bravo_checkpoint": await bravo.get("/v1/logs/bravo/checkpoint"),
        "alpha_entries": (await bravo.get("/v1/logs/alpha/entries"))["entries"],
        "witness": await node.store.witness_state("alpha.hotline.example"),
        "tree": (node.trees["alpha"].size, node.trees["alpha"].root()),
        "delivered": node.index.delivered_size("alpha"),
    }


async def deliver(link: FakeLink, fake: FakePeer, start: int, old: int) -> dict[str, Any]:
    """Send entries [start, size) and a checkpoint of the feed; the node's receipt."""
    await link.send_entries(start, [e.raw for e in fake.entries[start:]])
    proof = fake.tree().consistency_proof(old, fake.size) if 0 < old < fake.size else []
    await link.send_checkpoint(fake.sign(), old, proof)
    while True:  # a receipt resent at the link's start may come first
        receipt = await link.expect("cosignature")
        if receipt["size"] == fake.size:
            return receipt


@pytest.fixture
async def scene(nodes: Nodes) -> Scene:
    fake = FakePeer()
    bravo = await nodes.facing(fake)
    fake.append_many(BASE)
    link = await fake.connect(bravo.peer_ws, bravo.prepared.keys.log.vkey)
    receipt = await deliver(link, fake, 0, 0)
    assert receipt["size"] == BASE
    witness = CosignatureVerifier.from_vkey(bravo.prepared.keys.witness.vkey)
    body = split_note(fake.sign())[0]
    verify_cosignature(body, Signature.parse_line(receipt["line"]), witness)
    assert bravo.size("alpha") == BASE
    return Scene(fake, bravo, link)


Attack = Callable[[Scene], Awaitable[None]]


async def forged_signature(s: Scene) -> None:
    s.fake.append_many(2)
    await s.link.send_entries(BASE, [e.raw for e in s.fake.entries[BASE:]])
    forger = Signer.generate(s.fake.origin)  # same name, another key
    proof = s.fake.tree().consistency_proof(BASE, s.fake.size)
    await s.link.send_checkpoint(s.fake.sign(key=forger), BASE, proof)


async def tampered_signature(s: Scene) -> None:
    note = s.fake.sign(BASE)
    body, sigs = split_note(note)
    bad = Signature(sigs[0].name, sigs[0].key_id, bytes(64))
    await s.link.send_checkpoint(body + b"\n" + bad.line().encode(), BASE)


async def gap(s: Scene) -> None:
    s.fake.append_many(3)
    await s.link.send_entries(BASE + 1, [e.raw for e in s.fake.entries[BASE + 1 :]])


async def overlap(s: Scene) -> None:
    await s.link.send_entries(BASE - 1, [s.fake.entries[BASE - 1].raw])


async def fork(s: Scene) -> None:
    """A validly signed checkpoint of the size bravo cosigned, with another root."""
    await s.link.send_checkpoint(s.fake.sign(BASE, root=bytes(32)), BASE)


async def fork_with_entries(s: Scene) -> None:
    """The peer rewrote its history: entry BASE chains to a different entry BASE - 1."""
    other = FakePeer()
    other.log = s.fake.log
    for _ in range(BASE + 2):
        other.append()
    await s.link.send_entries(BASE, [e.raw for e in other.entries[BASE:]])
    await s.link.send_checkpoint(other.sign(), BASE, other.tree().consistency_proof(BASE, BASE + 2))


async def bad_consistency(s: Scene) -> None:
    s.fake.append_many(2)
    await s.link.send_entries(BASE, [e.raw for e in s.fake.entries[BASE:]])
    await s.link.send_checkpoint(s.fake.sign(), BASE, [bytes(32)] * 2)


async def old_size_mismatch(s: Scene) -> None:
    s.fake.append_many(2)
    await s.link.send_entries(BASE, [e.raw for e in s.fake.entries[BASE:]])
    await s.link.send_checkpoint(s.fake.sign(), 1, s.fake.tree().consistency_proof(1, s.fake.size))


async def root_mismatch(s: Scene) -> None:
    s.fake.append_many(2)
    await s.link.send_entries(BASE, [e.raw for e in s.fake.entries[BASE:]])
    await s.link.send_checkpoint(s.fake.sign(root=bytes(32)), BASE, [bytes(32)])


async def size_mismatch(s: Scene) -> None:
    s.fake.append_many(2)
    await s.link.send_entries(BASE, [s.fake.entries[BASE].raw])
    await s.link.send_checkpoint(
        s.fake.sign(), BASE, s.fake.tree().consistency_proof(BASE, BASE + 2)
    )


async def oversized_entry(s: Scene) -> None:
    raw = s.fake.raw_entry(BASE, s.fake.notice_json(text="x" * 70_000))
    assert len(raw) > 65_535
    await s.link.send_entries(BASE, [raw])


async def unknown_kind(s: Scene) -> None:
    raw = s.fake.raw_entry(BASE, s.fake.notice_json(kind="weather_report"))
    await s.link.send_entries(BASE, [raw])
    await send_checkpoint_over(s, raw)


async def wrong_origin_entry(s: Scene) -> None:
    raw = s.fake.raw_entry(BASE, s.fake.notice_json(), origin="charlie.hotline.example")
    await s.link.send_entries(BASE, [raw])
    await send_checkpoint_over(s, raw)


async def wrong_origin_checkpoint(s: Scene) -> None:
    """Signed by the pinned key, but naming another log."""
    s.fake.append_many(1)
    await s.link.send_entries(BASE, [s.fake.entries[BASE].raw])
    cp = Checkpoint("charlie.hotline.example", s.fake.size, s.fake.tree().root())
    await s.link.send_checkpoint(sign_checkpoint(cp, s.fake.log), BASE)


async def bad_prev(s: Scene) -> None:
    entry = encode_entry(s.fake.origin, BASE, bytes(32), s.fake.notice())
    await s.link.send_entries(BASE, [entry.raw])
    await send_checkpoint_over(s, entry.raw)


async def send_checkpoint_over(s: Scene, raw: bytes) -> None:
    """A correctly signed checkpoint over the held entries plus ``raw``."""
    from hotline_protocol.merkle import Tree, leaf_hash

    tree = Tree([*(e.leaf_hash for e in s.fake.entries), leaf_hash(raw)])
    note = s.fake.sign(tree.size, tree.root())
    await s.link.send_checkpoint(note, BASE, tree.consistency_proof(BASE, tree.size))


async def flash_not_flash(s: Scene) -> None:
    s.fake.append_many(1)
    tree = s.fake.tree()
    await s.link.send(
        "flash",
        index=BASE,
        entry=b64(s.fake.entries[BASE].raw),
        note=s.fake.sign().decode(),
        proof=[b64(h) for h in tree.inclusion_proof(BASE, tree.size)],
    )


async def flash_bad_proof(s: Scene) -> None:
    s.fake.append_many(1)
    s.fake.append(precedence="FLASH")
    await s.link.send(
        "flash",
        index=BASE + 1,
        entry=b64(s.fake.entries[BASE + 1].raw),
        note=s.fake.sign().decode(),
        proof=[b64(bytes(32))],
    )


async def flash_fork(s: Scene) -> None:
    """A FLASH whose checkpoint contradicts what bravo holds (a size it holds, another root)."""
    other = FakePeer()
    other.log = s.fake.log
    for _ in range(BASE - 1):
        other.append()
    other.append(precedence="FLASH")
    tree = other.tree()
    await s.link.send(
        "flash",
        index=BASE - 1,
        entry=b64(other.entries[-1].raw),
        note=other.sign().decode(),
        proof=[b64(h) for h in tree.inclusion_proof(BASE - 1, tree.size)],
    )


async def peer_ahead(s: Scene) -> None:
    await s.link.send("status", size=BASE, have=5, cosigned=0)


async def recover_beyond_cosigned(s: Scene) -> None:
    """The fake asks its own feed back from the size bravo cosigned: nothing is held beyond."""
    await s.link.send("recover", size=BASE)


async def recovered_not_asked(s: Scene) -> None:
    await s.link.send("recovered", start=0, entries=[], note="")


async def receipt_by_another_key(s: Scene) -> None:
    """A cosignature of bravo's checkpoint made with a key that is not alpha's witness key."""
    note = await s.bravo.get("/v1/logs/bravo/checkpoint")
    forger = CosignatureSigner.generate(f"{s.fake.origin}/witness")
    sig = cosign(split_note(note)[0], forger, 1_767_261_600)
    size = int(split_note(note)[0].split(b"\n")[1])
    await s.link.send("cosignature", size=size, line=sig.line().rstrip("\n"))


async def forged_receipt(s: Scene) -> None:
    """A cosignature line naming alpha's witness key whose signature does not verify."""
    note = await s.bravo.get("/v1/logs/bravo/checkpoint")
    size = int(split_note(note)[0].split(b"\n")[1])
    w = s.fake.witness
    sig = Signature(w.name, w.key_id, (1_767_261_600).to_bytes(8, "big") + bytes(64))
    await s.link.send("cosignature", size=size, line=sig.line().rstrip("\n"))


async def receipt_of_unknown_checkpoint(s: Scene) -> None:
    await s.link.send("cosignature", size=99, line="— x AAAA")


async def not_json(s: Scene) -> None:
    await s.link.send_raw("{not json")


async def unknown_message(s: Scene) -> None:
    await s.link.send("gossip", text="hello")


async def bad_base64(s: Scene) -> None:
    await s.link.send("entries", start=BASE, entries=["not base64!"])


async def flash_bad_base64(s: Scene) -> None:
    await s.link.send("flash", index=0, entry="%%%", note="x", proof=[])


async def handshake_again(s: Scene) -> None:
    await s.link.send("hello", origin=s.fake.origin, nonce=b64(bytes(32)))


async def huge_message(s: Scene) -> None:
    await s.link.send("entries", start=BASE, entries=[b64(b"x" * 1500 * 1024)] * 2)


CASES: dict[str, tuple[Attack, str]] = {
    "forged_signature": (forged_signature, "no_verified_signature"),
    "tampered_signature": (tampered_signature, "bad_signature"),
    "gap": (gap, "gap"),
    "overlap": (overlap, "overlap"),
    "fork": (fork, "conflict"),
    "fork_with_entries": (fork_with_entries, "wrong_prev"),
    "bad_consistency": (bad_consistency, "bad_proof"),
    "old_size_mismatch": (old_size_mismatch, "old_size_mismatch"),
    "root_mismatch": (root_mismatch, "root_mismatch"),
    "size_mismatch": (size_mismatch, "size_mismatch"),
    "oversized_entry": (oversized_entry, "entry_too_large"),
    "unknown_kind": (unknown_kind, "invalid_notice"),
    "wrong_origin_entry": (wrong_origin_entry, "wrong_origin"),
    "wrong_origin_checkpoint": (wrong_origin_checkpoint, "wrong_origin"),
    "bad_prev": (bad_prev, "wrong_prev"),
    "flash_not_flash": (flash_not_flash, "not_flash"),
    "flash_bad_proof": (flash_bad_proof, "bad_proof"),
    "flash_fork": (flash_fork, "fork"),
    "peer_ahead": (peer_ahead, "peer_ahead"),
    "recover_beyond_cosigned": (recover_beyond_cosigned, "bad_recover"),
    "recovered_not_asked": (recovered_not_asked, "bad_message"),
    "receipt_by_another_key": (receipt_by_another_key, "unknown_key"),
    "forged_receipt": (forged_receipt, "bad_signature"),
    "receipt_of_unknown_checkpoint": (receipt_of_unknown_checkpoint, "unknown_checkpoint"),
    "not_json": (not_json, "bad_message"),
    "unknown_message": (unknown_message, "bad_message"),
    "bad_base64": (bad_base64, "bad_message"),
    "flash_bad_base64": (flash_bad_base64, "bad_message"),
    "handshake_again": (handshake_again, "bad_message"),
    "huge_message": (huge_message, "message_too_large"),
}


@pytest.mark.parametrize("case", list(CASES))
async def test_refused_with_evidence_and_alarm(nodes: Nodes, scene: Scene, case: str) -> None:
    attack, reason = CASES[case]
    bravo, link = scene.bravo, scene.link
    events = nodes.events(bravo)
    before = await snapshot(bravo)
    sent_from = len(link.received)

    await attack(scene)

    refused = await link.expect("refused")
    assert refused["reason"] == reason, refused
    assert await link.closed() == (4422, reason)
    assert not any(m["type"] == "cosignature" for m in link.received[sent_from:])
    alarm = await events.wait_for("alarm", reason="refused", code=reason)
    evidence = await bravo.evidence()
    assert len(evidence) == 1
    record = evidence[0]
    assert record["id"] == alarm["evidence"] and record["reason"] == reason
    assert record["source"] == "peer" and record["detail"]
    assert base64.b64decode(record["raw"])  # the bytes as received
    assert await snapshot(bravo) == before

    # the state stayed sound: the same peer goes on with valid input
    scene.fake.entries = scene.fake.entries[:BASE]
    scene.fake.append_many(2)
    link = await scene.fake.connect(
        bravo.peer_ws,
        bravo.prepared.keys.log.vkey,
        status={"size": scene.fake.size, "have": 0, "cosigned": 0},
    )
    receipt = await deliver(link, scene.fake, BASE, BASE)
    assert receipt["size"] == BASE + 2
    assert bravo.size("alpha") == BASE + 2


async def test_refused_input_keeps_the_raw_bytes(scene: Scene) -> None:
    """The evidence holds exactly what arrived: here the entries message and the entry."""
    raw = scene.fake.raw_entry(BASE, scene.fake.notice_json(kind="weather_report"))
    message = json.dumps({"type": "entries", "start": BASE, "entries": [b64(raw)]})
    await scene.link.send_raw(message)
    await send_checkpoint_over(scene, raw)
    assert (await scene.link.expect("refused"))["reason"] == "invalid_notice"
    evidence = await scene.bravo.evidence()
    held = base64.b64decode(evidence[0]["raw"])
    assert raw in held and held.startswith(b'{"type":"checkpoint"')


async def test_the_same_refusal_repeated_is_stored_once(scene: Scene, nodes: Nodes) -> None:
    events = nodes.events(scene.bravo)
    await peer_ahead(scene)
    assert (await scene.link.expect("refused"))["reason"] == "peer_ahead"
    link = await scene.fake.connect(
        scene.bravo.peer_ws,
        scene.bravo.prepared.keys.log.vkey,
        status={"size": BASE, "have": 5, "cosigned": 0},
    )
    assert (await link.expect("refused"))["reason"] == "peer_ahead"
    await events.wait_for("alarm", reason="refused", repeated=True)
    assert len(await scene.bravo.evidence()) == 1
    alarms = events.of("alarm", reason="refused")
    assert [a["repeated"] for a in alarms] == [False, True]
    assert alarms[0]["evidence"] == alarms[1]["evidence"]
