"""One verdict over one or two exports and the sides' cards: ``audit_exports``.

Each export is verified on its own (:func:`~.verify.verify_data`), its keys checked against the
cards; with two exports (one from each side) the checks across them follow
(:mod:`.across`). The verdict is PASS only when every check of both passed and every key was
pinned; FAIL when any failed; UNPINNED otherwise. With two exports, check labels name the export
they belong to (``alpha:entries[bravo]``: bravo's feed in alpha's export; ``both:truncated[bravo]``
for the checks across them).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from ..card import Card
from ..export import Source
from .across import check_across
from .pinning import check_cards
from .report import Check, Result, render_checks, verdict_line, verdict_of
from .verify import Verified, verify_data

MAX_EXPORTS = 2


@dataclass
class Audit:
    """The verified exports, the checks over all of them, and the verdict."""

    exports: list[Verified]
    checks: list[Check] = field(default_factory=list)  # cards, then across the exports
    cards: list[Card] = field(default_factory=list)

    def labelled(self) -> list[tuple[str, Check]]:
        """Every check with the label the verdict uses."""
        two = len(self.exports) > 1
        out = []
        for export in self.exports:
            for c in export.report.checks:
                out.append((f"{export.tag}:{c.label}" if two else c.label, c))
        for c in self.checks:
            out.append((f"both:{c.label}" if two and c.side is not None else c.label, c))
        return out

    @property
    def all_checks(self) -> list[Check]:
        return [c for _, c in self.labelled()]

    @property
    def result(self) -> Result:
        return verdict_of(self.all_checks)

    @property
    def ok(self) -> bool:
        return self.result == "PASS"

    @property
    def failed(self) -> list[str]:
        return [label for label, c in self.labelled() if c.status == "FAIL"]

    @property
    def unpinned(self) -> list[str]:
        return sorted({c.side or "?" for c in self.all_checks if c.status == "WARN"})

    def verdict(self) -> str:
        labelled = self.labelled()
        return verdict_line([c for _, c in labelled], [label for label, _ in labelled])

    def render(self) -> str:
        lines: list[str] = []
        if len(self.exports) == 1:
            lines += self.exports[0].report.body()
            if self.checks:
                lines += ["", "cards:", *render_checks(self.checks)]
        else:
            lines.append(f"Hotline audit — {len(self.exports)} exports, {len(self.cards)} cards")
            for n, export in enumerate(self.exports, 1):
                file = f" ({export.report.name})" if export.report.name else ""
                lines += ["", f"=== export {n}: {export.name}{file} ===", ""]
                lines += export.report.body()
            labels = [f"both:{c.label}" if c.side is not None else c.label for c in self.checks]
            lines += ["", "=== across the two exports ===", ""]
            lines += render_checks(self.checks, labels)
        lines += ["", self.verdict()]
        return "\n".join(lines) + "\n"


def audit_exports(
    exports: Sequence[tuple[str | None, Source]],
    cards: Sequence[Card] = (),
    workers: int | None = None,
) -> Audit:
    """Verify each export (``(name, bytes or a binary file)``: the name is how the auditor
    knows it, e.g. its file) against the cards, then the two together. ``workers``: the
    processes that read entries (:func:`~hotline_protocol.export.load_export`)."""
    if not 1 <= len(exports) <= MAX_EXPORTS:
        raise ValueError(f"one or two exports, not {len(exports)}")
    verified = [verify_data(data, cards, name, workers) for name, data in exports]
    _name(verified)
    audit = Audit(verified, cards=list(cards))
    if cards:
        sides = {side for v in verified for side in v.feeds}
        sides |= {s for v in verified for s in v.loaded.broken_sides}
        audit.checks.append(check_cards(cards, sides))
    if len(verified) == MAX_EXPORTS:
        try:
            audit.checks += check_across(*verified)
        except Exception as exc:  # the auditor gets a verdict, never a traceback
            audit.checks.append(
                Check("across", None, "FAIL", f"could not complete: {type(exc).__name__}: {exc}")
            )
    return audit


def _name(verified: list[Verified]) -> None:
    """``alpha's export`` when the exporters differ, else ``export 1``, ``export 2``."""
    by = [v.loaded.exported_by for v in verified]
    distinct = len(set(by)) == len(by) and all(by)
    for n, (v, who) in enumerate(zip(verified, by, strict=True), 1):
        if distinct and who:
            v.tag, v.title = who, f"{who}'s export"
        else:
            v.tag, v.title = f"export{n}", f"export {n}"
