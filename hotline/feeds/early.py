"""The peer's FLASH entries received ahead of the backlog ("early"), verified on their own.

An early FLASH is verified by the log signature of the checkpoint it came with and an inclusion
proof into it; it is shown at once (state ``early``) and may be acknowledged. The checkpoint is
kept: when the ordered entries reach its size their root must match it, and the ordered entry at
the FLASH's index must be the FLASH, or the peer signed two views of its feed (a fork). At most
``max_early`` early entries ahead of the entries held are kept; one more is refused
(``too_many_early_flash``) and not shown. An early entry is forgotten when its ordered entry is
recorded.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass

from hotline_protocol.checkpoint import Checkpoint, open_checkpoint
from hotline_protocol.entries import Entry, decode_entry, peek_entry
from hotline_protocol.errors import ProofError, ProtocolError
from hotline_protocol.merkle import leaf_hash, verify_inclusion
from hotline_protocol.note import Verifier
from hotline_protocol.notices import requires_ack

from ..errors import Refusal
from ..types import Clock
from .feed_tree import FeedTree
from .index import NoticeRecord


@dataclass(frozen=True)
class Early:
    """A FLASH entry received ahead of the backlog, and the checkpoint that proved it."""

    entry: Entry
    checkpoint: Checkpoint
    note: bytes
    received_ms: int = 0


class EarlyFlash:
    """The early FLASH entries of one peer's feed (``held``: by index), checked against the
    feed held here (``tree``) as it grows."""

    def __init__(
        self,
        side: str,
        origin: str,
        log: Verifier,
        tree: FeedTree,
        clock_ms: Clock,
        max_early: int,
    ) -> None:
        self.side = side
        self.origin = origin
        self._log = log
        self._tree = tree
        self._clock_ms = clock_ms
        self.max_early = max_early  # early FLASH entries held ahead of the backlog, at most
        self.held: dict[int, Early] = {}

    def is_early(self, origin: str, index: int, leaf_hash_b64: str) -> bool:
        """Whether a reference names an early FLASH of the peer (held, not yet in order)."""
        early = self.held.get(index) if origin == self.origin else None
        return early is not None and base64.b64encode(early.entry.leaf_hash).decode() == (
            leaf_hash_b64
        )

    def record(self, index: int) -> NoticeRecord | None:
        """An early FLASH (verified, not yet recorded in order) as a detached record. It stays
        early until its ordered entry is recorded, not merely verified: the tree holds a run
        while it is written, before its records exist, and the FLASH must stay readable and
        acknowledgeable meanwhile."""
        early = self.held.get(index)
        if early is None:
            return None
        notice = early.entry.notice
        return NoticeRecord(
            side=self.side,
            origin=self.origin,
            index=index,
            leaf_hash=early.entry.leaf_hash,
            id=str(notice.id),
            kind=notice.kind,
            precedence=notice.precedence.value,
            status=notice.status.value,
            time_ms=notice.time,
            author=notice.author.id,
            appended_ms=early.received_ms,
            needs_ack=requires_ack(notice),
        )

    async def take(
        self, index: int, raw: bytes, note: bytes, proof: list[bytes], raw_msg: bytes
    ) -> Entry | None:
        """Verify a FLASH entry pushed ahead of the backlog and hold it; None if the feed held
        here has it already. Refusal (with ``raw_msg`` as evidence) if it does not verify, is
        not FLASH, contradicts the feed held, or is one too many."""
        try:
            cp = open_checkpoint(note, origin=self.origin, log=self._log).checkpoint
            if not 0 <= index < cp.size:
                raise Refusal("bad_index", f"index {index} not below size {cp.size}", raw_msg)
            verify_inclusion(leaf_hash(raw), index, cp.size, proof, cp.root)
            entry = decode_entry(raw, origin=self.origin, index=index, prev=_prev_of(raw))
        except ProofError as exc:
            raise Refusal("bad_proof", str(exc), raw_msg) from exc
        except ProtocolError as exc:
            raise Refusal(exc.code, str(exc), raw_msg) from exc
        if entry.notice.precedence.value != "FLASH":
            raise Refusal("not_flash", "only FLASH entries may overtake the backlog", raw_msg)
        have = self._tree.size
        if cp.size <= have and await self._tree.root_at(cp.size) != cp.root:
            raise Refusal(
                "fork",
                f"the FLASH entry's checkpoint of size {cp.size} is not the feed held here",
                raw_msg,
            )
        if index < have:
            return None
        if index not in self.held and self.ahead() >= self.max_early:
            raise Refusal(
                "too_many_early_flash",
                f"FLASH entry {index}: {self.max_early} FLASH entries ahead of the"
                f" {have} entries held are held already, the most kept",
                raw_msg,
            )
        self.held[index] = Early(entry, cp, note, self._clock_ms())
        return entry

    def ahead(self) -> int:
        """Early FLASH entries held ahead of the entries held (verified, pinned key)."""
        have = self._tree.size
        return sum(1 for index in self.held if index >= have)

    async def check(self, size: int, evidence: bytes) -> None:
        """Every FLASH checkpoint received early must be a prefix of the feed held (the tree,
        with a run being verified, at ``size``), and every early FLASH the entry at its index:
        else Refusal ``fork`` with ``evidence`` and the early FLASH's checkpoint."""
        for index, early in self.held.items():
            if index < size and await self._tree.leaf(index) != early.entry.leaf_hash:
                raise Refusal(
                    "fork",
                    f"entry {index} is not the FLASH entry received early at that index",
                    evidence + b"\n" + early.note,
                )
            cp = early.checkpoint
            if cp.size <= size and await self._tree.root_at(cp.size) != cp.root:
                raise Refusal(
                    "fork",
                    f"the feed does not match the checkpoint of size {cp.size} that came with "
                    f"FLASH entry {early.entry.index}",
                    evidence + b"\n" + early.note,
                )

    def recorded(self, index: int) -> bool:
        """The ordered entry at ``index`` is recorded: forget it as early; whether it was."""
        return self.held.pop(index, None) is not None


def _prev_of(raw: bytes) -> bytes:
    """The ``prev`` hash an entry claims (checked later, when it arrives in order)."""
    text = peek_entry(raw).get("prev", "")
    if not isinstance(text, str):
        return b""
    try:
        return base64.b64decode(text, validate=True) if text else b""
    except (binascii.Error, ValueError):
        return b""
