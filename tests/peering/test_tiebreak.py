"""One link at a time: when both sides dial, both keep the link dialed by the smaller origin;
a side that dials again replaces its own earlier link."""

from __future__ import annotations

import asyncio

from tests.helpers.fake_peer import FakeListener, FakePeer

from .conftest import Nodes, wait_until


async def test_both_dial_and_settle_on_one_link(nodes: Nodes) -> None:
    """Both sides dial at the same time: both ends settle on the same link (alpha's, if both
    links came up), it stays, and both feeds flow over it."""
    alpha, bravo = await nodes.pair(alpha_dials=True, bravo_dials=True)
    a_peering, b_peering = alpha.node.peering, bravo.node.peering
    assert a_peering is not None and b_peering is not None

    def settled() -> bool:
        a, b = a_peering.link, b_peering.link
        return a is not None and b is not None and a.dialer == b.dialer

    await wait_until(settled, "both ends on one link")
    if a_peering.connects + b_peering.connects > 2:  # both links came up: alpha's was kept
        assert a_peering.link is not None and a_peering.link.dialer == alpha.settings.origin
    for i in range(5):
        await alpha.post(
            {"kind": "liaison", "status": "exercise", "text": f"a{i}", "language": "en"}
        )
        await bravo.post(
            {"kind": "liaison", "status": "exercise", "text": f"b{i}", "language": "en"}
        )
    await wait_until(
        lambda: (
            alpha.node.index.delivered_size("alpha") == 5
            and bravo.node.index.delivered_size("bravo") == 5
        ),
        "both feeds delivered",
    )
    a_state, b_state = await alpha.get("/v1/link"), await bravo.get("/v1/link")
    assert a_state["dialed_by"] == b_state["dialed_by"]
    # stable: the other side's dialer waits while the link is up, nothing flaps
    connects = (a_state["connects"], b_state["connects"])
    await asyncio.sleep(1.0)
    assert settled()
    assert (a_peering.connects, b_peering.connects) == connects


async def test_redial_by_the_same_side_replaces_the_link(nodes: Nodes) -> None:
    """A peer that dials again (its old connection may be half-open) gets the link at once."""
    fake = FakePeer()
    bravo = await nodes.facing(fake)
    events = nodes.events(bravo)
    vkey = bravo.prepared.keys.log.vkey
    first = await fake.connect(bravo.peer_ws, vkey)
    await first.expect("status")
    second = await fake.connect(bravo.peer_ws, vkey)
    assert (await second.expect("status"))["type"] == "status"
    assert await first.closed() == (4409, "replaced: redialed")
    peering = bravo.node.peering
    assert peering is not None
    await wait_until(lambda: peering.connects == 2 and peering.link is not None, "second link up")
    assert [e["change"] for e in events.of("link")][-2:] == ["down", "up"]
    await second.close()


async def test_the_smaller_origins_dial_replaces_the_larger_origins_link(nodes: Nodes) -> None:
    """bravo dialed alpha (a fake listener); then alpha dials bravo: bravo switches to alpha's
    link and its own dialer waits while that link is up."""
    fake = FakePeer()
    b = nodes.prepare("bravo")
    listener = await FakeListener(fake, b.keys.log.vkey).start()
    try:
        bravo = await nodes.start(b, fake.card(url=listener.url, dial=True))
        peering = bravo.node.peering
        assert peering is not None
        await wait_until(lambda: peering.link is not None, "bravo's dialed link up")
        assert peering.link is not None and peering.link.dialer == bravo.settings.origin
        link = await fake.connect(bravo.peer_ws, b.keys.log.vkey)
        await link.expect("status")
        await wait_until(
            lambda: listener.closes == [(4409, "replaced: the smaller origin dialed")],
            "bravo's own link closed",
        )
        assert peering.link is not None and peering.link.dialer == fake.origin
        await asyncio.sleep(0.5)
        assert listener.connections == 1  # no redial while alpha's link is up
        await link.close()
        await wait_until(lambda: listener.connections == 2, "bravo dials again once it is down")
    finally:
        await listener.stop()


async def test_the_larger_origins_dial_is_turned_away(nodes: Nodes) -> None:
    """alpha dialed bravo (a fake listener); bravo's dial to alpha is closed with 4409."""
    fake = FakePeer(side="bravo", origin="bravo.hotline.example", nation="XBB")
    a = nodes.prepare("alpha")
    listener = await FakeListener(fake, a.keys.log.vkey).start()
    try:
        alpha = await nodes.start(a, fake.card(url=listener.url, dial=True))
        peering = alpha.node.peering
        assert peering is not None
        await wait_until(lambda: peering.link is not None, "alpha's dialed link up")
        link = await fake.connect(alpha.peer_ws, a.keys.log.vkey)
        assert await link.closed() == (4409, "a link dialed by the smaller origin is up")
        assert peering.link is not None and peering.link.dialer == alpha.settings.origin
        assert listener.closes == []
    finally:
        await listener.stop()
