"""The node's report of itself (GET /v1/audit/report) is made by the auditor's own command in a
process of its own, at a lower CPU priority, one at a time: the node goes on serving meanwhile,
a second request is refused with 503 ``report_busy``, and a request whose client goes away stops
its report and leaves nothing behind."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import httpx
import pytest

from tests.api.conftest import NodeApp


def auditors() -> dict[int, int]:
    """This process's children running the auditor's command: pid -> niceness."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        if int(fields[1]) == os.getpid() and b"hotline_protocol.audit" in cmdline:
            found[int(entry.name)] = int(fields[16])  # stat's 19th field: nice
    return found


async def until_an_auditor_runs() -> dict[int, int]:
    async with asyncio.timeout(30):
        while not (running := auditors()):
            await asyncio.sleep(0.005)
    return running


async def a_report_being_made(
    node_app: NodeApp, notices: int
) -> tuple[dict[str, str], asyncio.Task[httpx.Response], dict[int, int]]:
    """``notices`` posted, then a report asked for by an auditor: the auditor's headers, the
    request (a task), and the auditor processes once one runs."""
    await node_app.post_liaisons(notices)
    headers = await node_app.headers("auditor")
    first = asyncio.create_task(node_app.client.get("/v1/audit/report", headers=headers))
    return headers, first, await until_an_auditor_runs()


def left(node_app: NodeApp) -> list[Path]:
    """What the reports left in the node's directory."""
    reports = node_app.node.settings.dir / "reports"
    return list(reports.iterdir()) if reports.exists() else []


async def test_the_node_serves_while_its_report_is_made_and_makes_one_at_a_time(
    node_app: NodeApp,
) -> None:
    headers, first, running = await a_report_being_made(node_app, 3)

    health = await node_app.client.get("/healthz")
    posted = await node_app.post_liaisons(1)
    busy = await node_app.client.get("/v1/audit/report", headers=headers)
    still = auditors()
    report = await first

    assert health.status_code == 200 and posted[0]["index"] == 3
    assert set(still) == set(running), "answered while the auditor's process ran"
    assert all(nice >= 10 for nice in still.values()), still  # lowered once started
    assert busy.status_code == 503
    assert busy.json()["error"] == "report_busy"
    assert report.status_code == 200, report.text
    data = report.json()
    assert data["verdict"]["result"] == "PASS"
    assert [n["index"] for n in data["notices"] if n["side"] == "alpha"] == [0, 1, 2]
    assert left(node_app) == []  # removed before it was sent
    again = await node_app.client.get("/v1/audit/report", headers=headers)
    assert again.status_code == 200
    assert [n["index"] for n in again.json()["notices"]] == [0, 1, 2, 3]


async def test_a_report_whose_client_goes_away_is_stopped_and_leaves_nothing(
    node_app: NodeApp,
) -> None:
    headers, first, running = await a_report_being_made(node_app, 2)

    first.cancel()
    with pytest.raises(asyncio.CancelledError):
        await first

    assert not set(running) & set(auditors()), "the auditor's process was stopped"
    assert left(node_app) == []
    again = await node_app.client.get("/v1/audit/report", headers=headers)
    assert again.status_code == 200
    assert len(again.json()["notices"]) == 2


async def test_what_a_report_cut_short_by_a_crash_left_is_cleared_by_the_next(
    node_app: NodeApp,
) -> None:
    stale = node_app.node.settings.dir / "reports" / "report-x1y2"
    stale.mkdir(parents=True)
    (stale / "export.json").write_bytes(b"{" * 1000)  # as a crash left it, half written
    await node_app.post_liaisons(1)

    report = await node_app.client.get(
        "/v1/audit/report", headers=await node_app.headers("auditor")
    )

    assert report.status_code == 200 and len(report.json()["notices"]) == 1
    assert left(node_app) == []
