"""The per-feed audit checks of entries, checkpoints and cosignatures (consistency and forks
are in :mod:`.history`, references in :mod:`.references`).

Each check takes a :class:`Feed` (one side of the export, with what earlier checks found out),
returns one :class:`~hotline_protocol.audit.report.Check` and records on the feed what later
checks need. They run offline: nothing but the export is needed.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from ..checkpoint import open_checkpoint
from ..cosignature import CosignatureVerifier, verify_cosignature
from ..entries import decode_entry
from ..errors import ProtocolError
from ..export import MAX_LISTED, SideData
from ..note import Signature, Verifier, split_note
from ..notices import Ack, DownedPilot, Liaison, Notice, Reference, reference_of
from ..spool import EntrySpool, Spill
from .report import Check, b64, count, sizes


@dataclass(frozen=True, slots=True)
class SignedCheckpoint:
    """A checkpoint whose log signature verified, with its parsed size and root."""

    position: int
    size: int
    root: bytes
    body: bytes
    signatures: list[Signature]


@dataclass(frozen=True, slots=True)
class Cosigned:
    """A valid cosignature by the other side's witness of a signed checkpoint."""

    size: int
    root: bytes
    timestamp: int  # seconds, as the witness signed it


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


def links_of(index: int, notice: Notice) -> list[Link]:
    out = []
    target = reference_of(notice)
    if isinstance(notice, Ack):
        out.append(
            Link(
                index,
                "ack",
                notice.ref,
                str(notice.response),
                notice.author.id,
                notice.reason,
                notice.remark,
            )
        )
    elif target is not None:
        out.append(Link(index, str(notice.kind), target))
    if notice.supersedes is not None:
        out.append(Link(index, "update", notice.supersedes))
    if isinstance(notice, DownedPilot) and notice.distress_ref is not None:
        out.append(Link(index, "distress", notice.distress_ref))
    if isinstance(notice, Liaison):
        for ref in notice.regarding or ():
            out.append(Link(index, "regarding", ref))
    return out


class Links:
    """The references a feed's notices make, in entry order, kept on disk beyond a buffer."""

    def __init__(self) -> None:
        self._spill = Spill()

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

    def __iadd__(self, links: list[Link]) -> Links:
        for link in links:
            self.add(link)
        return self

    def __len__(self) -> int:
        return len(self._spill)

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
    signed: list[SignedCheckpoint] = field(default_factory=list)
    cosigned: set[int] = field(default_factory=set)  # positions with a valid cosignature
    cosignatures: list[Cosigned] = field(default_factory=list)  # the valid ones, with times
    pinned: bool | None = None  # keys match a card (True), differ from it (False), no card

    @classmethod
    def of(cls, side: SideData) -> Feed:
        entries = side.entries
        return cls(side, entries if isinstance(entries, EntrySpool) else EntrySpool.of(entries))

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
        return max((cp.size for cp in self.signed), default=0)


def check_entries(feed: Feed) -> Check:
    """decode_entry on every entry: version, origin, index continuity, prev hash, notice."""
    side, problems = feed.side, list[str]()
    kinds: Counter[str] = Counter()
    prev = b""
    for index, (raw, leaf) in enumerate(feed.tree.items()):
        try:
            notice = decode_entry(raw, origin=side.origin, index=index, prev=prev).notice
        except ProtocolError as exc:
            if len(problems) < MAX_LISTED:
                problems.append(f"entry at position {index}: {exc}")
            feed.undecoded += 1
        else:
            feed.links += links_of(index, notice)  # keep what later checks need, not the notice
            kinds[str(notice.kind)] += 1
        prev = leaf  # the next entry must chain to these bytes, as exported
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
        body, sigs = split_note(cp.note)
        c = opened.checkpoint
        feed.signed.append(SignedCheckpoint(cp.position, c.size, c.root, body, sigs))
        if c.size != cp.size:
            problems.append(f"{where}: the signed note says size {c.size}")
        if c.size > feed.tree.size:
            problems.append(f"{where}: size {c.size} beyond the {feed.tree.size} entries")
        elif feed.tree.root(c.size) != c.root:
            problems.append(
                f"{where}: signed root {b64(c.root)} is not the Merkle root of the first "
                f"{c.size} entries ({b64(feed.tree.root(c.size))})"
            )
    latest = max((s.size for s in feed.signed), default=0)
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
    by_size = {cp.size: cp for cp in feed.signed if cp.position in feed.cosigned}
    for beat in feed.side.heartbeats:
        where = f"heartbeat {beat.position} (size {beat.size})"
        cp = by_size.get(beat.size)
        if cp is None:
            problems.append(f"{where}: no cosigned checkpoint of that size")
            continue
        try:
            sig = Signature.parse_line(beat.line)
            timestamp = verify_cosignature(cp.body, sig, witness)
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
        for sig in cp.signatures:
            if (sig.name, sig.key_id) == (log.name, log.key_id):
                continue  # the log's own signature: see checkpoints
            if witness is not None and (sig.name, sig.key_id) == (witness.name, witness.key_id):
                try:
                    timestamp = verify_cosignature(cp.body, sig, witness)
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
    with_cs = sorted({cp.size for cp in feed.signed if cp.position in feed.cosigned})
    without = sorted({cp.size for cp in feed.signed if cp.position not in feed.cosigned})
    summary = (
        f"{len(feed.cosigned)} of {count(len(feed.signed), 'signed checkpoint')} cosigned by "
        f"{witness.name}+{witness.key_id.hex()} (sizes {sizes(with_cs)}); "
        + (f"not cosigned: sizes {sizes(without)}" if without else "all cosigned")
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


def _unpinned(sig: Signature, pinned: list[Verifier]) -> str:
    """A signature line no pinned key made: ignored, as signed-note readers must, but shown."""
    text = f"signature by {sig.name}+{sig.key_id.hex()}, a key not pinned in this export"
    for key in pinned:
        if key.name == sig.name:
            text += f" (the pinned {key.name} has key ID {key.key_id.hex()})"
    return text + ": not verified, ignored"
