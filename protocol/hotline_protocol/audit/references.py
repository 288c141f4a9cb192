"""The reference check: acks point into the other side's feed, cancels and updates into the own,
a downed pilot's ``distress_ref`` and a liaison's ``regarding`` into either.

A reference names a feed by origin, an entry by index and the entry's bytes by leaf hash; it
resolves when that feed is in the export, holds that index, and the entry's leaf hash (of the
bytes as exported) is the one named.
"""

from __future__ import annotations

from .checks import Feed
from .report import Check, b64, count


def check_references(feed: Feed, other: Feed | None) -> Check:
    """Every ack refers to an entry of the other feed, every cancel and update (``supersedes``)
    to an earlier entry of the own feed, each with the leaf hash that entry has."""
    problems: list[str] = []
    counts = {"ack": 0, "cancel": 0, "update": 0, "distress": 0, "regarding": 0}
    for index, kind, origin, at, leaf, *_ in feed.links.records():  # plain records: fast
        counts[kind] += 1
        if kind == "ack":
            problem = _resolve(origin, at, leaf, other, "the other side's feed")
        elif kind in ("distress", "regarding"):
            either = other if other is not None and origin == other.side.origin else feed
            problem = _resolve(origin, at, leaf, either, "the feed it names")
        else:
            problem = _resolve_own(origin, at, leaf, feed, index)
        if problem:
            problems.append(f"entry {index} ({kind}): {problem}")
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


def _resolve_own(origin: str, at: int, leaf: str, feed: Feed, index: int) -> str | None:
    if origin == feed.side.origin and at >= index:
        return f"refers to entry {at}, not an earlier entry of this feed"
    return _resolve(origin, at, leaf, feed, "this feed")


def _resolve(origin: str, at: int, leaf: str, target: Feed | None, what: str) -> str | None:
    """Whether entry ``at`` of the feed ``origin`` is in ``target`` with the leaf hash named
    (``leaf``: canonical base64, as the notice's validation made sure)."""
    if target is None:
        return f"refers to {_name(origin, at, leaf)}, but {what} is not in this export"
    if origin != target.side.origin:
        return (
            f"refers to {_name(origin, at, leaf)}, expected an entry of {what}, origin "
            f"{target.side.origin}"
        )
    held = len(target.tree)
    if at >= held:
        return f"refers to {_name(origin, at, leaf)}, but {what} has only {held} entries"
    found = b64(target.tree.leaf(at))
    if found != leaf:
        return f"refers to {_name(origin, at, leaf)}, but that entry's leaf hash is {found}"
    return None


def _name(origin: str, at: int, leaf: str) -> str:
    return f"{origin} #{at} ({leaf})"
