"""RFC 8785 (JCS) canonical JSON: the one function that makes canonical bytes.

:func:`canonical_json` takes a fast path through orjson (keys sorted) when the value is inside
the region where its output is byte-for-byte the JCS output, and otherwise hands the value to the
``rfc8785`` reference implementation. (orjson rather than the standard library's C encoder: a
node encodes every notice it posts and checks every entry it receives, and this was an eighth of
a busy node's time.) The fast path applies when:

- every object key is ASCII (then code-point order equals JCS's UTF-16 code-unit order);
- every float is finite and either integral (JCS writes ``2.0`` as ``2``) or of magnitude in
  [1e-4, 1e16) (there Python's shortest round-trip ``repr`` and ECMAScript's Number-to-String
  agree digit for digit, both in positional notation);
- every integer is within ±(2**53 - 1) (JSON numbers are IEEE 754 doubles in JCS).

String escaping of orjson (as of ``json.dumps(ensure_ascii=False)``) matches ECMAScript's
``JSON.stringify``:
``"`` and ``\\`` escaped, control characters as ``\\b \\f \\n \\r \\t`` or lower-case ``\\u00xx``,
everything else literal. The test suite checks both paths against the RFC 8785 vectors and
against the reference implementation on random values.

A value known to hold only JSON types (``plain=True``, e.g. pydantic's ``model_dump(mode="json")``)
skips the copy: orjson writes it as it is (refusing integers beyond ±(2**53 - 1)), and the bytes
are taken when they show that the value was inside the fast path anyway: ASCII only, so every
key is ASCII; no ``null`` (orjson writes NaN and Infinity so); no integral float such as
``2.0``; no exponent; no float under 1e-4. A string that merely looks like such a number sends
the value down the general path, which gives the same bytes.
"""

from __future__ import annotations

import json
import re
from typing import Any

import orjson
import rfc8785

from .errors import EntryError

MAX_SAFE_INTEGER = 2**53 - 1
_SORTED = orjson.OPT_SORT_KEYS
_PLAIN = _SORTED | orjson.OPT_STRICT_INTEGER  # an integer over 2**53 - 1 is an error
# In orjson's output, what shows a number outside the fast path: an integral float (2.0, -0.0),
# a float under 1e-4 written out (0.00005) or an exponent (orjson writes its sign: 1e-7, 1e+16),
# which ends the number (not so a UUID's "...4e-4d5..."). Each pattern begins with a literal, so
# that the search skips along the bytes.
_INTEGRAL_OR_TINY = re.compile(rb"\.0(?:000|(?![0-9]))")
_EXPONENT = re.compile(rb"e[+-](?<=[0-9]e[+-])[0-9]+(?:[,}\]]|$)")


class _SlowPathError(Exception):
    """The value is outside the fast path; use the reference implementation."""


def _prepare(value: Any) -> Any:
    """A copy with integral floats as ints; raises _SlowPathError outside the fast path."""
    kind = type(value)
    if kind is str or kind is bool or value is None:
        return value
    if kind is int:
        if -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER:
            return value
        raise _SlowPathError
    if kind is float:
        if value.is_integer():
            if abs(value) <= MAX_SAFE_INTEGER:
                return int(value)
            raise _SlowPathError
        if 1e-4 <= abs(value) < 1e16:
            return value
        raise _SlowPathError
    if kind is dict:
        out = {}
        for key, item in value.items():
            if type(key) is not str or not key.isascii():
                raise _SlowPathError
            out[key] = _prepare(item)
        return out
    if kind is list or kind is tuple:
        return [_prepare(item) for item in value]
    raise _SlowPathError


def canonical_json(value: Any, *, plain: bool = False) -> bytes:
    """RFC 8785 canonical bytes of a JSON value; EntryError if it has no JSON form. ``plain``:
    the value holds only dict (str keys), list, str, int, float, bool and None."""
    if plain:
        try:
            out = orjson.dumps(value, option=_PLAIN)
        except orjson.JSONEncodeError:
            pass  # the general path decides
        else:
            if _inside_fast_path(out):
                return out
    try:
        return orjson.dumps(_prepare(value), option=_SORTED)
    except (_SlowPathError, orjson.JSONEncodeError):  # e.g. a lone surrogate: the reference
        pass
    try:
        return bytes(rfc8785.dumps(value))
    except (rfc8785.CanonicalizationError, TypeError, ValueError) as exc:
        raise EntryError(
            f"value cannot be canonicalised: {exc}", code="not_canonicalisable"
        ) from exc


def _inside_fast_path(out: bytes) -> bool:
    """Whether orjson's bytes show every key ASCII and every number inside the fast path (a
    string that only looks like such a number makes this False: the general path then runs)."""
    return (
        out.isascii()
        and b"null" not in out  # orjson writes NaN and Infinity as null
        and _INTEGRAL_OR_TINY.search(out) is None
        and _EXPONENT.search(out) is None
    )


def reference_canonical_json(value: Any) -> bytes:
    """The reference implementation alone (for tests and comparisons)."""
    return bytes(rfc8785.dumps(value))


def canonical_object(raw: bytes) -> dict[str, Any] | None:
    """The JSON object ``raw`` holds when ``raw`` is its RFC 8785 text inside the fast path (no
    ``null`` member, either); None for anything else, which :func:`loads_checked` then decides."""
    value = _fast_canonical(raw)
    return value if type(value) is dict else None


def _fast_canonical(raw: bytes) -> Any:
    """The value of ``raw`` when orjson reads it and writes it back unchanged and the bytes show
    the fast path (see :func:`canonical_json` with ``plain``): then ``raw`` is its RFC 8785 form.
    :data:`_NOT_FAST` otherwise (not JSON to orjson, or not decided here)."""
    try:
        value = orjson.loads(raw)
        if orjson.dumps(value, option=_PLAIN) == raw and _inside_fast_path(raw):
            return value
    except (orjson.JSONDecodeError, orjson.JSONEncodeError):
        pass
    return _NOT_FAST


_NOT_FAST = object()


def loads_checked(raw: bytes) -> tuple[Any, bool, bool]:
    """Parse JSON bytes; return (value, is_canonical, has_null); ``has_null``: some object
    member is ``null``.

    ``is_canonical`` tells whether ``raw`` is exactly the RFC 8785 form of the value. The common
    case is decided by orjson alone: ``raw`` is canonical when orjson writes its value back as
    ``raw`` and the bytes show the fast path (see :func:`canonical_json` with ``plain``). Other
    text is parsed by the standard library, which notes duplicate keys, ``null`` and numbers
    outside the fast path; such values are re-encoded by :func:`canonical_json`.
    Raises ValueError (or UnicodeDecodeError) for text that is not JSON.
    """
    value = _fast_canonical(raw)
    if value is not _NOT_FAST:
        return value, True, False
    slow = False
    has_null = False

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        nonlocal slow, has_null
        out = dict(items)
        if len(out) != len(items):
            slow = True
        for key, item in items:
            if item is None:
                has_null = True
            if not key.isascii():
                slow = True
        return out

    def floats(text: str) -> float:
        nonlocal slow
        value = float(text)
        if value.is_integer() or not 1e-4 <= abs(value) < 1e16:
            slow = True
        return value

    def ints(text: str) -> int:
        nonlocal slow
        value = int(text)
        if not -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER:
            slow = True
        return value

    value = json.loads(
        raw,
        object_pairs_hook=pairs,
        parse_float=floats,
        parse_int=ints,
        parse_constant=_no_constant,
    )
    if not slow:
        try:
            fast = orjson.dumps(value, option=_SORTED)
        except orjson.JSONEncodeError as exc:  # a lone surrogate has no UTF-8 form
            raise ValueError(f"not encodable as UTF-8: {exc}") from exc
        return value, fast == raw, has_null
    try:
        return value, canonical_json(value) == raw, has_null
    except EntryError:
        return value, False, has_null


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")
