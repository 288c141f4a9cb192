"""A stream connection's subscription: its filters and cursor, the replay of its backlog, then
the live events the hub queues for it.

At most one subscription a connection. A subscription that gives a cursor is told when its
backlog is replayed (``replayed``, with the cursor the replay reached:
:class:`~hotline.stream.replay.ReplayEnd`). Live events queue from the instant the subscription
takes the hub's cursor; a subscription whose bounded queue overflows is dropped by the hub (the
hub never waits for a slow socket), and the connection then closes with 4008 ``slow_consumer``.
"""

from __future__ import annotations

import logging

from hotline_protocol import stream as m

from ..errors import StreamError
from ..feeds.index import FeedIndex
from ..feeds.views import Filters
from ..hub import Cursor, EventHub
from ..outbox import Outbox
from ..store.base import Store
from ..types import Sides
from .replay import EventFeed, ReplayEnd

log = logging.getLogger("hotline.stream")


class Subscription:
    """One connection's subscription (none until ``subscribe``); replies go to its outbox."""

    def __init__(
        self,
        sides: Sides,
        hub: EventHub,
        index: FeedIndex,
        store: Store,
        queue_size: int,
        outbox: Outbox[m.Outgoing],
    ) -> None:
        self._sides = sides
        self._hub = hub
        self._index = index  # the replay's records
        self._store = store  # the replay's entry bytes
        self._queue_size = queue_size  # live events waiting, at most
        self._outbox = outbox
        self._feed: EventFeed | None = None
        self._id: str | int = ""  # the id of the subscribe message
        self._last_cursor = ""  # of the last event sent (or the subscription's start)
        self.dropped = False  # the hub dropped it for being slow: the connection closes

    def subscribe(self, msg: m.Subscribe) -> None:
        """Start the subscription and reply ``subscribed``; StreamError if there is one, the
        side is unknown or the cursor is malformed or ahead of this node."""
        if self._feed is not None:
            raise StreamError("already_subscribed", "unsubscribe before subscribing again")
        f = msg.filters
        if f.side is not None and self._sides.info(f.side) is None:
            raise StreamError("unknown_side", f"no side {f.side!r}")
        filters = Filters(kind=f.kind, side=f.side, precedence=f.precedence, since=f.since)
        names = self._sides.names()
        start: Cursor | None = None
        if msg.cursor is not None:
            try:
                start = Cursor.decode(msg.cursor, names)
            except ValueError as exc:
                raise StreamError("bad_cursor", str(exc)) from exc
        # no await from here on: live events queue from the instant ``end`` is taken
        hub = self._hub
        sub = hub.subscribe(self._queue_size, filters.match_event)
        sub.wakeup = self._outbox.wakeup  # the hub wakes the connection's writer
        end = hub.cursor()
        if start is None:
            start = end
        elif any(
            start.size(s) > end.size(s) or start.delivered_size(s) > end.delivered_size(s)
            for s in names
        ):
            hub.unsubscribe(sub)
            raise StreamError("bad_cursor", f"the cursor is ahead of this node ({end.encode()})")
        self._last_cursor = start.encode()
        self._outbox.put_urgent({"type": "subscribed", "id": msg.id, "cursor": self._last_cursor})
        self._feed = EventFeed(
            self._index,
            self._store,
            sub,
            start,
            end,
            filters.match_event,
            replaying=msg.cursor is not None,
        )
        self._id = msg.id

    def unsubscribe(self, msg: m.Unsubscribe) -> None:
        """End the subscription and reply ``unsubscribed`` with the last cursor sent."""
        if self._feed is None:
            raise StreamError("not_subscribed", "there is no subscription")
        self.end()
        self._outbox.put_urgent({"type": "unsubscribed", "id": msg.id, "cursor": self._last_cursor})

    def end(self) -> None:
        """Leave the hub (the connection ended, or the client unsubscribed)."""
        if self._feed is not None:
            self._hub.unsubscribe(self._feed.sub)
            self._feed = None

    async def next_event(self, user: str) -> m.Outgoing | None:
        """The subscription's next event as a message; None if there is none now (and
        ``dropped`` set if the hub dropped the subscription for being slow)."""
        while (feed := self._feed) is not None:
            published = await feed.next()
            if published is not None:
                if self._feed is not feed:  # unsubscribed meanwhile
                    continue
                self._last_cursor = published.cursor
                if isinstance(published, ReplayEnd):
                    return m.replayed(self._id, published.cursor)
                return m.event(published.as_dict())
            if feed.dropped:
                self._feed = None
                self.dropped = True
                log.warning("stream subscriber %s dropped: slow_consumer", user)
            return None
        return None
