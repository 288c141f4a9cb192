"""Witnessed time: what the other side's cosignatures say about when a feed's entries appeared.

A log signs checkpoints without a time; the other side's witness cosigns them with one (whole
seconds). So an entry's append is bracketed by the witness:

- ``before``: the first cosignature of a checkpoint whose size covers the entry (size > index):
  by then the witness held the entry. A cosignature timestamp is the second it was made in, so
  ``before`` is the last millisecond of that second (``timestamp * 1000 + 999``);
- ``after``: the latest first-cosignature of a checkpoint whose size does not yet include it
  (size <= index), at the first millisecond of its second (``timestamp * 1000``), or None: at
  that time the witness had not been given the entry. (A log may hold an entry back before it
  sends it: ``after`` bounds when the other side could have seen it, not when it was written.)
- ``delivered``: when and by whom that first covering cosignature was made: the delivery
  receipt.

Only cosignatures of checkpoints whose root is the root of the entries reported count (a
checkpoint of another history proves nothing about these entries). For ``before`` the first
cosignature of each size counts; for ``after`` the latest: a heartbeat (the witness cosigning the
same checkpoint again, later, while the line is idle) says that the witness was still given no
entry beyond that size then. Per feed the timeline keeps three numbers per cosigned size
(packed), not per entry.
"""

from __future__ import annotations

import bisect
from array import array
from collections.abc import Iterable
from dataclasses import dataclass

from .packed import Cosigned
from .report import when


@dataclass(frozen=True, slots=True)
class Bracket:
    after: int | None  # unix ms
    before: int | None  # unix ms
    delivered: int | None  # unix ms: the covering cosignature's timestamp (whole seconds)

    def json(self) -> dict[str, int | None]:
        return {"after": self.after, "before": self.before}


@dataclass(frozen=True, slots=True)
class Outage:
    start: int  # unix ms: the last cosignature before the gap
    end: int  # unix ms: the first after it, or the report's time when none came
    ongoing: bool  # no cosignature came after the gap, up to the report's time

    @property
    def seconds(self) -> float:
        return (self.end - self.start) / 1000


class Timeline:
    """One feed's cosignatures by the other side's witness, as brackets and gaps."""

    def __init__(self, cosignatures: Iterable[Cosigned], witness: str) -> None:
        self.witness = witness  # the witness key's name
        by_size, stamps = array("q"), array("q")  # every cosignature: size, timestamp
        for cs in cosignatures:
            by_size.append(cs.size)
            stamps.append(cs.timestamp)
        order: Iterable[int] = range(len(by_size))
        if any(by_size[k] > by_size[k + 1] for k in range(len(by_size) - 1)):
            order = sorted(order, key=by_size.__getitem__)
        # per size: its first and its latest cosignature, packed
        self.sizes, firsts, lasts = array("q"), array("q"), array("q")
        for k in order:
            size, stamp = by_size[k], stamps[k]
            if self.sizes and self.sizes[-1] == size:
                firsts[-1] = min(firsts[-1], stamp)
                lasts[-1] = max(lasts[-1], stamp)
            else:
                self.sizes.append(size)
                firsts.append(stamp)
                lasts.append(stamp)
        del by_size
        self.stamps = _distinct(stamps)
        # suffix minimum: the earliest cosignature of any size >= sizes[k]
        self._covering = firsts
        for k in range(len(firsts) - 2, -1, -1):
            self._covering[k] = min(self._covering[k], self._covering[k + 1])
        # prefix maximum: the latest cosignature of any size <= sizes[k]
        self._without = lasts
        for k in range(1, len(lasts)):
            self._without[k] = max(self._without[k], self._without[k - 1])
        self._last = (-1, Bracket(None, None, None))  # the bracket told last, by position

    def bracket(self, index: int) -> Bracket:
        k = bisect.bisect_right(self.sizes, index)  # sizes[k:] > index: they cover the entry
        if k == self._last[0]:  # the entries between two signed sizes share their bracket
            return self._last[1]
        covering = self._covering[k] if k < len(self.sizes) else None
        without = self._without[k - 1] if k > 0 else None
        bracket = Bracket(
            None if without is None else without * 1000,
            None if covering is None else covering * 1000 + 999,
            None if covering is None else covering * 1000,
        )
        self._last = (k, bracket)
        return bracket

    def outages(self, threshold_ms: int, until: int | None) -> list[Outage]:
        """Gaps between consecutive cosignature timestamps longer than the threshold, and the
        gap from the last one to ``until`` (the report's time) if it is longer."""
        out = [
            Outage(a * 1000, b * 1000, False)
            for a, b in zip(self.stamps, self.stamps[1:], strict=False)
            if (b - a) * 1000 > threshold_ms
        ]
        if self.stamps and until is not None and until - self.stamps[-1] * 1000 > threshold_ms:
            out.append(Outage(self.stamps[-1] * 1000, until, True))
        return out

    def __repr__(self) -> str:
        first = when(self.stamps[0] * 1000) if self.stamps else "-"
        return f"Timeline({self.witness}, {len(self.sizes)} sizes, from {first})"


def _distinct(values: array[int]) -> array[int]:
    """The values in ascending order, each once."""
    if any(values[k] > values[k + 1] for k in range(len(values) - 1)):
        values = array("q", sorted(values))
    out = array("q")
    for value in values:
        if not out or out[-1] != value:
            out.append(value)
    return out
