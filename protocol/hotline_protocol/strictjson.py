"""Strict JSON, as every Hotline reader parses it: RFC 8259 text with no duplicate object keys
and no ``NaN``/``Infinity``, so that what is signed, logged or verified is exactly what was
meant. An optional nesting limit protects validators that recurse."""

from __future__ import annotations

import json
from typing import Any, NoReturn

MAX_DEPTH = 32
"""Nesting limit for client input: a notice nests about six levels, messages one more."""


def loads_strict(data: bytes | bytearray | str, *, max_depth: int | None = None) -> Any:
    """Parse strict JSON; ValueError (``UnicodeDecodeError`` and ``JSONDecodeError`` are
    ValueErrors) for anything else, including nesting deeper than ``max_depth``."""
    try:
        value = json.loads(data, object_pairs_hook=_no_duplicates, parse_constant=_no_constant)
    except RecursionError as exc:
        raise ValueError("JSON nests too deeply") from exc
    if max_depth is not None and depth(value) > max_depth:
        raise ValueError(f"JSON nests deeper than {max_depth} levels")
    return value


def depth(value: Any) -> int:
    """How deep arrays and objects nest in a parsed value (level by level, without recursion)."""
    deepest = 0
    level = [value]
    while True:
        level = [item for item in level if isinstance(item, (dict, list))]
        if not level:
            return deepest
        deepest += 1
        children: list[Any] = []
        for item in level:
            children.extend(item.values() if isinstance(item, dict) else item)
        level = children


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise ValueError(f"duplicate key {key!r}")
        out[key] = value
    return out


def _no_constant(name: str) -> NoReturn:
    raise ValueError(f"{name} is not a JSON number")
