"""JSON out of the node: encoding with orjson, and JSON text that is spliced in as it is.

A notice is shown in many places (the ``posted`` reply, ``appended`` events, REST answers) and
its canonical JSON text is already at hand: the slice of its entry bytes. :class:`JsonText`
carries that text through events and replies, and :func:`dumps` writes it into the message
without parsing or encoding it again. In-process readers can still index it like the object it
holds (it is parsed on first use).
"""

from __future__ import annotations

import json
from typing import Any

import orjson


class JsonText:
    """A JSON value kept as its (valid, UTF-8) text."""

    __slots__ = ("_value", "text")

    def __init__(self, text: bytes) -> None:
        self.text = text
        self._value: Any = None

    @property
    def value(self) -> Any:
        """The parsed value (parsed once, on first use)."""
        if self._value is None:
            self._value = json.loads(self.text)
        return self._value

    def __getitem__(self, key: Any) -> Any:
        return self.value[key]

    def get(self, key: Any, default: Any = None) -> Any:
        value = self.value
        return value.get(key, default) if isinstance(value, dict) else default

    def __eq__(self, other: object) -> bool:
        if isinstance(other, JsonText):
            return self.text == other.text
        return bool(self.value == other)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"JsonText({self.text[:60]!r}{'...' if len(self.text) > 60 else ''})"


def _default(value: Any) -> Any:
    if isinstance(value, JsonText):
        return orjson.Fragment(value.text)
    raise TypeError(f"{type(value).__name__} is not JSON")


def dumps(value: Any) -> bytes:
    """Compact UTF-8 JSON; JsonText values are written as their text."""
    return orjson.dumps(value, default=_default)


def dumps_text(value: Any) -> str:
    return dumps(value).decode()


def plain(value: Any) -> Any:
    """``value`` with every JsonText replaced by what it holds (for encoders that only know
    plain JSON types)."""
    if isinstance(value, JsonText):
        return value.value
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value
