"""The node: one side's feeds, keys, store, sequencer and event hub, wired together.

Built by :func:`hotline.app.create_app` from settings; collaborators (store, clock) are passed in
so tests can run two nodes in one process or each in its own.
"""

from __future__ import annotations

import asyncio
import base64
import bisect
import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass

from hotline_protocol.checkpoint import Checkpoint, sign_checkpoint
from hotline_protocol.cosignature import CosignatureVerifier
from hotline_protocol.entries import Entry, decode_entry
from hotline_protocol.merkle import Tree
from hotline_protocol.notices import Notice

from .acks.deadlines import DeadlineWatcher
from .acks.webhook import overdue_webhook
from .events import EventHub
from .feeds.index import Delivery, FeedIndex
from .feeds.replica import Replica
from .feeds.rules import check_notice
from .feeds.sequencer import Appended, OnAppended, OwnFeed, Sequencer
from .feeds.tail import Tail
from .feeds.views import appended_event
from .jsontext import JsonText
from .keys import NodeKeys, witness_name
from .peering.errors import Refusal
from .peering.manager import PeerManager
from .peering.sender import OwnCheckpoints
from .settings import Settings
from .store.base import CheckpointRecord, EvidenceRecord, Store

log = logging.getLogger("hotline.node")
Clock = Callable[[], int]  # unix milliseconds


@dataclass(frozen=True)
class Side:
    name: str
    origin: str
    log_vkey: str
    witness_vkey: str
    witness_name: str


class Node:
    def __init__(self, settings: Settings, store: Store, keys: NodeKeys, clock_ms: Clock) -> None:
        self.settings = settings
        self.store = store
        self.keys = keys
        self.clock_ms = clock_ms
        self.own = Side(
            settings.side,
            settings.origin,
            keys.log.vkey,
            keys.witness.vkey,
            witness_name(settings.origin),
        )
        peer = settings.peer
        self.peer: Side | None = (
            Side(
                peer.side,
                peer.origin,
                peer.log_vkey,
                peer.witness_vkey,
                CosignatureVerifier.from_vkey(peer.witness_vkey).name,
            )
            if peer is not None
            else None
        )
        sides = {self.own.name: self.own.origin}
        if self.peer is not None:
            sides[self.peer.name] = self.peer.origin
        self.index = FeedIndex(sides)
        self.trees: dict[str, Tree] = {side: Tree() for side in sides}
        self.hub = EventHub(list(sides))
        self.sequencer: Sequencer | None = None
        self.deadlines = DeadlineWatcher(self)
        if settings.webhook:
            self.deadlines.hooks.append(overdue_webhook(self, settings.webhook))
        self.own_checkpoints = OwnCheckpoints()
        self.own_tail = Tail()  # the newest own entries, for the peer sender
        self.replica = Replica(self, self.peer) if self.peer is not None else None
        self.peering = PeerManager(self) if self.peer is not None else None
        self.started_ms = 0
        self.refusals: dict[str, int] = {}  # peer input refused since start, by reason
        self._evidence: dict[bytes, int] = {}  # digest of (reason, raw) -> evidence id
        self._evidence_lock = asyncio.Lock()

    # lifecycle -----------------------------------------------------------------------------
    async def start(self) -> None:
        await self.store.open()
        for side in self.sides():
            await self._load_feed(side)
        await self._load_deliveries()
        own_tree = self.trees[self.own.name]
        for record in await self.store.checkpoints(self.own.origin):
            self.own_checkpoints.add(record.size, record.note)
        note = self.own_checkpoints.notes.get(own_tree.size, b"")
        if not note:  # an empty feed, or a checkpoint lost with a failed write: sign one now
            cp = Checkpoint(self.own.origin, own_tree.size, own_tree.root())
            note = sign_checkpoint(cp, self.keys.log)
            await self.store.put_checkpoint(
                CheckpointRecord(cp.origin, cp.size, cp.root, note, self.clock_ms())
            )
            self.own_checkpoints.add(cp.size, note)
        if self.replica is not None:
            await self.replica.load()
        self.sequencer = Sequencer(
            feed=OwnFeed(self.own.origin, own_tree, note),
            signer=self.keys.log,
            store=self.store,
            validate=self._validate,
            committed=self._committed,
            clock_ms=self.clock_ms,
            batch_max=self.settings.limits.batch_max,
            commit_interval=self.settings.limits.commit_interval_ms / 1000,
            urgent=self._flush_link,
        )
        self.hub.set_positions(
            {s: self.index.size(s) for s in self.sides()},
            {s: self.index.delivered_size(s) for s in self.sides()},
        )
        self.sequencer.start()
        self.deadlines.start()
        if self.peering is not None:
            self.peering.start()
        self.started_ms = self.clock_ms()
        log.info("node %s started: feed %s size %d", self.own.name, self.own.origin, own_tree.size)

    async def stop(self) -> None:
        if self.peering is not None:
            await self.peering.stop()
        await self.deadlines.stop()
        if self.sequencer is not None:
            await self.sequencer.stop()
        await self.store.close()

    def sides(self) -> list[str]:
        return list(self.index.sides)

    def side_info(self, name: str) -> Side | None:
        if name == self.own.name:
            return self.own
        if self.peer is not None and name == self.peer.name:
            return self.peer
        return None

    # writing -------------------------------------------------------------------------------
    async def append_notice(
        self,
        notice: Notice,
        ref_key: str | None = None,
        on_appended: OnAppended | None = None,
        text: bytes | None = None,
    ) -> Appended:
        """Append a notice to the own feed; returns once the entry is durable (``on_appended``
        and ``text``: see :meth:`Sequencer.append`)."""
        assert self.sequencer is not None, "node not started"
        return await self.sequencer.append(notice, ref_key, on_appended, text)

    def submit_notice(
        self, notice: Notice, on_appended: OnAppended | None = None, text: bytes | None = None
    ) -> asyncio.Future[Appended]:
        """Queue a notice without an idempotency key for the own feed and return at once: the
        future gets its entry once durable (see :meth:`Sequencer.enqueue`). For callers that do
        not wait (the stream); a FLASH goes through :meth:`append_notice`, written at once."""
        assert self.sequencer is not None, "node not started"
        return self.sequencer.enqueue(notice, on_appended, text)

    def _validate(self, notice: Notice, claimed: set[tuple[str, int]]) -> None:
        peer = self.peer.name if self.peer is not None else None
        check_notice(notice, self.index, self.own.name, peer, claimed, self._is_early)

    def _is_early(self, origin: str, index: int, leaf_hash_b64: str) -> bool:
        """Whether a reference names an early FLASH of the peer (held, not yet in order)."""
        replica = self.replica
        if replica is None or self.peer is None or origin != self.peer.origin:
            return False
        early = replica.early.get(index)
        return early is not None and base64.b64encode(early.entry.leaf_hash).decode() == (
            leaf_hash_b64
        )

    def _committed(self, entries: list[Entry], note: bytes, now_ms: int) -> None:
        for entry in entries:
            self.record_entry(self.own.name, entry, now_ms)
        self.own_checkpoints.add(entries[-1].index + 1, note)
        self.own_tail.extend(entries[0].index, [e.raw for e in entries])
        link = self.peering.link if self.peering is not None else None
        if link is not None:
            link.sender.notify([e.index for e in entries if e.notice.precedence.value == "FLASH"])

    async def _flush_link(self) -> None:
        """Send what a FLASH's commit queued for the peer (its entry with an inclusion proof),
        in the turn of the loop that made it durable: not a turn later, when the link's writer
        or the poster's task runs again (under load, a turn of the loop is milliseconds)."""
        link = self.peering.link if self.peering is not None else None
        if link is not None:
            await link.flush()

    def record_entry(self, side: str, entry: Entry, now_ms: int, alarm: bool = True) -> None:
        """Index a durable entry and publish its events (own feed or replica); a FLASH from
        the peer raises the alarm unless ``alarm`` is False (it was raised when it came early)."""
        rec = self.index.add(side, entry.index, entry.leaf_hash, entry.notice, now_ms)
        self.hub.publish(appended_event(rec, JsonText(entry.notice_json)))
        if alarm and side != self.own.name and rec.precedence == "FLASH" and rec.kind != "ack":
            self.alarm("flash", side=side, index=rec.index, kind=rec.kind)
        if rec.kind == "ack" and rec.target is not None:
            target = self.index.get(*rec.target)
            assert target is not None
            self.hub.publish(
                {
                    "type": "acknowledged",
                    "side": target.side,
                    "index": target.index,
                    "response": rec.response,
                    "by": f"{side}/{rec.author}",
                    "at": now_ms,
                    "ack": {"side": side, "index": rec.index},
                }
            )

    def record_delivery(self, side: str, size: int, witness: str, time_ms: int) -> None:
        if self.index.add_delivery(side, Delivery(size, time_ms, witness)):
            self.hub.publish(
                {
                    "type": "delivered",
                    "side": side,
                    "size": size,
                    "by": witness,
                    "at": time_ms,
                }
            )

    # peering -------------------------------------------------------------------------------
    def alarm(self, reason: str, **fields: object) -> None:
        self.hub.publish({"type": "alarm", "reason": reason, "at": self.clock_ms(), **fields})

    def link_event(self, change: str) -> None:
        """Publish the link state: ``change`` is ``up``, ``down`` or ``lag`` (lag changed)."""
        assert self.peering is not None
        state = self.peering.state()
        self.hub.publish(
            {
                "type": "link",
                "change": change,
                "state": "up" if state["connected"] else "down",
                "at": self.clock_ms(),
                **state,
            }
        )

    def flash_received(self, index: int, entry: Entry | None) -> None:
        """A FLASH pushed ahead of the backlog (entry), or announced again (None)."""
        assert self.peer is not None
        side = self.peer.name
        if entry is not None:
            self.hub.publish(
                {
                    "type": "flash",
                    "side": side,
                    "index": index,
                    "early": True,
                    "origin": entry.origin,
                    "kind": entry.notice.kind,
                    "id": str(entry.notice.id),
                    "notice": JsonText(entry.notice_json),
                }
            )
            if entry.notice.kind != "ack":  # a FLASH ack is news, not an alarm
                self.alarm("flash", side=side, index=index, kind=entry.notice.kind, early=True)
            return
        rec = self.index.get(side, index)
        if rec is not None and not rec.acks:
            self.alarm("flash_repeated", side=side, index=index, kind=rec.kind)

    async def refused(self, exc: Refusal) -> None:
        """Keep what the peer sent that failed verification, and raise the alarm. The same
        bytes refused again for the same reason (a peer retrying) are stored once."""
        self.refusals[exc.reason] = self.refusals.get(exc.reason, 0) + 1
        digest = hashlib.sha256(exc.reason.encode() + b"\n" + exc.raw).digest()
        async with self._evidence_lock:
            ident = self._evidence.get(digest)
            repeated = ident is not None
            if ident is None:
                record = EvidenceRecord(self.clock_ms(), "peer", exc.reason, exc.detail, exc.raw)
                try:
                    ident = await self.store.add_evidence(record)
                    self._evidence[digest] = ident
                except Exception:
                    log.exception("could not store evidence")
                    ident = 0
        self.alarm(
            "refused", code=exc.reason, detail=exc.detail[:500], evidence=ident, repeated=repeated
        )

    # loading -------------------------------------------------------------------------------
    async def _load_feed(self, side: str) -> None:
        origin = self.index.sides[side]
        size = await self.store.size(origin)
        tree = self.trees[side]
        # when an entry was appended here: the time its first checkpoint was stored (the own
        # feed writes each batch with its checkpoint; the replica stores the peer's with them)
        stored = sorted((c.size, c.stored_ms) for c in await self.store.checkpoints(origin))
        sizes = [s for s, _ in stored]
        prev = b""
        chunk = 1000
        for start in range(0, size, chunk):
            raws = await self.store.entries(origin, start, min(size, start + chunk))
            for offset, raw in enumerate(raws):
                entry = decode_entry(raw, origin=origin, index=start + offset, prev=prev)
                tree.append(entry.leaf_hash)
                pos = bisect.bisect_right(sizes, entry.index)
                appended = stored[pos][1] if pos < len(stored) else entry.notice.time
                self.index.add(side, entry.index, entry.leaf_hash, entry.notice, appended)
                prev = entry.leaf_hash

    async def _load_deliveries(self) -> None:
        if self.peer is None:
            return
        # own entries are delivered when the peer's witness cosigned; peer entries when we did
        for side, origin, witness in (
            (self.own.name, self.own.origin, self.peer.witness_name),
            (self.peer.name, self.peer.origin, self.own.witness_name),
        ):
            for cos in await self.store.cosignatures(origin):
                if cos.witness == witness:
                    self.index.add_delivery(side, Delivery(cos.size, cos.received_ms, witness))
