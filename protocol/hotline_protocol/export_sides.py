"""Shape checks of an export's sides and evidence: the keys and types the format requires,
well-formed pinned vkeys, the four precedences' deadlines in seconds; every problem listed with
its JSON path, and a side with any problem left out (see :mod:`.export`).
"""

from __future__ import annotations

import hashlib
from typing import Any, TypeVar

from .card import Deadlines
from .cosignature import CosignatureVerifier
from .entryblocks import EntryChecks
from .errors import NoteError
from .export_data import (
    MAX_SIDES,
    EvidenceData,
    Loaded,
    SideData,
)
from .export_lists import CheckpointItems, HeartbeatItems, listed
from .export_stream import EntryItems
from .note import Verifier, b64decode_strict, verifier_from_vkey
from .shape import Shape, is_unicode, kind_of
from .spool import EntrySpool

V = TypeVar("V", bound=Verifier)


def load_sides(sides: list[Any], shape: Shape, out: Loaded) -> None:
    if not 1 <= len(sides) <= MAX_SIDES:
        out.problems.append(f"sides: expected 1 or {MAX_SIDES} sides, found {len(sides)}")
    names: set[str] = set()
    origins: set[str] = set()
    for i, raw in enumerate(sides[:MAX_SIDES]):
        before = len(out.problems)
        side = _load_side(raw, f"sides[{i}]", shape)
        if side is not None and side.name in names:
            shape.fail(f"sides[{i}].name: duplicate side name {side.name!r}")
        if side is not None and side.origin in origins:
            shape.fail(f"sides[{i}].origin: duplicate origin {side.origin!r}")
        if side is not None and len(out.problems) == before:
            names.add(side.name)
            origins.add(side.origin)
            out.sides.append(side)
        else:
            name = raw.get("name") if isinstance(raw, dict) else None
            if not (isinstance(name, str) and name and is_unicode(name)):
                name = f"sides[{i}]"
            out.broken_sides.append(name)


def _load_side(raw: Any, path: str, shape: Shape) -> SideData | None:
    if not isinstance(raw, dict):
        shape.fail(f"{path}: expected an object, found {kind_of(raw)}")
        return None
    name = shape.get(raw, "name", str, path)
    origin = shape.get(raw, "origin", str, path)
    log_vkey = shape.get(raw, "log_vkey", str, path)
    witness_vkey = shape.get(raw, "witness_vkey", str, path)
    size = shape.get(raw, "size", int, path)
    entries, listed, checked = _side_entries(raw, path, shape)
    checkpoints = _listed(raw, "checkpoints", CheckpointItems, path, shape, required=True)
    heartbeats = _listed(raw, "heartbeats", HeartbeatItems, path, shape, required=False)
    deadlines = _deadlines(raw, f"{path}.deadlines", shape)
    log = _key(log_vkey, Verifier, f"{path}.log_vkey", shape)
    witness = _key(witness_vkey, CosignatureVerifier, f"{path}.witness_vkey", shape)
    if size is not None and listed is not None and size != listed:
        shape.fail(f"{path}.size: states {size} entries, the list holds {listed}")
    if (
        name is None
        or origin is None
        or log_vkey is None
        or witness_vkey is None
        or log is None
        or witness is None
    ):
        return None
    return SideData(
        name,
        origin,
        log_vkey,
        witness_vkey,
        log,
        witness,
        entries,
        checkpoints,
        deadlines,
        heartbeats,
        checked,
    )


def _deadlines(raw: dict[str, Any], path: str, shape: Shape) -> Deadlines | None:
    """The optional ``deadlines``: an object of the four precedences, seconds above 0."""
    value = raw.get("deadlines")
    if value is None and "deadlines" not in raw:
        return None
    if not isinstance(value, dict):
        shape.fail(f"{path}: expected an object, found {kind_of(value)}")
        return None
    try:
        deadlines = Deadlines.from_seconds(value)
    except ValueError as exc:
        shape.fail(f"{path}: {exc}")
        return None
    if any(abs(value[p] * 1000 - deadlines.of(p)) > 1e-6 for p in value):
        shape.fail(f"{path}: deadlines are whole milliseconds (at most three decimals)")
        return None
    return deadlines


def _key(text: str | None, cls: type[V], path: str, shape: Shape) -> V | None:
    if text is None:
        return None
    try:
        key = verifier_from_vkey(text)
    except NoteError as exc:
        shape.fail(f"{path}: {exc}")
        return None
    if type(key) is not cls:
        shape.fail(f"{path}: expected a {cls.KEY_TYPE:#04x} key, found a {key.key_type:#04x} key")
        return None
    assert isinstance(key, cls)
    return key


def _side_entries(
    raw: dict[str, Any], path: str, shape: Shape
) -> tuple[EntrySpool, int | None, EntryChecks | None]:
    """The side's entries, spooled, how many the list holds (None: no list) and their check,
    if it was made as they were read."""
    items = raw.get("entries")
    if not isinstance(items, EntryItems):  # not a list: the shape check says what it is
        shape.get(raw, "entries", list, path)
        return EntrySpool(), None, None
    for problem in items.problems:
        shape.fail(problem)
    if items.bad > len(items.problems):
        shape.fail(
            f"{items.path}: {items.bad - len(items.problems)} more entries not canonical base64"
        )
    checked = items.checked if items.origin == raw.get("origin") else None
    return items.spool, items.count, checked


def _listed(
    raw: dict[str, Any],
    key: str,
    kind: type[CheckpointItems] | type[HeartbeatItems],
    path: str,
    shape: Shape,
    *,
    required: bool,
) -> Any:
    """The side's ``checkpoints`` or ``heartbeats`` as read (on disk), their problems told to
    ``shape``; an empty list when the key is missing (a problem if ``required``) or not a
    list."""
    items = raw.get(key)
    if isinstance(items, list):  # not streamed: read here the same way
        items = listed(kind(f"{path}.{key}"), items)
    if not isinstance(items, kind):
        if required or key in raw:
            shape.get(raw, key, list, path)
        return kind(f"{path}.{key}").items
    items.report(shape)
    return items.items


def load_evidence(doc: dict[str, Any], shape: Shape) -> list[EvidenceData] | None:
    records = shape.get(doc, "evidence", list, "")
    if records is None:
        return None
    out: list[EvidenceData] = []
    before = len(shape.problems)
    for i, rec in enumerate(records):
        path = f"evidence[{i}]"
        if not isinstance(rec, dict):
            shape.fail(f"{path}: expected an object, found {kind_of(rec)}")
            continue
        time = shape.get(rec, "time", int, path)
        source = shape.get(rec, "source", str, path)
        reason = shape.get(rec, "reason", str, path)
        detail = shape.get(rec, "detail", str, path)
        raw_b64 = shape.get(rec, "raw", str, path)
        raw = b64decode_strict(raw_b64) if raw_b64 is not None else None
        if raw_b64 is not None and raw is None:
            shape.fail(f"{path}.raw: expected canonical base64")
        if None in (time, source, reason, detail, raw):
            continue
        assert time is not None and source is not None and reason is not None
        assert detail is not None and raw is not None
        whole = _evidence_whole(rec, raw, shape, path)
        if whole is not None:
            out.append(EvidenceData(time, source, reason, detail, raw, *whole))
    return out if len(shape.problems) == before else None


def _evidence_whole(
    rec: dict[str, Any], raw: bytes, shape: Shape, path: str
) -> tuple[int, bytes] | None:
    """The whole input's ``size`` and ``sha256`` a record states, checked against the bytes
    kept; a record without either (an older export) kept the input whole."""
    if "size" not in rec and "sha256" not in rec:
        return len(raw), hashlib.sha256(raw).digest()
    size = shape.get(rec, "size", int, path)
    digest_b64 = shape.get(rec, "sha256", str, path)
    digest = b64decode_strict(digest_b64) if digest_b64 is not None else None
    if digest_b64 is not None and (digest is None or len(digest) != 32):
        shape.fail(f"{path}.sha256: expected the canonical base64 of 32 bytes")
        return None
    if size is None or digest is None:
        return None
    if len(raw) > size:
        shape.fail(f"{path}.raw: {len(raw)} bytes kept of an input of {size}")
        return None
    if len(raw) == size and hashlib.sha256(raw).digest() != digest:
        shape.fail(f"{path}.sha256: not the SHA-256 of raw, which is the whole input")
        return None
    return size, digest
