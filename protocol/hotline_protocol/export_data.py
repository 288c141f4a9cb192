"""The audit export's contents as read: typed values for each side, its checkpoints and
heartbeats, the evidence, and what the reader found wrong (see :mod:`.export`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field

from .card import Deadlines
from .cosignature import CosignatureVerifier
from .entryblocks import EntryChecks
from .jsonstream import Readable
from .note import Verifier

FORMAT = "hotline-audit-export/v1"
MAX_SIDES = 2
MAX_LISTED = 1000  # problems listed of one side's entries; beyond, only counted
Source = bytes | bytearray | Readable


@dataclass(frozen=True, slots=True)
class CheckpointData:
    position: int  # in the side's "checkpoints" list
    size: int  # as stated next to the note (the note's own size must agree)
    note: bytes


@dataclass(frozen=True, slots=True)
class HeartbeatData:
    position: int  # in the side's "heartbeats" list
    size: int  # the checkpoint it cosigns again
    line: str  # the cosignature line (without its newline)


@dataclass(frozen=True, slots=True)
class SideData:
    name: str
    origin: str
    log_vkey: str
    witness_vkey: str
    log: Verifier
    witness: CosignatureVerifier
    entries: Sequence[bytes]  # an EntrySpool when read from an export
    checkpoints: Sequence[CheckpointData]  # on disk when read from an export
    deadlines: Deadlines | None = None  # as the exporting node holds them (own, or pinned)
    heartbeats: Sequence[HeartbeatData] = field(default_factory=list)
    checked: EntryChecks | None = None  # the entries check, made as the entries were read


@dataclass(frozen=True, slots=True)
class EvidenceData:
    """A refused input: ``raw`` is what was kept of it (its first bytes), ``size`` and
    ``sha256`` are the whole input's (an older export without them kept it whole)."""

    time: int
    source: str
    reason: str
    detail: str
    raw: bytes
    size: int = -1  # -1: len(raw)
    sha256: bytes = b""  # b"": SHA-256 of raw

    def __post_init__(self) -> None:
        if self.size < 0:
            object.__setattr__(self, "size", len(self.raw))
        if not self.sha256:
            object.__setattr__(self, "sha256", hashlib.sha256(self.raw).digest())

    @property
    def whole(self) -> bool:
        """Whether every byte of the refused input was kept."""
        return len(self.raw) == self.size


@dataclass
class Loaded:
    format: str | None = None
    exported_at: int | None = None
    exported_by: str | None = None
    sides: list[SideData] = field(default_factory=list)
    broken_sides: list[str] = field(default_factory=list)  # names (or paths) of left-out sides
    evidence: list[EvidenceData] | None = None  # None when the evidence list is malformed
    problems: list[str] = field(default_factory=list)
    fatal: bool = False  # nothing usable: not JSON, not an object or an unknown format
