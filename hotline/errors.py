"""How an error a client caused is reported, by REST and by the stream alike.

Errors of the services (a bad notice, a broken feed rule, a user problem, a store outage) become
``(HTTP status, stable code, detail)``; anything else is a bug and is not described here.
"""

from __future__ import annotations

from typing import Any

from hotline_protocol.errors import NoticeError, ProtocolError

from .auth.users import UserError
from .feeds.rules import RuleError
from .store.base import StoreError

SERVICE_ERRORS = (ProtocolError, RuleError, UserError, StoreError)


def describe(exc: Exception) -> tuple[int, str, Any] | None:
    """``(status, code, detail)`` for a service error; None for anything else."""
    if isinstance(exc, NoticeError):
        return 422, exc.code, exc.to_dict()["problems"]
    if isinstance(exc, ProtocolError):
        return (413 if exc.code == "entry_too_large" else 422), exc.code, exc.to_dict()
    if isinstance(exc, RuleError | UserError):
        return exc.status, exc.code, exc.detail
    if isinstance(exc, StoreError):
        return 503, "store_unavailable", str(exc)
    return None
