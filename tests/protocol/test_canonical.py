"""RFC 8785 canonicalisation: public vectors and agreement with the reference implementation."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hotline_protocol.canonical import (
    canonical_json,
    canonical_object,
    loads_checked,
    reference_canonical_json,
)
from hotline_protocol.errors import EntryError
from tests.helpers.json_values import SAFE_INTEGERS, leaves
from tests.helpers.json_values import json_values as json_values_of

VECTORS = Path(__file__).parent / "vectors" / "json-canonicalization" / "testdata"
CASES = sorted(p.name for p in (VECTORS / "input").glob("*.json"))


@pytest.mark.parametrize("name", CASES)
def test_rfc8785_vector_canonicalises_to_expected_bytes(name: str) -> None:
    value = json.loads((VECTORS / "input" / name).read_bytes())
    expected = (VECTORS / "output" / name).read_bytes()
    hex_expected = bytes.fromhex(
        "".join((VECTORS / "outhex" / name.replace(".json", ".txt")).read_text().split())
    )
    assert canonical_json(value) == expected == hex_expected


def test_vectors_cover_both_paths() -> None:
    assert len(CASES) == 6


@pytest.mark.parametrize(
    "value",
    [2.0, -0.0, 1e21, 1e-7, 1e16, 123456789012345680.0, 0.1, 52.123456, 2**53 - 1, 5e-324],
    ids=repr,
)
def test_numbers_outside_the_fast_path_match_the_reference(value: float) -> None:
    assert canonical_json({"n": value}) == reference_canonical_json({"n": value})


def test_non_ascii_keys_sort_by_utf16_code_units() -> None:
    value = {"\ue000": 1, "\U0001f600": 2, "a": 3}
    assert canonical_json(value) == reference_canonical_json(value)
    assert canonical_json(value).index("😀".encode()) < canonical_json(value).index(
        "\ue000".encode()
    )


@pytest.mark.parametrize("bad", [math.nan, math.inf, {1: 2}, object(), 2**53, -(2**60)], ids=repr)
def test_values_without_a_json_form_are_refused(bad: Any) -> None:
    with pytest.raises(EntryError) as err:
        canonical_json({"x": bad})
    assert err.value.code == "not_canonicalisable"


json_values = json_values_of(SAFE_INTEGERS)


@pytest.mark.parametrize("plain", [False, True], ids=["general", "plain"])
@settings(max_examples=400, deadline=None)
@given(value=json_values)
def test_fast_paths_agree_with_reference_on_random_values(plain: bool, value: Any) -> None:
    try:
        expected = reference_canonical_json(value)
    except Exception:
        with pytest.raises(EntryError):
            canonical_json(value, plain=plain)
        return
    assert canonical_json(value, plain=plain) == expected


@settings(max_examples=400, deadline=None)
@given(st.floats(allow_nan=False, allow_infinity=False))
def test_plain_floats_of_every_magnitude_match_the_reference(value: float) -> None:
    assert canonical_json([value], plain=True) == reference_canonical_json([value])


@pytest.mark.parametrize(
    "value",
    [2.0, -0.0, 15.0, 1e21, 1e-7, 0.00005, 0.0001, 1e16, 1e15 + 0.5, 2**53 - 1, -(2**53 - 1)],
    ids=repr,
)
def test_plain_numbers_at_the_edges_of_the_fast_path_match_the_reference(value: float) -> None:
    assert canonical_json({"n": value}, plain=True) == reference_canonical_json({"n": value})


@pytest.mark.parametrize("text", ["v2.0, then 3.0}", "1e-7 and 5e+3", "0.00001", "é"])
def test_plain_strings_that_look_like_numbers_keep_their_canonical_form(text: str) -> None:
    value = {"remark": text, "n": 1.5}
    assert canonical_json(value, plain=True) == reference_canonical_json(value)


@pytest.mark.parametrize("bad", [2**53, -(2**53), 2**64, math.nan, math.inf], ids=repr)
def test_plain_values_without_a_json_form_are_refused(bad: Any) -> None:
    with pytest.raises(EntryError) as err:
        canonical_json({"x": bad}, plain=True)
    assert err.value.code == "not_canonicalisable"


def _member_null(value: Any) -> bool:
    """Whether some object member, at any depth, is null."""
    return any(leaf is None and member for leaf, member in leaves(value))


def _unsafe_integer(value: Any) -> bool:
    return any(type(leaf) is int and abs(leaf) > 2**53 - 1 for leaf, _ in leaves(value))


@settings(max_examples=400, deadline=None)
@given(json_values)
def test_canonical_bytes_are_recognised_and_read_back(value: Any) -> None:
    try:
        raw = reference_canonical_json(value)
    except Exception:
        with pytest.raises(EntryError):
            canonical_json(value)
        return
    parsed, canonical, has_null = loads_checked(raw)
    # a whole number written beyond 2**53 - 1 (2.0**53 is written 9007199254740992) reads back
    # as an integer outside JSON's safe range: such text is not taken as canonical
    assert canonical != _unsafe_integer(json.loads(raw))
    assert parsed == json.loads(raw)
    assert has_null == _member_null(value)


@pytest.mark.parametrize(
    "text",
    [
        b'{"a":2,"b":1}',
        b'{"b":1,"a":2}',
        b'{"a": 2}',
        b'{"a":2.0}',
        b'{"a":2}',
        b"[0.00001]",
        b"[1e-5]",
        b"[1e-7]",
        b"[1E-7]",
        b"[1e+16]",
        b"[10000000000000000]",
        b"[1e+21]",
        b"[5e-324]",
        b'{"a":1,"a":1}',
        b'{"a":null}',
        b'["\\u00e9"]',
        '["é"]'.encode(),
        b'["\\/"]',
        b'{"id":"0f3c1b4e-4d5a-4b6c-8e-1","n":1.5}',
    ],
    ids=lambda t: t.decode(),
)
def test_canonical_is_decided_as_the_reference_decides(text: bytes) -> None:
    try:
        expected = reference_canonical_json(json.loads(text)) == text
    except Exception:  # no JSON form under RFC 8785 (an integer beyond 2**53 - 1)
        expected = False
    _, canonical, _ = loads_checked(text)
    assert canonical == expected


@settings(max_examples=400, deadline=None)
@given(json_values)
def test_an_object_is_read_on_its_bytes_only_when_they_are_its_canonical_form(value: Any) -> None:
    for raw in (_reference_or_none(value), json.dumps(value, sort_keys=True).encode()):
        if raw is None:
            continue
        read = canonical_object(raw)
        if read is not None:
            assert reference_canonical_json(read) == raw
            assert not _member_null(read)


@pytest.mark.parametrize(
    "text",
    [b'{"a":2,"b":[1,"x",{"c":1.5}]}', b'{"id":"0f3c1b4e-4d5a-4b6c-8e1a","t":1767261600000}'],
)
def test_canonical_ascii_objects_are_read_on_their_bytes(text: bytes) -> None:
    assert canonical_object(text) == json.loads(text)


@pytest.mark.parametrize(
    "text",
    [b"[1]", b'"a"', b'{"a":null}', b'{"b":1,"a":2}', b'{"a":2.0}', b'{"a":1,"a":1}', b"{"],
)
def test_other_text_is_left_to_the_general_reader(text: bytes) -> None:
    assert canonical_object(text) is None


def _reference_or_none(value: Any) -> bytes | None:
    try:
        return reference_canonical_json(value)
    except Exception:
        return None
