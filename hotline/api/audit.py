"""The audit export: everything an auditor needs to verify both feeds offline, as one download."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import StreamingResponse

from ..audit.export import export_deadlines, export_node
from .deps import Api, Exporter

router = APIRouter(prefix="/v1/audit", tags=["audit"])


@router.get(
    "/export",
    summary="Download the audit export (hotline-audit-export/v1) of both feeds",
    description="Both sides' pinned keys and acknowledgement deadlines, every entry, every "
    "checkpoint with its cosignatures and the refused-input evidence, as a JSON file. Verify it "
    "offline with "
    "`python -m hotline_protocol.audit verify` (`hotline audit verify`) or any implementation "
    "of the format.",
    response_class=StreamingResponse,
    responses={200: {"content": {"application/json": {}}}},
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
