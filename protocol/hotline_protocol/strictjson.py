"""Strict JSON, as every Hotline reader parses it: RFC 8259 text with no duplicate object keys
and no ``NaN``/``Infinity``, so that what is signed, logged or verified is exactly what was
meant. An optional nesting limit protects validators that recurse.

Compact text is parsed on a fast path: orjson parses it, and the value is accepted when orjson
writes it back byte for byte. Equal bytes prove that no object repeated a key (a repeated key
would be missing from what is written back) and that the standard parser reads the same value
(each number is written back in its shortest round-trip form, so the text holds exactly that
form). Any other text (spaces, escapes, other number forms, or anything orjson refuses) is
parsed by the standard library with the strict hooks, which decide the error.
"""

from __future__ import annotations

import json
from typing import Any, NoReturn

import orjson

MAX_DEPTH = 32
"""Nesting limit for client input: a notice nests about six levels, messages one more."""


def loads_strict(data: bytes | bytearray | str, *, max_depth: int | None = None) -> Any:
    """Parse strict JSON; ValueError (``UnicodeDecodeError`` and ``JSONDecodeError`` are
    ValueErrors) for anything else, including nesting deeper than ``max_depth``."""
    value = _compact(data)
    if value is _NOT_COMPACT:
        try:
            value = json.loads(data, object_pairs_hook=_no_duplicates, parse_constant=_no_constant)
        except RecursionError as exc:
            raise ValueError("JSON nests too deeply") from exc
    if max_depth is not None and _openers(data) > max_depth and depth(value) > max_depth:
        raise ValueError(f"JSON nests deeper than {max_depth} levels")
    return value


_NOT_COMPACT = object()


def _compact(data: bytes | bytearray | str) -> Any:
    """The value of ``data`` if orjson writes it back byte for byte, else ``_NOT_COMPACT``."""
    try:
        value = orjson.loads(data)
        raw = data.encode() if isinstance(data, str) else data
        if orjson.dumps(value) == raw:
            return value
    except (orjson.JSONDecodeError, orjson.JSONEncodeError, UnicodeError):
        pass
    return _NOT_COMPACT


def _openers(data: bytes | bytearray | str) -> int:
    """How many ``[`` and ``{`` the text holds: a bound on its nesting (strings included)."""
    if isinstance(data, str):
        return data.count("[") + data.count("{")
    return data.count(b"[") + data.count(b"{")


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
    out = dict(pairs)
    if len(out) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise ValueError(f"duplicate key {key!r}")
            seen.add(key)
    return out


def _no_constant(name: str) -> NoReturn:
    raise ValueError(f"{name} is not a JSON number")
