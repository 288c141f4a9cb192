"""Dependencies shared by the routers: the API's context and the authenticated user with a
permission.

Authentication comes before anything of the request is read: the routers' routes are
:class:`AuthFirstRoute`, which checks the bearer token and the permission a route needs before
FastAPI reads and parses its body, so a request without a valid token gets 401 (a token without
the permission 403) whatever its body holds.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Coroutine, Iterator
from typing import Annotated, Any

from fastapi import Depends, Request, Response
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

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


async def authorize(request: Request, permission: str) -> UserRecord:
    """The request's user, who must hold ``permission`` (checked once per request)."""
    user: UserRecord | None = getattr(request.state, "auth_user", None)
    if user is None:
        user = await authenticate(request.app.state.api.store, bearer_token(request))
        if user is None:
            raise Unauthenticated("bad_token", "the token is unknown or revoked")
        request.state.auth_user = user
        request.state.user = user.name
    if not allowed(user.role, permission):
        raise Forbidden("forbidden", f"role {user.role} may not {permission}")
    return user


class _Require:
    """The dependency of a route that needs ``permission``."""

    def __init__(self, permission: str) -> None:
        self.permission = permission

    async def __call__(self, request: Request) -> UserRecord:
        return await authorize(request, self.permission)


def require(permission: str) -> Callable[..., Awaitable[UserRecord]]:
    return _Require(permission)


def permissions(dependant: Dependant) -> Iterator[str]:
    """The permissions a route's dependencies require, in the order they are declared."""
    for dep in dependant.dependencies:
        if isinstance(dep.call, _Require):
            yield dep.call.permission
        yield from permissions(dep)


class AuthFirstRoute(APIRoute):
    """A route that checks its token and permission before its body is read."""

    @property
    def permissions(self) -> tuple[str, ...]:
        """The permissions the route needs (none: no token needed)."""
        return tuple(dict.fromkeys(permissions(self.dependant)))

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        needed = self.permissions
        if not needed:
            return handler

        async def authorized(request: Request) -> Response:
            for permission in needed:
                await authorize(request, permission)
            return await handler(request)

        return authorized


Reader = Annotated[UserRecord, Depends(require("read"))]
Poster = Annotated[UserRecord, Depends(require("post"))]
Exporter = Annotated[UserRecord, Depends(require("export"))]
Admin = Annotated[UserRecord, Depends(require("users"))]
MetricsReader = Annotated[UserRecord, Depends(require("metrics"))]
