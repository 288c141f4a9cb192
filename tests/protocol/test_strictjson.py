"""Strict JSON: no duplicate keys, no NaN/Infinity, and a nesting limit."""

from __future__ import annotations

import json
from typing import Any

import pytest

from hotline_protocol.strictjson import MAX_DEPTH, depth, loads_strict


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
