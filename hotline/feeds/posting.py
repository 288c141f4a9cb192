"""Turn what a client sends (REST body, stream message) into a complete notice.

The node fills what the client may leave out: ``id`` (a fresh UUID), ``time`` (now) and the
``author`` (the authenticated user, with the node's configured unit and nation). An author given
by the client must name the authenticated user: nobody posts in someone else's name.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from hotline_protocol.entries import notice_text_of
from hotline_protocol.notices import Notice, parse_notice, validate_notice

from ..errors import Forbidden, Invalid
from ..settings import Settings
from ..store.base import UserRecord
from .index import NoticeRecord


def complete_posting(
    body: Mapping[str, Any],
    user: UserRecord,
    settings: Settings,
    now_ms: int,
    *,
    no_null: bool = False,
) -> tuple[Notice, bytes]:
    """Fill id, time and author, then validate (NoticeError lists every problem); the notice
    and its canonical text for its entry, made from the completed body when that already is the
    notice's JSON form (see ``notice_text_of``). ``no_null``: the caller knows that ``body``
    holds no ``null`` (the text it was parsed from has none, or the node made it), so validation
    need not search it for one."""
    data = _filled(body, user, settings, now_ms)
    notice = validate_notice(data) if no_null else parse_notice(data)
    return notice, notice_text_of(data, notice)


def _filled(
    body: Mapping[str, Any], user: UserRecord, settings: Settings, now_ms: int
) -> dict[str, Any]:
    """``body`` with id, time and author filled in (Invalid when no author can be, Forbidden
    when it is not the user)."""
    data = dict(body)
    if "id" not in data:
        data["id"] = fresh_id()
    data.setdefault("time", now_ms)
    author = data.get("author")
    if author is None:
        if not settings.unit or not settings.nation:
            raise Invalid(
                "author_required", "give an author (unit, nation): this node has no defaults"
            )
        data["author"] = {"id": user.name, "unit": settings.unit, "nation": settings.nation}
    elif isinstance(author, Mapping):
        author = dict(author)
        if author.setdefault("id", user.name) != user.name:
            raise Forbidden(
                "author_mismatch", f"author.id must be the authenticated user {user.name!r}"
            )
        author.setdefault("unit", settings.unit or None)
        author.setdefault("nation", settings.nation or None)
        data["author"] = {k: v for k, v in author.items() if v is not None}
    return data


_RANDOM = bytearray()  # random bytes not yet used by fresh_id
_RANDOM_CHUNK = 4096
os.register_at_fork(after_in_child=_RANDOM.clear)  # a child never repeats its parent's ids


def fresh_id() -> str:
    """A new random (version 4) UUID in its canonical text form, as ``str(uuid.uuid4())``. The
    random bytes come from ``os.urandom`` as for ``uuid4``, but 4 KB at a time: one system call
    per 256 ids rather than one per id."""
    if len(_RANDOM) < 16:
        _RANDOM.extend(os.urandom(_RANDOM_CHUNK))
    raw = _RANDOM[-16:]
    del _RANDOM[-16:]
    raw[6] = raw[6] & 0x0F | 0x40  # version 4
    raw[8] = raw[8] & 0x3F | 0x80  # RFC 9562 variant
    h = raw.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def ack_body(
    target: NoticeRecord,
    response: str,
    reason: str | None,
    remark: str | None,
    precedence: str | None,
) -> dict[str, Any]:
    """An ack notice body answering ``target`` (precedence defaults to the target's)."""
    body: dict[str, Any] = {
        "kind": "ack",
        "status": target.status,
        "ref": target.ref(),
        "response": response,
        "precedence": precedence or target.precedence,
    }
    if reason is not None:
        body["reason"] = reason
    if remark is not None:
        body["remark"] = remark
    return body


def cancel_body(
    target: NoticeRecord, reason: str, remark: str | None, precedence: str | None
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "kind": "cancel",
        "status": target.status,
        "ref": target.ref(),
        "reason": reason,
        "precedence": precedence or target.precedence,
    }
    if remark is not None:
        body["remark"] = remark
    return body
