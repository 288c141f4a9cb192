"""Two-sided audit exports built directly with the protocol library (no nodes, no peering).

Each side has a log key and a witness key; entries are appended with ``encode_entry``,
checkpoints signed with the side's log key and cosigned with the other side's witness key. The
builder signs whatever it is asked to, so tests can make forks and inconsistent checkpoints that
carry valid signatures.
"""

from __future__ import annotations

import base64
import json
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hotline_protocol.card import Card, Deadlines
from hotline_protocol.checkpoint import Checkpoint, sign_checkpoint
from hotline_protocol.cosignature import CosignatureSigner, cosign
from hotline_protocol.entries import Entry, encode_entry
from hotline_protocol.merkle import Tree
from hotline_protocol.note import Signer, add_signatures, split_note
from hotline_protocol.notices import Notice, parse_notice

FORMAT = "hotline-audit-export/v1"
T0 = 1_767_261_600_000  # 2026-01-01T10:00:00Z, unix ms
EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


@dataclass
class FeedBuilder:
    """One side: its keys, its feed and the checkpoints it signed (notes as exported)."""

    name: str
    origin: str
    nation: str
    log: Signer
    witness: CosignatureSigner
    entries: list[Entry] = field(default_factory=list)
    checkpoints: list[dict[str, Any]] = field(default_factory=list)

    @classmethod
    def create(cls, name: str, origin: str, nation: str) -> FeedBuilder:
        log = Signer.generate(origin)
        return cls(name, origin, nation, log, CosignatureSigner.generate(f"{origin}/witness"))

    @property
    def size(self) -> int:
        return len(self.entries)

    def tree(self) -> Tree:
        return Tree(e.leaf_hash for e in self.entries)

    def append(self, notice: Notice) -> Entry:
        prev = self.entries[-1].leaf_hash if self.entries else b""
        entry = encode_entry(self.origin, self.size, prev, notice)
        self.entries.append(entry)
        return entry

    def ref(self, index: int) -> dict[str, Any]:
        entry = self.entries[index]
        return {"origin": self.origin, "index": index, "leaf_hash": b64(entry.leaf_hash)}

    def sign(self, size: int | None = None, root: bytes | None = None) -> bytes:
        """A checkpoint note signed by this side's log key: of the feed as it is by default,
        of any size and root when given."""
        size = self.size if size is None else size
        if root is None:
            root = self.tree().root(size)
        return sign_checkpoint(Checkpoint(self.origin, size, root), self.log)

    def checkpoint(
        self,
        cosigner: FeedBuilder | None = None,
        *,
        size: int | None = None,
        root: bytes | None = None,
        timestamp: int = T0 // 1000,
    ) -> bytes:
        """Sign a checkpoint, cosign it with ``cosigner``'s witness key, and record it."""
        note = self.sign(size, root)
        if cosigner is not None:
            note = cosign_note(note, cosigner.witness, timestamp)
        self.record(note)
        return note

    def record(self, note: bytes) -> None:
        size = int(split_note(note)[0].split(b"\n")[1])
        self.checkpoints.append({"size": size, "note": note.decode()})

    def author(self) -> dict[str, str]:
        return {"id": f"ops-{self.name}", "unit": f"CAOC {self.name}", "nation": self.nation}

    def side(self, deadlines: Deadlines | None = None) -> dict[str, Any]:
        side: dict[str, Any] = {
            "name": self.name,
            "origin": self.origin,
            "log_vkey": self.log.vkey,
            "witness_vkey": self.witness.vkey,
        }
        if deadlines is not None:
            side["deadlines"] = deadlines.seconds()
        side |= {
            "size": self.size,
            "checkpoints": list(self.checkpoints),
            "entries": [b64(e.raw) for e in self.entries],
        }
        return side

    def card(self, deadlines: Deadlines | None = None) -> Card:
        """The side's card, as it handed it to the other side."""
        url = f"https://{self.name}.hotline.example:8400"
        return Card(self.name, self.origin, self.log.vkey, self.witness.vkey, url, deadlines)


def cosign_note(note: bytes, witness: CosignatureSigner, timestamp: int) -> bytes:
    body, _ = split_note(note)
    return add_signatures(note, [cosign(body, witness, timestamp)])


@dataclass
class TwoSides:
    alpha: FeedBuilder
    bravo: FeedBuilder
    evidence: list[dict[str, Any]] = field(default_factory=list)
    exported_at: int = T0 + 3_600_000

    def export(self) -> dict[str, Any]:
        """alpha's export: its own feed, then its replica of bravo's."""
        return {
            "format": FORMAT,
            "exported_at": self.exported_at,
            "exported_by": self.alpha.name,
            "sides": [self.alpha.side(), self.bravo.side()],
            "evidence": list(self.evidence),
        }

    def export_of(self, name: str, deadlines: Deadlines | None = None) -> dict[str, Any]:
        """The export ``name``'s node makes: its own feed first (with its deadlines, when
        given), then its replica of the other's, and the evidence it kept (alpha's only)."""
        own, other = (self.alpha, self.bravo) if name == "alpha" else (self.bravo, self.alpha)
        return {
            "format": FORMAT,
            "exported_at": self.exported_at,
            "exported_by": name,
            "sides": [own.side(deadlines), other.side()],
            "evidence": list(self.evidence) if name == "alpha" else [],
        }

    def cards(self) -> list[Card]:
        return [self.alpha.card(), self.bravo.card()]


def to_bytes(doc: Any) -> bytes:
    return json.dumps(doc).encode()  # ASCII: \u escapes, so any str (even a lone surrogate) goes


# notices ----------------------------------------------------------------------------------------


def _notice(side: FeedBuilder, minutes: int, body: dict[str, Any]) -> Notice:
    base = {
        "id": str(uuid.uuid4()),
        "status": "exercise",
        "author": side.author(),
        "time": T0 + minutes * 60_000,
    }
    return parse_notice({**base, **body})


def operation(side: FeedBuilder, minutes: int, supersedes: dict[str, Any] | None = None) -> Notice:
    example = json.loads((EXAMPLES / "planned_operation.json").read_text())
    for key in ("id", "author", "time", "expires"):
        example.pop(key)
    if supersedes is not None:
        example["supersedes"] = supersedes
        example["callsigns"] = ["VIPER 11", "VIPER 12"]
        example["aircraft_count"] = 2
    return _notice(side, minutes, example)


def liaison(side: FeedBuilder, minutes: int, text: str) -> Notice:
    return _notice(side, minutes, {"kind": "liaison", "text": text, "language": "en"})


def ack(side: FeedBuilder, minutes: int, ref: dict[str, Any], response: str = "ROGER") -> Notice:
    return _notice(side, minutes, {"kind": "ack", "ref": ref, "response": response})


def cancel(side: FeedBuilder, minutes: int, ref: dict[str, Any]) -> Notice:
    body = {"kind": "cancel", "ref": ref, "reason": "operation_called_off"}
    return _notice(side, minutes, body)


def build_two_sides() -> TwoSides:
    """The story both feeds tell, with checkpoints cosigned as they were delivered:

    alpha 0 planned operation       bravo 0 ack WILCO of alpha 0
    alpha 1 liaison                 bravo 1 liaison
    alpha 2 update of alpha 0       bravo 2 ack ROGER of alpha 2
    alpha 3 ack ROGER of bravo 1    bravo 3 ack ROGER of alpha 4
    alpha 4 cancel of alpha 2

    alpha checkpoints 1, 2, 4 (cosigned by bravo) and 5 (not yet cosigned); bravo checkpoints
    2, 3, 4 (cosigned by alpha). One refused peer message is kept as evidence.
    """
    a = FeedBuilder.create("alpha", "alpha.hotline.example", "XAA")
    b = FeedBuilder.create("bravo", "bravo.hotline.example", "XBB")
    ts = T0 // 1000
    a.append(operation(a, 0))
    a.checkpoint(b, timestamp=ts + 1)
    a.append(liaison(a, 1, "Daily line check at 08:00Z."))
    a.checkpoint(b, timestamp=ts + 60)
    b.append(ack(b, 2, a.ref(0), "WILCO"))
    b.append(liaison(b, 3, "Duty officer confirmed for the next 24 hours."))
    b.checkpoint(a, timestamp=ts + 180)
    a.append(operation(a, 4, supersedes=a.ref(0)))
    a.append(ack(a, 5, b.ref(1)))
    a.checkpoint(b, timestamp=ts + 300)
    b.append(ack(b, 6, a.ref(2)))
    b.checkpoint(a, timestamp=ts + 360)
    a.append(cancel(a, 7, a.ref(2)))
    a.checkpoint(None)
    b.append(ack(b, 8, a.ref(4)))
    b.checkpoint(a, timestamp=ts + 480)
    evidence_raw = b'{"type": "entries", "start": 9}'
    two = TwoSides(a, b)
    two.evidence.append(
        {
            "id": 1,
            "time": T0 + 200_000,
            "source": "peer",
            "reason": "wrong_index",
            "detail": "entry index out of sequence (expected 4, found 9)",
            "raw": b64(evidence_raw),
        }
    )
    return two
