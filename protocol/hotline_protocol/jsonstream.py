"""Strict JSON read incrementally: a document of any size is parsed as a stream of events, and
the arrays a caller chooses are handed over item by item instead of being built in memory.

The rules are those of :mod:`hotline_protocol.strictjson`: RFC 8259 text, no duplicate object
keys, no ``NaN`` or ``Infinity`` (the event parser, ijson's C backend, refuses them as it
refuses any other malformed text). Errors are ValueErrors.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, Protocol

import ijson

Path = tuple[str | int, ...]
JSONError: type[Exception] = ijson.JSONError  # malformed text, as the event parser finds it


class Readable(Protocol):
    """A binary stream: a file opened ``rb``, ``io.BytesIO``, standard input's buffer."""

    def read(self, size: int = -1, /) -> bytes: ...


class Sink(Protocol):
    """Where the items of a streamed array go, one by one."""

    def add(self, item: Any) -> None: ...

    def end(self) -> None:
        """The array is closed: every item has been added."""


StreamAt = Callable[[Path, dict[str, Any]], Sink | None]
"""Called when an array begins as the value of a key: its path from the root and the object it
is in (built up to that key). A sink streams the array (the object then holds the sink); None
builds it as a list."""


def load_stream(source: Readable, stream_at: StreamAt) -> Any:
    """The document in ``source``, with the arrays ``stream_at`` takes streamed to their sinks."""
    events: Iterator[tuple[str, Any]] = iter(ijson.basic_parse(source, use_float=True))
    try:
        event, value = next(events)
    except StopIteration:
        raise ValueError("no JSON value") from None
    doc = _build(event, value, events, (), stream_at)
    for _ in events:
        raise ValueError("extra data after the JSON value")
    return doc


def _build(
    event: str, value: Any, events: Iterator[tuple[str, Any]], path: Path, at: StreamAt
) -> Any:
    if event == "start_map":
        obj: dict[str, Any] = {}
        for event, key in events:
            if event == "end_map":
                return obj
            if key in obj:
                raise ValueError(f"duplicate key {key!r}")
            event, value = next(events)
            sink = at((*path, key), obj) if event == "start_array" else None
            if sink is None:
                obj[key] = _build(event, value, events, (*path, key), at)
            else:
                _fill(sink, events, (*path, key), at)
                obj[key] = sink
        raise ValueError("the object is not closed")
    if event == "start_array":
        items: list[Any] = []
        for event, value in events:
            if event == "end_array":
                return items
            items.append(_build(event, value, events, (*path, len(items)), at))
        raise ValueError("the array is not closed")
    return value


def _fill(sink: Sink, events: Iterator[tuple[str, Any]], path: Path, at: StreamAt) -> None:
    n = 0
    for event, value in events:
        if event == "end_array":
            sink.end()
            return
        sink.add(value if event == "string" else _build(event, value, events, (*path, n), at))
        n += 1
    raise ValueError("the array is not closed")
