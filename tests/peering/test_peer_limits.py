"""Limits a peer hits before the node does: evidence of refused input is cut to its first bytes
(with the length and SHA-256 of the whole), and early FLASH entries held per peer are bounded.
A fake peer, authenticated with the pinned key, sends the input over a real socket."""

from __future__ import annotations

import base64
import hashlib
import json

import httpx

from hotline.settings import Limits
from hotline_protocol.note import Signer
from tests.helpers.fake_peer import FakeLink, FakePeer, b64

from .conftest import LiveNode, Nodes
from .test_refusals import BASE, deliver, snapshot


async def facing(nodes: Nodes, **limits: int) -> tuple[FakePeer, LiveNode, FakeLink]:
    fake = FakePeer()
    bravo = await nodes.facing(fake, limits=Limits(**limits))
    fake.append_many(BASE)
    link = await fake.connect(bravo.peer_ws, bravo.prepared.keys.log.vkey)
    assert (await deliver(link, fake, 0, 0))["size"] == BASE
    return fake, bravo, link


async def test_evidence_of_a_large_run_keeps_its_first_bytes_size_and_digest(
    nodes: Nodes,
) -> None:
    """A refused run of entries is kept as its first ``limits.evidence_bytes``, the length and
    the SHA-256 of the whole (the checkpoint message, then every entry it covered)."""
    fake, bravo, link = await facing(nodes, evidence_bytes=1024)
    before = await snapshot(bravo)
    fake.append_many(20)
    raws = [e.raw for e in fake.entries[BASE:]]
    await link.send_entries(BASE, raws)
    message = json.dumps(
        {
            "type": "checkpoint",
            "note": fake.sign(root=bytes(32)).decode(),
            "old": BASE,
            "proof": [b64(bytes(32))],
        },
        separators=(",", ":"),
    )
    await link.send_raw(message)
    assert (await link.expect("refused"))["reason"] == "root_mismatch"

    whole = message.encode() + b"\n" + b"\n".join(raws)
    assert len(whole) > 4 * 1024
    [record] = await bravo.evidence()
    assert base64.b64decode(record["raw"]) == whole[:1024]
    assert record["size"] == len(whole)
    assert record["sha256"] == base64.b64encode(hashlib.sha256(whole).digest()).decode()
    [listed] = (await bravo.get("/v1/audit/evidence"))["evidence"]
    assert (listed["size"], listed["sha256"]) == (record["size"], record["sha256"])
    assert await snapshot(bravo) == before


async def send_flash(link: FakeLink, fake: FakePeer, index: int) -> None:
    tree = fake.tree()
    await link.send(
        "flash",
        index=index,
        entry=b64(fake.entries[index].raw),
        note=fake.sign().decode(),
        proof=[b64(h) for h in tree.inclusion_proof(index, tree.size)],
    )


async def test_early_flash_entries_beyond_the_bound_are_refused_and_never_shown(
    nodes: Nodes,
) -> None:
    """With ``limits.early_flash_max`` FLASH entries held ahead of the backlog, one more is
    refused with evidence: it is not held, not served, raises no flash alarm. When the ordered
    entries arrive, the early ones are forgotten."""
    fake, bravo, link = await facing(nodes, early_flash_max=2)
    events = nodes.events(bravo)
    replica = bravo.node.replica
    assert replica is not None
    fake.append_many(2)  # the backlog, then three FLASH entries
    for _ in range(3):
        fake.append(fake.distress())
    first, second, third = BASE + 2, BASE + 3, BASE + 4
    for index in (first, second):
        await send_flash(link, fake, index)
        await events.wait_for("alarm", reason="flash", index=index)
    await send_flash(link, fake, first)  # the same one again counts once
    before = await snapshot(bravo)
    evidence_before = await bravo.evidence()

    await send_flash(link, fake, third)

    refused = await link.expect("refused")
    assert refused["reason"] == "too_many_early_flash", refused
    assert await link.closed() == (4422, "too_many_early_flash")
    await events.wait_for("alarm", reason="refused", code="too_many_early_flash")
    [record] = [e for e in await bravo.evidence() if e not in evidence_before]
    assert record["reason"] == "too_many_early_flash"
    assert sorted(replica.early.held) == [first, second]
    assert await snapshot(bravo) == before
    assert not events.of("alarm", reason="flash", index=third)
    assert not events.of("flash", index=third)
    async with httpx.AsyncClient(timeout=20) as client:
        for index, status in ((first, 200), (third, 404)):
            r = await client.get(
                f"{bravo.http}/v1/notices/alpha/{index}", headers=bravo.headers("auditor")
            )
            assert r.status_code == status, r.text

    # the ordered entries arrive: every early entry is forgotten, all are held in order
    link = await fake.connect(
        bravo.peer_ws,
        bravo.prepared.keys.log.vkey,
        status={"size": fake.size, "have": 0, "cosigned": 0},
    )
    assert (await deliver(link, fake, BASE, BASE))["size"] == fake.size
    assert replica.early.held == {}
    assert bravo.size("alpha") == fake.size


async def test_only_verified_flash_entries_ahead_of_the_feed_count_toward_the_bound(
    nodes: Nodes,
) -> None:
    """A FLASH whose checkpoint another key signed is refused for its signature and takes no
    place among the early entries; nor does the repeat of a FLASH already held in order. With
    a bound of one, the one verified FLASH ahead of the feed fills it."""
    fake, bravo, link = await facing(nodes, early_flash_max=1)
    replica = bravo.node.replica
    assert replica is not None
    fake.append(fake.distress())  # a FLASH in order, at BASE
    assert (await deliver(link, fake, BASE, BASE))["size"] == BASE + 1
    fake.append_many(2)
    fake.append(fake.distress())
    fake.append(fake.distress())
    forged, first, second = BASE + 3, BASE + 3, BASE + 4
    tree = fake.tree()
    await link.send(
        "flash",
        index=forged,
        entry=b64(fake.entries[forged].raw),
        note=fake.sign(key=Signer.generate(fake.origin)).decode(),
        proof=[b64(h) for h in tree.inclusion_proof(forged, tree.size)],
    )
    assert (await link.expect("refused"))["reason"] == "no_verified_signature"
    assert replica.early.held == {}

    events = nodes.events(bravo)
    link = await fake.connect(bravo.peer_ws, bravo.prepared.keys.log.vkey)
    await send_flash(link, fake, BASE)  # held in order already: a repeat, not early
    await send_flash(link, fake, first)
    await events.wait_for("alarm", reason="flash", index=first)
    assert sorted(replica.early.held) == [first]
    await send_flash(link, fake, second)
    assert (await link.expect("refused"))["reason"] == "too_many_early_flash"
    assert sorted(replica.early.held) == [first]


async def test_an_authenticated_peers_frame_over_2_mib_is_refused_with_evidence(
    nodes: Nodes,
) -> None:
    """A frame over 2 MiB from the authenticated peer is refused as PROTOCOL.md says (reason
    ``message_too_large``, close 4422, its first ``limits.evidence_bytes`` kept with the length
    and SHA-256 of the whole), not closed by the server with 1009 and nothing kept; one over
    four times that is closed 1009 ``message_too_large`` without being read."""
    fake, bravo, link = await facing(nodes)
    before = await snapshot(bravo)
    frame = json.dumps({"type": "entries", "start": BASE, "entries": ["A" * (2_500_000)]})
    await link.send_raw(frame)
    assert (await link.expect("refused"))["reason"] == "message_too_large"
    assert await link.closed() == (4422, "message_too_large")
    [record] = await bravo.evidence()
    raw = frame.encode()
    assert record["reason"] == "message_too_large"
    assert base64.b64decode(record["raw"]) == raw[: 64 * 1024]
    assert record["size"] == len(raw)
    assert record["sha256"] == base64.b64encode(hashlib.sha256(raw).digest()).decode()
    assert await snapshot(bravo) == before

    link = await fake.connect(bravo.peer_ws, bravo.prepared.keys.log.vkey)
    await link.send_raw(
        json.dumps({"type": "entries", "start": BASE, "entries": ["A" * 9_000_000]})
    )
    assert await link.closed() == (1009, "message_too_large")
    assert len(await bravo.evidence()) == 1
    assert await snapshot(bravo) == before


async def test_refusals_over_the_evidence_budget_are_alarmed_and_counted_but_not_kept(
    nodes: Nodes,
) -> None:
    """With ``limits.evidence_per_hour`` at 2, a peer refused a third time within the hour for
    other input is refused and alarmed as ever, but no record is stored: the count stays 2."""
    fake, bravo, link = await facing(nodes, evidence_per_hour=2)
    events = nodes.events(bravo)
    before = await snapshot(bravo)
    for have in (5, 6, 7):  # each status a different input: no repeat of one kept
        if have > 5:
            link = await fake.connect(
                bravo.peer_ws,
                bravo.prepared.keys.log.vkey,
                status={"size": BASE, "have": 0, "cosigned": 0},
            )
        await link.send("status", size=BASE, have=have, cosigned=0)
        assert (await link.expect("refused"))["reason"] == "peer_ahead"
        assert await link.closed() == (4422, "peer_ahead")
    await events.wait_for("alarm", reason="refused", evidence=0)
    alarms = events.of("alarm", reason="refused")
    kept = [a["evidence"] for a in alarms]
    assert len(kept) == 3 and kept[2] == 0 and 0 not in kept[:2] and kept[0] != kept[1]
    assert [e["id"] for e in await bravo.evidence()] == sorted(kept[:2])
    metrics = (await bravo.get("/metrics")).decode()
    assert 'hotline_peer_refused_total{reason="peer_ahead"} 3.0' in metrics
    assert "hotline_peer_refused_not_kept_total 1.0" in metrics
    assert await snapshot(bravo) == before
