"""Limits every client hits before the node does: posts a second (token buckets) and stream
connections open at once.

A post (a notice, an ack or a cancel, over REST or the stream) takes a token from its user's
bucket and, on the stream, from its connection's; one that finds a bucket empty is refused with
``rate_limited`` and the time until the next token (``retry_after_ms``), and takes nothing from
any bucket. A FLASH one draws on a bucket of its own per user (``limits.flash_post_rate`` and
``flash_post_burst``) and on no other: a flood of ROUTINE posts never holds up a FLASH, and
FLASH posts are bounded all the same. A rate of 0 turns a bucket off.

Stream connections are counted from the moment they are accepted (authenticated or not:
``limits.max_connections``) and, once authenticated, per user (``limits.user_connections``).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Any

from hotline_protocol.notices import NOTICE_TYPES

from .errors import RateLimited, TooManyConnections
from .settings import Limits

# a kind's precedence when a notice leaves it out (aircraft in distress, downed pilot: FLASH)
_KIND_PRECEDENCE = {
    kind.value: str(model.model_fields["precedence"].default)
    for kind, model in NOTICE_TYPES.items()
}


def notice_is_flash(notice: dict[str, Any]) -> bool:
    """Whether a posted notice is FLASH: given, or by its kind's default."""
    kind = notice.get("kind")
    default = _KIND_PRECEDENCE.get(kind) if isinstance(kind, str) else None
    return notice.get("precedence", default) == "FLASH"


class TokenBucket:
    """``rate`` tokens a second up to ``burst``; starts full."""

    __slots__ = ("burst", "rate", "stamp", "tokens")

    def __init__(self, rate: float, burst: int, now: float) -> None:
        self.rate = rate
        self.burst = float(burst)
        self.tokens = float(burst)
        self.stamp = now

    def wait(self, now: float) -> float:
        """Seconds until a token is there (0: one is there now); refills first."""
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        return 0.0 if self.tokens >= 1 else (1 - self.tokens) / self.rate

    def take(self) -> None:
        self.tokens -= 1


class Admission:
    """The node's post buckets (per user, FLASH per user) and connection counts."""

    def __init__(self, limits: Limits, clock: Callable[[], float] = time.monotonic) -> None:
        self.limits = limits
        self._clock = clock
        self._users: dict[str, TokenBucket] = {}
        self._flash: dict[str, TokenBucket] = {}
        self.connections = 0  # stream connections open, authenticated or not
        self.by_user: dict[str, int] = {}  # authenticated stream connections per user
        self.refused = 0  # posts refused with rate_limited since start

    def connection_bucket(self) -> TokenBucket | None:
        """A new stream connection's own bucket (None when the limit is off)."""
        limits = self.limits
        if limits.connection_post_rate <= 0:
            return None
        return TokenBucket(limits.connection_post_rate, limits.connection_post_burst, self._clock())

    def post(self, user: str, flash: bool, connection: TokenBucket | None = None) -> None:
        """Take a token for one post of ``user`` (on ``connection``, for the stream), or raise
        RateLimited and take none."""
        limits, now = self.limits, self._clock()
        buckets: list[TokenBucket] = []
        if flash:
            if limits.flash_post_rate > 0:
                buckets.append(
                    _bucket(self._flash, user, limits.flash_post_rate, limits.flash_post_burst, now)
                )
        else:
            if connection is not None:
                buckets.append(connection)
            if limits.user_post_rate > 0:
                buckets.append(
                    _bucket(self._users, user, limits.user_post_rate, limits.user_post_burst, now)
                )
        wait = max((b.wait(now) for b in buckets), default=0.0)
        if wait > 0:
            self.refused += 1
            retry_ms = max(1, math.ceil(wait * 1000))
            what = "FLASH posts" if flash else "posts"
            raise RateLimited(f"too many {what}: retry in {retry_ms} ms", retry_ms)
        for bucket in buckets:
            bucket.take()

    # stream connections ---------------------------------------------------------------------
    def open(self) -> None:
        """A stream connection is accepted; TooManyConnections if the node has its fill."""
        if self.connections >= self.limits.max_connections:
            raise TooManyConnections(
                "too_many_connections",
                f"the node has {self.connections} stream connections open, at most "
                f"{self.limits.max_connections}",
            )
        self.connections += 1

    def authenticated(self, user: str) -> None:
        """The connection is ``user``'s; TooManyConnections if that user has its fill."""
        count = self.by_user.get(user, 0)
        if count >= self.limits.user_connections:
            raise TooManyConnections(
                "too_many_user_connections",
                f"user {user} has {count} stream connections open, at most "
                f"{self.limits.user_connections}",
            )
        self.by_user[user] = count + 1

    def closed(self, user: str | None) -> None:
        """A connection counted by :meth:`open` (and :meth:`authenticated`, with ``user``)
        ended."""
        self.connections -= 1
        if user is not None:
            left = self.by_user.get(user, 1) - 1
            if left > 0:
                self.by_user[user] = left
            else:
                self.by_user.pop(user, None)


def _bucket(
    buckets: dict[str, TokenBucket], user: str, rate: float, burst: int, now: float
) -> TokenBucket:
    bucket = buckets.get(user)
    if bucket is None:
        bucket = buckets[user] = TokenBucket(rate, burst, now)
    return bucket
