"""User management shared by the CLI and the admin API."""

from __future__ import annotations

import re

from ..store.base import Store, StoreConflict, UserRecord
from . import ROLES, new_token, token_hash

NAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")


class UserError(Exception):
    def __init__(self, code: str, detail: str, status: int = 422) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail
        self.status = status


async def add_user(store: Store, name: str, role: str, now_ms: int) -> tuple[UserRecord, str]:
    """Create a user; returns the record and the one-time token."""
    if not NAME_RE.match(name):
        raise UserError("bad_name", "user names are 1-64 of a-z 0-9 . _ - (starting alnum)")
    if role not in ROLES:
        raise UserError("bad_role", f"role must be one of {', '.join(ROLES)}")
    token = new_token()
    user = UserRecord(name=name, role=role, token_hash=token_hash(token), created_ms=now_ms)
    try:
        await store.add_user(user)
    except StoreConflict as exc:
        raise UserError("user_exists", f"user {name!r} exists", 409) from exc
    return user, token


async def authenticate(store: Store, token: str) -> UserRecord | None:
    """The active user holding ``token``, or None."""
    if not token.startswith("hl_") or len(token) > 200:
        return None
    user = await store.user_by_token_hash(token_hash(token))
    if user is None or user.revoked_ms is not None:
        return None
    return user
