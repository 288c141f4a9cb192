"""A side's ``checkpoints`` and ``heartbeats`` as an export streams past: each item shape-checked
as it passes and kept on disk (:class:`~hotline_protocol.spill.SpilledList`), so that a history
of any length, a checkpoint an entry on a quiet line and a heartbeat a minute on an idle one,
is read in bounded memory. The sizes they name are noted (packed) for the entries that follow:
their roots are kept as the entries pass (:class:`~hotline_protocol.spool.EntrySpool`).
"""

from __future__ import annotations

from array import array
from collections.abc import Callable
from typing import Any

from .export_data import MAX_LISTED, CheckpointData, HeartbeatData
from .shape import Shape, kind_of
from .spill import SpilledList


class _Items:
    """What a streamed list of objects leaves: the items kept, the sizes they name, and the
    problems found (listed up to :data:`MAX_LISTED`, the others counted)."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.count = 0  # items seen
        self.sizes = array("q")  # the sizes named, in list order
        self.problems: list[str] = []
        self.unlisted = 0  # problems beyond MAX_LISTED
        self._shape = Shape(self.problems)

    def _fields(self, item: Any, key: str) -> tuple[int, int | None, str | None]:
        """The item's position, and its ``size`` and ``key`` if well-typed."""
        position = self.count
        self.count += 1
        where = f"{self.path}[{position}]"
        before = len(self.problems)
        if not isinstance(item, dict):
            self._shape.fail(f"{where}: expected an object, found {kind_of(item)}")
            size = text = None
        else:
            size = self._shape.get(item, "size", int, where)
            text = self._shape.get(item, key, str, where)
        if len(self.problems) > MAX_LISTED:  # counted, not listed
            self.unlisted += len(self.problems) - before
            del self.problems[before:]
        return position, size, text

    def _keep(
        self, item: Any, key: str, items: SpilledList[Any], value: Callable[[str], object]
    ) -> None:
        """Keep a well-formed item as (position, size, ``value(item[key])``)."""
        position, size, text = self._fields(item, key)
        if size is not None and text is not None:
            items.append((position, size, value(text)))
            self.sizes.append(size)

    def report(self, shape: Shape) -> None:
        """Hand the problems found to the export's shape check."""
        for problem in self.problems:
            shape.fail(problem)
        if self.unlisted:
            shape.fail(f"{self.path}: {self.unlisted} more problems")

    def add(self, item: Any) -> None:
        raise NotImplementedError

    def end(self) -> None:
        """The list is closed."""


class CheckpointItems(_Items):
    """The sink of a side's streamed ``checkpoints``: ``{"size", "note"}`` objects."""

    def __init__(self, path: str) -> None:
        super().__init__(path)
        self.items: SpilledList[CheckpointData] = SpilledList(_checkpoint)

    def add(self, item: Any) -> None:
        self._keep(item, "note", self.items, str.encode)


class HeartbeatItems(_Items):
    """The sink of a side's streamed ``heartbeats``: ``{"size", "line"}`` objects."""

    def __init__(self, path: str) -> None:
        super().__init__(path)
        self.items: SpilledList[HeartbeatData] = SpilledList(_heartbeat)

    def add(self, item: Any) -> None:
        self._keep(item, "line", self.items, str)


def _checkpoint(record: tuple[int, int, bytes]) -> CheckpointData:
    return CheckpointData(*record)


def _heartbeat(record: tuple[int, int, str]) -> HeartbeatData:
    return HeartbeatData(*record)


def listed(sink: _Items, items: list[Any]) -> _Items:
    """``items`` (a list parsed whole) put through ``sink``."""
    for item in items:
        sink.add(item)
    sink.end()
    return sink
