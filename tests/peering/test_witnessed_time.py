"""Witnessed time: an idle link still has each feed cosigned at every heartbeat, and a peer
entry whose claimed time lies outside the bracket this node witnessed is flagged."""

from __future__ import annotations

import asyncio
import itertools
import json
import time

from hotline.provision.card import own_card
from hotline.settings import Limits
from hotline_protocol.audit import audit_exports
from hotline_protocol.audit.dispute import Dispute, Options
from hotline_protocol.checkpoint import open_checkpoint
from hotline_protocol.cosignature import CosignatureVerifier, verify_cosignature
from hotline_protocol.note import Signature, Verifier, split_note
from tests.helpers.fake_peer import FakePeer

from .conftest import Nodes, wait_until
from .test_flash import send_run

LIAISON = {"kind": "liaison", "status": "exercise", "text": "Line check.", "language": "en"}
DAY = 24 * 3600 * 1000


async def test_an_idle_link_has_the_feed_cosigned_again_at_every_heartbeat(
    nodes: Nodes,
) -> None:
    alpha, bravo = await nodes.pair(limits=Limits(heartbeat_s=0.5))
    await alpha.post(LIAISON)
    await wait_until(lambda: alpha.node.index.delivered_size("alpha") == 1, "delivered")
    await asyncio.sleep(3.5)  # idle
    origin = alpha.settings.origin
    witness = CosignatureVerifier.from_vkey(bravo.prepared.keys.witness.vkey)
    beats = await alpha.node.store.heartbeats(origin)
    # kept by both nodes: the receipts at alpha, what bravo signed at bravo (bravo may hold
    # one more, whose receipt is still on its way)
    signed = [(b.size, b.line) for b in await bravo.node.store.heartbeats(origin)]
    received = [(b.size, b.line) for b in beats]
    assert signed[: len(received)] == received and len(signed) - len(received) <= 1
    assert len(beats) >= 2 and {b.size for b in beats} == {1}
    note = (await alpha.node.store.latest_checkpoint(origin)).note  # type: ignore[union-attr]
    body = split_note(note)[0]
    stamps = [verify_cosignature(body, Signature.parse_line(b.line), witness) for b in beats]
    assert stamps == [b.timestamp for b in beats] == sorted(set(stamps))
    first = [c.timestamp for c in await alpha.node.store.cosignatures(origin)]
    times = sorted(first + stamps)
    assert max(b - a for a, b in itertools.pairwise(times)) <= 2
    # the checkpoint itself carries one cosignature per witness, not one per heartbeat
    open_checkpoint(
        note,
        origin=origin,
        log=Verifier.from_vkey(alpha.prepared.keys.log.vkey),
        witnesses=[witness],
    )
    assert sum(1 for s in split_note(note)[1] if s.name == witness.name) == 1


async def test_a_peer_entry_claiming_an_implausible_time_is_flagged(nodes: Nodes) -> None:
    fake = FakePeer()
    bravo = await nodes.facing(fake)
    events = nodes.events(bravo)
    link = await fake.connect(bravo.peer_ws, bravo.prepared.keys.log.vkey)
    now = time.time_ns() // 1_000_000
    fake.append(fake.notice("on time", time=now))
    await send_run(link, fake, 0, 0)
    fake.append(fake.notice("from tomorrow", time=now + DAY))
    fake.append(fake.notice("long ago", time=now - DAY))
    fake.append(fake.notice("just now", time=now + 1000))
    await send_run(link, fake, 1, 1)
    flagged = [
        (await bravo.get(f"/v1/notices/alpha/{i}"))["state"]["time_implausible"] for i in range(4)
    ]
    assert flagged[0] is None and flagged[3] is None
    for i, claimed in ((1, now + DAY), (2, now - DAY)):
        flag = flagged[i]
        assert flag is not None and flag["claimed"] == claimed
        assert flag["after"] <= flag["before"] and flag["after"] > 0
    alarms = events.of("alarm", reason="time_implausible")
    assert sorted(a["index"] for a in alarms) == [1, 2]
    # the flag survives a restart: recomputed from this node's own cosignatures
    await link.close()
    live = nodes.live[-1]
    await live.stop()
    await live.start()
    again = [
        (await bravo.get(f"/v1/notices/alpha/{i}"))["state"]["time_implausible"] for i in range(4)
    ]
    assert again == flagged


async def test_heartbeats_are_exported_verified_and_narrow_the_brackets(nodes: Nodes) -> None:
    alpha, bravo = await nodes.pair(limits=Limits(heartbeat_s=0.5))
    await alpha.post(LIAISON)
    await wait_until(lambda: alpha.node.index.delivered_size("alpha") == 1, "delivered")
    await asyncio.sleep(2.5)  # idle: bravo cosigns size 1 again, every second at most
    before_second = time.time_ns() // 1_000_000
    second = await alpha.post(LIAISON)
    await wait_until(lambda: alpha.node.index.delivered_size("alpha") == 2, "delivered")
    raw = await alpha.get("/v1/audit/export")
    export = json.dumps(raw).encode()
    beats = raw["sides"][0]["heartbeats"]
    assert beats and {b["size"] for b in beats} == {1}
    cards = [own_card(n.settings, n.prepared.keys) for n in (alpha, bravo)]
    audit = audit_exports([("alpha", export)], cards)
    assert audit.ok, [(c.label, c.details) for c in audit.all_checks if c.status == "FAIL"]
    # the second entry was appended after the last heartbeat at size 1: its bracket starts
    # there, not at the first cosignature of size 1
    notices = {(n["side"], n["index"]): n for n in Dispute(audit).notices()}
    appended = notices[("alpha", second["index"])]["appended"]
    origin = alpha.settings.origin
    first = min(c.timestamp for c in await alpha.node.store.cosignatures(origin) if c.size == 1)
    latest_beat = max(b.timestamp for b in await alpha.node.store.heartbeats(origin))
    assert latest_beat > first
    assert appended["after"] == latest_beat * 1000  # not the first cosignature of size 1
    assert appended["after"] <= before_second <= appended["before"]

    # a heartbeat whose line does not verify fails the cosignatures check
    forged = json.loads(export)
    line = forged["sides"][0]["heartbeats"][0]["line"]
    forged["sides"][0]["heartbeats"][0]["line"] = (
        line[:-6] + ("A" if line[-6] != "A" else "B") + line[-5:]
    )
    checked = audit_exports([("alpha", json.dumps(forged).encode())], cards)
    assert not checked.ok
    failed = [c for c in checked.all_checks if c.status == "FAIL"]
    assert [c.name for c in failed] == ["cosignatures"]
    assert "heartbeat 0" in " ".join(failed[0].details)


async def test_a_link_cut_for_a_while_shows_as_one_outage_in_the_report(nodes: Nodes) -> None:
    """Scaled down: heartbeats every 0.5 s instead of 60 s, a cut of 4 s instead of minutes,
    and the report's outage threshold at 2.5 s."""
    alpha, bravo = await nodes.pair(limits=Limits(heartbeat_s=0.5))
    await alpha.post(LIAISON)
    await wait_until(lambda: alpha.node.index.delivered_size("alpha") == 1, "delivered")
    await asyncio.sleep(2)  # idle, heartbeats every second
    live = next(n for n in nodes.live if n.side == "bravo")
    cut = time.time_ns() // 1_000_000
    await live.stop()
    await asyncio.sleep(4)
    await live.start()
    await wait_until(alpha.connected, "link up again", timeout=30)
    await asyncio.sleep(2.5)  # heartbeats again
    export = json.dumps(await alpha.get("/v1/audit/export")).encode()
    cards = [own_card(n.settings, n.prepared.keys) for n in (alpha, bravo)]
    dispute = Dispute(audit_exports([("alpha", export)], cards), Options(outage_ms=2500))
    outages = [o for o in dispute.outages() if not o["ongoing"]]
    assert sorted(o["feed"] for o in outages) == ["alpha", "bravo"]  # one in each direction
    for outage in outages:
        assert outage["from"] <= cut + 1000 and outage["seconds"] >= 3.5
