"""Deconfliction across two real nodes: both find the same conflicts with the same ids, tell
their subscribers, clear them when a notice is cancelled, and a conflict marked handled at one
node (a signed liaison) is handled at both."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

from hotline.provision.card import own_card
from tests.helpers.stream_client import StreamWatch

from .conftest import TIMEOUT, LiveNode, Nodes, wait_until

EXAMPLES = Path(__file__).parents[1] / "protocol" / "examples"
HOUR = 3600 * 1000


def now_ms() -> int:
    return time.time_ns() // 1_000_000


def operation(ref: str, nation: str, **changes: Any) -> dict[str, Any]:
    """The example planned operation, active from now for two hours."""
    body: dict[str, Any] = json.loads((EXAMPLES / "planned_operation.json").read_text())
    for key in ("id", "time", "author", "expires"):
        body.pop(key)
    now = now_ms()
    body.update(operation_ref=ref, window={"start": now - 60_000, "end": now + 2 * HOUR})
    body.update(changes)
    return body


def downed_pilot(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = json.loads((EXAMPLES / "downed_pilot.json").read_text())
    for key in ("id", "time", "author", "expires", "distress_ref", "listening_windows"):
        body.pop(key, None)
    now = now_ms()
    for pos in body["positions"]:
        pos["time"] = now - 60_000
    body.pop("requested_measures")
    body.update(changes)
    return body


async def conflicts(node: LiveNode, state: str = "open") -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = (await node.get("/v1/conflicts", state=state))["conflicts"]
    return found


async def call(node: LiveNode, method: str, path: str, body: Any) -> httpx.Response:
    async with httpx.AsyncClient(timeout=TIMEOUT) as client:
        return await client.request(
            method, f"{node.http}{path}", json=body, headers=node.headers("operator")
        )


async def test_both_nodes_find_the_same_conflict_and_clear_it_on_cancel(nodes: Nodes) -> None:
    alpha, bravo = await nodes.pair()
    watch = await StreamWatch.open(bravo.http, bravo.tokens["auditor"])
    try:
        ours = await alpha.post(operation("A-1", "XAA"))
        # a vertical block far above: same area and time, no conflict
        await bravo.post(
            operation(
                "B-HIGH",
                "XBB",
                vertical_block={
                    "lower": {"value": 400, "unit": "FL", "reference": "STD"},
                    "upper": {"value": 450, "unit": "FL", "reference": "STD"},
                },
            )
        )
        theirs = await bravo.post(operation("B-1", "XBB"))
        await wait_until(lambda: alpha.size("bravo") == 2 and bravo.size("alpha") == 1, "held")
        at_alpha, at_bravo = await conflicts(alpha), await conflicts(bravo)
        assert len(at_alpha) == 1 and [c["id"] for c in at_bravo] == [at_alpha[0]["id"]]
        conflict = at_alpha[0]
        assert conflict["type"] == "operations" and conflict["state"] == "open"
        assert {(r["side"], r["index"]) for r in conflict["between"]} == {
            ("alpha", ours["index"]),
            ("bravo", theirs["index"]),
        }
        assert conflict["overlap"]["area"]["type"] in ("Polygon", "MultiPolygon")
        assert conflict["overlap"]["start"] < conflict["overlap"]["end"]
        opened = await watch.wait_for("conflict", change="opened")
        assert opened["conflict"]["id"] == conflict["id"]

        cancel = await call(
            alpha,
            "POST",
            f"/v1/notices/alpha/{ours['index']}/cancel",
            {"reason": "operation_called_off"},
        )
        assert cancel.status_code == 201, cancel.text
        await wait_until(lambda: bravo.size("alpha") == 2, "cancel held")
        assert await conflicts(alpha) == [] and await conflicts(bravo) == []
        cleared = await watch.wait_for("conflict", change="cleared")
        assert cleared["conflict"]["id"] == conflict["id"]
    finally:
        await watch.close()


async def test_a_conflict_marked_handled_at_one_node_is_handled_at_both(nodes: Nodes) -> None:
    alpha, bravo = await nodes.pair()
    await alpha.post(operation("A-1", "XAA"))
    await bravo.post(operation("B-1", "XBB"))
    await wait_until(lambda: alpha.size("bravo") == 1 and bravo.size("alpha") == 1, "held")
    (conflict,) = await conflicts(bravo)

    unknown = await call(bravo, "POST", f"/v1/conflicts/{'0' * 64}/handled", {"remark": "x"})
    assert (unknown.status_code, unknown.json()["error"]) == (404, "unknown_conflict")
    empty = await call(bravo, "POST", f"/v1/conflicts/{conflict['id']}/handled", {"remark": ""})
    assert empty.status_code == 422
    assert bravo.size("bravo") == 1  # nothing appended by a refused request

    handled = await call(
        bravo,
        "POST",
        f"/v1/conflicts/{conflict['id']}/handled",
        {"remark": "B-1 moves to FL300 and above."},
    )
    assert handled.status_code == 201, handled.text
    liaison = handled.json()["notice"]
    assert liaison["kind"] == "liaison" and liaison["conflict"] == conflict["id"]
    await wait_until(lambda: alpha.size("bravo") == 2, "handling delivered")
    for node in (alpha, bravo):
        assert await conflicts(node) == []
        (shown,) = await conflicts(node, "handled")
        assert shown["id"] == conflict["id"]
        assert shown["handled_by"] == {"side": "bravo", "index": handled.json()["index"]}
    again = await call(bravo, "POST", f"/v1/conflicts/{conflict['id']}/handled", {"remark": "x"})
    assert (again.status_code, again.json()["error"]) == (409, "already_handled")

    # a liaison naming a conflict that is not the id of its two entries is refused
    refs = [
        {k: r[k] for k in ("index", "leaf_hash")} | {"origin": f"{r['side']}.hotline.example"}
        for r in conflict["between"]
    ]
    forged = await call(
        alpha,
        "POST",
        "/v1/notices",
        {
            "kind": "liaison",
            "status": "exercise",
            "text": "handled?",
            "language": "en",
            "regarding": refs,
            "conflict": "f" * 64,
        },
    )
    assert (forged.status_code, forged.json()["error"]) == (422, "bad_conflict_id")


async def test_a_draft_is_checked_without_being_appended(nodes: Nodes) -> None:
    alpha, bravo = await nodes.pair()
    await bravo.post(operation("B-1", "XBB"))
    await wait_until(lambda: alpha.size("bravo") == 1, "held")
    checked = await call(alpha, "POST", "/v1/conflicts/check", operation("A-DRAFT", "XAA"))
    assert checked.status_code == 200, checked.text
    (found,) = checked.json()["conflicts"]
    assert found["type"] == "operations"
    draft_ref = next(r for r in found["between"] if r["side"] == "alpha")
    assert draft_ref["index"] is None
    bad = await call(alpha, "POST", "/v1/conflicts/check", {"kind": "planned_operation"})
    assert bad.status_code == 422 and bad.json()["error"] == "invalid_notice"
    assert alpha.size("alpha") == 0 and await conflicts(alpha) == []


async def test_a_downed_pilot_inside_the_other_sides_operation_is_an_emergency(
    nodes: Nodes,
) -> None:
    alpha, bravo = await nodes.pair()
    await bravo.post(operation("B-TANKER", "XBB"))
    await wait_until(lambda: alpha.size("bravo") == 1, "held")
    pilot = await alpha.post(downed_pilot())  # its positions lie in the operation's polygon
    await wait_until(lambda: bravo.size("alpha") == 1, "delivered")
    for node in (alpha, bravo):
        (emergency,) = [c for c in await conflicts(node) if c["type"] == "emergency"]
        assert emergency["overlap"]["inside"] is True and emergency["overlap"]["distance_m"] == 0
        assert ("alpha", pilot["index"]) in {(r["side"], r["index"]) for r in emergency["between"]}


async def test_an_auditor_recomputes_the_conflicts_from_an_export(
    nodes: Nodes, tmp_path: Path
) -> None:
    alpha, bravo = await nodes.pair()
    await alpha.post(operation("A-1", "XAA"))
    await bravo.post(operation("B-1", "XBB"))
    await wait_until(lambda: alpha.size("bravo") == 1 and bravo.size("alpha") == 1, "held")
    (conflict,) = await conflicts(alpha)
    before_handling = now_ms()
    handled = await call(
        alpha, "POST", f"/v1/conflicts/{conflict['id']}/handled", {"remark": "A-1 stays low."}
    )
    assert handled.status_code == 201, handled.text
    await wait_until(lambda: bravo.size("alpha") == 2, "handling delivered")
    export = tmp_path / "alpha-export.json"
    export.write_text(json.dumps(await alpha.get("/v1/audit/export")))
    cards = []
    for node in (alpha, bravo):
        card = tmp_path / f"{node.side}-card.txt"
        card.write_text(own_card(node.settings, node.prepared.keys).text())
        cards += ["--card", str(card)]
    for at, state in ((str(before_handling), "open"), (None, "handled")):
        args = [sys.executable, "-m", "hotline_protocol.audit", "conflicts", str(export), *cards]
        run = subprocess.run(
            args + (["--at", at] if at else []), capture_output=True, text=True, timeout=60
        )
        assert run.returncode == 0, run.stderr
        (found,) = json.loads(run.stdout)["conflicts"]
        assert (found["id"], found["state"]) == (conflict["id"], state)
        assert found["between"] == conflict["between"]
        assert found["overlap"] == conflict["overlap"]
