"""A page of a notice listing as one SQLite query on the ``notices`` table's indexes.

Each way a listing narrows the entries has an index that ends in the listing's order (time,
origin, index), so the query reads the page in order from where the previous one ended: no sort
and no scan of what came before. The index is named (``INDEXED BY``) so the plan cannot change.
"""

from __future__ import annotations

from .base import NoticeQuery


def notice_page_sql(query: NoticeQuery, limit: int) -> tuple[str, list[object]]:
    """The SQL and parameters of :meth:`~hotline.store.base.Store.notice_keys`."""
    where: list[str] = []
    params: list[object] = []
    if query.kind is not None:
        index = "notices_by_kind"
    elif query.precedence is not None:
        index = "notices_by_precedence"
    elif query.origin is not None:
        index = "notices_by_origin"
    else:
        index = "notices_by_time"
    by_origin = index == "notices_by_origin"
    # on another index the feed is a filter (``+``: not a constant of the order, which SQLite
    # would then sort by the rest of, although the index holds it in order)
    for column, value in (
        ("kind", query.kind),
        ("precedence", query.precedence),
        ("origin" if by_origin else "+origin", query.origin),
    ):
        if value is not None:
            where.append(f"{column} = ?")
            params.append(value)
    where.append("time_ms >= ?")  # a range of the index, read in order from its top
    params.append(query.since or 0)
    before = query.before
    if before is None:
        pass
    elif not by_origin:
        where.append("(time_ms, origin, idx) < (?, ?, ?)")
        params += [before.time_ms, before.origin, before.index]
    elif before.origin == query.origin:  # the index's own order: (time, index) in one feed
        where.append("(time_ms, idx) < (?, ?)")
        params += [before.time_ms, before.index]
    else:  # a cursor of another feed: the time decides, and at that time the origin
        after_it = query.origin is not None and query.origin < before.origin
        where.append("time_ms <= ?" if after_it else "time_ms < ?")
        params.append(before.time_ms)
    # on the feed's own index, its origin is no part of the order (SQLite would sort otherwise)
    order = "time_ms DESC, idx DESC" if by_origin else "time_ms DESC, origin DESC, idx DESC"
    sql = f"SELECT time_ms, origin, idx FROM notices INDEXED BY {index}"
    sql += f" WHERE {' AND '.join(where)} ORDER BY {order} LIMIT ?"
    params.append(limit)
    return sql, params


# The operations and emergencies deconfliction still looks at (see Store.live_notices), from
# their own index whatever the planner guesses of a feed without statistics. The index holds
# them by the hour they stop being live (LIVE_HOUR), then in feed order: an append adds each at
# the end of its hour's stretch, a page for each hour its notices end in (by the time itself,
# each went on a page of its own). Read: the hours from now's on, less those over by now.
HOUR_MS = 3_600_000
LIVE_HOUR = f"live_until / {HOUR_MS}"
LIVE_INDEX = (
    f"CREATE INDEX notices_live ON notices (origin, {LIVE_HOUR}, idx, live_until)"
    " WHERE live_until IS NOT NULL"
)
LIVE_SQL = (
    f"SELECT idx FROM notices INDEXED BY notices_live WHERE origin = ? AND {LIVE_HOUR} >= ?"
    " AND live_until > ?"
)


def live_params(origin: str, now_ms: int) -> tuple[str, int, int]:
    """The parameters of :data:`LIVE_SQL`."""
    return origin, now_ms // HOUR_MS, now_ms


# The open set: notices awaiting an answer, with their time and precedence.
OPEN_SQL = (
    "SELECT o.idx, n.time_ms, n.precedence FROM open_notices o JOIN notices n"
    " ON n.origin = o.origin AND n.idx = o.idx WHERE o.origin = ?"
)
# Those of one precedence with a notice time in (after, until]: a range of that precedence's
# index of notice times (its rows, open or not, are what the range holds), each looked up in
# the open set; the earliest ``LIMIT`` (-1: all) in the index's order.
OPEN_BY_TIME_SQL = (
    "SELECT n.idx, n.time_ms, n.precedence FROM notices n INDEXED BY notices_by_precedence"
    " WHERE n.precedence = ? AND n.time_ms > ? AND n.time_ms <= ? AND n.origin = ?"
    " AND EXISTS (SELECT 1 FROM open_notices o WHERE o.origin = n.origin AND o.idx = n.idx)"
    " ORDER BY n.time_ms LIMIT ?"
)
