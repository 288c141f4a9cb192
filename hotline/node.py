"""The composition root: one side's node wired from its settings, store, keys and clock.

Everything is built here and nothing below imports this module: each part gets the narrow
collaborators it uses. Data flows one way: the sequencer appends to the own feed, which records
each durable batch (index, events) and tells the peer link; the link feeds the replica, which
records what it verified, stored and cosigned; the hub carries the events to the stream, the
deadline watcher and the console.

=============== ===============================================================================
``own_feed``    :class:`~hotline.feeds.own.OwnFeed`: tree, checkpoints, tail; its read port
``sequencer``   :class:`~hotline.feeds.sequencer.Sequencer`: the own feed's single writer
``replica``     :class:`~hotline.feeds.replica.Replica`: the peer's feed, verified and cosigned
``peering``     :class:`~hotline.peering.manager.PeerManager`: the link to the peer
``deadlines``   :class:`~hotline.acks.deadlines.DeadlineWatcher`: overdue acknowledgements
``notices``     :class:`~hotline.feeds.service.NoticeService`: post, ack, cancel, read, list
``logs``        :class:`~hotline.feeds.logs.LogReader`: the feeds as transparency logs
``conflicts``   :class:`~hotline.conflicts.service.ConflictService`: deconfliction, kept current
``admission``   :class:`~hotline.admission.Admission`: post rate limits, stream connection caps
=============== ===============================================================================
"""

from __future__ import annotations

import logging

from hotline_protocol.checkpoint import Checkpoint
from hotline_protocol.cosignature import CosignatureVerifier
from hotline_protocol.deconfliction import Config as ConflictConfig
from hotline_protocol.deconfliction import ConflictIndex
from hotline_protocol.entries import Entry
from hotline_protocol.note import Verifier

from .acks.deadlines import DeadlineWatcher
from .acks.webhook import overdue_webhook
from .admission import Admission
from .conflicts.service import ConflictService
from .feeds.feed_tree import FeedTree
from .feeds.index import FeedIndex
from .feeds.load import due_reader, load_conflicts, load_deliveries, load_index
from .feeds.logs import LogReader
from .feeds.own import OwnFeed
from .feeds.recall import StoreRecall
from .feeds.record import Recorder
from .feeds.replica import Replica
from .feeds.rules import Rules
from .feeds.sequencer import Sequencer
from .feeds.service import NoticeService
from .hub import EventHub
from .keys import NodeKeys, witness_name
from .peering.evidence import Evidence
from .peering.link import LinkParts
from .peering.manager import PeerManager
from .peering.recovery import OwnRecovery
from .settings import Settings
from .store.base import Store
from .types import Clock, Side, Sides

log = logging.getLogger("hotline.node")


class Node:
    def __init__(self, settings: Settings, store: Store, keys: NodeKeys, clock_ms: Clock) -> None:
        self.settings = settings
        self.store = store
        self.clock_ms = clock_ms
        own = Side(
            settings.side,
            settings.origin,
            keys.log.vkey,
            keys.witness.vkey,
            witness_name(settings.origin),
        )
        pinned = settings.peer
        peer = (
            Side(
                pinned.side,
                pinned.origin,
                pinned.log_vkey,
                pinned.witness_vkey,
                CosignatureVerifier.from_vkey(pinned.witness_vkey).name,
            )
            if pinned is not None
            else None
        )
        self.sides = Sides(own, peer)
        names = self.sides.names()
        origins = self.sides.origins()
        self.index = FeedIndex(origins, StoreRecall(store, {o: s for s, o in origins.items()}))
        self.trees = {s.name: FeedTree(store, s.origin) for s in self.sides.all()}
        self.hub = EventHub(names)
        self.recorder = Recorder(self.index, self.hub.publish, own.name, clock_ms)
        self.own_feed = OwnFeed(
            own,
            tree=self.trees[own.name],
            store=store,
            signer=keys.log,
            index=self.index,
            recorder=self.recorder,
            clock_ms=clock_ms,
        )
        self.replica = (
            Replica(
                peer,
                tree=self.trees[peer.name],
                store=store,
                witness=keys.witness,
                clock_ms=clock_ms,
                recorder=self.recorder,
                time_tolerance_ms=int(settings.limits.time_tolerance_s * 1000),
                max_early=settings.limits.early_flash_max,
            )
            if peer is not None
            else None
        )
        self.evidence = Evidence(
            store,
            clock_ms,
            self.recorder,
            settings.limits.evidence_bytes,
            settings.limits.evidence_per_hour,
        )
        self.peering = self._peering(keys) if self.replica is not None else None
        limits = settings.limits
        self.sequencer = Sequencer(
            feed=self.own_feed,
            signer=keys.log,
            store=store,
            validate=Rules(
                self.index,
                own.name,
                peer.name if peer is not None else None,
                self.replica.early.is_early
                if self.replica is not None
                else lambda _o, _i, _h: False,
                clock_ms=clock_ms,
                time_tolerance_s=limits.time_tolerance_s,
            ),
            committed=self.own_feed.committed,
            clock_ms=clock_ms,
            batch_max=limits.batch_max,
            commit_interval=limits.commit_interval_ms / 1000,
            urgent=self.peering.flush if self.peering is not None else None,
        )
        self.deadlines = DeadlineWatcher(
            self.index,
            settings.deadlines,
            clock_ms,
            self.hub.publish,
            own_side=own.name,
            announce=self.peering.announce if self.peering is not None else lambda _i: False,
            read_due=due_reader(self.store, self.index, settings.deadlines),
        )
        if settings.webhook:
            self.deadlines.hooks.append(
                overdue_webhook(own.name, settings.deadlines, settings.webhook)
            )
        self.notices = NoticeService(
            self.sides,
            index=self.index,
            store=store,
            settings=settings,
            clock_ms=clock_ms,
            sequencer=self.sequencer,
            replica=self.replica,
        )
        self.logs = LogReader(self.sides, store, limits.page_max)
        rule = settings.deconfliction
        self.conflicts = ConflictService(
            ConflictIndex(
                ConflictConfig(
                    pressure_margin_m=rule.pressure_margin_m,
                    terrain_min_m=rule.terrain_min_m,
                    terrain_max_m=rule.terrain_max_m,
                    emergency_margin_m=rule.emergency_margin_nm * 1852,
                )
            ),
            self.index,
            clock_ms,
            self.hub.publish,
        )
        self.recorder.listeners.append(self.conflicts.recorded)
        self.admission = Admission(limits)
        self.started_ms = 0

    @property
    def own(self) -> Side:
        return self.sides.own

    @property
    def peer(self) -> Side | None:
        return self.sides.peer

    def _peering(self, keys: NodeKeys) -> PeerManager:
        settings, peer, replica = self.settings, self.peer, self.replica
        assert settings.peer is not None and peer is not None and replica is not None
        manager = PeerManager(
            self.own,
            peer,
            settings.peer,
            log_key=keys.log,
            parts=LinkParts(
                feed=self.own_feed,
                replica=replica,
                witness=CosignatureVerifier.from_vkey(peer.witness_vkey),
                recorder=self.recorder,
                clock_ms=self.clock_ms,
                run_interval=settings.limits.run_interval_ms / 1000,
                heartbeat=settings.limits.heartbeat_s,
                max_early=settings.limits.early_flash_max,
                recovery=OwnRecovery(
                    self.own_feed,
                    self._take_in,
                    Verifier.from_vkey(self.own.log_vkey),
                    CosignatureVerifier.from_vkey(peer.witness_vkey),
                ),
            ),
            publish=self.hub.publish,
            refused=self.evidence.refused,
            tls_ca=str(settings.path(settings.peer.tls_ca)) if settings.peer.tls_ca else None,
            handshake_timeout=settings.limits.handshake_timeout_s,
            max_handshakes=settings.limits.peer_handshakes,
        )
        self.own_feed.listeners.append(manager.committed)
        return manager

    async def _take_in(self, start: int, entries: list[Entry], cp: Checkpoint, raw: bytes) -> None:
        """Own entries recovered from the peer go through the feed's single writer."""
        await self.sequencer.take_in(start, entries, cp, raw)

    async def start(self) -> None:
        """Load both feeds from the store, then start the writer, the watcher and the link."""
        await self.store.open()
        for side in self.sides.names():
            await self.trees[side].load()
        tolerance_ms = int(self.settings.limits.time_tolerance_s * 1000)
        await load_index(self.store, self.index, self.sides, tolerance_ms)
        await load_deliveries(self.store, self.index, self.sides)
        await load_conflicts(self.store, self.index, self.conflicts, self.clock_ms())
        self.conflicts.finish_loading()
        await self.deadlines.load()
        await self.own_feed.load_checkpoints()
        if self.replica is not None:
            await self.replica.load()
        names = self.sides.names()
        self.hub.set_positions(
            {s: self.index.size(s) for s in names},
            {s: self.index.delivered_size(s) for s in names},
        )
        self.sequencer.start()
        self.deadlines.start()
        self.conflicts.start()
        if self.peering is not None:
            self.peering.start()
        self.started_ms = self.clock_ms()
        log.info(
            "node %s started: feed %s size %d", self.own.name, self.own.origin, self.own_feed.size
        )

    async def stop(self) -> None:
        if self.peering is not None:
            await self.peering.stop()
        await self.deadlines.stop()
        await self.conflicts.stop()
        await self.sequencer.stop()
        await self.store.close()
