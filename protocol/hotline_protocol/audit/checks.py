"""The per-feed audit checks of entries, checkpoints and cosignatures (consistency and forks
are in :mod:`.history`, references in :mod:`.references`).

Each check takes a :class:`Feed` (one side of the export, with what earlier checks found out),
returns one :class:`~hotline_protocol.audit.report.Check` and records on the feed what later
checks need. They run offline: nothing but the export is needed.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator, Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field

from ..cosignature import CosignatureVerifier, verify_cosignature
from ..entryblocks import BlockPool, EntryChecks, LinkRecord, check_block
from ..errors import ProtocolError
from ..export import MAX_LISTED, SideData
from ..note import Signature, split_note
from ..notices import Reference
from ..spill import Spill
from ..spool import BLOCK, EntrySpool
from .notes import opened_notes
from .packed import Cosigned, CosignedList, Positions, SignedCheckpoint, SignedList
from .report import Check, b64, count, sizes


@dataclass(frozen=True, slots=True)
class Link:
    """A reference an entry's notice makes: ``kind`` is ack, cancel or update. For an ack, what
    the report needs of it (so that no decoded notice has to be kept)."""

    index: int
    kind: str
    ref: Reference
    response: str | None = None
    author: str | None = None
    reason: str | None = None
    remark: str | None = None


class Links:
    """The references a feed's notices make, in entry order, kept on disk beyond a buffer
    (records of :func:`~hotline_protocol.entryblocks.link_records`)."""

    def __init__(self, spill: Spill | None = None) -> None:
        self._spill = Spill() if spill is None else spill

    def extend(self, records: Iterable[LinkRecord]) -> None:
        for record in records:
            self._spill.append(record)

    def add(self, link: Link) -> None:
        ref = link.ref
        self._spill.append(
            (
                link.index,
                link.kind,
                ref.origin,
                ref.index,
                ref.leaf_hash,
                link.response,
                link.author,
                link.reason,
                link.remark,
            )
        )

    def __len__(self) -> int:
        return len(self._spill)

    def records(self) -> Iterator[LinkRecord]:
        """The references as plain records, in entry order."""
        return iter(self._spill)

    def __iter__(self) -> Iterator[Link]:
        for index, kind, origin, at, leaf, response, author, reason, remark in self._spill:
            ref = Reference.model_construct(origin=origin, index=at, leaf_hash=leaf)
            yield Link(index, kind, ref, response, author, reason, remark)


@dataclass
class Feed:
    """One side of the export and what the checks learnt about it. The entries, their leaf
    hashes and the references are on disk (:mod:`hotline_protocol.spool`); ``tree`` gives the
    Merkle root of any prefix."""

    side: SideData
    tree: EntrySpool
    links: Links = field(default_factory=Links)  # the references the notices make
    undecoded: int = 0  # entries that failed the entries check
    sound: bool = False  # every entry passed the entries check
    signed: SignedList = field(default_factory=SignedList)
    cosigned: Positions = field(default_factory=Positions)  # with a valid cosignature
    cosignatures: CosignedList = field(default_factory=CosignedList)  # valid ones, with times
    # each signed checkpoint's other signature lines (position, size, root, outcomes: .notes)
    notes: Spill = field(default_factory=Spill)
    pinned: bool | None = None  # keys match a card (True), differ from it (False), no card

    @classmethod
    def of(cls, side: SideData) -> Feed:
        entries = side.entries
        return cls(side, entries if isinstance(entries, EntrySpool) else EntrySpool.of(entries))

    def checked(self) -> EntryChecks:
        """The entries check: made as the export was read, or now, a block at a time."""
        if self.side.checked is not None:
            return self.side.checked
        out = EntryChecks(MAX_LISTED)
        prev = b""
        for first in range(0, len(self.tree), BLOCK):
            pairs = list(itertools.islice(self.tree.items(first), BLOCK))
            raws, leaves = [raw for raw, _ in pairs], [leaf for _, leaf in pairs]
            out.add(check_block(self.side.origin, first, prev, raws, leaves, MAX_LISTED))
            prev = leaves[-1]
        return out

    @property
    def leaves(self) -> Sequence[bytes]:
        """The leaf hash of each entry as exported."""
        return self.tree.leaves

    @property
    def name(self) -> str:
        return self.side.name

    @property
    def latest_signed(self) -> int:
        """The largest size the log key validly signed (0 if none)."""
        return self.signed.latest


def check_entries(feed: Feed) -> Check:
    """decode_entry on every entry: version, origin, index continuity, prev hash, notice."""
    checked = feed.checked()
    if checked.error is not None:
        raise checked.error  # as the check would have met it: a FAIL (see verify._guarded)
    problems = list(checked.problems)
    kinds = checked.kinds
    feed.undecoded = checked.undecoded
    feed.links = Links(checked.links)  # what later checks need, not the notices
    n = len(feed.tree)
    if feed.undecoded:
        if feed.undecoded > len(problems):
            problems.append(f"... and {feed.undecoded - len(problems)} more")
        return Check(
            "entries",
            feed.name,
            "FAIL",
            f"{feed.undecoded} of {count(n, 'entry', 'entries')} fail",
            problems,
        )
    feed.sound = True
    if not n:
        return Check("entries", feed.name, "PASS", "no entries")
    by_kind = ", ".join(f"{count} {kind}" for kind, count in sorted(kinds.items()))
    return Check(
        "entries",
        feed.name,
        "PASS",
        f"{count(n, 'entry', 'entries')}, indices 0..{n - 1} without gaps, each naming its "
        f"predecessor's leaf hash; {count(n, 'valid notice')} ({by_kind})",
    )


def check_checkpoints(
    feed: Feed, other: Feed | None = None, pool: BlockPool | None = None
) -> Check:
    """The log signature (verified before the body is parsed), origin, stated size, size within
    the entries, root equal to the Merkle root of that prefix. The notes' other signatures are
    verified meanwhile against ``other``'s witness key, for :func:`check_cosignatures`; by
    ``pool``'s workers (:mod:`.notes`), or here without one."""
    side, problems, notes = feed.side, [], []
    log = side.log
    witness_vkey = other.side.witness_vkey if other is not None else None
    with BlockPool(1) if pool is None else nullcontext(pool) as workers:
        opened = opened_notes(side.checkpoints, side.origin, side.log_vkey, witness_vkey, workers)
        for cp, (signed, sigs) in opened:
            where = f"checkpoint {cp.position} (stated size {cp.size})"
            if isinstance(signed, str):
                problems.append(f"{where}: {signed}")
                continue
            size, root = signed
            feed.signed.append(SignedCheckpoint(cp.position, size, root))
            feed.notes.append((cp.position, size, root, sigs))
            if size != cp.size:
                problems.append(f"{where}: the signed note says size {size}")
            if size > feed.tree.size:
                problems.append(f"{where}: size {size} beyond the {feed.tree.size} entries")
            elif feed.tree.root(size) != root:
                problems.append(
                    f"{where}: signed root {b64(root)} is not the Merkle root of the first "
                    f"{size} entries ({b64(feed.tree.root(size))})"
                )
    latest = feed.latest_signed
    if latest < feed.tree.size:
        notes.append(
            f"entries {latest}..{feed.tree.size - 1} are after the latest signed "
            "checkpoint: no signature covers them"
        )
    n = len(side.checkpoints)
    if problems:
        return Check(
            "checkpoints",
            feed.name,
            "FAIL",
            f"{count(len(problems), 'problem')} in {count(n, 'checkpoint')}",
            [*problems, *notes],
        )
    return Check(
        "checkpoints",
        feed.name,
        "PASS",
        f"{count(n, 'checkpoint')}, each signed by the log key {log.name}+{log.key_id.hex()}, "
        f"origin {side.origin}, sizes {sizes(s.size for s in feed.signed)} within the "
        f"{feed.tree.size} entries, every root the Merkle root of its prefix",
        notes,
    )


def _heartbeats(feed: Feed, witness: CosignatureVerifier) -> list[str]:
    """Verify the heartbeats: later cosignatures, by the other side's witness, of checkpoints
    it cosigned before; each valid one is a witnessed time too. Problems for the others."""
    problems = []
    named = {beat.size for beat in feed.side.heartbeats}  # a few sizes, each again and again
    by_size = {
        cp.size: cp for cp in feed.signed if cp.size in named and cp.position in feed.cosigned
    }
    for beat in feed.side.heartbeats:
        where = f"heartbeat {beat.position} (size {beat.size})"
        cp = by_size.get(beat.size)
        if cp is None:
            problems.append(f"{where}: no cosigned checkpoint of that size")
            continue
        try:
            sig = Signature.parse_line(beat.line)
            timestamp = verify_cosignature(_note(feed, cp)[0], sig, witness)
        except ProtocolError as exc:
            problems.append(f"{where}: {exc}")
        else:
            feed.cosignatures.append(Cosigned(cp.size, cp.root, timestamp))
    return problems


def check_cosignatures(feed: Feed, other: Feed | None) -> Check:
    """Every cosignature by the other side's pinned witness key verifies; others are noted
    (verified with the checkpoints: :func:`check_checkpoints`)."""
    problems, notes = [], []
    witness = other.side.witness if other is not None else None
    for position, size, root, sigs in feed.notes:  # each signed checkpoint's other lines
        where = f"checkpoint {position} (size {size})"
        for outcome in sigs:
            if outcome[0] == "cosigned":
                feed.cosigned.add(position)
                feed.cosignatures.append(Cosigned(size, root, outcome[1]))
            elif outcome[0] == "bad":
                problems.append(f"{where}: cosignature by {outcome[1]}: {outcome[2]}")
            else:
                notes.append(f"{where}: {outcome[1]}")
    if witness is not None:
        problems += _heartbeats(feed, witness)
    if witness is None:
        return Check(
            "cosignatures",
            feed.name,
            "INFO",
            "the other side is not in this export: no cosignature can be checked",
            notes,
        )
    with_cs = sizes(cp.size for cp in feed.signed if cp.position in feed.cosigned)
    without = sizes(cp.size for cp in feed.signed if cp.position not in feed.cosigned)
    summary = (
        f"{len(feed.cosigned)} of {count(len(feed.signed), 'signed checkpoint')} cosigned by "
        f"{witness.name}+{witness.key_id.hex()} (sizes {with_cs}); "
        + (f"not cosigned: sizes {without}" if without != "none" else "all cosigned")
    )
    if problems:
        return Check(
            "cosignatures",
            feed.name,
            "FAIL",
            f"{count(len(problems), 'bad cosignature')}; " + summary,
            [*problems, *notes],
        )
    return Check("cosignatures", feed.name, "PASS", summary, notes)


def _note(feed: Feed, cp: SignedCheckpoint) -> tuple[bytes, list[Signature]]:
    """The body and signatures of a signed checkpoint's note, as the export holds it."""
    listed = feed.side.checkpoints
    at = cp.position if cp.position < len(listed) else len(listed) - 1
    if listed[at].position != cp.position:  # a list some of whose items were left out
        at = next(k for k, data in enumerate(listed) if data.position == cp.position)
    return split_note(listed[at].note)
