"""Prometheus metrics, one registry per app (nothing global, so tests can build many apps)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

if TYPE_CHECKING:
    from .node import Node


class Metrics:
    def __init__(self, node: Node) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.posts = Counter("hotline_posts", "Notices posted", ["result"], registry=r)
        self.post_seconds = Histogram(
            "hotline_post_seconds",
            "Time from post to durable entry",
            registry=r,
            buckets=(0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5),
        )
        self.refused = Counter("hotline_refused", "Inputs refused", ["reason"], registry=r)
        r.register(PeerCollector(node))
        feed_size = Gauge("hotline_feed_size", "Entries per feed", ["side"], registry=r)
        delivered = Gauge(
            "hotline_delivered_size", "Entries cosigned by the receiver", ["side"], registry=r
        )
        subscribers = Gauge("hotline_stream_subscribers", "Open stream subscriptions", registry=r)
        queued = Gauge("hotline_sequencer_queue", "Posts waiting for the sequencer", registry=r)
        batches = Gauge("hotline_sequencer_batches", "Group-commit batches written", registry=r)
        for side in node.sides():
            feed_size.labels(side).set_function(_bind(node.index.size, side))
            delivered.labels(side).set_function(_bind(node.index.delivered_size, side))
        subscribers.set_function(lambda: node.hub.subscribers)
        queued.set_function(lambda: node.sequencer.queued if node.sequencer else 0)
        batches.set_function(lambda: node.sequencer.batches if node.sequencer else 0)

    def render(self) -> bytes:
        return generate_latest(self.registry)


def _bind(fn: Callable[[str], int], side: str) -> Callable[[], float]:
    return lambda: float(fn(side))


class PeerCollector(Collector):
    """The peer link's state, read when scraped: up or not, since when, lag each way, the last
    cosigned sizes, connections made and peer input refused (by reason)."""

    def __init__(self, node: Node) -> None:
        self.node = node

    def collect(self) -> Iterator[GaugeMetricFamily | CounterMetricFamily]:
        peering = self.node.peering
        if peering is None:
            return
        state = peering.state()
        lag = state["lag"] or {"out": 0, "in": 0}
        yield GaugeMetricFamily(
            "hotline_peer_connected", "1 while the peer link is up", value=int(state["connected"])
        )
        yield GaugeMetricFamily(
            "hotline_peer_link_since_seconds",
            "Unix time the current peer link came up (0 when down)",
            value=(state["since"] or 0) / 1000,
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
        cosigned.add_metric(["own"], state["own_delivered_size"])
        cosigned.add_metric(["peer"], state["peer_cosigned_size"])
        yield cosigned
        yield CounterMetricFamily(
            "hotline_peer_connects", "Peer links established", value=state["connects"]
        )
        refused = CounterMetricFamily(
            "hotline_peer_refused", "Peer input refused and kept as evidence", labels=["reason"]
        )
        for reason, count in sorted(self.node.refusals.items()):
            refused.add_metric([reason], count)
        yield refused
