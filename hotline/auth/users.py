"""User management shared by the CLI and the admin API."""

from __future__ import annotations

import re

from pydantic import ValidationError

from hotline_protocol.notices.common import Author

from ..errors import Conflict, Invalid, StoreConflict
from ..store.base import Store, UserRecord
from . import ROLES, new_token, token_hash

NAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")


async def add_user(
    store: Store,
    name: str,
    role: str,
    now_ms: int,
    *,
    nation: str | None = None,
    unit: str | None = None,
) -> tuple[UserRecord, str]:
    """Create a user who posts as ``unit`` of ``nation`` (None: the node's own); returns the
    record and the one-time token. Invalid for a bad name, role, nation or unit, Conflict when
    the name is taken."""
    if not NAME_RE.match(name):
        raise Invalid("bad_name", "user names are 1-64 of a-z 0-9 . _ - (starting alnum)")
    if role not in ROLES:
        raise Invalid("bad_role", f"role must be one of {', '.join(ROLES)}")
    try:  # as a notice's author would carry them
        Author(id=name, unit=unit or "unit", nation=nation or "XAA")
    except ValidationError as exc:
        problem = exc.errors()[0]
        raise Invalid(
            f"bad_{problem['loc'][0]}",
            f"{problem['loc'][0]}: {problem['msg']} (nation: ISO 3166-1 alpha-3, e.g. XAB)",
        ) from None
    token = new_token()
    user = UserRecord(
        name=name,
        role=role,
        token_hash=token_hash(token),
        created_ms=now_ms,
        nation=nation,
        unit=unit,
    )
    try:
        await store.add_user(user)
    except StoreConflict as exc:
        raise Conflict("user_exists", f"user {name!r} exists") from exc
    return user, token


async def authenticate(store: Store, token: str) -> UserRecord | None:
    """The active user holding ``token``, or None."""
    if not token.startswith("hl_") or len(token) > 200:
        return None
    user = await store.user_by_token_hash(token_hash(token))
    if user is None or user.revoked_ms is not None:
        return None
    return user
