"""The notice index: listings read a page at a time from the store, newest first, through an
index (SQLite) or sorted sets (Redis); both stores answer the same."""

from __future__ import annotations

import itertools
import sqlite3
from pathlib import Path

import orjson
import pytest

from hotline.errors import StoreError
from hotline.store import RedisStore, SqliteStore, Store
from hotline.store.base import NoticeKey, NoticeQuery, notice_facts
from hotline.store.sqlite_notices import notice_page_sql
from hotline.store.sqlite_schema import _SCHEMA, SCHEMA_VERSION
from tests.helpers.redis_server import RedisServer

A, B = "a.example/hotline", "b.example/hotline"
KINDS = ("liaison", "planned_operation", "ack")
PRECEDENCES = ("FLASH", "ROUTINE")


def entry(time_ms: int, kind: str = "liaison", precedence: str = "ROUTINE") -> bytes:
    """Entry bytes holding a notice with these facets (and an id: every notice has one)."""
    notice = {
        "id": f"{time_ms}.{kind}.{precedence}",
        "kind": kind,
        "precedence": precedence,
        "time": time_ms,
        "text": "x",
    }
    return orjson.dumps({"index": 0, "notice": notice, "origin": "o", "prev": "", "v": 1})


class Feeds:
    """Appends to both feeds and remembers each notice entry's key and facets."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.facets: dict[NoticeKey, tuple[str, str]] = {}

    async def append(self, origin: str, *notices: tuple[int, str, str]) -> None:
        start = await self.store.size(origin)
        batch = [(entry(*n), b"leaf-%d" % (start + i)) for i, n in enumerate(notices)]
        await self.store.append(origin, start, batch)
        for i, (time_ms, kind, precedence) in enumerate(notices):
            self.facets[NoticeKey(time_ms, origin, start + i)] = (kind, precedence)

    def expected(self, query: NoticeQuery) -> list[NoticeKey]:
        return sorted(
            (
                key
                for key, (kind, precedence) in self.facets.items()
                if query.origin in (None, key.origin)
                and query.kind in (None, kind)
                and query.precedence in (None, precedence)
                and (query.since is None or key.time_ms >= query.since)
                and (query.before is None or key < query.before)
            ),
            reverse=True,
        )


async def mixed(store: Store) -> Feeds:
    """Both feeds with every kind and precedence, times shared across and within feeds."""
    feeds = Feeds(store)
    for round_ in range(6):
        for origin in (A, B):
            await feeds.append(
                origin,
                *(
                    (1000 + 10 * round_ + (i % 3), KINDS[i % 3], PRECEDENCES[(i + round_) % 2])
                    for i in range(5)
                ),
            )
    return feeds


async def read_all(store: Store, query: NoticeQuery, page: int) -> list[NoticeKey]:
    """Every key of a listing, page by page, each page continuing after the last key."""
    found: list[NoticeKey] = []
    while True:
        keys = await store.notice_keys(query, page)
        found += keys
        if len(keys) < page:
            return found
        query = NoticeQuery(query.origin, query.kind, query.precedence, query.since, keys[-1])


def queries() -> list[NoticeQuery]:
    return [
        NoticeQuery(origin, kind, precedence, since)
        for origin, kind, precedence, since in itertools.product(
            (None, A, B), (None, *KINDS), (None, *PRECEDENCES), (None, 1031)
        )
    ]


async def test_a_listing_is_newest_first_and_filtered_by_feed_kind_precedence_and_time(
    store: Store,
) -> None:
    feeds = await mixed(store)
    for query in queries():
        assert await store.notice_keys(query, 500) == feeds.expected(query), query


async def test_pages_continue_after_their_last_key_whatever_the_filters(store: Store) -> None:
    feeds = await mixed(store)
    for query in queries():
        assert await read_all(store, query, 4) == feeds.expected(query), query
    # a cursor of the other feed, as when a client pages both feeds and then narrows to one
    before = NoticeKey(1021, B, 2)
    for origin in (A, B):
        query = NoticeQuery(origin, before=before)
        assert await store.notice_keys(query, 500) == feeds.expected(query)


async def test_bytes_that_hold_no_notice_are_stored_and_not_listed(store: Store) -> None:
    await store.append(A, 0, [(b"not json", b"l0"), (entry(5), b"l1"), (b"[1]", b"l2")])
    assert await store.notice_keys(NoticeQuery(), 10) == [NoticeKey(5, A, 1)]
    assert await store.entries(A, 0, 3) == [b"not json", entry(5), b"[1]"]


async def test_paging_while_entries_arrive_lists_each_entry_once(store: Store) -> None:
    """Entries appended between pages, newer and older than the page's end, never make an
    entry show twice, and every entry there at the start shows."""
    feeds = await mixed(store)
    at_start = set(feeds.facets)
    query, found, late = NoticeQuery(), [], 0
    while True:
        keys = await store.notice_keys(query, 7)
        found += keys
        if len(keys) < 7:
            break
        query = NoticeQuery(before=keys[-1])
        late += 1
        await feeds.append(A, (5000 + late, "liaison", "FLASH"))  # newer than any page
        await feeds.append(B, (keys[-1].time_ms - 1, "ack", "ROUTINE"))  # on the pages still due
    assert len(found) == len(set(found)), "no entry twice"
    assert at_start <= set(found), "every entry there at the start"
    assert found == sorted(found, reverse=True)


async def test_a_large_feed_is_listed_from_its_index(store: Store) -> None:
    """A batch bigger than the store's in-loop writes is indexed with the same append."""
    await store.append(A, 0, [(entry(i), b"l%d" % i) for i in range(1500)])
    newest = [NoticeKey(1499, A, 1499), NoticeKey(1498, A, 1498)]
    assert await store.notice_keys(NoticeQuery(), 2) == newest
    assert len(await read_all(store, NoticeQuery(A), 300)) == 1500


def test_the_facets_of_an_entry_are_its_notice_time_kind_and_precedence() -> None:
    facts = notice_facts(entry(7, "ack", "FLASH"))
    assert facts is not None and (facts.time_ms, facts.kind, facts.precedence) == (
        7,
        "ack",
        "FLASH",
    )
    for raw in (b"", b"null", b'{"notice": null}', b'{"notice": {"time": -1}}', entry(-1)):
        assert notice_facts(raw) is None, raw


# --- SQLite: the plan of every listing ---


def test_sqlite_pages_are_read_from_an_index_in_order_without_a_sort() -> None:
    conn = sqlite3.connect(":memory:")
    conn.executescript(_SCHEMA)
    befores = (None, NoticeKey(9, A, 3), NoticeKey(9, B, 3))
    for query in queries():
        for before in befores:
            paged = NoticeQuery(query.origin, query.kind, query.precedence, query.since, before)
            sql, params = notice_page_sql(paged, 100)
            plan = [row[3] for row in conn.execute(f"EXPLAIN QUERY PLAN {sql}", params)]
            assert len(plan) == 1 and plan[0].startswith("SEARCH notices USING"), (paged, plan)
            assert "TEMP B-TREE" not in plan[0] and "SCAN" not in plan[0], (paged, plan)
    conn.close()


async def test_sqlite_a_store_of_schema_4_gets_its_notices_indexed(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    store = SqliteStore(f"sqlite:///{path}")
    await store.open()
    feeds = await mixed(store)
    await store.append(A, await store.size(A), [(b"no notice", b"x")])
    await store.close()
    with sqlite3.connect(path) as conn:  # as version 4 had it: no notice index, no tree nodes
        for table in ("notices", "tree_nodes", "links", "open_notices"):
            conn.execute(f"DROP TABLE {table}")
        conn.execute("UPDATE store_info SET value = '4' WHERE key = 'schema_version'")
    conn.close()
    store = SqliteStore(f"sqlite:///{path}")
    await store.open()
    try:
        assert await store.notice_keys(NoticeQuery(), 500) == feeds.expected(NoticeQuery())
    finally:
        await store.close()
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT value FROM store_info").fetchone()[0] == str(SCHEMA_VERSION)
    conn.close()


async def test_redis_data_of_version_1_gets_its_notices_indexed_at_open(
    redis_server: RedisServer,
) -> None:
    store = RedisStore(redis_server.url, key_prefix="old:*[x]:")
    await store.open()
    feeds = await mixed(store)
    try:  # as version 1 left it: no notice index, no version
        r = store._r
        for key in [k async for k in r.scan_iter(match="old:\\*\\[x\\]:nx*")] + [
            "old:*[x]:version"
        ]:
            await r.delete(key)
        assert await store.notice_keys(NoticeQuery(), 500) == []
    finally:
        await store.close()
    store = RedisStore(redis_server.url, key_prefix="old:*[x]:")
    await store.open()
    try:
        assert await store.notice_keys(NoticeQuery(), 500) == feeds.expected(NoticeQuery())
        assert await store.notice_keys(NoticeQuery(B, "ack"), 500) == feeds.expected(
            NoticeQuery(B, "ack")
        )
    finally:
        await store.close()


async def test_entries_are_read_at_given_indexes_in_the_order_given(store: Store) -> None:
    await store.append(A, 0, [(entry(i), b"l%d" % i) for i in range(700)])
    indexes = [699, 3, 0, 650, 3, *range(100, 620)]
    assert await store.entries_at(A, indexes) == [entry(i) for i in indexes]
    assert await store.entries_at(A, []) == []
    for missing in ([700], [5, -1], [0, 10_000]):
        with pytest.raises(StoreError):
            await store.entries_at(A, missing)
    with pytest.raises(StoreError):
        await store.entries_at(B, [0])
