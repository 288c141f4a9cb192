"""The replica: the peer's feed as this node holds it, verified, stored, then cosigned.

Entries arrive in order and wait in a buffer until a checkpoint covers them. Then, in this order:
the log signature is checked against the pinned vkey (before the body is parsed), the entries'
chain (origin, index, prev hashes, notices) is checked, the Merkle root of the feed with them must
equal the checkpoint's, and the witness rules must accept the checkpoint against the last one
this node cosigned. Only then are the entries and the checkpoint written (one durable write), the
witness state moved (compare-and-set) and the cosignature made, stored and returned: the delivery
receipt. Anything that fails is refused with a reason and changes nothing.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from hotline_protocol.checkpoint import open_checkpoint
from hotline_protocol.cosignature import cosign
from hotline_protocol.entries import MAX_ENTRY_BYTES, Entry, decode_chain, decode_entry, peek_entry
from hotline_protocol.errors import ProtocolError
from hotline_protocol.merkle import leaf_hash, verify_inclusion
from hotline_protocol.note import Verifier, add_signatures, split_note
from hotline_protocol.witness import check_checkpoint

from ..peering.errors import Refusal
from ..store.base import CheckpointRecord, CosignatureRecord

if TYPE_CHECKING:
    from ..node import Node, Side

MAX_BUFFERED = 20_000  # entries waiting for a checkpoint


class Replica:
    def __init__(self, node: Node, peer: Side) -> None:
        self.node = node
        self.side = peer.name
        self.origin = peer.origin
        self.log = Verifier.from_vkey(peer.log_vkey)
        self.tree = node.trees[peer.name]
        self.buffer: list[bytes] = []
        self.witness: tuple[int, bytes] | None = None  # last (size, root) this node cosigned
        self.last_line: str | None = None  # that cosignature, to resend after an outage
        self.early: dict[int, Entry] = {}  # FLASH entries received ahead of the backlog
        self.lock = asyncio.Lock()

    @property
    def have(self) -> int:
        return self.tree.size

    @property
    def cosigned(self) -> int:
        return self.witness[0] if self.witness else 0

    async def load(self) -> None:
        store = self.node.store
        self.witness = await store.witness_state(self.origin)
        if self.witness is None:
            return
        own_witness = self.node.keys.witness
        for record in reversed(await store.checkpoints(self.origin)):
            if record.size == self.witness[0]:
                for sig in split_note(record.note)[1]:
                    if (sig.name, sig.key_id) == (own_witness.name, own_witness.key_id):
                        self.last_line = sig.line().rstrip("\n")
                break

    def reset(self) -> None:
        """Drop unconfirmed entries (the link closed before their checkpoint came)."""
        self.buffer.clear()

    def add_entries(self, start: int, raws: list[bytes], raw_msg: bytes) -> None:
        expected = self.have + len(self.buffer)
        if start != expected:
            reason = "gap" if start > expected else "overlap"
            raise Refusal(reason, f"entries start at {start}, expected {expected}", raw_msg)
        for offset, raw in enumerate(raws):
            if len(raw) > MAX_ENTRY_BYTES:
                raise Refusal(
                    "entry_too_large", f"entry {start + offset} is {len(raw)} bytes", raw_msg
                )
        if len(self.buffer) + len(raws) > MAX_BUFFERED:
            raise Refusal(
                "too_many_entries",
                f"more than {MAX_BUFFERED} entries without a checkpoint",
                raw_msg,
            )
        self.buffer.extend(raws)

    async def checkpoint(self, note: bytes, old: int, proof: list[bytes], raw_msg: bytes) -> str:
        """Verify, store and cosign; returns the cosignature line."""
        async with self.lock:
            try:
                return await self._checkpoint(note, old, proof, raw_msg)
            except Refusal:
                self.buffer.clear()
                raise

    async def _checkpoint(self, note: bytes, old: int, proof: list[bytes], raw_msg: bytes) -> str:
        try:
            signed = open_checkpoint(note, origin=self.origin, log=self.log)
        except ProtocolError as exc:
            raise Refusal(exc.code, str(exc), raw_msg) from exc
        cp = signed.checkpoint
        start, size = self.have, self.have + len(self.buffer)
        if cp.size != size:
            raise Refusal(
                "size_mismatch",
                f"checkpoint size {cp.size}, entries make {size}",
                raw_msg + b"\n" + b"\n".join(self.buffer),
            )
        prev = self.tree.leaf(start - 1) if start else b""
        try:
            entries = decode_chain(self.buffer, origin=self.origin, start=start, prev=prev)
        except ProtocolError as exc:
            raise Refusal(exc.code, str(exc), raw_msg + b"\n" + b"\n".join(self.buffer)) from exc
        if size == self.cosigned and self.witness is not None and self.witness[1] == cp.root:
            if self.last_line is not None:  # already cosigned: resend the receipt
                return self.last_line
        self.tree.extend(e.leaf_hash for e in entries)
        try:
            root = self.tree.root()
            if root != cp.root:
                raise Refusal(
                    "root_mismatch",
                    "the checkpoint's root is not the root of the "
                    "entries (a fork or tampered entries)",
                    raw_msg + b"\n" + b"\n".join(self.buffer),
                )
            try:
                check_checkpoint(
                    note=note,
                    old_size=old,
                    proof=proof,
                    last=self.witness,
                    logs={self.origin: self.log},
                )
            except ProtocolError as exc:
                raise Refusal(exc.code, str(exc), raw_msg) from exc
            line = await self._store(entries, start, note, cp.body(), cp.root, size)
        except BaseException:
            self.tree.truncate(start)
            raise
        self.buffer.clear()
        return line

    async def _store(
        self, entries: list[Entry], start: int, note: bytes, body: bytes, root: bytes, size: int
    ) -> str:
        node, store = self.node, self.node.store
        now = node.clock_ms()
        if entries:
            await store.append(
                self.origin,
                start,
                [(e.raw, e.leaf_hash) for e in entries],
                CheckpointRecord(self.origin, size, root, note, now),
            )
        else:
            await store.put_checkpoint(CheckpointRecord(self.origin, size, root, note, now))
        await store.set_witness_state(self.origin, self.witness, (size, root))
        self.witness = (size, root)
        signer = node.keys.witness
        sig = cosign(body, signer, now // 1000)
        await store.add_cosignature(
            CosignatureRecord(self.origin, size, signer.name, now // 1000, now),
            add_signatures(note, [sig]),
        )
        self.last_line = sig.line().rstrip("\n")
        for entry in entries:
            self.early.pop(entry.index, None)
            node.record_entry(self.side, entry, now)
        node.record_delivery(self.side, size, signer.name, now)
        return self.last_line

    async def flash(
        self, index: int, raw: bytes, note: bytes, proof: list[bytes], raw_msg: bytes
    ) -> Entry | None:
        """Verify a FLASH entry pushed ahead of the backlog; None if already held in order."""
        try:
            cp = open_checkpoint(note, origin=self.origin, log=self.log).checkpoint
            if not 0 <= index < cp.size:
                raise Refusal("bad_index", f"index {index} not below size {cp.size}", raw_msg)
            verify_inclusion(leaf_hash(raw), index, cp.size, proof, cp.root)
            prev_text = peek_entry(raw).get("prev", "")
            prev = _prev_bytes(prev_text)
            entry = decode_entry(raw, origin=self.origin, index=index, prev=prev)
        except ProtocolError as exc:
            raise Refusal(exc.code, str(exc), raw_msg) from exc
        if entry.notice.precedence.value != "FLASH":
            raise Refusal("not_flash", "only FLASH entries may overtake the backlog", raw_msg)
        if index < self.have:
            return None
        self.early[index] = entry
        return entry


def _prev_bytes(text: object) -> bytes:
    import base64

    if not isinstance(text, str):
        return b""
    return base64.b64decode(text) if text else b""
