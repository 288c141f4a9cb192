"""Prometheus metrics, one registry per app (nothing global, so tests can build many apps)."""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator

from prometheus_client import CollectorRegistry, Gauge, Histogram, generate_latest
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
)
from prometheus_client.registry import Collector

from . import gc_tuning
from .feeds.index import FeedIndex
from .feeds.sequencer import Sequencer
from .hub import EventHub
from .peering.evidence import Evidence
from .peering.manager import PeerManager


class Metrics:
    def __init__(
        self,
        index: FeedIndex,
        hub: EventHub,
        sequencer: Sequencer,
        peering: PeerManager | None,
        evidence: Evidence,
        overdue: Callable[[], dict[str, int]],
    ) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        store_write = Histogram(
            "hotline_store_write_seconds",
            "Time the store took to make a batch of own entries durable (a FLASH is a batch)",
            registry=r,
            buckets=(0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
        )
        sequencer.on_write = store_write.observe
        r.register(OverdueCollector(overdue))
        if peering is not None:
            r.register(PeerCollector(peering, evidence))
        r.register(GcCollector())
        feed_size = Gauge("hotline_feed_size", "Entries per feed", ["side"], registry=r)
        delivered = Gauge(
            "hotline_delivered_size", "Entries cosigned by the receiver", ["side"], registry=r
        )
        subscribers = Gauge("hotline_stream_subscribers", "Open stream subscriptions", registry=r)
        queued = Gauge("hotline_sequencer_queue", "Posts waiting for the sequencer", registry=r)
        batches = Gauge("hotline_sequencer_batches", "Group-commit batches written", registry=r)
        for side in index.sides:
            feed_size.labels(side).set_function(_bind(index.size, side))
            delivered.labels(side).set_function(_bind(index.delivered_size, side))
        subscribers.set_function(lambda: hub.subscribers)
        queued.set_function(lambda: sequencer.queued)
        batches.set_function(lambda: sequencer.batches)

    def render(self) -> bytes:
        return generate_latest(self.registry)


def _bind(fn: Callable[[str], int], side: str) -> Callable[[], float]:
    return lambda: float(fn(side))


class OverdueCollector(Collector):
    """Notices past their acknowledgement deadline with no acknowledgement, per side, read when
    scraped."""

    def __init__(self, overdue: Callable[[], dict[str, int]]) -> None:
        self.overdue = overdue

    def collect(self) -> Iterator[GaugeMetricFamily]:
        family = GaugeMetricFamily(
            "hotline_overdue_notices",
            "Notices past their acknowledgement deadline and not acknowledged, cancelled or "
            "superseded (turned overdue while the node ran or in the ten minutes before it "
            "started): side = the side that sent them",
            labels=["side"],
        )
        for side, count in sorted(self.overdue().items()):
            family.add_metric([side], count)
        yield family


class PeerCollector(Collector):
    """The peer link's state, read when scraped: up or not, since when, lag each way, the last
    cosigned sizes, connections made and peer input refused (by reason)."""

    def __init__(self, peering: PeerManager, evidence: Evidence) -> None:
        self.peering = peering
        self.evidence = evidence

    def collect(self) -> Iterator[GaugeMetricFamily | CounterMetricFamily]:
        state = self.peering.state()
        lag = state.lag or {"out": 0, "in": 0}
        yield GaugeMetricFamily(
            "hotline_peer_connected", "1 while the peer link is up", value=int(state.connected)
        )
        yield GaugeMetricFamily(
            "hotline_peer_link_since_seconds",
            "Unix time the current peer link came up (0 when down)",
            value=(state.since or 0) / 1000,
        )
        lag_family = GaugeMetricFamily(
            "hotline_peer_lag_entries",
            "Entries not yet across the link: out = own entries the peer has not cosigned, "
            "in = the peer's entries not yet held here",
            labels=["direction"],
        )
        for direction in ("out", "in"):
            lag_family.add_metric([direction], lag[direction])
        yield lag_family
        cosigned = GaugeMetricFamily(
            "hotline_peer_cosigned_size",
            "Last cosigned checkpoint size: feed=own (cosigned by the peer: delivered), "
            "feed=peer (cosigned here)",
            labels=["feed"],
        )
        cosigned.add_metric(["own"], state.own_delivered_size)
        cosigned.add_metric(["peer"], state.peer_cosigned_size)
        yield cosigned
        yield GaugeMetricFamily(
            "hotline_own_feed_behind",
            "Size of the own feed the peer holds while this node holds less and recovers it "
            "(posts refused meanwhile); 0 otherwise",
            value=state.own_behind or 0,
        )
        yield CounterMetricFamily(
            "hotline_peer_connects", "Peer links established", value=state.connects
        )
        refused = CounterMetricFamily(
            "hotline_peer_refused",
            "Peer input refused (kept as evidence unless over the budget)",
            labels=["reason"],
        )
        for reason, count in sorted(self.evidence.refusals.items()):
            refused.add_metric([reason], count)
        yield refused
        yield CounterMetricFamily(
            "hotline_peer_refused_not_kept",
            "Peer input refused and not kept as evidence: over limits.evidence_per_hour",
            value=self.evidence.not_kept,
        )


class GcCollector(Collector):
    """The cyclic collector: its pauses by generation (once the node tuned it, as ``hotline
    serve`` does), collections and objects collected by generation, and objects frozen."""

    def collect(self) -> Iterator[GaugeMetricFamily | CounterMetricFamily | HistogramMetricFamily]:
        pauses = gc_tuning.pauses
        if pauses is not None:
            family = HistogramMetricFamily(
                "hotline_gc_pause_seconds",
                "Pauses of the cyclic garbage collector, by generation",
                labels=["generation"],
            )
            for generation in range(3):
                running = 0
                buckets: list[tuple[str, float]] = []
                for bound, count in zip(
                    (*gc_tuning.BUCKETS, float("inf")), pauses.counts[generation], strict=True
                ):
                    running += count
                    buckets.append(("+Inf" if bound == float("inf") else str(bound), running))
                family.add_metric([str(generation)], buckets, pauses.total[generation])
            yield family
            longest = GaugeMetricFamily(
                "hotline_gc_pause_longest_seconds",
                "The longest pause of the cyclic garbage collector, by generation",
                labels=["generation"],
            )
            for generation in range(3):
                longest.add_metric([str(generation)], pauses.longest[generation])
            yield longest
        stats = gc.get_stats()
        collections = CounterMetricFamily(
            "hotline_gc_collections", "Collections, by generation", labels=["generation"]
        )
        collected = CounterMetricFamily(
            "hotline_gc_collected_objects",
            "Objects the collector reclaimed, by generation",
            labels=["generation"],
        )
        for generation, stat in enumerate(stats):
            collections.add_metric([str(generation)], stat["collections"])
            collected.add_metric([str(generation)], stat["collected"])
        yield collections
        yield collected
        yield GaugeMetricFamily(
            "hotline_gc_frozen_objects",
            "Objects frozen out of the collector's sight (what start-up built), counted at most "
            "once a minute",
            value=gc_tuning.frozen_objects(),
        )
