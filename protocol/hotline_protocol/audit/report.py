"""The audit report of one export: one line per check (PASS, FAIL, WARN, INFO or SKIP) with its
specifics.

A report is plain data; :meth:`Report.render` turns it into the text an auditor reads: a header
naming the sides, their origins, keys and sizes, then the checks in order, then the verdict.

The verdict (:attr:`Report.result`) is one of three: ``FAIL`` when a check failed or could not
run, ``UNPINNED`` when none did but a side's keys were not pinned by a card (a ``keys`` check
that WARNs: the export vouched for its own keys, which proves nothing against the exporter), and
``PASS`` only when every check passed against keys the auditor pinned.
"""

from __future__ import annotations

import binascii
from array import array
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Literal

Status = Literal["PASS", "FAIL", "WARN", "INFO", "SKIP"]
Result = Literal["PASS", "FAIL", "UNPINNED"]
MAX_DETAILS = 25  # detail lines rendered per check; the rest are counted
PIN_HINT = (
    "pin each side's keys with --card CARD (the side's card.txt, exchanged out of band; "
    "compare its fingerprint with the side)"
)


@dataclass(frozen=True, slots=True)
class Check:
    """One check's outcome. ``side`` is None for checks over the whole export."""

    name: str
    side: str | None
    status: Status
    summary: str
    details: Sequence[str] = ()

    @property
    def label(self) -> str:
        return f"{self.name}[{self.side}]" if self.side is not None else self.name


@dataclass(frozen=True, slots=True)
class SideSummary:
    name: str
    origin: str
    log_vkey: str
    witness_vkey: str
    entries: int
    checkpoints: int
    latest_signed: int | None  # largest size of a checkpoint the log key validly signed
    latest_cosigned: int | None  # largest such size also cosigned by the other side's witness


@dataclass
class Report:
    format: str | None = None
    exported_at: int | None = None
    exported_by: str | None = None
    sides: list[SideSummary] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)
    name: str | None = None  # how the auditor named the export (its file), if given

    @property
    def sound(self) -> bool:
        """True when at least one check ran and none failed or was skipped: the export is
        consistent with the keys it was checked against (pinned or not)."""
        return bool(self.checks) and all(c.status in ("PASS", "INFO", "WARN") for c in self.checks)

    @property
    def ok(self) -> bool:
        """True only for a PASS: sound, and every side's keys pinned by a card."""
        return self.result == "PASS"

    @property
    def result(self) -> Result:
        return verdict_of(self.checks)

    @property
    def failed(self) -> list[str]:
        """Labels of the failed checks, e.g. ``["entries[alpha]", "checkpoints[alpha]"]``."""
        return [c.label for c in self.checks if c.status == "FAIL"]

    @property
    def unpinned(self) -> list[str]:
        """The sides whose keys no card pinned."""
        return [c.side or "?" for c in self.checks if c.status == "WARN" and c.name == "keys"]

    def check(self, name: str, side: str | None = None) -> Check:
        """The check of that name (and side); KeyError if the report has none."""
        for c in self.checks:
            if c.name == name and c.side == side:
                return c
        raise KeyError(f"{name}[{side}]" if side else name)

    def add(self, check: Check) -> None:
        self.checks.append(check)

    def render(self) -> str:
        return "\n".join([*self.body(), "", verdict_line(self.checks)]) + "\n"

    def body(self) -> list[str]:
        """The header and the checks, without the verdict line."""
        title = f"Hotline audit report — export format {self.format or 'unknown'}"
        lines = [title + (f" — {self.name}" if self.name else "")]
        if self.exported_at is not None or self.exported_by is not None:
            lines.append(f"exported by {self.exported_by or '?'} at {when(self.exported_at)}")
        if self.sides:
            lines += ["", *_side_table(self.sides)]
        lines += ["", "checks:", *render_checks(self.checks)]
        return lines

    def verdict(self) -> str:
        return verdict_line(self.checks)


def render_checks(checks: Sequence[Check], labels: Sequence[str] | None = None) -> list[str]:
    """One line per check, its details indented below it."""
    labels = labels or [c.label for c in checks]
    width = max((len(label) for label in labels), default=0)
    lines = []
    for c, label in zip(checks, labels, strict=True):
        lines.append(f"  {c.status:<4}  {label:<{width}}  {c.summary}")
        shown = c.details[:MAX_DETAILS]
        lines += [f"        - {d}" for d in shown]
        if len(c.details) > len(shown):
            lines.append(f"        - ... and {len(c.details) - len(shown)} more")
    return lines


def verdict_of(checks: Sequence[Check]) -> Result:
    """FAIL if a check failed or did not run (or none ran); UNPINNED if a side's keys were not
    pinned; PASS otherwise."""
    if not checks or any(c.status in ("FAIL", "SKIP") for c in checks):
        return "FAIL"
    if any(c.status == "WARN" for c in checks):
        return "UNPINNED"
    return "PASS"


def verdict_line(checks: Sequence[Check], labels: Sequence[str] | None = None) -> str:
    """``VERDICT: PASS — ...``, ``VERDICT: UNPINNED — ...`` or ``VERDICT: FAIL — ...``."""
    labels = labels or [c.label for c in checks]
    failed = [label for c, label in zip(checks, labels, strict=True) if c.status == "FAIL"]
    skipped = [label for c, label in zip(checks, labels, strict=True) if c.status == "SKIP"]
    unpinned = sorted({c.side or "?" for c in checks if c.status == "WARN"})
    result = verdict_of(checks)
    if result == "PASS":
        return f"VERDICT: PASS — all {len(checks)} checks passed, every key pinned by a card"
    if result == "UNPINNED":
        return (
            f"VERDICT: UNPINNED — no check failed, but the keys of {', '.join(unpinned)} were "
            "not pinned: the export vouches for its own keys, which proves nothing against the "
            f"side that made it; {PIN_HINT}"
        )
    parts = []
    if failed:
        parts.append(f"{len(failed)} failed: {', '.join(failed)}")
    if skipped:
        parts.append(f"{len(skipped)} not run: {', '.join(skipped)}")
    if unpinned:
        parts.append(f"keys not pinned: {', '.join(unpinned)}")
    return f"VERDICT: FAIL — {'; '.join(parts) or 'nothing could be checked'}"


def when(ms: int | None) -> str:
    """Unix milliseconds as ISO 8601 UTC, e.g. ``2026-01-01T10:00:00.000Z``."""
    if ms is None:
        return "?"
    try:
        return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
    except (OverflowError, OSError, ValueError):
        return f"{ms} ms"


def count(n: int, noun: str, plural: str | None = None) -> str:
    """``1 entry``, ``2 entries``: the number and the noun in agreement."""
    return f"{n} {noun if n == 1 else plural or noun + 's'}"


def sizes(values: Iterable[int], limit: int = 8) -> str:
    """A short sorted list of tree sizes, e.g. ``1, 2, 4`` or ``none`` (packed while counted:
    a feed may have a size for each of its entries)."""
    items = array("q", values)
    if any(items[k] > items[k + 1] for k in range(len(items) - 1)):
        items = array("q", sorted(items))
    distinct: list[int] = []
    count = 0
    for k, value in enumerate(items):
        if k == 0 or value != items[k - 1]:
            count += 1
            if len(distinct) < limit:
                distinct.append(value)
    if not count:
        return "none"
    shown = ", ".join(str(v) for v in distinct)
    return shown + (f", ... ({count} in all)" if count > limit else "")


def b64(value: bytes) -> str:
    return binascii.b2a_base64(value, newline=False).decode("ascii")


def _size(value: int | None) -> str:
    return "-" if value is None else str(value)


def _side_table(sides: list[SideSummary]) -> list[str]:
    rows = [("side", "origin", "entries", "checkpoints", "latest signed", "latest cosigned")]
    rows += [
        (
            s.name,
            s.origin,
            str(s.entries),
            str(s.checkpoints),
            _size(s.latest_signed),
            _size(s.latest_cosigned),
        )
        for s in sides
    ]
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    out = []
    for r in rows:
        cells = [r[0].ljust(widths[0]), r[1].ljust(widths[1])]
        cells += [cell.rjust(w) for cell, w in zip(r[2:], widths[2:], strict=True)]
        out.append("  " + "  ".join(cells).rstrip())
    for s in sides:
        out.append(f"  {s.name} log key:     {s.log_vkey}")
        out.append(f"  {s.name} witness key: {s.witness_vkey}")
    return out
