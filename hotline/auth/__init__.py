"""Users, bearer tokens and roles.

Roles and what they may do:

    operator    read, post (notices, acks, cancels for the own side)
    automation  read, post (the same, meant for systems)
    auditor     read, export
    admin       users (add, list, revoke)

Every role may read ``/metrics``; nothing but ``/healthz`` answers without a token. Tokens are
random, shown once, and stored as their SHA-256.
"""

from __future__ import annotations

import hashlib
import secrets
from typing import Literal

Role = Literal["operator", "automation", "auditor", "admin"]
Permission = Literal["read", "post", "export", "users", "metrics"]
ROLES: tuple[Role, ...] = ("operator", "automation", "auditor", "admin")

PERMISSIONS: dict[str, frozenset[str]] = {
    "operator": frozenset({"read", "post", "metrics"}),
    "automation": frozenset({"read", "post", "metrics"}),
    "auditor": frozenset({"read", "export", "metrics"}),
    "admin": frozenset({"users", "metrics"}),
}

TOKEN_PREFIX = "hl_"


def new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def allowed(role: str, permission: str) -> bool:
    return permission in PERMISSIONS.get(role, frozenset())
