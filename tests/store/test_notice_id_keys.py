"""The SQLite store's index of notice ids: ids made in order are written at the index's end;
ids a client chooses to share their first bits still spread over many keys, which only the
store can tell; a store of version 7 has its index keyed anew at open. Real SQLite files."""

from __future__ import annotations

import hashlib
import sqlite3
import uuid
from pathlib import Path

import pytest

from hotline.errors import DuplicateIds, StoreError
from hotline.feeds.posting import fresh_id
from hotline.store.sqlite_ids import SECRET
from hotline.store.sqlite_schema import SCHEMA_VERSION
from tests.helpers.older_store import older, opened
from tests.store.test_notice_state import entry, put

A = "a.example/hotline"
NOW = 1_767_261_600_000


def keys_in_feed_order(path: Path) -> list[int]:
    with sqlite3.connect(path) as conn:
        rows = conn.execute("SELECT h FROM notice_ids WHERE origin = ? ORDER BY idx", (A,))
        found = [int(h) for (h,) in rows]
    conn.close()
    return found


async def test_ids_the_node_makes_are_keyed_in_the_order_they_were_made(tmp_path: Path) -> None:
    store = await opened(tmp_path / "node.db")
    try:
        ids = [fresh_id(NOW + k) for k in range(300)]
        for first in range(0, 300, 30):  # batches, as the sequencer writes them
            await put(store, A, *(entry(i) for i in ids[first : first + 30]))
        assert await store.notice_ids(ids[::37]) == {
            i: [(A, k)] for k, i in enumerate(ids) if k % 37 == 0
        }
    finally:
        await store.close()
    found = keys_in_feed_order(tmp_path / "node.db")
    assert len(found) == 300
    assert found == sorted(found)  # each batch's keys after the last: the index's end


async def test_ids_sharing_their_first_bits_spread_over_keys_only_the_store_can_tell(
    tmp_path: Path,
) -> None:
    head = "0123abcd-ef01-7"  # the 48 bits a client may fix, and the version
    ids = [head + str(uuid.uuid4())[15:] for _ in range(1000)]
    spreads = []
    for name in ("one.db", "two.db"):
        store = await opened(tmp_path / name)
        try:
            await put(store, A, *(entry(i) for i in ids))
            assert await store.notice_ids(ids[:3]) == {i: [(A, k)] for k, i in enumerate(ids[:3])}
        finally:
            await store.close()
        spreads.append(keys_in_feed_order(tmp_path / name))
    one, two = spreads
    assert len(set(one)) > 950 and len(set(two)) > 950  # 16 bits of the keyed hash apart
    assert {k >> 16 for k in one} == {k >> 16 for k in two} == {0x0123ABCDEF01}
    assert one != two  # each store its own secret: the same ids, other keys


async def test_other_text_is_keyed_by_the_keyed_hash_and_still_found(tmp_path: Path) -> None:
    store = await opened(tmp_path / "node.db")
    try:
        odd = ["chat", "0123abcd-ef01-7zzz-8000-000000000000", "x" * 36]
        await put(store, A, *(entry(i) for i in odd))
        assert await store.notice_ids([*odd, "absent"]) == {i: [(A, k)] for k, i in enumerate(odd)}
    finally:
        await store.close()


async def test_the_stores_secret_stays_with_it_and_a_reopened_store_refuses_a_held_id(
    tmp_path: Path,
) -> None:
    path = tmp_path / "node.db"
    store = await opened(path)
    held = fresh_id(NOW)
    try:
        await put(store, A, entry(held))
    finally:
        await store.close()
    with sqlite3.connect(path) as conn:
        (secret,) = conn.execute("SELECT value FROM store_info WHERE key = ?", (SECRET,)).fetchone()
    conn.close()
    assert len(bytes.fromhex(secret)) == 16
    store = await opened(path)
    try:
        assert await store.notice_ids([held]) == {held: [(A, 0)]}
        with pytest.raises(DuplicateIds):
            await put(store, A, entry(fresh_id(NOW + 1)), entry(held))
        assert await store.size(A) == 1  # nothing of the refused batch written
    finally:
        await store.close()
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT value FROM store_info WHERE key = ?", (SECRET,)).fetchone() == (
            secret,
        )
    conn.close()


@pytest.mark.parametrize(
    "damage",
    ["DELETE FROM store_info WHERE key = ?", "UPDATE store_info SET value = 'zz' WHERE key = ?"],
)
async def test_a_store_without_its_secret_is_refused_at_open_and_left_as_it_is(
    tmp_path: Path, damage: str
) -> None:
    path = tmp_path / "node.db"
    store = await opened(path)
    try:
        await put(store, A, entry(fresh_id(NOW)))
    finally:
        await store.close()
    with sqlite3.connect(path) as conn:
        conn.execute(damage, (SECRET,))
        before = conn.execute("SELECT * FROM store_info ORDER BY key").fetchall()
    conn.close()
    with pytest.raises(StoreError, match=SECRET):
        await opened(path)
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT * FROM store_info ORDER BY key").fetchall() == before
        assert conn.execute("SELECT count(*) FROM entries").fetchone() == (1,)
    conn.close()


async def test_a_store_of_version_7_has_its_ids_keyed_anew_at_open(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    store = await opened(path)
    ids = [str(uuid.uuid4()) for _ in range(40)] + [fresh_id(NOW + k) for k in range(40)]
    try:
        await put(store, A, *(entry(i) for i in ids))
    finally:
        await store.close()
    with older(path, 7) as conn:  # ids keyed by a hash of the whole id, no secret
        conn.execute("DELETE FROM notice_ids")
        conn.executemany(
            "INSERT INTO notice_ids (h, origin, idx) VALUES (?, ?, ?)",
            (
                (
                    int.from_bytes(
                        hashlib.blake2b(i.encode(), digest_size=8).digest(), "big", signed=True
                    ),
                    A,
                    k,
                )
                for k, i in enumerate(ids)
            ),
        )
        conn.execute("DELETE FROM store_info WHERE key = ?", (SECRET,))
    store = await opened(path)
    try:
        assert await store.notice_ids(ids) == {i: [(A, k)] for k, i in enumerate(ids)}
        with pytest.raises(DuplicateIds):
            await put(store, A, entry(ids[3]))
        await put(store, A, entry(fresh_id(NOW + 99)))
    finally:
        await store.close()
    found = keys_in_feed_order(path)
    assert len(found) == 81
    assert found[40:] == sorted(found[40:])  # the node's ids: in the order they were made
    with sqlite3.connect(path) as conn:
        version = conn.execute(
            "SELECT value FROM store_info WHERE key = 'schema_version'"
        ).fetchone()
        assert version == (str(SCHEMA_VERSION),) == ("8",)
        assert conn.execute(
            "SELECT count(*) FROM store_info WHERE key = ?", (SECRET,)
        ).fetchone() == (1,)
    conn.close()
