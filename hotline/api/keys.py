"""Both sides' public keys (vkeys), as pinned on this node."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from .deps import Api, AuthFirstRoute, Reader
from .models import Keys
from .openapi import answers

router = APIRouter(prefix="/v1", tags=["keys"], route_class=AuthFirstRoute)


@router.get("/keys", summary="Both sides' origins and vkeys", responses=answers(Keys))
async def get_keys(api: Api, _: Reader) -> dict[str, Any]:
    sides = api.sides.all()
    return {
        "own": api.sides.own.name,
        "sides": {
            s.name: {"origin": s.origin, "log_vkey": s.log_vkey, "witness_vkey": s.witness_vkey}
            for s in sides
        },
    }
