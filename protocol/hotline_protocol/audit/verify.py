"""Verify an audit export offline: ``verify_export(data, cards) -> Report``.

Needs nothing but the export's bytes and the sides' cards: no node, no store, no network, no
private key. The checks, in the order the report lists them:

1. ``format``        the JSON has the shape of ``hotline-audit-export/v1``;
   ``keys``          each side's keys are those of its card (WARN when no card pins them);
2. ``entries``       each feed decodes entry by entry: origin, index without gaps, prev hashes,
                     valid notices;
3. ``checkpoints``   each checkpoint is signed by the side's log key (verified before the body is
                     parsed), names the origin, and its root is the Merkle root of that prefix;
   ``cosignatures``  each cosignature verifies with the other side's witness key;
4. ``consistency``   consistency proofs between successive signed sizes verify;
5. ``forks``         no size has two different signed roots;
6. ``references``    acks resolve into the other feed, cancels and updates into the own one;
7. ``evidence``      the refused-input evidence, listed (informational).

Every check runs whatever the others found; input that breaks a check is a FAIL, never an
exception.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..card import Card
from ..entryblocks import BlockPool
from ..export import FORMAT, EvidenceData, Loaded, Source, load_export
from .checks import Feed, check_checkpoints, check_cosignatures, check_entries
from .history import check_consistency, check_forks
from .pinning import card_for, check_keys
from .references import check_references
from .report import Check, Report, SideSummary, count, when

SIDE_CHECKS = (
    "keys",
    "entries",
    "checkpoints",
    "cosignatures",
    "consistency",
    "forks",
    "references",
)


@dataclass
class Verified:
    """One export, checked: its report, what it held, and what the checks learnt of each feed
    (the combined checks and the report of a dispute go on from there)."""

    report: Report
    loaded: Loaded
    feeds: dict[str, Feed] = field(default_factory=dict)  # by side name
    tag: str = ""  # what labels its checks beside another export's: "alpha"
    title: str = ""  # how sentences name it: "alpha's export"

    @property
    def name(self) -> str:
        return self.title or self.report.name or self.loaded.exported_by or "the export"


def verify_export(
    data: Source, cards: Sequence[Card] = (), name: str | None = None, workers: int | None = None
) -> Report:
    """Check an export (its bytes, or a binary file read once as a stream) against the sides'
    cards; the report lists every check, and ``report.ok`` is True only if all pass with every
    side's keys pinned by a card. ``workers``: the processes that read and decode the entries
    (default: one per core; 1: this process alone); the report is the same whatever it is."""
    return verify_data(data, cards, name, workers).report


def verify_data(
    data: Source, cards: Sequence[Card] = (), name: str | None = None, workers: int | None = None
) -> Verified:
    """:func:`verify_export`, keeping what was loaded and learnt for the combined checks."""
    with BlockPool(workers) as pool:  # the same processes read the entries, then the notes
        return _verified(data, cards, name, pool)


def _verified(data: Source, cards: Sequence[Card], name: str | None, pool: BlockPool) -> Verified:
    try:
        loaded = load_export(data, pool=pool)
    except Exception as exc:  # the auditor gets a verdict, never a traceback
        loaded = Loaded(problems=[f"unreadable: {type(exc).__name__}: {exc}"], fatal=True)
    report = Report(loaded.format, loaded.exported_at, loaded.exported_by, name=name)
    report.add(_format_check(loaded))
    if loaded.fatal:
        for check in (*SIDE_CHECKS, "evidence"):
            report.add(Check(check, None, "SKIP", "not run: the export could not be read"))
        return Verified(report, loaded)

    feeds = [Feed.of(side) for side in loaded.sides]
    others: dict[str, Feed | None] = {f.name: _other(f, feeds) for f in feeds}
    per_side: dict[str, Callable[[Feed], Check]] = {
        "keys": lambda f: _keys(f, cards, loaded),
        "entries": check_entries,
        "checkpoints": lambda f: check_checkpoints(f, others[f.name], pool),
        "cosignatures": lambda f: check_cosignatures(f, others[f.name]),
        "consistency": check_consistency,
        "forks": check_forks,
        "references": lambda f: check_references(f, others[f.name]),
    }
    needs_other = ("cosignatures", "references")
    for check, run in per_side.items():
        for feed in feeds:
            if check in needs_other and others[feed.name] is None and loaded.broken_sides:
                skip = Check(check, feed.name, "SKIP", "not run: the other side is malformed")
                report.add(skip)
            else:
                report.add(_guarded(check, feed.name, run, feed))
        for broken in loaded.broken_sides:
            skip = Check(check, broken, "SKIP", "not run: this side is malformed (see format)")
            report.add(skip)
    report.add(_guarded("evidence", None, _evidence_check, loaded.evidence))
    report.sides = [_summary(f) for f in feeds]
    return Verified(report, loaded, {f.name: f for f in feeds})


def _keys(feed: Feed, cards: Sequence[Card], loaded: Loaded) -> Check:
    card = card_for(feed.side, cards)
    check = check_keys(feed.side, card, loaded.sides.index(feed.side))
    feed.pinned = None if card is None else check.status == "PASS"
    return check


def _guarded(name: str, side: str | None, run: Callable[..., Check], *args: Any) -> Check:
    """Run a check; an unexpected exception (hostile input nobody foresaw) becomes a FAIL."""
    try:
        return run(*args)
    except Exception as exc:  # the auditor gets a verdict, never a traceback
        return Check(
            name, side, "FAIL", f"the check could not complete: {type(exc).__name__}: {exc}"
        )


def _other(feed: Feed, feeds: list[Feed]) -> Feed | None:
    return next((f for f in feeds if f is not feed), None)


def _format_check(loaded: Loaded) -> Check:
    if loaded.problems:
        summary = f"not a valid {FORMAT} export: {count(len(loaded.problems), 'problem')}"
        return Check("format", None, "FAIL", summary, tuple(loaded.problems))
    names = ", ".join(f"{s.name} ({s.origin})" for s in loaded.sides)
    evidence = count(len(loaded.evidence or []), "evidence record")
    summary = f"{FORMAT}, {count(len(loaded.sides), 'side')}: {names}; {evidence}"
    return Check("format", None, "PASS", summary)


def _evidence_check(evidence: list[EvidenceData] | None) -> Check:
    if evidence is None:
        return Check("evidence", None, "SKIP", "not run: the evidence list is malformed")
    if not evidence:
        return Check("evidence", None, "INFO", "no refused input recorded")
    reasons = Counter(e.reason for e in evidence)
    by_reason = ", ".join(f"{n} {reason}" for reason, n in sorted(reasons.items()))
    details = tuple(
        f"{when(e.time)} from {e.source}: {e.reason}: {e.detail} ({_kept(e)})" for e in evidence
    )
    return Check(
        "evidence", None, "INFO", f"{count(len(evidence), 'refused input')}: {by_reason}", details
    )


def _kept(e: EvidenceData) -> str:
    if e.whole:
        return f"{len(e.raw)} bytes kept"
    return f"{len(e.raw)} of {e.size} bytes kept, SHA-256 {e.sha256.hex()}"


def _summary(feed: Feed) -> SideSummary:
    side = feed.side
    cosigned = (cp.size for cp in feed.signed if cp.position in feed.cosigned)
    return SideSummary(
        side.name,
        side.origin,
        side.log_vkey,
        side.witness_vkey,
        len(feed.tree),
        len(side.checkpoints),
        feed.latest_signed if len(feed.signed) else None,
        max(cosigned, default=None),
    )
