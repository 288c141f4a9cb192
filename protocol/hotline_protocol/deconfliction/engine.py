"""The rule as pure functions of the feeds' entries and a time."""

from __future__ import annotations

from collections.abc import Iterable

from ..notices import Notice
from .index import ConflictIndex
from .model import DEFAULT_CONFIG, Config, Conflict, FeedItem


def conflicts(
    feeds: Iterable[FeedItem], at_ms: int, config: Config = DEFAULT_CONFIG
) -> list[Conflict]:
    """Every conflict among the active notices of the feeds at ``at_ms``, sorted by id.

    ``feeds`` holds the entries of both feeds, in any order: the result depends only on the set
    of entries, the time and the settings."""
    index = ConflictIndex(config)
    index.extend(feeds)
    return index.conflicts(at_ms)


def check(
    draft: Notice,
    side: str,
    feeds: Iterable[FeedItem],
    at_ms: int,
    config: Config = DEFAULT_CONFIG,
) -> list[Conflict]:
    """The conflicts ``draft`` would have if ``side`` appended it to its feed, without
    appending it; sorted by id. The draft's reference has index None and an empty leaf hash."""
    index = ConflictIndex(config)
    index.extend(feeds)
    return index.check(draft, side, at_ms)
