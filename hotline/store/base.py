"""The ``Store`` protocol: everything a node keeps durably, behind one async interface.

Two implementations pass the same contract tests: :mod:`hotline.store.sqlite` (embedded default,
WAL with synchronous=FULL) and :mod:`hotline.store.redis` (AOF with appendfsync always). Every
method that writes returns only once the data is on disk, so callers may acknowledge afterwards.

Feeds are identified by their origin string. Entries are bytes with their leaf hash; an entry that
is a notice entry (see :func:`notice_facts`) is also indexed by its notice's time, kind and
precedence, so that listings are read a page at a time (:meth:`Store.notice_keys`), newest first;
by its notice's id; by the entries it refers to (an ack's or cancel's ``ref``, an update's
``supersedes``: :class:`Link`), so that a notice's acks, cancel and update are read with it
(:meth:`Store.notice_states`); and, while it awaits the other side's answer, in the set of open
notices (:meth:`Store.open_notices`). A node reads the state of any entry from these on demand and
never holds the history in memory.

A store that fails raises :class:`~hotline.errors.StoreError`; a conditional write that finds
another state, :class:`~hotline.errors.StoreConflict` (both in :mod:`hotline.errors`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol

from .records import (
    ACK_REQUIRED,
    CLOSING,
    MAX_INDEXED_TIME,
    OPEN_ENDED,
    RULED_KINDS,
    CheckpointRecord,
    CosignatureRecord,
    EvidenceRecord,
    HeartbeatRecord,
    Link,
    NoticeFacts,
    NoticeKey,
    NoticeQuery,
    NoticeState,
    TimeRange,
    UserRecord,
    notice_facts,
)

__all__ = [
    "ACK_REQUIRED",
    "CLOSING",
    "MAX_INDEXED_TIME",
    "OPEN_ENDED",
    "RULED_KINDS",
    "CheckpointRecord",
    "CosignatureRecord",
    "EvidenceRecord",
    "HeartbeatRecord",
    "Link",
    "NoticeFacts",
    "NoticeKey",
    "NoticeQuery",
    "NoticeState",
    "Store",
    "TimeRange",
    "UserRecord",
    "check_append",
    "notice_facts",
]


class Store(Protocol):
    """What a node keeps. All writes are atomic and durable before they return."""

    url: str

    async def open(self) -> None: ...
    async def close(self) -> None: ...

    # feeds
    async def append(
        self,
        origin: str,
        start: int,
        entries: Sequence[tuple[bytes, bytes]],  # (entry bytes, leaf hash)
        checkpoint: CheckpointRecord | None = None,
        refs: Mapping[str, int] | None = None,  # idempotency key -> index in this feed
    ) -> None:
        """Append at ``start`` (must equal the feed's size, else StoreConflict), with the
        checkpoint and idempotency keys, in one atomic durable write.

        StoreConflict, and nothing written, when a key in ``refs`` is already used or the
        checkpoint's size is stored with another root; DuplicateIds (a StoreConflict) when a
        notice id of the batch is held in this feed already (a feed has one writer: the node
        whose feed it is). See :func:`check_append`.
        """
        ...

    async def append_cosigned(
        self,
        origin: str,
        start: int,
        entries: Sequence[tuple[bytes, bytes]],
        checkpoint: CheckpointRecord,  # its note already carries the cosignature
        witness: tuple[tuple[int, bytes] | None, tuple[int, bytes]],  # (old, new)
        cosignature: CosignatureRecord,
        implausible: Mapping[int, tuple[int, int]] | None = None,
    ) -> None:
        """A verified run of the peer's feed and its cosignature in one atomic durable write:
        the entries and checkpoint as :meth:`append`, the witness state moved from ``old`` to
        ``new`` (StoreConflict, and nothing written, if it is not ``old``) and the cosignature
        recorded. ``implausible`` flags entries (by index) whose claimed time lies outside the
        bracket (after, before) this node witnessed them appended in."""
        ...

    async def size(self, origin: str) -> int: ...
    async def entries(self, origin: str, start: int, end: int) -> list[bytes]:
        """Entries ``[start, end)``; ``end`` is clamped to the size, an empty range gives ``[]``."""
        ...

    async def entries_at(self, origin: str, indexes: Sequence[int]) -> list[bytes]:
        """The entries at these indexes, in the order given, read at once (a page of a
        listing); StoreError if one is not stored."""
        ...

    async def leaf_hashes(self, origin: str) -> list[bytes]: ...
    async def tree_hashes(self, origin: str, nodes: Sequence[tuple[int, int]]) -> list[bytes]:
        """The hashes of complete subtrees of the feed's Merkle tree, in the order asked: node
        (level, index) covers leaves [index·2^level, (index+1)·2^level), level 0 is the leaf
        hashes. Every append stores the nodes its leaves complete. StoreError if a node is not
        complete in the stored feed."""
        ...

    async def notice_keys(self, query: NoticeQuery, limit: int) -> list[NoticeKey]:
        """At most ``limit`` keys of the notice entries ``query`` selects, newest first
        (descending :class:`NoticeKey`), read from the store's index: a page costs what it
        holds, not the size of the feeds."""
        ...

    async def notice_states(self, origin: str, indexes: Sequence[int]) -> list[NoticeState | None]:
        """The stored state of the notice entries at these indexes, in the order given, read at
        once; None for an index not stored (or bytes that are not a notice entry)."""
        ...

    async def notice_ids(self, notice_ids: Sequence[str]) -> dict[str, list[tuple[str, int]]]:
        """For each of these notice ids held in a feed written with :meth:`append` (the own
        feed; a store upgraded from an older version knows every feed's), the (origin, index)
        of every notice entry with it, by origin and index (an id held nowhere is not in the
        answer), read at once."""
        ...

    async def live_notices(self, origin: str, now_ms: int) -> list[int]:
        """The indexes, ascending, of the notices of ``origin`` of a :data:`RULED_KINDS` kind
        that deconfliction still looks at ``now_ms`` (their ``live_until`` is later), read from
        an index of them: what start-up reads for deconfliction, whatever the history."""
        ...

    async def open_notices(
        self, origin: str, times: Mapping[str, TimeRange] | None = None, limit: int | None = None
    ) -> list[tuple[int, int, str]]:
        """The notices of ``origin`` that await the other side's answer (they need an ack and no
        ack, cancel or update refers to them yet), as (index, notice time, precedence), by
        index: what a node watches the deadlines of. Without ``times``, all of them (the open
        set). With ``times`` ({precedence: (after, until)}), only those of these precedences
        whose notice time lies in (after, until], each precedence's earliest ``limit`` by
        notice time (those of the last time taken may be fewer than there are): the deadlines
        of the next minutes, read from the store's index of notice times by precedence (it
        costs what the range holds, whatever the history)."""
        ...

    # checkpoints and cosignatures
    async def put_checkpoint(self, record: CheckpointRecord) -> None:
        """Store a checkpoint, replacing the record of the same (origin, size). A different root
        for a stored size is a fork: StoreConflict, nothing written."""
        ...

    async def checkpoints(self, origin: str) -> list[CheckpointRecord]:
        """All checkpoints of ``origin``, ascending by size."""
        ...

    async def latest_checkpoint(self, origin: str) -> CheckpointRecord | None: ...
    async def checkpoints_from(
        self, origin: str, since: int, until: int, limit: int
    ) -> list[CheckpointRecord]:
        """At most ``limit`` checkpoints of ``origin`` with ``since <= size <= until``,
        ascending by size: a page read, whatever the number stored."""
        ...

    async def checkpoint_at_most(self, origin: str, size: int) -> CheckpointRecord | None:
        """The checkpoint of ``origin`` with the largest size not above ``size``, or None:
        one record read, whatever the number stored."""
        ...

    async def add_cosignature(self, record: CosignatureRecord, note: bytes) -> None:
        """Record a cosignature and replace the stored note of (origin, size) by ``note``.

        One cosignature per (origin, size, witness): a repeat replaces it. StoreError when no
        checkpoint of that size is stored.
        """
        ...

    async def cosignatures(self, origin: str) -> list[CosignatureRecord]:
        """All cosignatures of ``origin``, ascending by size, then witness name."""
        ...

    async def cosignatures_from(
        self, origin: str, witness: str, since: int, limit: int
    ) -> list[CosignatureRecord]:
        """At most ``limit`` cosignatures of ``origin`` by ``witness`` with a size of at least
        ``since``, ascending by size: a page read, whatever the number stored."""
        ...

    async def add_heartbeat(self, record: HeartbeatRecord) -> None:
        """Keep a later cosignature of a checkpoint already cosigned (once per (origin, witness,
        timestamp)). StoreError when no checkpoint of that size is stored."""
        ...

    async def heartbeats(self, origin: str) -> list[HeartbeatRecord]:
        """All heartbeats of ``origin``, ascending by timestamp, then witness name."""
        ...

    async def heartbeats_from(
        self, origin: str, witness: str, since: int, until: int, limit: int
    ) -> list[HeartbeatRecord]:
        """At most ``limit`` heartbeats of ``origin`` by ``witness`` with a timestamp in
        [since, until], ascending by timestamp: a page read, whatever the number kept."""
        ...

    async def latest_receipts(
        self, origin: str, witness: str
    ) -> tuple[CosignatureRecord | None, HeartbeatRecord | None]:
        """The cosignature of ``origin`` by ``witness`` of the largest size, and its heartbeat
        of the latest timestamp (None where there is none): what a node reads at start of when
        it last answered the peer, whatever the number stored."""
        ...

    # witness state: the last (size, root) this node cosigned for a peer's origin
    async def witness_state(self, origin: str) -> tuple[int, bytes] | None: ...
    async def set_witness_state(
        self, origin: str, old: tuple[int, bytes] | None, new: tuple[int, bytes]
    ) -> None:
        """Compare-and-set; StoreConflict when the current state is not ``old``."""
        ...

    # idempotency keys
    async def lookup_ref(self, key: str) -> tuple[str, int] | None:
        """The (origin, index) an idempotency key was appended with, or None."""
        ...

    # users
    async def add_user(self, user: UserRecord) -> None:
        """StoreConflict if the name or the token hash is taken."""
        ...

    async def get_user(self, name: str) -> UserRecord | None: ...
    async def user_by_token_hash(self, token_hash: str) -> UserRecord | None:
        """The user holding this token hash, revoked or not: the caller checks ``revoked_ms``."""
        ...

    async def list_users(self) -> list[UserRecord]:
        """All users, revoked ones included, by name."""
        ...

    async def revoke_user(self, name: str, time_ms: int) -> bool:
        """True if the user was revoked now; False if unknown or already revoked (the first
        revocation time stays)."""
        ...

    # refused-input evidence
    async def add_evidence(self, record: EvidenceRecord) -> int:
        """Store the record (its ``id`` is ignored) and return its id: 1, 2, 3, ..."""
        ...

    async def list_evidence(self) -> list[EvidenceRecord]:
        """All evidence, ascending by id, ``raw``, ``size`` and ``sha256`` exactly as given."""
        ...

    async def evidence_from(self, since: int, until: int, limit: int) -> list[EvidenceRecord]:
        """At most ``limit`` evidence records with ``since <= id <= until``, ascending by id: a
        page read, whatever the number kept."""
        ...

    async def latest_evidence(self, limit: int) -> tuple[int, list[EvidenceRecord]]:
        """How many evidence records are kept, and the newest ``limit`` of them, newest first:
        what a page of the list costs, whatever the number kept."""
        ...

    # small durable key/value for node bookkeeping
    async def get_meta(self, key: str) -> str | None: ...
    async def set_meta(self, key: str, value: str) -> None: ...


def check_append(
    origin: str,
    start: int,
    entries: Sequence[tuple[bytes, bytes]],
    checkpoint: CheckpointRecord | None,
    refs: Mapping[str, int] | None,
) -> None:
    """Refuse an append batch that is wrong whatever the store holds (ValueError): a negative
    start, a checkpoint of another origin or beyond the new size, a ref outside the feed."""
    if start < 0:
        raise ValueError(f"append start must be >= 0, got {start}")
    new_size = start + len(entries)
    if checkpoint is not None:
        if checkpoint.origin != origin:
            raise ValueError(f"checkpoint of {checkpoint.origin!r} appended to {origin!r}")
        if checkpoint.size > new_size:
            raise ValueError(f"checkpoint size {checkpoint.size} beyond new size {new_size}")
    for key, index in (refs or {}).items():
        if not 0 <= index < new_size:
            raise ValueError(f"ref {key!r} -> {index} outside feed of size {new_size}")
