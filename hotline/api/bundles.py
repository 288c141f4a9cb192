"""One notice's portable proof (C2SP tlog-proof), and the refused-input evidence for auditors.

``GET /v1/notices/{side}/{index}/proof`` answers the entry bytes and a proof bundle: the
inclusion proof of the entry in the latest stored checkpoint that covers it, preferring one the
other side's witness cosigned (for the own feed: the delivery receipt; for the peer's: this
node's receipt). Anyone holding both sides' vkeys verifies it offline with
``hotline_protocol.proof.verify_bundle``.
"""

from __future__ import annotations

import base64
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse

from hotline_protocol.merkle import leaf_hash
from hotline_protocol.proof import write_bundle

from ..errors import Broken, Conflict, NotFound
from ..feeds.stored_tree import StoredTree
from .deps import Api, AuthFirstRoute, Exporter, Reader
from .models import EvidenceList, ProofWrapper
from .openapi import answers

router = APIRouter(tags=["audit"], route_class=AuthFirstRoute)

EVIDENCE_HEAD = 1024  # bytes of each refused input shown in the listing (the export has more)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


@router.get(
    "/v1/notices/{side}/{index}/proof",
    summary="A notice's proof bundle: entry bytes and a C2SP tlog-proof against a checkpoint",
    description="The answer is the *proof wrapper* (`ProofWrapper`): one JSON object holding "
    "`entry`, the base64 of the entry bytes, and `bundle`, the text of the C2SP tlog-proof file "
    "(with its checkpoint), with where the entry is; `cosigned` tells whether the checkpoint "
    "carries the other side's cosignature. With `download=1` the same object is an attachment, "
    "`hotline-proof-<side>-<index>.json`; the tlog-proof alone is its `bundle`.",
    responses=answers(
        ProofWrapper,
        404,
        409,
        500,
        headers={
            "Content-Disposition": {
                "description": "with `download=1`: "
                '`attachment; filename="hotline-proof-<side>-<index>.json"`',
                "schema": {"type": "string"},
            }
        },
    ),
)
async def notice_proof(
    side: str,
    index: int,
    api: Api,
    _: Reader,
    download: Annotated[bool, Query(description="answer as a file to save")] = False,
) -> JSONResponse:
    info = api.sides.info(side)
    if info is None:
        raise NotFound("unknown_side", f"no side {side!r}")
    held = await api.store.size(info.origin)
    if not 0 <= index < held:
        raise NotFound("unknown_entry", f"{side} has no entry {index}")
    tree = StoredTree(api.store, info.origin)
    # the checkpoint the other side cosigned last, if it covers the entry, else the latest: two
    # reads of one checkpoint each, whatever the history
    cosigned = api.notices.delivered_size(side)
    chosen = None
    if index < cosigned <= held:
        chosen = await api.store.checkpoint_at_most(info.origin, cosigned)
    if chosen is None or chosen.size <= index:
        chosen = await api.store.checkpoint_at_most(info.origin, held)
    if chosen is None or chosen.size <= index:
        raise Conflict("not_checkpointed", f"no checkpoint of {side} covers entry {index} yet")
    if await tree.root(chosen.size) != chosen.root:
        raise Broken(
            "checkpoint_mismatch",
            f"the stored checkpoint of size {chosen.size} does not match the feed",
        )
    entry = (await api.store.entries(info.origin, index, index + 1))[0]
    bundle = write_bundle(
        index=index,
        proof=await tree.inclusion_proof(index, chosen.size),
        checkpoint_note=chosen.note,
    )
    body: dict[str, Any] = {
        "side": side,
        "origin": info.origin,
        "index": index,
        "size": chosen.size,
        "cosigned": chosen.size == cosigned,
        "leaf_hash": _b64(leaf_hash(entry)),
        "entry": _b64(entry),
        "bundle": bundle.decode(),
    }
    headers = {"Cache-Control": "no-store"}
    if download:
        headers["Content-Disposition"] = f'attachment; filename="hotline-proof-{side}-{index}.json"'
    return JSONResponse(body, headers=headers)


@router.get(
    "/v1/audit/evidence",
    summary="Refused input kept as evidence, newest first (auditor)",
    description="Each record: when, from where, the refusal code and reason, the size of the "
    f"whole refused input, its SHA-256 (base64) and its first {EVIDENCE_HEAD} bytes (base64). "
    "The audit export holds every byte kept (the first `limits.evidence_bytes`).",
    responses=answers(EvidenceList),
)
async def list_evidence(
    api: Api,
    _: Exporter,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> dict[str, Any]:
    total, records = await api.store.latest_evidence(limit)
    return {
        "total": total,
        "evidence": [
            {
                "id": r.id,
                "time": r.time_ms,
                "source": r.source,
                "reason": r.reason,
                "detail": r.detail,
                "size": r.whole_size,
                "sha256": _b64(r.whole_sha256),
                "head": _b64(r.raw[:EVIDENCE_HEAD]),
            }
            for r in records
        ],
    }
