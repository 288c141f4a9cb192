"""The audit export: everything an auditor needs to verify both feeds offline, as one download."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import StreamingResponse

from ..audit.export import export_deadlines, export_node
from .deps import Api, AuthFirstRoute, Exporter
from .models import AuditExport, Report
from .openapi import answers

router = APIRouter(prefix="/v1/audit", tags=["audit"], route_class=AuthFirstRoute)


@router.get(
    "/export",
    summary="Download the audit export (hotline-audit-export/v1) of both feeds",
    description="Both sides' pinned keys and acknowledgement deadlines, every entry, every "
    "checkpoint with its cosignatures and the refused-input evidence, as a JSON file. Verify it "
    "offline with "
    "`python -m hotline_protocol.audit verify` (`hotline audit verify`) or any implementation "
    "of the format.",
    response_class=StreamingResponse,
    responses=answers(AuditExport),
)
async def export(api: Api, _: Exporter) -> StreamingResponse:
    deadlines = export_deadlines(api.settings)
    snap = await export_node(api.store, api.sides, api.clock_ms(), deadlines=deadlines)
    return StreamingResponse(
        snap.chunks(),
        media_type="application/json",
        headers={
            "Content-Disposition": f'attachment; filename="{snap.filename}"',
            "Cache-Control": "no-store",
        },
    )


@router.get(
    "/report",
    summary="The report of the line as this node sees it: notice by notice, witnessed times",
    description="This node's own export, checked against the keys it pins and told notice by "
    "notice (PROTOCOL.md, *The report of a dispute*): what, who, the claimed time and the "
    "witnessed bracket, delivery, every acknowledgement and whether it came in time, outages, "
    "implausible times, refused input. A neutral inquiry runs `hotline audit report` over one "
    "export of each side and both cards. The node makes it with the auditor's own command in a "
    "process of its own, at a lower CPU priority, one report at a time: a request while one is "
    "being made is refused (503 `report_busy`).",
    response_class=StreamingResponse,
    responses=answers(Report, 503),
)
async def report(
    api: Api,
    _: Exporter,
    at: Annotated[int | None, Query(ge=0, description="as of this time, unix ms")] = None,
) -> StreamingResponse:
    made = await api.reports.make(at)
    return StreamingResponse(
        made.chunks(), media_type="application/json", headers={"Cache-Control": "no-store"}
    )
