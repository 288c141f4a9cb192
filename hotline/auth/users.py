"""User management shared by the CLI and the admin API."""

from __future__ import annotations

import re

from ..errors import Conflict, Invalid, StoreConflict
from ..store.base import Store, UserRecord
from . import ROLES, new_token, token_hash

NAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")


async def add_user(store: Store, name: str, role: str, now_ms: int) -> tuple[UserRecord, str]:
    """Create a user; returns the record and the one-time token. Invalid for a bad name or
    role, Conflict when the name is taken."""
    if not NAME_RE.match(name):
        raise Invalid("bad_name", "user names are 1-64 of a-z 0-9 . _ - (starting alnum)")
    if role not in ROLES:
        raise Invalid("bad_role", f"role must be one of {', '.join(ROLES)}")
    token = new_token()
    user = UserRecord(name=name, role=role, token_hash=token_hash(token), created_ms=now_ms)
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
