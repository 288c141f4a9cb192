"""What a store keeps beside the entries' bytes, as records: checkpoints, cosignatures,
heartbeats, users, evidence; the notice index's keys and queries; and what a notice entry
tells the store about itself (:func:`notice_facts`: its time, kind, precedence, id, whether it
needs an answer, what it refers to, until when deconfliction looks at it).
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from typing import Any

import orjson


@dataclass(frozen=True, slots=True)
class CheckpointRecord:
    origin: str
    size: int
    root: bytes
    note: bytes  # the signed note with every signature and cosignature it has
    stored_ms: int


@dataclass(frozen=True, slots=True)
class CosignatureRecord:
    origin: str
    size: int
    witness: str  # the witness key name
    timestamp: int  # seconds, as in the cosignature
    received_ms: int


@dataclass(frozen=True, slots=True)
class HeartbeatRecord:
    """A cosignature of a checkpoint that was cosigned before by the same witness, made again
    later: the witness saw the feed at that size at ``timestamp`` (seconds). ``line`` is the
    signature line, which anyone verifies against the checkpoint's body."""

    origin: str
    size: int
    witness: str
    timestamp: int
    line: str
    received_ms: int


@dataclass(frozen=True, slots=True)
class UserRecord:
    name: str
    role: str
    token_hash: str  # hex SHA-256 of the bearer token
    created_ms: int
    revoked_ms: int | None = None
    nation: str | None = None  # the nation and unit the user posts as (None: the node's)
    unit: str | None = None


@dataclass(frozen=True, slots=True)
class EvidenceRecord:
    """Refused input. ``raw`` is what is kept of it: its first bytes (at most
    ``limits.evidence_bytes``); ``size`` and ``sha256`` are those of the whole input. A record
    stored before they were kept has None for both, and ``raw`` is then the whole input as
    kept (:attr:`whole_size`, :attr:`whole_sha256` answer for either)."""

    time_ms: int
    source: str  # e.g. "peer", "client"
    reason: str  # a stable error code
    detail: str  # human-readable, with expected/found where known
    raw: bytes  # the refused bytes as received: the first ``size`` of them at most
    id: int = 0  # assigned by the store
    size: int | None = None  # bytes in the whole refused input
    sha256: bytes | None = None  # SHA-256 of the whole refused input

    @classmethod
    def of(
        cls, time_ms: int, source: str, reason: str, detail: str, data: bytes, keep: int
    ) -> EvidenceRecord:
        """The record of refused ``data``: its first ``keep`` bytes, its length and digest."""
        digest = hashlib.sha256(data).digest()
        return cls(time_ms, source, reason, detail, data[:keep], 0, len(data), digest)

    @property
    def whole_size(self) -> int:
        return len(self.raw) if self.size is None else self.size

    @property
    def whole_sha256(self) -> bytes:
        return hashlib.sha256(self.raw).digest() if self.sha256 is None else self.sha256


TimeRange = tuple[int, int]  # notice times in (after, until]


@dataclass(frozen=True, slots=True, order=True)
class NoticeKey:
    """Where a notice entry stands in a listing: by its notice's time, then its feed's origin,
    then its index (listings run newest first, i.e. descending)."""

    time_ms: int
    origin: str
    index: int


@dataclass(frozen=True, slots=True)
class NoticeQuery:
    """Which notice entries a listing shows: those of one feed (``origin``) or all, of one
    ``kind`` and ``precedence`` or any, with a notice time of ``since`` or later, and strictly
    before the key ``before`` (where the previous page ended)."""

    origin: str | None = None
    kind: str | None = None
    precedence: str | None = None
    since: int | None = None
    before: NoticeKey | None = None


MAX_INDEXED_TIME = 10**15 - 1  # listings write times in 15 digits (far beyond any notice time)


ACK_REQUIRED = frozenset({"planned_operation", "aircraft_in_distress", "downed_pilot", "cancel"})
# What deconfliction looks at (an update is of its notice's kind), and until when: a planned
# operation until its window ends or its validity does, an emergency until it is withdrawn.
RULED_KINDS = ("planned_operation", "aircraft_in_distress", "downed_pilot")
OPEN_ENDED = MAX_INDEXED_TIME + 1  # the ``live_until`` of an emergency
CLOSING = ("ack", "cancel", "supersedes")  # links that answer the entry they name


@dataclass(frozen=True, slots=True)
class Link:
    """Entry ``index`` of feed ``origin`` refers to another (``how``: ``ack``, ``cancel``,
    ``supersedes``, which answer it (:data:`CLOSING`), or ``regarding``: a liaison about it)
    naming it by its leaf hash ``leaf_hash``; the link counts only when that is the leaf hash
    of the entry it names (an entry of the other side not held yet may be named)."""

    how: str
    origin: str
    index: int
    leaf_hash: bytes


@dataclass(frozen=True, slots=True)
class NoticeFacts:
    """What the store indexes of a notice entry (:func:`notice_facts`)."""

    time_ms: int
    kind: str
    precedence: str
    id: str
    needs_ack: bool  # the other side must answer it (by kind, or because it is an update)
    refs: tuple[tuple[str, str, int, bytes], ...]  # (how, target origin, index, leaf hash)
    live_until: int | None = None  # of a ruled kind: until when deconfliction looks at it


@dataclass(frozen=True, slots=True)
class NoticeState:
    """A notice entry as stored, with what the store knows of it beside its bytes."""

    origin: str
    index: int
    raw: bytes
    leaf_hash: bytes
    appended_ms: int  # when it was appended here: its batch's checkpoint's stored time
    implausible: tuple[int, int] | None  # the witnessed bracket, for a peer entry flagged
    links: tuple[Link, ...]  # the entries that refer to it, in feed order of each origin


def notice_facts(entry: bytes) -> NoticeFacts | None:
    """The facts a store indexes of a notice entry; None for bytes that are not one (they are
    stored, and not indexed)."""
    try:
        notice = orjson.loads(entry).get("notice")
        time, kind, precedence = notice["time"], notice["kind"], notice["precedence"]
        notice_id = notice["id"]
    except (orjson.JSONDecodeError, AttributeError, KeyError, TypeError):
        return None
    if not (isinstance(time, int) and 0 <= time <= MAX_INDEXED_TIME):
        return None
    if not (isinstance(kind, str) and isinstance(precedence, str) and isinstance(notice_id, str)):
        return None
    named = [
        (kind, notice.get("ref") if kind in ("ack", "cancel") else None),
        ("supersedes", notice.get("supersedes")),
    ]
    regarding = notice.get("regarding") if kind == "liaison" else None
    if isinstance(regarding, list):
        named += [("regarding", ref) for ref in regarding]
    refs = []
    for how, ref in named:
        found = _reference(ref)
        if found is not None and (how, *found) not in refs:
            refs.append((how, *found))
    needs_ack = kind in ACK_REQUIRED or notice.get("supersedes") is not None
    live = _live_until(kind, notice)
    return NoticeFacts(time, kind, precedence, notice_id, needs_ack, tuple(refs), live)


def _live_until(kind: str, notice: dict[str, Any]) -> int | None:
    """Until when deconfliction looks at a notice of a ruled kind (None for other kinds): an
    operation's window end or its validity, whichever comes first (a notice without a usable
    time stays open-ended: the node decides when it reads it), an emergency open-ended."""
    if kind not in RULED_KINDS:
        return None
    if kind != "planned_operation":
        return OPEN_ENDED
    window = notice.get("window")
    times = [window.get("end") if isinstance(window, dict) else None, notice.get("expires")]
    found = [t for t in times if isinstance(t, int) and 0 <= t <= MAX_INDEXED_TIME]
    return min(found) if found else OPEN_ENDED


def _reference(ref: object) -> tuple[str, int, bytes] | None:
    if not isinstance(ref, dict):
        return None
    origin, index, leaf = ref.get("origin"), ref.get("index"), ref.get("leaf_hash")
    if not (isinstance(origin, str) and isinstance(index, int) and isinstance(leaf, str)):
        return None
    try:
        return origin, index, base64.b64decode(leaf, validate=True)
    except ValueError:
        return None
