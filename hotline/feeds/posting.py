"""Turn what a client sends (REST body, stream message) into a complete notice.

The node fills what the client may leave out: ``id`` (a fresh version 7 UUID), ``time`` (now)
and the ``author`` (the authenticated user, with the user's unit and nation, or the node's
configured ones for a user who has none). An author given by the client must be the
authenticated user, of that unit and nation: nobody posts in someone else's name, nor as another
unit or nation.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from hotline_protocol.entries import notice_text, notice_text_of
from hotline_protocol.errors import ProtocolError
from hotline_protocol.notices import Notice, parse_notice, validate_notice

from ..errors import Forbidden, HotlineError, Invalid
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


def check_time(claimed_ms: int, now_ms: int, tolerance_s: float) -> None:
    """Invalid ``time_out_of_range`` when a notice's claimed time is further than the
    tolerance from the node's clock (the detail gives the bounds, unix ms)."""
    tolerance = int(tolerance_s * 1000)
    if abs(claimed_ms - now_ms) > tolerance:
        raise Invalid(
            "time_out_of_range",
            {
                "time": claimed_ms,
                "earliest": now_ms - tolerance,
                "latest": now_ms + tolerance,
                "reason": f"time must be within {tolerance_s:g} s of the node's clock",
            },
        )


def same_posting(
    body: Mapping[str, Any], user: UserRecord, settings: Settings, stored: Notice, text: bytes
) -> bool:
    """Whether ``body`` posts the notice whose canonical text is ``text``, once what it leaves
    out (id, time, author) is taken from that notice: how a retried post with the same
    Idempotency-Key is told from another post that reuses the key."""
    data = dict(body)
    data.setdefault("id", str(stored.id))
    data.setdefault("time", stored.time)
    if "author" not in data:
        data["author"] = stored.author.model_dump(mode="json", exclude_none=True)
    try:
        notice = parse_notice(_filled(data, user, settings, stored.time))
    except (ProtocolError, HotlineError):
        return False
    return notice_text(notice) == text


def _filled(
    body: Mapping[str, Any], user: UserRecord, settings: Settings, now_ms: int
) -> dict[str, Any]:
    """``body`` with id, time and author filled in (Invalid when no author can be, Forbidden
    when it is not the user)."""
    data = dict(body)
    if "id" not in data:
        data["id"] = fresh_id(now_ms)
    data.setdefault("time", now_ms)
    author = data.get("author")
    unit, nation = user.unit or settings.unit or None, user.nation or settings.nation or None
    if author is None:
        if not unit or not nation:
            raise Invalid(
                "author_required", "give an author (unit, nation): this node has no defaults"
            )
        data["author"] = {"id": user.name, "unit": unit, "nation": nation}
    elif isinstance(author, Mapping):
        author = dict(author)
        if author.setdefault("id", user.name) != user.name:
            raise Forbidden(
                "author_mismatch", f"author.id must be the authenticated user {user.name!r}"
            )
        for field, own in (("unit", unit), ("nation", nation)):
            if own is not None and author.setdefault(field, own) != own:
                raise Forbidden(
                    "author_mismatch", f"author.{field} must be {own!r}, the user's {field}"
                )
        data["author"] = {k: v for k, v in author.items() if v is not None}
    return data


_RANDOM = bytearray()  # random bytes not yet used by fresh_id
_RANDOM_CHUNK = 4096
os.register_at_fork(after_in_child=_RANDOM.clear)  # a child never repeats its parent's ids


def fresh_id(now_ms: int) -> str:
    """A new version 7 UUID (RFC 9562) in its canonical text form (lower case, with hyphens):
    its first 48 bits are ``now_ms``, the node's time in unix milliseconds, and 74 of the rest
    random, so that ids made later sort after those made earlier (the store's index of ids is
    written at its end: ``hotline.store.sqlite_ids``). The random bytes come from
    ``os.urandom`` as for ``uuid.uuid4``, but 4 KB at a time: one system call per 256 ids rather
    than one per id."""
    if len(_RANDOM) < 16:
        _RANDOM.extend(os.urandom(_RANDOM_CHUNK))
    raw = _RANDOM[-16:]
    del _RANDOM[-16:]
    raw[:6] = (now_ms & 0xFFFF_FFFF_FFFF).to_bytes(6, "big")
    raw[6] = raw[6] & 0x0F | 0x70  # version 7
    raw[8] = raw[8] & 0x3F | 0x80  # RFC 9562 variant
    h = raw.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def ack_body(
    target: NoticeRecord,
    response: str,
    reason: str | None,
    remark: str | None,
    precedence: str | None,
    reason_code: str | None = None,
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
    if reason_code is not None:
        body["reason_code"] = reason_code
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
