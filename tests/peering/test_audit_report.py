"""The node's own report of the line (GET /v1/audit/report): its export checked against the
keys it pins, told notice by notice with the witnessed times."""

from __future__ import annotations

import time

import httpx

from .conftest import TIMEOUT, Nodes, wait_until

LIAISON = {"kind": "liaison", "status": "exercise", "text": "Line check.", "language": "en"}
OPERATION_ACK = {"response": "WILCO"}


async def test_the_report_tells_each_notice_its_delivery_and_its_acks(nodes: Nodes) -> None:
    alpha, bravo = await nodes.pair()
    body = {
        "kind": "planned_operation",
        "status": "exercise",
        "precedence": "IMMEDIATE",
        "operation_ref": "A-7",
        "activity": "transit",
        "areas": [
            {
                "shape": "circle",
                "centre": {"lat": 45, "lon": 10},
                "radius": {"value": 5, "unit": "NM"},
            }
        ],
        "vertical_block": {
            "lower": {"value": 100, "unit": "FL", "reference": "STD"},
            "upper": {"value": 200, "unit": "FL", "reference": "STD"},
        },
    }
    now = time.time_ns() // 1_000_000
    posted = await alpha.post({**body, "window": {"start": now, "end": now + 3_600_000}})
    await wait_until(lambda: bravo.size("alpha") == 1, "held at bravo")
    async with httpx.AsyncClient(timeout=TIMEOUT) as client:
        r = await client.post(
            f"{bravo.http}/v1/notices/alpha/{posted['index']}/ack",
            json=OPERATION_ACK,
            headers=bravo.headers("operator"),
        )
    assert r.status_code == 201, r.text
    await wait_until(lambda: alpha.size("bravo") == 1, "ack held at alpha")
    await wait_until(lambda: bravo.node.index.delivered_size("bravo") == 1, "ack delivered")
    report = await alpha.get("/v1/audit/report")
    assert report["verdict"]["result"] == "PASS", report["verdict"]
    (notice,) = [n for n in report["notices"] if n["side"] == "alpha"]
    assert notice["kind"] == "planned_operation" and notice["delivered"] is not None
    assert notice["appended"]["before"] >= notice["time"] - 1000
    (ack,) = notice["acks"]
    assert ack["response"] == "WILCO" and ack["side"] == "bravo"
    assert ack["in_time"] in (True, "undecided")
    # as of a time before anything was posted: nothing to tell
    early = await alpha.get("/v1/audit/report", at=now - 60_000)
    assert [n for n in early["notices"] if n["side"] == "alpha"] == []
    # the report is for auditors
    async with httpx.AsyncClient(timeout=TIMEOUT) as client:
        refused = await client.get(f"{alpha.http}/v1/audit/report", headers=alpha.headers())
    assert refused.status_code == 403
