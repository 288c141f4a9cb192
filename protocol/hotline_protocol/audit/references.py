"""The reference check: acks point into the other side's feed, cancels and updates into the own,
a downed pilot's ``distress_ref`` and a liaison's ``regarding`` into either.

A reference names a feed by origin, an entry by index and the entry's bytes by leaf hash; it
resolves when that feed is in the export, holds that index, and the entry's leaf hash (of the
bytes as exported) is the one named.
"""

from __future__ import annotations

from ..notices import Reference
from .checks import Feed
from .report import Check, b64, count


def check_references(feed: Feed, other: Feed | None) -> Check:
    """Every ack refers to an entry of the other feed, every cancel and update (``supersedes``)
    to an earlier entry of the own feed, each with the leaf hash that entry has."""
    problems: list[str] = []
    counts = {"ack": 0, "cancel": 0, "update": 0, "distress": 0, "regarding": 0}
    for link in feed.links:
        counts[link.kind] += 1
        if link.kind == "ack":
            problem = _resolve(link.ref, other, "the other side's feed")
        elif link.kind in ("distress", "regarding"):
            either = other if other is not None and link.ref.origin == other.side.origin else feed
            problem = _resolve(link.ref, either, "the feed it names")
        else:
            problem = _resolve_own(link.ref, feed, link.index)
        if problem:
            problems.append(f"entry {link.index} ({link.kind}): {problem}")
    notes = []
    if feed.undecoded:
        skipped = count(feed.undecoded, "entry", "entries")
        notes.append(f"{skipped} not examined: they failed the entries check")
    total = sum(counts.values())
    if problems:
        summary = f"{len(problems)} of {count(total, 'reference')} do not resolve"
        return Check("references", feed.name, "FAIL", summary, [*problems, *notes])
    target = other.name if other is not None else "the other side"
    summary = (
        f"{count(counts['ack'], 'ack')} resolved in {target}'s feed, "
        f"{count(counts['cancel'], 'cancel')} and {count(counts['update'], 'update')} to earlier "
        "entries of this feed, each by index and matching leaf hash"
        + (
            f"; {count(counts['distress'] + counts['regarding'], 'other reference')} resolved"
            if counts["distress"] or counts["regarding"]
            else ""
        )
    )
    return Check("references", feed.name, "PASS", summary, notes)


def _resolve_own(ref: Reference, feed: Feed, index: int) -> str | None:
    if ref.origin == feed.side.origin and ref.index >= index:
        return f"refers to entry {ref.index}, not an earlier entry of this feed"
    return _resolve(ref, feed, "this feed")


def _resolve(ref: Reference, target: Feed | None, what: str) -> str | None:
    name = f"{ref.origin} #{ref.index} ({ref.leaf_hash})"
    if target is None:
        return f"refers to {name}, but {what} is not in this export"
    if ref.origin != target.side.origin:
        return f"refers to {name}, expected an entry of {what}, origin {target.side.origin}"
    if ref.index >= len(target.leaves):
        return f"refers to {name}, but {what} has only {len(target.leaves)} entries"
    if target.leaves[ref.index] != ref.leaf_hash_bytes:
        found = b64(target.leaves[ref.index])
        return f"refers to {name}, but that entry's leaf hash is {found}"
    return None
