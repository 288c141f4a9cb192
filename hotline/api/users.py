"""User administration (admin role): the same operations as ``hotline users``."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict

from ..auth import Role
from ..auth.users import add_user
from ..errors import NotFound
from .deps import Admin, Api, AuthFirstRoute
from .models import NewUserToken, Revoked, UserList
from .openapi import answers

router = APIRouter(prefix="/v1/users", tags=["users"], route_class=AuthFirstRoute)


class NewUser(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    role: Role
    nation: str | None = None  # ISO 3166-1 alpha-3; default: the node's
    unit: str | None = None  # default: the node's


@router.get("", summary="List users (never their tokens)", responses=answers(UserList))
async def list_users(api: Api, _: Admin) -> dict[str, Any]:
    users = await api.store.list_users()
    return {
        "users": [
            {
                "name": u.name,
                "role": u.role,
                "nation": u.nation,
                "unit": u.unit,
                "created": u.created_ms,
                "revoked": u.revoked_ms,
            }
            for u in users
        ]
    }


@router.post(
    "",
    status_code=201,
    summary="Add a user; the token is shown once",
    responses=answers(NewUserToken, 409, status=201),
)
async def create_user(body: NewUser, api: Api, _: Admin) -> dict[str, Any]:
    user, token = await add_user(
        api.store, body.name, body.role, api.clock_ms(), nation=body.nation, unit=body.unit
    )
    return {
        "name": user.name,
        "role": user.role,
        "nation": user.nation,
        "unit": user.unit,
        "token": token,
    }


@router.delete("/{name}", summary="Revoke a user's token", responses=answers(Revoked, 404))
async def revoke_user(name: str, api: Api, _: Admin) -> dict[str, Any]:
    if not await api.store.revoke_user(name, api.clock_ms()):
        raise NotFound("unknown_user", f"no active user {name!r}")
    return {"name": name, "revoked": True}
