"""The audit report: one line per check (PASS, FAIL, INFO or SKIP) with its specifics.

A report is plain data; :meth:`Report.render` turns it into the text an auditor reads: a header
naming the sides, their origins, keys and sizes, then the checks in order, then the verdict.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Literal

Status = Literal["PASS", "FAIL", "INFO", "SKIP"]
MAX_DETAILS = 25  # detail lines rendered per check; the rest are counted


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

    @property
    def ok(self) -> bool:
        """True when at least one check ran and none failed or was skipped."""
        return bool(self.checks) and all(c.status in ("PASS", "INFO") for c in self.checks)

    @property
    def failed(self) -> list[str]:
        """Labels of the failed checks, e.g. ``["entries[alpha]", "checkpoints[alpha]"]``."""
        return [c.label for c in self.checks if c.status == "FAIL"]

    def check(self, name: str, side: str | None = None) -> Check:
        """The check of that name (and side); KeyError if the report has none."""
        for c in self.checks:
            if c.name == name and c.side == side:
                return c
        raise KeyError(f"{name}[{side}]" if side else name)

    def add(self, check: Check) -> None:
        self.checks.append(check)

    def render(self) -> str:
        lines = [f"Hotline audit report — export format {self.format or 'unknown'}"]
        if self.exported_at is not None or self.exported_by is not None:
            lines.append(f"exported by {self.exported_by or '?'} at {when(self.exported_at)}")
        if self.sides:
            lines += ["", *_side_table(self.sides)]
        lines += ["", "checks:"]
        width = max((len(c.label) for c in self.checks), default=0)
        for c in self.checks:
            lines.append(f"  {c.status:<4}  {c.label:<{width}}  {c.summary}")
            shown = c.details[:MAX_DETAILS]
            lines += [f"        - {d}" for d in shown]
            if len(c.details) > len(shown):
                lines.append(f"        - ... and {len(c.details) - len(shown)} more")
        lines += ["", self.verdict()]
        return "\n".join(lines) + "\n"

    def verdict(self) -> str:
        failed = self.failed
        skipped = [c.label for c in self.checks if c.status == "SKIP"]
        if self.ok:
            return f"VERDICT: PASS — all {len(self.checks)} checks passed"
        parts = []
        if failed:
            parts.append(f"{len(failed)} failed: {', '.join(failed)}")
        if skipped:
            parts.append(f"{len(skipped)} not run: {', '.join(skipped)}")
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
    """A short sorted list of tree sizes, e.g. ``1, 2, 4`` or ``none``."""
    items = sorted(set(values))
    if not items:
        return "none"
    shown = ", ".join(str(v) for v in items[:limit])
    return shown + (f", ... ({len(items)} in all)" if len(items) > limit else "")


def b64(value: bytes) -> str:
    return base64.b64encode(value).decode()


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
