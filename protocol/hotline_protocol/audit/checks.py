"""The per-feed audit checks of entries, checkpoints and cosignatures (consistency and forks
are in :mod:`.history`, references in :mod:`.references`).

Each check takes a :class:`Feed` (one side of the export, with what earlier checks found out),
returns one :class:`~hotline_protocol.audit.report.Check` and records on the feed what later
checks need. They run offline: nothing but the export is needed.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field

from ..checkpoint import open_checkpoint
from ..cosignature import CosignatureVerifier, verify_cosignature
from ..entryblocks import EntryChecks, LinkRecord, check_block
from ..errors import ProtocolError
from ..export import MAX_LISTED, SideData
from ..note import Signature, Verifier, split_note
from ..notices import Reference
from ..spool import BLOCK, EntrySpool, Spill
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
    signed: SignedList = field(default_factory=SignedList)
    cosigned: Positions = field(default_factory=Positions)  # with a valid cosignature
    cosignatures: CosignedList = field(default_factory=CosignedList)  # valid ones, with times
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


def check_checkpoints(feed: Feed) -> Check:
    """The log signature (verified before the body is parsed), origin, stated size, size within
    the entries, root equal to the Merkle root of that prefix."""
    side, problems, notes = feed.side, [], []
    log = side.log
    for cp in side.checkpoints:
        where = f"checkpoint {cp.position} (stated size {cp.size})"
        try:
            opened = open_checkpoint(cp.note, origin=side.origin, log=log)
        except ProtocolError as exc:
            problems.append(f"{where}: {exc}")
            continue
        c = opened.checkpoint
        feed.signed.append(SignedCheckpoint(cp.position, c.size, c.root))
        if c.size != cp.size:
            problems.append(f"{where}: the signed note says size {c.size}")
        if c.size > feed.tree.size:
            problems.append(f"{where}: size {c.size} beyond the {feed.tree.size} entries")
        elif feed.tree.root(c.size) != c.root:
            problems.append(
                f"{where}: signed root {b64(c.root)} is not the Merkle root of the first "
                f"{c.size} entries ({b64(feed.tree.root(c.size))})"
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
    """Every cosignature by the other side's pinned witness key verifies; others are noted."""
    side, problems, notes = feed.side, [], []
    log = side.log
    witness = other.side.witness if other is not None else None
    for cp in feed.signed:
        where = f"checkpoint {cp.position} (size {cp.size})"
        body, signatures = _note(feed, cp)
        for sig in signatures:
            if (sig.name, sig.key_id) == (log.name, log.key_id):
                continue  # the log's own signature: see checkpoints
            if witness is not None and (sig.name, sig.key_id) == (witness.name, witness.key_id):
                try:
                    timestamp = verify_cosignature(body, sig, witness)
                except ProtocolError as exc:
                    problems.append(f"{where}: cosignature by {sig.name}: {exc}")
                else:
                    feed.cosigned.add(cp.position)
                    feed.cosignatures.append(Cosigned(cp.size, cp.root, timestamp))
            else:
                notes.append(f"{where}: {_unpinned(sig, [log, *([witness] if witness else [])])}")
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


def _unpinned(sig: Signature, pinned: list[Verifier]) -> str:
    """A signature line no pinned key made: ignored, as signed-note readers must, but shown."""
    text = f"signature by {sig.name}+{sig.key_id.hex()}, a key not pinned in this export"
    for key in pinned:
        if key.name == sig.name:
            text += f" (the pinned {key.name} has key ID {key.key_id.hex()})"
    return text + ": not verified, ignored"
