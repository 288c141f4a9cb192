"""Dependencies shared by the routers: the API's context and the authenticated user with a
permission."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Request

from ..auth import allowed
from ..auth.users import authenticate
from ..errors import Forbidden, Unauthenticated
from ..store.base import UserRecord
from .context import ApiContext


async def get_api(request: Request) -> ApiContext:
    """The API's context (async: FastAPI runs a plain ``def`` dependency in a worker thread)."""
    api: ApiContext = request.app.state.api
    return api


Api = Annotated[ApiContext, Depends(get_api)]


def bearer_token(request: Request) -> str:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise Unauthenticated("unauthenticated", "a bearer token is required")
    return token.strip()


def require(permission: str) -> Callable[..., Awaitable[UserRecord]]:
    async def dependency(request: Request, api: Api) -> UserRecord:
        user = await authenticate(api.store, bearer_token(request))
        if user is None:
            raise Unauthenticated("bad_token", "the token is unknown or revoked")
        if not allowed(user.role, permission):
            raise Forbidden("forbidden", f"role {user.role} may not {permission}")
        request.state.user = user.name
        return user

    return dependency


Reader = Annotated[UserRecord, Depends(require("read"))]
Poster = Annotated[UserRecord, Depends(require("post"))]
Exporter = Annotated[UserRecord, Depends(require("export"))]
Admin = Annotated[UserRecord, Depends(require("users"))]
MetricsReader = Annotated[UserRecord, Depends(require("metrics"))]
