"""A peer link that goes down and is dialed again leaves nothing in reference cycles at either
end: its link, outbox, sender, tasks and the error that ended it are freed when it ends, not by
the cyclic collector later. Two nodes in this process on uvloop (as ``hotline serve`` runs
them), real sockets, the collector disabled."""

from __future__ import annotations

import asyncio
import gc
from pathlib import Path

import uvloop

from hotline.peering.transport import CLOSE_GOING_AWAY
from tests.helpers.collector import collected

from .conftest import LiveNode, Nodes, wait_until

BOUNCES = 8


async def _bounce(alpha: LiveNode, bravo: LiveNode) -> None:
    """bravo closes the link; alpha dials again and both ends are up."""
    peering, link = alpha.node.peering, bravo.node.peering
    assert peering is not None and link is not None and link.link is not None
    connects = peering.connects
    await link.link.t.close(CLOSE_GOING_AWAY, "going away")
    await wait_until(
        lambda: peering.connects > connects and alpha.connected() and bravo.connected(),
        "the link dialed again",
    )


async def _unreachable_after_bounces(tmp_path: Path) -> int:
    nodes = Nodes(tmp_path)
    try:
        alpha, bravo = await nodes.pair()
        await wait_until(lambda: alpha.connected() and bravo.connected(), "the link up")
        await alpha.post(
            {"kind": "liaison", "status": "exercise", "text": "Line check.", "language": "en"}
        )
        await wait_until(lambda: bravo.size("alpha") == 1, "the notice at bravo")
        await _bounce(alpha, bravo)  # what a first link fills once is filled
        await asyncio.sleep(0.2)
        gc.collect()
        for _ in range(BOUNCES):
            await _bounce(alpha, bravo)
        await asyncio.sleep(0.2)  # the last ended link's tasks and callbacks have run
        return collected()
    finally:
        for live in nodes.live:
            await live.stop()


def test_links_that_go_down_and_are_dialed_again_leave_nothing_for_the_cyclic_collector(
    tmp_path: Path, collector_off: None
) -> None:
    unreachable = uvloop.run(_unreachable_after_bounces(tmp_path))
    # a link left in cycles leaves hundreds of objects at each end: fewer than one per link
    # ended is none of theirs
    assert unreachable < BOUNCES, f"{unreachable} objects in reference cycles after {BOUNCES}"
