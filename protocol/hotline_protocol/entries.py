"""Feed entries: canonical bytes, leaf hashes and chain checks.

An entry is the RFC 8785 canonical JSON of::

    {"v": 1, "origin": <feed origin>, "index": <0-based>, "prev": <base64 leaf hash | "">,
     "notice": {...}}

``prev`` is the base64 leaf hash of entry ``index - 1`` and ``""`` for index 0. The leaf hash is
SHA-256(0x00 ‖ entry bytes). An entry never exceeds :data:`MAX_ENTRY_BYTES`: 65,535 bytes, under
64 KiB, so that it fits the 2-byte length prefix of a tlog-tiles entry bundle.
"""

from __future__ import annotations

import base64
import binascii
import functools
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import orjson
from pydantic import ValidationError

from .canonical import MAX_SAFE_INTEGER, canonical_json, canonical_object, loads_checked
from .errors import EntryError, NoticeError
from .merkle import leaf_hash
from .notices import (
    NOTICE_ADAPTER,
    Notice,
    is_json_form,
    notice_to_json,
    parse_notice,
    validate_notice,
)

ENTRY_VERSION = 1
MAX_ENTRY_BYTES = 64 * 1024 - 1  # tlog-tiles entry bundles prefix each entry with a 2-byte length
_KEYS = frozenset({"v", "origin", "index", "prev", "notice"})


@dataclass(frozen=True, slots=True)
class Entry:
    """A decoded, checked feed entry."""

    origin: str
    index: int
    prev: bytes
    notice: Notice
    raw: bytes
    leaf_hash: bytes
    notice_json: bytes
    """The notice's RFC 8785 JSON text: the slice of ``raw`` that holds it (so that a node can
    show the notice without encoding it again)."""


def notice_text(notice: Notice) -> bytes:
    """The notice's RFC 8785 text, as an entry holds it."""
    return canonical_json(notice_to_json(notice), plain=True)


def notice_text_of(data: Mapping[str, Any], notice: Notice) -> bytes:
    """``notice_text(notice)`` for a notice just validated from the JSON object ``data``: made
    from ``data`` itself when that is already the notice's JSON form (:func:`is_json_form`),
    which spares writing the validated notice out again (pydantic's dump was a tenth of a busy
    node's time). RFC 8785 writes a number by its value, so the bytes are the same."""
    if is_json_form(data, notice):
        try:
            return canonical_json(data, plain=True)
        except EntryError:  # e.g. an integer beyond 2**53 given for a number: written out
            pass
    return notice_text(notice)


def encode_entry(
    origin: str, index: int, prev: bytes, notice: Notice, text: bytes | None = None
) -> Entry:
    """Build the entry at ``index`` of ``origin`` whose predecessor has leaf hash ``prev``.
    ``text`` is ``notice_text(notice)`` when the caller made it already (a writer can encode
    notices ahead of knowing their place in the feed)."""
    _check_position(index, prev)
    notice_json = notice_text(notice) if text is None else text
    # The canonical object, member by member: keys in RFC 8785 order (index, notice, origin,
    # prev, v), each value in its canonical form.
    head = _head(index)
    raw = b"".join((head, notice_json, _tail(origin, prev)))
    if len(raw) > MAX_ENTRY_BYTES:
        raise EntryError(
            "entry exceeds the size limit",
            code="entry_too_large",
            expected=MAX_ENTRY_BYTES,
            found=len(raw),
        )
    return Entry(origin, index, prev, notice, raw, leaf_hash(raw), notice_json)


def _head(index: int) -> bytes:
    return b'{"index":%d,"notice":' % index


def _tail(origin: str, prev: bytes) -> bytes:
    return _tail_text(origin, base64.b64encode(prev) if prev else b"")


def _tail_text(origin: str, prev_text: bytes) -> bytes:
    return _origin_part(origin) + prev_text + b'","v":%d}' % ENTRY_VERSION


@functools.lru_cache(maxsize=64)
def _origin_part(origin: str) -> bytes:
    """``,"origin":<origin>,"prev":"``: the same for every entry of a feed, made once."""
    return b',"origin":' + canonical_json(origin) + b',"prev":"'


def decode_entry(
    raw: bytes, *, origin: str, index: int, prev: bytes, leaf: bytes | None = None
) -> Entry:
    """Parse and check entry bytes: size, canonical form, version, origin, index, prev, notice.
    ``leaf``: ``leaf_hash(raw)``, when the caller computed it already (an auditor hashes every
    entry for the tree before decoding it: once is enough).

    Raises :class:`EntryError` (or :class:`NoticeError` for a bad notice inside).
    """
    notice, notice_json = _decoded(raw, origin, index, prev)
    return Entry(origin, index, prev, notice, raw, leaf or leaf_hash(raw), notice_json)


def entry_notice(raw: bytes, *, origin: str, index: int, prev: bytes) -> Notice:
    """The notice of entry bytes checked as :func:`decode_entry` checks them, for a reader
    that needs the notice alone (an auditor, entry after entry: the :class:`Entry` it would
    not use cost a twentieth of its time)."""
    return _decoded(raw, origin, index, prev)[0]


def _decoded(raw: bytes, origin: str, index: int, prev: bytes) -> tuple[Notice, bytes]:
    """The notice of entry bytes, and its text, as :func:`decode_entry` checks them."""
    if len(raw) > MAX_ENTRY_BYTES:
        raise EntryError(
            "entry exceeds the size limit",
            code="entry_too_large",
            expected=MAX_ENTRY_BYTES,
            found=len(raw),
        )
    prev_text = binascii.b2a_base64(prev, newline=False) if prev else b""
    head, tail = _head(index), _tail_text(origin, prev_text)
    # The common case, decided on the bytes: the members around the notice are exactly those
    # expected here, in their canonical form, and the notice is the canonical text of an object
    # (with no null); then the entry is canonical with the right v, origin, index and prev, and
    # only the notice is parsed. Anything else takes the general path, which names the problem.
    if raw.startswith(head) and raw.endswith(tail) and index <= MAX_SAFE_INTEGER:
        notice_json = raw[len(head) : len(raw) - len(tail)]
        data = canonical_object(notice_json)
        if data is not None:
            return validate_notice(data), notice_json
    try:
        obj, canonical, has_null = loads_checked(raw)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise EntryError(f"entry is not JSON: {exc}", code="malformed_entry") from exc
    if not isinstance(obj, dict) or set(obj) != _KEYS:
        found = sorted(obj) if isinstance(obj, dict) else type(obj).__name__
        raise EntryError(
            "entry must have exactly v, origin, index, prev, notice",
            code="malformed_entry",
            expected=sorted(_KEYS),
            found=found,
        )
    if obj["v"] != ENTRY_VERSION:
        raise EntryError("unknown entry version", code="bad_version", expected=1, found=obj["v"])
    if obj["origin"] != origin:
        raise EntryError(
            "entry names another feed", code="wrong_origin", expected=origin, found=obj["origin"]
        )
    if type(obj["index"]) is not int or obj["index"] != index:
        raise EntryError(
            "entry index out of sequence", code="wrong_index", expected=index, found=obj["index"]
        )
    expected_prev = prev_text.decode()
    if obj["prev"] != expected_prev:
        raise EntryError(
            "entry does not chain to its predecessor",
            code="wrong_prev",
            expected=expected_prev,
            found=obj["prev"],
        )
    if not canonical:
        raise EntryError("entry bytes are not RFC 8785 canonical", code="not_canonical")
    notice = parse_notice(obj["notice"]) if has_null else validate_notice(obj["notice"])
    # canonical bytes with these members: the notice's text is what lies between them
    if not (raw.startswith(head) and raw.endswith(tail)):  # canonical: cannot happen
        raise EntryError("entry bytes are not RFC 8785 canonical", code="not_canonical")
    return notice, raw[len(head) : len(raw) - len(tail)]


def entry_notice_text(raw: bytes, index: int) -> bytes:
    """The notice's canonical text inside entry bytes already verified (stored) at ``index``:
    what lies between the entry's leading members and ``,"origin":`` (the last such member
    name: inside the notice it can only be a nested key, which comes before)."""
    head = _head(index)
    end = raw.rfind(b',"origin":')
    if not raw.startswith(head) or end < len(head):
        raise EntryError("entry bytes are not RFC 8785 canonical", code="not_canonical")
    return raw[len(head) : end]


def stored_notice(raw: bytes, index: int) -> Notice:
    """The notice of entry bytes that passed :func:`decode_entry` at ``index`` before (an
    auditor telling the entries it verified): parsed and validated, the checks of the bytes
    not made again. EntryError or NoticeError if it is not so."""
    text = entry_notice_text(raw, index)
    try:  # one pass over the text: JSON and Python validation agree on canonical text
        return NOTICE_ADAPTER.validator.validate_json(text)  # type: ignore[no-any-return]
    except ValidationError:
        pass  # refused below, with the problems named as every reader names them
    try:
        data = orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        raise EntryError(f"entry is not JSON: {exc}", code="malformed_entry") from exc
    if not isinstance(data, dict):
        raise EntryError("entry bytes are not RFC 8785 canonical", code="not_canonical")
    return validate_notice(data)


def peek_entry(raw: bytes) -> dict[str, Any]:
    """Parse entry bytes without chain checks (for display and evidence); EntryError if not JSON."""
    try:
        obj = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise EntryError(f"entry is not JSON: {exc}", code="malformed_entry") from exc
    if not isinstance(obj, dict):
        raise EntryError("entry is not a JSON object", code="malformed_entry")
    return obj


def decode_chain(raws: list[bytes], *, origin: str, start: int, prev: bytes) -> list[Entry]:
    """Decode consecutive entries starting at ``start`` after a predecessor hash ``prev``."""
    out: list[Entry] = []
    for offset, raw in enumerate(raws):
        entry = decode_entry(raw, origin=origin, index=start + offset, prev=prev)
        out.append(entry)
        prev = entry.leaf_hash
    return out


def b64decode_hash(text: str) -> bytes:
    """Decode a base64 32-byte hash or raise EntryError."""
    try:
        value = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise EntryError("hash is not base64", code="bad_hash", found=text) from exc
    if len(value) != 32:
        raise EntryError("hash must be 32 bytes", code="bad_hash", expected=32, found=len(value))
    return value


def _check_position(index: int, prev: bytes) -> None:
    if index < 0:
        raise EntryError("index must not be negative", code="wrong_index", found=index)
    if index == 0 and prev:
        raise EntryError("entry 0 has no predecessor", code="wrong_prev", expected=b"", found=prev)
    if index > 0 and len(prev) != 32:
        raise EntryError(
            "prev must be a 32-byte hash", code="wrong_prev", expected=32, found=len(prev)
        )


__all__ = [
    "ENTRY_VERSION",
    "MAX_ENTRY_BYTES",
    "Entry",
    "NoticeError",
    "b64decode_hash",
    "canonical_json",
    "decode_chain",
    "decode_entry",
    "encode_entry",
    "entry_notice",
    "peek_entry",
    "stored_notice",
]
