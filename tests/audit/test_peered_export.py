"""Exports from two nodes linked by the real peer link: each verifies, and they agree."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

import httpx

from hotline_protocol.audit import verify_export
from tests.audit.conftest import PeeredNode

LIAISON: dict[str, Any] = {"kind": "liaison", "status": "exercise", "language": "en"}


async def until(cond: Callable[[], bool], what: str) -> None:
    async with asyncio.timeout(15):
        while not cond():
            await asyncio.sleep(0.02)
    assert cond(), what


async def post(c: httpx.AsyncClient, n: PeeredNode, path: str, body: dict[str, Any]) -> None:
    r = await c.post(n.url + path, json=body, headers=n.headers("operator"))
    assert r.status_code == 201, r.text


async def export(c: httpx.AsyncClient, n: PeeredNode) -> bytes:
    r = await c.get(n.url + "/v1/audit/export", headers=n.headers("auditor"))
    assert r.status_code == 200, r.text
    return r.content


async def test_exports_from_both_peered_nodes_verify_and_agree(
    peered_nodes: dict[str, PeeredNode],
) -> None:
    alpha, bravo = peered_nodes["alpha"], peered_nodes["bravo"]
    async with httpx.AsyncClient() as c:
        for i in range(3):
            await post(c, alpha, "/v1/notices", {**LIAISON, "text": f"alpha {i}"})
        await post(c, bravo, "/v1/notices", {**LIAISON, "text": "bravo 0"})
        await until(lambda: bravo.node.index.size("alpha") == 3, "alpha's entries at bravo")
        await post(c, bravo, "/v1/notices/alpha/0/ack", {"response": "ROGER"})
        await until(
            lambda: (
                alpha.node.index.delivered_size("alpha") == 3
                and bravo.node.index.delivered_size("bravo") == 2
            ),
            "both feeds delivered and cosigned",
        )
        docs = {side: await export(c, n) for side, n in peered_nodes.items()}

    cards = [alpha.card, bravo.card]
    for side, data in docs.items():
        report = verify_export(data, cards)
        assert report.ok, report.render()
        summary = {s.name: (s.entries, s.latest_cosigned) for s in report.sides}
        assert summary == {"alpha": (3, 3), "bravo": (2, 2)}, side
        assert "1 ack resolved in alpha's feed" in report.check("references", "bravo").summary
    by_side = {side: json.loads(data) for side, data in docs.items()}
    for doc in by_side.values():  # each states both sides' deadlines: its own, and the pinned
        assert [s["deadlines"]["FLASH"] for s in doc["sides"]] == [300, 300]
    feeds = {(exporter, s["name"]): s for exporter, doc in by_side.items() for s in doc["sides"]}
    for side in ("alpha", "bravo"):  # each feed as its log holds it and as the peer replicates it
        own, replica = feeds[side, side], feeds["bravo" if side == "alpha" else "alpha", side]
        assert own["entries"] == replica["entries"]
        assert (own["log_vkey"], own["witness_vkey"]) == (
            replica["log_vkey"],
            replica["witness_vkey"],
        )
    # an auditor may pool both sides' notes of each feed: one history, no fork
    merged = by_side["alpha"]
    for s in merged["sides"]:
        s["checkpoints"] += feeds["bravo", s["name"]]["checkpoints"]
    report = verify_export(json.dumps(merged).encode(), cards)
    assert report.ok, report.render()
