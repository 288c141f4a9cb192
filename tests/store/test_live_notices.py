"""The store's index of what deconfliction looks at: each operation until its window or its
validity ends, each emergency until withdrawn, so that start-up reads those still live and not
their kinds' whole history. Run against SQLite and a real Redis; older stores get it at open."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from hotline.store import RedisStore, Store
from hotline.store.base import OPEN_ENDED, notice_facts
from hotline.store.sqlite_notices import LIVE_INDEX, LIVE_SQL, live_params
from hotline.store.sqlite_schema import SCHEMA_VERSION
from tests.helpers.older_store import older, opened
from tests.helpers.redis_server import RedisServer
from tests.store.test_notice_state import A, B, entry, put


def operation(notice_id: str, end: int, expires: int | None = None) -> bytes:
    more = {} if expires is None else {"expires": expires}
    return entry(notice_id, "planned_operation", window={"start": 0, "end": end}, **more)


HISTORY = [
    operation("over", 5_000),  # 0: its window ended
    operation("flying", 20_000),  # 1: live until 20,000
    operation("lapsed", 20_000, expires=8_000),  # 2: its validity ended first
    entry("chat"),  # 3: not a kind deconfliction looks at
    entry("mayday", "aircraft_in_distress"),  # 4: open-ended
    entry("down", "downed_pilot", expires=1),  # 5: open-ended (an emergency lasts until withdrawn)
    operation("later", 30_000, expires=25_000),  # 6: live until 25,000
]


def test_an_operation_is_live_until_its_window_or_validity_ends_an_emergency_always() -> None:
    lives = [(f.live_until if (f := notice_facts(raw)) else "none") for raw in HISTORY]
    assert lives == [5_000, 20_000, 8_000, None, OPEN_ENDED, OPEN_ENDED, 25_000]
    no_window = notice_facts(entry("odd", "planned_operation"))
    assert no_window is not None and no_window.live_until == OPEN_ENDED


async def test_the_live_notices_at_a_time_are_read_from_their_own_index(store: Store) -> None:
    await put(store, A, *HISTORY[:4])
    await put(store, A, *HISTORY[4:])
    await put(store, B, operation("theirs", 9_000))
    assert await store.live_notices(A, 10_000) == [1, 4, 5, 6]
    assert await store.live_notices(A, 20_000) == [4, 5, 6], "a window ending at now is over"
    assert await store.live_notices(A, 0) == [0, 1, 2, 4, 5, 6]
    assert await store.live_notices(B, 8_999) == [0] and await store.live_notices(B, 9_000) == []
    assert await store.live_notices("nobody.example", 0) == []


async def _live_after_reopening(path: Path) -> list[int]:
    """What the SQLite store at ``path`` holds as live at 10 s, opened afresh (upgraded)."""
    store = await opened(path)
    try:
        return await store.live_notices(A, 10_000)
    finally:
        await store.close()


async def test_sqlite_a_store_of_schema_6_gets_its_live_index_at_open(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    store = await opened(path)
    await put(store, A, *HISTORY)
    await store.close()
    with older(path, 6) as conn:
        conn.execute("DROP INDEX notices_live")
        conn.execute("ALTER TABLE notices DROP COLUMN live_until")
    assert await _live_after_reopening(path) == [1, 4, 5, 6]
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT value FROM store_info").fetchone()[0] == str(SCHEMA_VERSION)
        plan = conn.execute(f"EXPLAIN QUERY PLAN {LIVE_SQL}", live_params(A, 0)).fetchall()
    conn.close()
    assert "notices_live" in str(plan), plan


HOUR = 3_600_000
NOON = 1_767_268_800_000  # 2026-01-01T12:00:00Z, an hour's start


async def test_what_is_live_is_told_to_the_millisecond_within_an_hour_and_across_hours(
    store: Store,
) -> None:
    ends = [NOON + 10 * 60_000, NOON + 50 * 60_000, NOON + HOUR + 5 * 60_000, NOON - 1]
    await put(store, A, *(operation(f"op{k}", end) for k, end in enumerate(ends)))
    await put(store, A, entry("mayday", "aircraft_in_distress"), operation("op4", NOON + 1))
    assert await store.live_notices(A, NOON - 2) == [0, 1, 2, 3, 4, 5]
    assert await store.live_notices(A, NOON - 1) == [0, 1, 2, 4, 5]
    assert await store.live_notices(A, NOON) == [0, 1, 2, 4, 5]
    assert await store.live_notices(A, NOON + 1) == [0, 1, 2, 4]
    assert await store.live_notices(A, NOON + 30 * 60_000) == [1, 2, 4]
    assert await store.live_notices(A, NOON + HOUR) == [2, 4]
    assert await store.live_notices(A, NOON + HOUR + 5 * 60_000) == [4]
    assert await store.live_notices(A, NOON + 10 * HOUR) == [4]


async def test_sqlite_a_store_of_schema_7_gets_its_live_index_by_the_hour_at_open(
    tmp_path: Path,
) -> None:
    path = tmp_path / "old.db"
    store = await opened(path)
    await put(store, A, *HISTORY)
    await store.close()
    with older(path, 7) as conn:  # the live index by the time itself
        conn.execute("DROP INDEX notices_live")
        conn.execute(
            "CREATE INDEX notices_live ON notices (origin, live_until, idx)"
            " WHERE live_until IS NOT NULL"
        )
    assert await _live_after_reopening(path) == [1, 4, 5, 6]
    with sqlite3.connect(path) as conn:
        (made,) = conn.execute(
            "SELECT sql FROM sqlite_master WHERE name = 'notices_live'"
        ).fetchone()
    conn.close()
    assert made == LIVE_INDEX


async def test_redis_data_of_version_3_gets_its_live_set_at_open(
    redis_server: RedisServer,
) -> None:
    prefix = "old3:"
    store = RedisStore(redis_server.url, key_prefix=prefix)
    await store.open()
    await put(store, A, *HISTORY)
    await store._r.delete(prefix + "live:" + A)
    await store._r.set(prefix + "version", 3)
    assert await store.live_notices(A, 10_000) == []
    await store.close()
    store = RedisStore(redis_server.url, key_prefix=prefix)
    await store.open()
    try:
        assert await store.live_notices(A, 10_000) == [1, 4, 5, 6]
        assert await store._r.get(prefix + "version") in (b"5", "5")
    finally:
        await store.close()
