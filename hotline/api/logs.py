"""Both feeds as transparency logs: checkpoints, entries, proofs and C2SP tlog-tiles.

``{side}`` is the own side or the peer's (its replica held here). Everything is bounded by the
side's published size, the size of its latest checkpoint held here; see
:mod:`hotline.feeds.logs`.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response
from fastapi.responses import PlainTextResponse

from .deps import Api, AuthFirstRoute, Reader
from .models import CheckpointList, ConsistencyProof, Entries, InclusionProof
from .openapi import answers

router = APIRouter(prefix="/v1/logs", tags=["logs"], route_class=AuthFirstRoute)

CHECKPOINT_TYPE = "text/plain; charset=utf-8"
TILE_TYPE = "application/octet-stream"
IMMUTABLE = "max-age=31536000, immutable"

Size = Annotated[int | None, Query(description="tree size; default: the published size")]


@router.get(
    "/{side}/checkpoint",
    response_class=PlainTextResponse,
    summary="The latest checkpoint (C2SP signed note) with every signature and cosignature",
    responses=answers(None, 404, 500, media=CHECKPOINT_TYPE),
)
async def get_checkpoint(side: str, api: Api, _: Reader) -> Response:
    note = await api.logs.checkpoint(side)
    return Response(note, media_type=CHECKPOINT_TYPE, headers={"Cache-Control": "no-store"})


@router.get(
    "/{side}/checkpoints",
    summary="Stored checkpoints from a size on, for auditors",
    responses=answers(CheckpointList, 400, 404, 500),
)
async def list_checkpoints(
    side: str,
    api: Api,
    _: Reader,
    since: Annotated[int, Query(description="smallest tree size to list")] = 0,
) -> dict[str, Any]:
    return await api.logs.checkpoints(side, since)


@router.get(
    "/{side}/entries",
    summary="Entries [start, end) as base64 entry bytes",
    description="At most `limits.page_max` entries are returned: fewer than asked is not the "
    "end of the log; continue from `start + len(entries)`.",
    responses=answers(Entries, 400, 404, 416, 500),
)
async def get_entries(
    side: str,
    api: Api,
    _: Reader,
    start: Annotated[int, Query(description="first index")] = 0,
    end: Annotated[int | None, Query(description="end index, exclusive; default: the size")] = None,
) -> dict[str, Any]:
    return await api.logs.entries(side, start, end)


@router.get(
    "/{side}/proof/inclusion",
    summary="Inclusion proof of entry `index` in tree `size`",
    responses=answers(InclusionProof, 400, 404, 500),
)
async def get_inclusion_proof(
    side: str,
    api: Api,
    _: Reader,
    index: Annotated[int, Query()],
    size: Size = None,
) -> dict[str, Any]:
    return await api.logs.inclusion(side, index, size)


@router.get(
    "/{side}/proof/consistency",
    summary="Consistency proof from tree `old` to `size`",
    responses=answers(ConsistencyProof, 400, 404, 500),
)
async def get_consistency_proof(
    side: str,
    api: Api,
    _: Reader,
    old: Annotated[int, Query()],
    size: Size = None,
) -> dict[str, Any]:
    return await api.logs.consistency(side, old, size)


@router.get(
    "/{side}/tile/{path:path}",
    response_class=Response,
    summary="C2SP tlog-tiles: hash tiles tile/<L>/<N>[.p/<W>], entry bundles "
    "tile/entries/<N>[.p/<W>]",
    responses=answers(None, 400, 404, 500, media=TILE_TYPE),
)
async def get_tile(side: str, path: str, api: Api, _: Reader) -> Response:
    _ref, data = await api.logs.tile(side, f"tile/{path}")
    return Response(data, media_type=TILE_TYPE, headers={"Cache-Control": IMMUTABLE})
