"""Prometheus metrics, one registry per app (nothing global, so tests can build many apps)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

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
