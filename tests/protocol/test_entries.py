"""Feed entries: canonical bytes, leaf hashes, chain checks, the size limit."""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hotline_protocol.canonical import reference_canonical_json
from hotline_protocol.entries import (
    MAX_ENTRY_BYTES,
    decode_chain,
    decode_entry,
    encode_entry,
    stored_notice,
)
from hotline_protocol.errors import EntryError, NoticeError
from hotline_protocol.notices import Notice, parse_notice

EXAMPLES = Path(__file__).parent / "examples"
ORIGIN = "alpha.hotline.example"


def example(kind: str) -> Notice:
    return parse_notice(json.loads((EXAMPLES / f"{kind}.json").read_text()))


KINDS = sorted(p.stem for p in EXAMPLES.glob("*.json"))


@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_round_trips_through_entry_bytes(kind: str) -> None:
    notice = example(kind)
    entry = encode_entry(ORIGIN, 0, b"", notice)
    decoded = decode_entry(entry.raw, origin=ORIGIN, index=0, prev=b"")
    assert decoded.notice == notice
    assert decoded.raw == entry.raw
    assert decoded.leaf_hash == entry.leaf_hash


def test_entry_bytes_are_rfc8785_of_the_documented_object() -> None:
    notice = example("liaison")
    first = encode_entry(ORIGIN, 0, b"", notice)
    second = encode_entry(ORIGIN, 1, first.leaf_hash, notice)
    obj = json.loads(second.raw)
    assert set(obj) == {"v", "origin", "index", "prev", "notice"}
    assert obj["v"] == 1 and obj["index"] == 1 and obj["origin"] == ORIGIN
    assert obj["prev"] == base64.b64encode(first.leaf_hash).decode()
    assert json.loads(first.raw)["prev"] == ""
    assert second.raw == reference_canonical_json(obj)
    assert second.leaf_hash == hashlib.sha256(b"\x00" + second.raw).digest()


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(
    "origin", [ORIGIN, "bravo.hotline.example/feed", 'café "quoted" \\ tab\t ünï']
)
def test_entry_bytes_equal_the_reference_canonical_form_and_hold_the_notice_text(
    kind: str, origin: str
) -> None:
    notice = example(kind)
    first = encode_entry(origin, 0, b"", notice)
    second = encode_entry(origin, 12345, first.leaf_hash, notice)
    for entry in (first, second):
        obj = json.loads(entry.raw)
        assert entry.raw == reference_canonical_json(obj)
        assert entry.notice_json == reference_canonical_json(obj["notice"])
        assert entry.notice_json in entry.raw
        decoded = decode_entry(entry.raw, origin=origin, index=entry.index, prev=entry.prev)
        assert decoded.notice_json == entry.notice_json


def test_a_chain_decodes_in_order() -> None:
    notice = example("liaison")
    raws, prev = [], b""
    for i in range(5):
        entry = encode_entry(ORIGIN, i, prev, notice)
        raws.append(entry.raw)
        prev = entry.leaf_hash
    chain = decode_chain(raws, origin=ORIGIN, start=0, prev=b"")
    assert [e.index for e in chain] == [0, 1, 2, 3, 4]
    assert chain[-1].leaf_hash == prev


def _raw(mutate: Any) -> tuple[bytes, bytes]:
    notice = example("liaison")
    first = encode_entry(ORIGIN, 0, b"", notice)
    obj = json.loads(encode_entry(ORIGIN, 1, first.leaf_hash, notice).raw)
    mutate(obj)
    return reference_canonical_json(obj), first.leaf_hash


@pytest.mark.parametrize(
    ("mutate", "code"),
    [
        (lambda o: o.update(origin="bravo.hotline.example"), "wrong_origin"),
        (lambda o: o.update(index=2), "wrong_index"),
        (lambda o: o.update(prev=base64.b64encode(b"\x01" * 32).decode()), "wrong_prev"),
        (lambda o: o.update(prev=""), "wrong_prev"),
        (lambda o: o.update(v=2), "bad_version"),
        (lambda o: o.update(extra=1), "malformed_entry"),
        (lambda o: o.pop("notice"), "malformed_entry"),
    ],
    ids=["origin", "index", "prev", "prev-empty", "version", "extra-key", "no-notice"],
)
def test_decoding_refuses_an_entry_out_of_place(mutate: Any, code: str) -> None:
    raw, prev = _raw(mutate)
    with pytest.raises(EntryError) as err:
        decode_entry(raw, origin=ORIGIN, index=1, prev=prev)
    assert err.value.code == code


def test_decoding_reports_expected_and_found_values() -> None:
    raw, prev = _raw(lambda o: o.update(index=7))
    with pytest.raises(EntryError) as err:
        decode_entry(raw, origin=ORIGIN, index=1, prev=prev)
    assert (err.value.expected, err.value.found) == (1, 7)


def test_non_canonical_bytes_are_refused() -> None:
    notice = example("liaison")
    entry = encode_entry(ORIGIN, 0, b"", notice)
    spaced = json.dumps(json.loads(entry.raw), indent=1).encode()
    with pytest.raises(EntryError) as err:
        decode_entry(spaced, origin=ORIGIN, index=0, prev=b"")
    assert err.value.code == "not_canonical"


@pytest.mark.parametrize("raw", [b"", b"{", b"\xff\xfe", b"[]", b"null"])
def test_garbage_is_refused_as_malformed(raw: bytes) -> None:
    with pytest.raises(EntryError) as err:
        decode_entry(raw, origin=ORIGIN, index=0, prev=b"")
    assert err.value.code == "malformed_entry"


def test_a_bad_notice_inside_an_entry_raises_notice_error() -> None:
    raw, prev = _raw(lambda o: o["notice"].update(language=""))
    with pytest.raises(NoticeError) as err:
        decode_entry(raw, origin=ORIGIN, index=1, prev=prev)
    assert any(path == "language" for path, _ in err.value.problems)


def test_entries_over_64_kib_are_refused_both_ways() -> None:
    notice = example("liaison")
    oversized = b'{"v":1,' + b" " * MAX_ENTRY_BYTES + b"}"
    with pytest.raises(EntryError) as err:
        decode_entry(oversized, origin=ORIGIN, index=0, prev=b"")
    assert err.value.code == "entry_too_large"
    assert err.value.found == len(oversized)
    long_origin = "o" * (MAX_ENTRY_BYTES + 1)
    with pytest.raises(EntryError) as err2:
        encode_entry(long_origin, 0, b"", notice)
    assert err2.value.code == "entry_too_large"


@pytest.mark.parametrize(
    ("index", "prev"), [(-1, b""), (0, b"\x00" * 32), (1, b""), (1, b"\x00" * 31)]
)
def test_encoding_refuses_impossible_positions(index: int, prev: bytes) -> None:
    with pytest.raises(EntryError):
        encode_entry(ORIGIN, index, prev, example("liaison"))


def _reference_decode(raw: bytes, index: int, prev: bytes) -> Notice | None:
    """What an entry must decode to, by the reference implementation alone: the notice when
    ``raw`` is the RFC 8785 form of exactly {v, origin, index, prev, notice} at this place with
    a valid notice, else None."""
    try:
        obj = json.loads(raw)
        canonical = reference_canonical_json(obj) == raw
    except Exception:
        return None
    expected = {"v": 1, "origin": ORIGIN, "index": index, "prev": _b64(prev)}
    if not canonical or not isinstance(obj, dict) or set(obj) != {*expected, "notice"}:
        return None
    if any(obj[k] != v or type(obj[k]) is not type(v) for k, v in expected.items()):
        return None
    try:
        return parse_notice(obj["notice"])
    except NoticeError:
        return None


def _b64(prev: bytes) -> str:
    return base64.b64encode(prev).decode() if prev else ""


def _decoded(raw: bytes, index: int, prev: bytes) -> Notice | None:
    try:
        return decode_entry(raw, origin=ORIGIN, index=index, prev=prev).notice
    except (EntryError, NoticeError):
        return None


_FIRST = encode_entry(ORIGIN, 0, b"", example("liaison"))
_SECOND = encode_entry(ORIGIN, 1, _FIRST.leaf_hash, example("planned_operation"))
# Text that an entry's bytes may be mutated with: what lies on either side of canonical form
_SPLICES = [b" ", b"null", b"1.0", b"1e+16", b"0.00001", b"\\u0041", b"\xc3\xa9", b'"', b",", b"}"]


@settings(max_examples=600, deadline=None)
@given(
    st.sampled_from([_FIRST, _SECOND]),
    st.integers(min_value=0, max_value=2000),
    st.integers(min_value=0, max_value=8),
    st.one_of(st.sampled_from(_SPLICES), st.binary(max_size=4)),
)
def test_mutated_entries_are_decided_as_the_reference_decides(
    entry: Any, at: int, cut: int, splice: bytes
) -> None:
    raw = entry.raw
    at = at % (len(raw) + 1)
    mutated = raw[:at] + splice + raw[at + cut :]
    assert _decoded(mutated, entry.index, entry.prev) == _reference_decode(
        mutated, entry.index, entry.prev
    )


@pytest.mark.parametrize(
    "mutate",
    [
        lambda o: o["notice"].update(time=float(o["notice"]["time"])),
        lambda o: o["notice"]["author"].update(unit="Ops é"),
        lambda o: o["notice"].update(expires=None),
        lambda o: o.update(index=1.0),
        lambda o: o.update(v=True),
        lambda o: o["notice"].update(extra=1),
    ],
    ids=["integral-float", "non-ascii", "null-member", "float-index", "bool-version", "extra"],
)
def test_entries_beside_the_common_form_are_decided_as_the_reference_decides(
    mutate: Any,
) -> None:
    obj = json.loads(_SECOND.raw)
    mutate(obj)
    for raw in (reference_canonical_json(obj), json.dumps(obj, sort_keys=True).encode()):
        assert _decoded(raw, 1, _FIRST.leaf_hash) == _reference_decode(raw, 1, _FIRST.leaf_hash)


def test_a_stored_entry_gives_back_the_notice_it_was_decoded_with() -> None:
    assert stored_notice(_SECOND.raw, 1) == _SECOND.notice
    assert stored_notice(_FIRST.raw, 0) == _FIRST.notice


def _stored_as_decoded(notice: Notice, index: int = 7) -> None:
    """The notice of a stored entry is the one decoding gave, down to each number's type."""
    prev = bytes(range(32)) if index else b""
    entry = encode_entry(ORIGIN, index, prev, notice)
    decoded = decode_entry(entry.raw, origin=ORIGIN, index=index, prev=prev).notice
    stored = stored_notice(entry.raw, index)
    assert stored == decoded
    assert repr(stored) == repr(decoded)  # 47 and 47.0 are equal, but not written alike


@pytest.mark.parametrize("kind", KINDS)
def test_a_stored_entry_of_every_kind_gives_back_the_notice_it_was_decoded_with(kind: str) -> None:
    _stored_as_decoded(example(kind))


def test_a_stored_entry_with_whole_numbers_in_float_fields_gives_back_its_notice() -> None:
    data = json.loads((EXAMPLES / "planned_operation.json").read_text())
    corridor = next(a for a in data["areas"] if a["shape"] == "corridor")
    corridor["centreline"][0] = {"lat": 47, "lon": -30}
    corridor["half_width"]["value"] = 5
    notice = parse_notice(data)
    raw = encode_entry(ORIGIN, 0, b"", notice).raw
    assert b'{"lat":47,"lon":-30}' in raw and b'"value":5}' in raw
    _stored_as_decoded(notice, 0)


@settings(max_examples=300, deadline=None)
@given(
    lat=st.floats(-90, 90, allow_nan=False),
    lon=st.floats(-180, 180, allow_nan=False),
)
def test_a_stored_entry_gives_back_every_coordinate_as_decoded(lat: float, lon: float) -> None:
    data = json.loads((EXAMPLES / "aircraft_in_distress.json").read_text())
    data["last_position"] |= {"lat": lat, "lon": lon}
    _stored_as_decoded(parse_notice(data))


@pytest.mark.parametrize(
    ("raw", "index", "error"),
    [
        (_FIRST.raw, 1, EntryError),  # another position
        (b'{"index":0,"notice":[1],"origin":"a","prev":"","v":1}', 0, EntryError),
        (b'{"index":0,"notice":{"kind":"ack"},"origin":"a","prev":"","v":1}', 0, NoticeError),
        (b'{"index":0,"notice":{,"origin":"a","prev":"","v":1}', 0, EntryError),
    ],
)
def test_bytes_that_were_never_a_valid_entry_are_refused_as_stored(
    raw: bytes, index: int, error: type[Exception]
) -> None:
    with pytest.raises(error):
        stored_notice(raw, index)
