"""Checks across two exports, one from each side: the same feeds, one history, nothing cut off.

Each side exports its own feed and its replica of the other's, so every feed appears twice. An
honest pair of exports holds each feed's entries identically where they overlap; the log signed
one root per size across both; and neither export stops short of what the other proves the
feed had reached when it was made. Per feed (``side``):

- ``agreement``  both exports pin the same keys and hold the same entries where they overlap; an
                 entry changed, dropped or reordered is named, with both versions;
- ``forks``      no size has two roots among the checkpoints the log key signed in either
                 export, and every signed root matches the entries of the other export too;
- ``truncated``  each export holds at least as many entries as the other proves the feed had:
                 by a checkpoint cosigned by the other side's witness, or by an ack (in the
                 other feed) of one of its entries. A proof made after an export was made (its
                 ``exported_at`` or its latest cosignature, whichever is later) does not count
                 against it: the export is older, not cut.

Entries are compared by leaf hash, index by index: nothing is decoded but the entries named in a
finding.
"""

from __future__ import annotations

import heapq
import itertools
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from .checks import Feed
from .describe import entry_phrase, notice_of
from .report import Check, b64, count, when
from .timeline import Timeline
from .verify import Verified


@dataclass(frozen=True, slots=True)
class Proof:
    """What one export proves of a feed's size: ``size`` entries at least, witnessed at ``at``
    (unix ms) if known; :attr:`how` says by what (``ack``: the acknowledging side, the ack's
    index, the feed and the entry's index; else a checkpoint cosigned)."""

    size: int
    at: int | None
    ack: tuple[str, int, str, int] | None = None

    @property
    def how(self) -> str:
        if self.ack is not None:
            by, index, feed, entry = self.ack
            return f"{by} #{index} acknowledges {feed} #{entry}"
        if self.size == 0:
            return "nothing"
        assert self.at is not None
        return (
            f"a checkpoint of size {self.size} cosigned by the other side's witness at "
            f"{when(self.at)}"
        )


NOTHING = Proof(0, None)


def check_across(a: Verified, b: Verified) -> list[Check]:
    """The three checks for every feed both exports hold, then the feeds only one holds."""
    checks: list[Check] = []
    for side in _sides(a, b):
        fa, fb = a.feeds.get(side), b.feeds.get(side)
        if fa is None or fb is None:
            holder, missing = (a, b) if fa is not None else (b, a)
            checks.append(_one_sided(side, holder, missing))
            continue
        checks.append(check_agreement(side, (a, fa), (b, fb)))
        checks.append(check_forks_across(side, (a, fa), (b, fb)))
        checks.append(check_truncated(side, (a, fa), (b, fb)))
    return checks


def _sides(a: Verified, b: Verified) -> list[str]:
    return list(dict.fromkeys([*a.feeds, *b.feeds]))


def _one_sided(side: str, holder: Verified, missing: Verified) -> Check:
    """A feed only one export holds: the other is cut to nothing if the holder proves entries
    that the other export's side must have had."""
    feed = holder.feeds[side]
    proof = best_proof(holder, feed)
    if proof.size and _before_export(proof, missing):
        return Check(
            "truncated",
            side,
            "FAIL",
            f"{missing.name} holds none of {side}'s feed; {holder.name} proves at least "
            f"{proof.size} entries ({proof.how})",
        )
    return Check(
        "truncated",
        side,
        "INFO",
        f"only {holder.name} holds {side}'s feed ({count(len(feed.leaves), 'entry', 'entries')})",
    )


# agreement ----------------------------------------------------------------------------------


def check_agreement(side: str, a: tuple[Verified, Feed], b: tuple[Verified, Feed]) -> Check:
    (ea, fa), (eb, fb) = a, b
    problems = []
    for label, ka, kb in (
        ("log key", fa.side.log_vkey, fb.side.log_vkey),
        ("witness key", fa.side.witness_vkey, fb.side.witness_vkey),
    ):
        if ka != kb:
            problems.append(f"{side}'s {label}: {ea.name} pins {ka}, {eb.name} pins {kb}")
    if fa.side.origin != fb.side.origin:
        problems.append(
            f"{side}'s origin: {ea.name} says {fa.side.origin}, {eb.name} {fb.side.origin}"
        )
    la, lb = fa.leaves, fb.leaves
    overlap = min(len(la), len(lb))
    first, differ = None, 0
    for i, (leaf_a, leaf_b) in enumerate(zip(la, lb, strict=False)):  # in order, from disk
        if leaf_a != leaf_b:
            first = i if first is None else first
            differ += 1
    if first is not None:
        problems.append(_difference(side, first, a, b))
        problems.append(
            f"{differ} of the {overlap} positions both exports hold differ from entry {first} on"
        )
    if problems:
        return Check(
            "agreement",
            side,
            "FAIL",
            f"the two exports disagree on {side}'s feed"
            + (f" from entry {first} on" if first is not None else ""),
            problems,
        )
    return Check(
        "agreement",
        side,
        "PASS",
        f"same keys, and the same {count(overlap, 'entry', 'entries')} where both hold "
        f"{side}'s feed ({ea.name}: {len(la)}, {eb.name}: {len(lb)})",
    )


def _difference(side: str, i: int, a: tuple[Verified, Feed], b: tuple[Verified, Feed]) -> str:
    """Name the first differing entry: changed, dropped from one export, or reordered. Entries
    are matched by their notices, so that a chain re-encoded after a drop is still seen as one."""
    (ea, fa), (eb, fb) = a, b
    la, lb = fa.leaves, fb.leaves
    shown_a, shown_b = _entry(fa, i), _entry(fb, i)
    if _same(fa, i, fb, i + 1) and _same(fa, i + 1, fb, i):
        return (
            f"{side} #{i} and #{i + 1} are in another order (reordered): {ea.name} holds "
            f"{shown_a} then {_entry(fa, i + 1)}, {eb.name} {shown_b} then {_entry(fb, i + 1)}"
        )
    if _same(fa, i, fb, i + 1):
        return (
            f"{side} #{i} as {eb.name} holds it, {shown_b}, is missing from {ea.name} "
            f"(dropped): there #{i} is what {eb.name} holds as #{i + 1}, {shown_a}"
        )
    if _same(fa, i + 1, fb, i):
        return (
            f"{side} #{i} as {ea.name} holds it, {shown_a}, is missing from {eb.name} "
            f"(dropped): there #{i} is what {ea.name} holds as #{i + 1}, {shown_b}"
        )
    return (
        f"{side} #{i} differs (changed): {ea.name} holds {shown_a}, leaf hash {b64(la[i])}; "
        f"{eb.name} holds {shown_b}, leaf hash {b64(lb[i])}"
    )


def _same(fa: Feed, i: int, fb: Feed, j: int) -> bool:
    """The same entry bytes, or the same notice (in a chain re-encoded around it)."""
    if i >= len(fa.leaves) or j >= len(fb.leaves):
        return False
    if fa.leaves[i] == fb.leaves[j]:
        return True
    one, other = notice_of(fa.side.entries[i]), notice_of(fb.side.entries[j])
    return one is not None and one == other


def _entry(feed: Feed, index: int) -> str:
    """A short description of the entry as this export holds it."""
    if index >= len(feed.side.entries):
        return "nothing"
    return entry_phrase(feed.side.entries[index])


# forks across the exports -------------------------------------------------------------------


def check_forks_across(side: str, a: tuple[Verified, Feed], b: tuple[Verified, Feed]) -> Check:
    fa, fb = a[1], b[1]
    if (fa.side.log_vkey, fa.side.origin) != (fb.side.log_vkey, fb.side.origin):
        return Check(
            "forks",
            side,
            "SKIP",
            f"not run: the exports pin different log keys for {side} (see agreement)",
        )
    signed = heapq.merge(
        *(_signed(export, feed, order) for order, (export, feed) in enumerate((a, b)))
    )
    problems = []
    seen = 0
    for size, group in itertools.groupby(signed, key=lambda item: item[0]):
        seen += 1
        by_root: dict[bytes, list[str]] = defaultdict(list)
        for _, _, position, root, name in group:
            by_root[root].append(f"{name} checkpoint {position}")
        if len(by_root) > 1:
            shown = "; ".join(f"{b64(r)} ({', '.join(w)})" for r, w in by_root.items())
            problems.append(f"size {size}: the log key signed {len(by_root)} roots: {shown}")
            continue
        root = next(iter(by_root))
        for export, feed in (a, b):
            if size <= feed.tree.size and feed.tree.root(size) != root:
                problems.append(
                    f"size {size}: the signed root {b64(root)} is not the root of the first "
                    f"{count(size, 'entry', 'entries')} {export.name} holds "
                    f"({b64(feed.tree.root(size))})"
                )
    if problems:
        return Check(
            "forks",
            side,
            "FAIL",
            f"{side}'s log showed the two sides different histories: "
            f"{count(len(problems), 'size')} with conflicting roots",
            problems,
        )
    return Check(
        "forks",
        side,
        "PASS",
        f"one root per size across both exports ({count(seen, 'signed size')}), each the "
        "root of the entries both hold",
    )


def _signed(export: Verified, feed: Feed, order: int) -> Iterator[tuple[int, int, int, bytes, str]]:
    """The checkpoints ``feed``'s log signed in ``export``, by size: (size, ``order``, position,
    root, export name)."""
    for cp in feed.signed.by_size():
        yield cp.size, order, cp.position, cp.root, export.name


# truncated ----------------------------------------------------------------------------------


def check_truncated(side: str, a: tuple[Verified, Feed], b: tuple[Verified, Feed]) -> Check:
    problems, notes, fine, cut = [], [], [], []
    for (holder, feed), (prover, other) in ((a, b), (b, a)):
        proof, latest = _largest_before(proofs(prover, other), as_of(holder))
        held = len(feed.leaves)
        if proof.size > held:
            cut.append(f"{holder.name} holds {held} entries, {prover.name} proves {proof.size}")
            problems.append(
                f"{holder.name} holds {held} entries of {side}'s feed, but {prover.name} proves "
                f"at least {proof.size} ({proof.how}), before {holder.name} was made (as of "
                f"{when(as_of(holder))}): {_range(held, proof.size)} cut off"
            )
        elif latest.size <= held:
            proven = f"{latest.size} proven" if latest.size else "nothing more proven"
            fine.append(f"{holder.name} holds {held}, {proven} by {prover.name}")
        else:
            proof = latest
            notes.append(
                f"{holder.name} holds {held} entries of {side}'s feed; {prover.name} proves "
                f"{proof.size} ({proof.how}), after {holder.name} was made (as of "
                f"{when(as_of(holder))}): that export is older, not cut"
            )
    if problems:
        return Check(
            "truncated",
            side,
            "FAIL",
            f"{side}'s feed is cut short: " + "; ".join(cut),
            [*problems, *notes],
        )
    return Check("truncated", side, "PASS", "; ".join(fine), notes)


def _range(start: int, end: int) -> str:
    return f"entry {start} is" if end == start + 1 else f"entries {start}..{end - 1} are"


def best_proof(export: Verified, feed: Feed) -> Proof:
    """The largest size of ``feed`` that ``export`` proves the feed had reached."""
    return _largest(proofs(export, feed))


def proofs(export: Verified, feed: Feed) -> Iterator[Proof]:
    """What ``export`` proves of ``feed``'s size: each checkpoint the log signed and the other
    side's witness cosigned (each cosignature: the largest proof of a size is its first), and
    each ack by the other side of one of its entries (resolving, and within what the log
    signed)."""
    for cs in feed.cosignatures:
        yield Proof(cs.size, cs.timestamp * 1000)
    yield from _acks_of(export, feed)


def _largest(found: Iterable[Proof]) -> Proof:
    """The largest size; of equal sizes the earliest witnessed (an unknown time counts as
    earliest: nothing then excuses an export for lacking it)."""
    return min(found, key=_rank, default=NOTHING)


def _largest_before(found: Iterable[Proof], made: int) -> tuple[Proof, Proof]:
    """The largest proof witnessed by ``made`` (or at an unknown time), and the largest of
    all: one pass over what may be a proof per entry."""
    before = latest = NOTHING
    for proof in found:
        if _rank(proof) < _rank(latest):
            latest = proof
        if (proof.at is None or proof.at <= made) and _rank(proof) < _rank(before):
            before = proof
    return before, latest


def _rank(proof: Proof) -> tuple[int, int]:
    return -proof.size, -1 if proof.at is None else proof.at


def _acks_of(export: Verified, feed: Feed) -> Iterator[Proof]:
    signed = feed.latest_signed
    for other in export.feeds.values():
        if other is feed:
            continue
        covering = Timeline(other.cosignatures, "")  # when each entry was first covered
        for link in other.links:
            ref = link.ref
            if link.kind != "ack" or ref.origin != feed.side.origin:
                continue
            if ref.index >= signed or feed.leaves[ref.index] != ref.leaf_hash_bytes:
                continue  # unresolved or unsigned: the references check says so
            yield Proof(
                ref.index + 1,
                covering.bracket(link.index).delivered,
                (other.name, link.index, feed.name, ref.index),
            )


def _before_export(proof: Proof, export: Verified) -> bool:
    """A proof counts against an export unless it was witnessed after the export was made."""
    return proof.at is None or proof.at <= as_of(export)


def as_of(export: Verified) -> int:
    """When an export was made, at the earliest: its ``exported_at``, or its latest
    cosignature if that is later (an export cannot predate what it holds)."""
    latest = max(
        (cs.timestamp * 1000 for f in export.feeds.values() for cs in f.cosignatures), default=0
    )
    return max(export.loaded.exported_at or 0, latest)
