"""Strict JSON: no duplicate keys, no NaN/Infinity, and a nesting limit."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hotline_protocol.strictjson import MAX_DEPTH, depth, loads_strict
from tests.helpers.json_values import json_values as json_values_of


@pytest.mark.parametrize(
    ("value", "levels"),
    [
        (1, 0),
        ("text", 0),
        ([], 1),
        ({}, 1),
        ({"a": 1, "b": [1, 2]}, 2),
        ([[[]]], 3),
        ({"a": [{"b": {"c": [1]}}], "d": {}}, 5),
    ],
)
def test_depth_counts_the_deepest_nesting_of_arrays_and_objects(value: Any, levels: int) -> None:
    assert depth(value) == levels


def test_text_nested_at_the_limit_parses_and_one_level_more_is_refused() -> None:
    at_limit = "[" * MAX_DEPTH + "]" * MAX_DEPTH
    assert depth(loads_strict(at_limit, max_depth=MAX_DEPTH)) == MAX_DEPTH
    deeper = '{"a":' * MAX_DEPTH + "[]" + "}" * MAX_DEPTH
    with pytest.raises(ValueError, match=f"deeper than {MAX_DEPTH}"):
        loads_strict(deeper, max_depth=MAX_DEPTH)


def test_very_deep_text_is_a_value_error_not_a_crash() -> None:
    with pytest.raises(ValueError):
        loads_strict("[" * 100_000 + "]" * 100_000, max_depth=MAX_DEPTH)


@pytest.mark.parametrize(
    "text", ['{"a": 1, "a": 2}', '{"x": {"k": 1, "k": 1}}', "[NaN]", '{"v": Infinity}', "-Infinity"]
)
def test_duplicate_keys_and_non_numbers_are_refused(text: str) -> None:
    with pytest.raises(ValueError):
        loads_strict(text)
    json.loads(text)  # which the standard parser would have taken


@pytest.mark.parametrize(
    "text", ['{"a":1,"a":2}', '{"x":{"k":1,"k":1}}', '[{"b":[],"c":1,"b":[]}]', '{"a":1,"a":1}']
)
def test_compact_text_with_a_repeated_key_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match="duplicate key"):
        loads_strict(text)


def test_brackets_inside_strings_do_not_count_as_nesting() -> None:
    text = json.dumps({"remark": "[" * (MAX_DEPTH + 5) + "{" * 3})
    assert loads_strict(text, max_depth=MAX_DEPTH) == json.loads(text)


json_values = json_values_of()


@settings(max_examples=400, deadline=None)
@given(json_values, st.booleans(), st.booleans())
def test_any_json_text_parses_as_the_standard_parser_reads_it(
    value: Any, compact: bool, ascii_only: bool
) -> None:
    separators = (",", ":") if compact else (", ", ": ")
    text = json.dumps(value, separators=separators, ensure_ascii=ascii_only)
    parsed = loads_strict(text)
    expected = json.loads(text)
    assert parsed == expected
    assert _types(parsed) == _types(expected)  # 1.0 stays a float, 1 an int


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.text(max_size=8), json_values, min_size=1, max_size=5))
def test_any_object_with_a_key_written_twice_is_refused(value: dict[str, Any]) -> None:
    key = next(iter(value))
    text = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    twice = text[:-1] + "," + json.dumps(key, ensure_ascii=False) + ":0}"
    with pytest.raises(ValueError, match="duplicate key"):
        loads_strict(twice)


def _types(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _types(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_types(v) for v in value]
    return type(value).__name__
