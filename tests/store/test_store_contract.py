"""The Store contract: one suite, run against SQLite and against a real Redis.

The tests after the parametrized contract cover what only one store has: SQLite's file and
pragmas, Redis's durability settings and its server going away.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import re
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from hotline.errors import StoreConflict, StoreError
from hotline.settings import Limits
from hotline.store import (
    CheckpointRecord,
    CosignatureRecord,
    EvidenceRecord,
    RedisStore,
    SqliteStore,
    Store,
    UserRecord,
    open_store,
    redis_records,
)
from hotline.store.base import HeartbeatRecord
from hotline.store.redis import redact
from hotline.store.sqlite import LOOP_WRITE_ROWS
from hotline.store.sqlite_schema import SCHEMA_VERSION
from hotline.store.sqlite_wal import WalCheckpointer
from tests.helpers.redis_server import RedisServer

A, B = "a.example/hotline", "b.example/hotline"
ROOT = Path(__file__).resolve().parents[2]


def batch(start: int, n: int, tag: bytes = b"") -> list[tuple[bytes, bytes]]:
    return [(b"entry-%d%s" % (i, tag), b"leaf-%d%s" % (i, tag)) for i in range(start, start + n)]


def cp(
    origin: str, size: int, note: bytes = b"note", root: bytes | None = None
) -> CheckpointRecord:
    return CheckpointRecord(origin, size, root or bytes([size % 256]) * 32, note, 1000 + size)


def cosig(origin: str, size: int) -> CosignatureRecord:
    return CosignatureRecord(origin, size, "witness-a", 1000 + size, 2000 + size)


def user(name: str, token: str = "") -> UserRecord:
    return UserRecord(name, "operator", token or f"hash-{name}", 5000)


async def reopen(store: Store, request: pytest.FixtureRequest) -> Store:
    """The same store's data through a new store object (Redis: after a server restart)."""
    await store.close()
    if isinstance(store, RedisStore):
        request.getfixturevalue("redis_server").restart()
    again = open_store(store.url)
    await again.open()
    return again


# --- feeds ---


async def test_empty_feed_has_nothing(store: Store) -> None:
    assert await store.size(A) == 0
    assert await store.entries(A, 0, 10) == []
    assert await store.leaf_hashes(A) == []
    assert await store.checkpoints(A) == []
    assert await store.latest_checkpoint(A) is None


async def test_append_round_trips_entries_and_leaf_hashes(store: Store) -> None:
    await store.append(A, 0, batch(0, 3))
    await store.append(A, 3, batch(3, 2))
    assert await store.size(A) == 5
    assert await store.entries(A, 0, 5) == [e for e, _ in batch(0, 5)]
    assert await store.leaf_hashes(A) == [h for _, h in batch(0, 5)]


async def test_feeds_are_kept_apart_by_origin(store: Store) -> None:
    await store.append(A, 0, batch(0, 2))
    await store.append(B, 0, batch(0, 1, b"-b"))
    assert (await store.size(A), await store.size(B)) == (2, 1)
    assert await store.entries(B, 0, 9) == [b"entry-0-b"]


@pytest.mark.parametrize("start", [0, 1, 3])
async def test_append_at_a_wrong_start_conflicts_and_changes_nothing(
    store: Store, start: int
) -> None:
    await store.append(A, 0, batch(0, 2))
    with pytest.raises(StoreConflict) as caught:
        await store.append(A, start, batch(start, 1, b"-x"))
    assert (caught.value.expected, caught.value.found) == (start, 2)
    assert await store.entries(A, 0, 10) == [e for e, _ in batch(0, 2)]
    assert await store.leaf_hashes(A) == [h for _, h in batch(0, 2)]


async def test_entries_range_is_half_open_with_end_clamped_to_size(store: Store) -> None:
    await store.append(A, 0, batch(0, 5))
    entries = [e for e, _ in batch(0, 5)]
    assert await store.entries(A, 1, 3) == entries[1:3]
    assert await store.entries(A, 2, 100) == entries[2:]
    assert await store.entries(A, 3, 3) == []
    assert await store.entries(A, 4, 2) == []
    assert await store.entries(A, 5, 9) == []
    with pytest.raises(ValueError):
        await store.entries(A, -1, 2)


async def test_concurrent_appends_at_one_start_let_exactly_one_win(store: Store) -> None:
    results = await asyncio.gather(
        *(store.append(A, 0, batch(0, 2, b"-%d" % i)) for i in range(5)), return_exceptions=True
    )
    assert sum(r is None for r in results) == 1
    assert all(isinstance(r, StoreConflict) for r in results if r is not None)
    assert await store.size(A) == 2


async def test_writes_made_together_each_succeed_or_fail_alone(store: Store) -> None:
    """Writes in flight at once (the SQLite store commits them together): the conflicting
    ones change nothing, the others are all stored, and all of it survives a reopen."""
    await store.append(A, 0, batch(0, 2), cp(A, 2))
    await store.set_witness_state(B, None, (3, b"r3"))
    results = await asyncio.gather(
        store.append(A, 2, batch(2, 3), cp(A, 5), {"ok": 4}),
        store.append(A, 1, batch(1, 3, b"-x"), cp(A, 4), {"bad": 3}),  # wrong start
        store.set_witness_state(B, (1, b"stale"), (9, b"r9")),  # stale compare-and-set
        store.add_cosignature(CosignatureRecord(A, 2, "witness-b", 1, 2), b"note+b"),
        store.add_cosignature(CosignatureRecord(A, 7, "witness-b", 1, 2), b"none"),  # no cp 7
        store.set_meta("k", "v"),
        return_exceptions=True,
    )
    assert results[0] is None and results[3] is None and results[5] is None
    assert isinstance(results[1], StoreConflict) and isinstance(results[2], StoreConflict)
    assert isinstance(results[4], StoreError)
    await store.close()
    await store.open()
    assert await store.entries(A, 0, 9) == [e for e, _ in batch(0, 5)]
    assert await store.lookup_ref("ok") == (A, 4) and await store.lookup_ref("bad") is None
    assert [c.size for c in await store.checkpoints(A)] == [2, 5]
    assert await store.cosignatures(A) == [CosignatureRecord(A, 2, "witness-b", 1, 2)]
    assert await store.witness_state(B) == (3, b"r3")
    assert await store.get_meta("k") == "v"


async def test_a_cosigned_run_stores_entries_checkpoint_witness_and_cosignature_at_once(
    store: Store,
) -> None:
    await store.append_cosigned(
        B, 0, batch(0, 3), cp(B, 3, note=b"note+w"), (None, (3, b"r3")), cosig(B, 3)
    )
    await store.append_cosigned(
        B, 3, batch(3, 2), cp(B, 5, note=b"note5+w"), ((3, b"r3"), (5, b"r5")), cosig(B, 5)
    )
    await store.close()
    await store.open()
    assert await store.entries(B, 0, 9) == [e for e, _ in batch(0, 5)]
    assert await store.leaf_hashes(B) == [h for _, h in batch(0, 5)]
    assert [(c.size, c.note) for c in await store.checkpoints(B)] == [
        (3, b"note+w"),
        (5, b"note5+w"),
    ]
    assert await store.witness_state(B) == (5, b"r5")
    assert await store.cosignatures(B) == [cosig(B, 3), cosig(B, 5)]


@pytest.mark.parametrize("wrong", ["stale_witness", "no_witness_expected", "wrong_start", "fork"])
async def test_a_cosigned_run_that_conflicts_writes_nothing(store: Store, wrong: str) -> None:
    await store.append_cosigned(
        B, 0, batch(0, 3), cp(B, 3, note=b"note+w"), (None, (3, b"r3")), cosig(B, 3)
    )
    witness: tuple[tuple[int, bytes] | None, tuple[int, bytes]] = ((3, b"r3"), (5, b"r5"))
    start, checkpoint = 3, cp(B, 5, note=b"n5")
    if wrong == "stale_witness":
        witness = ((2, b"r2"), (5, b"r5"))
    elif wrong == "no_witness_expected":
        witness = (None, (5, b"r5"))
    elif wrong == "wrong_start":
        start = 2
    else:  # the checkpoint of size 3 again, with another root
        start, checkpoint = 3, CheckpointRecord(B, 3, b"other", b"n3", 7)
    with pytest.raises(StoreConflict):
        await store.append_cosigned(
            B, start, batch(start, 5 - start, b"-x"), checkpoint, witness, cosig(B, 5)
        )
    assert await store.size(B) == 3
    assert await store.entries(B, 0, 9) == [e for e, _ in batch(0, 3)]
    assert [(c.size, c.root) for c in await store.checkpoints(B)] == [(3, cp(B, 3).root)]
    assert await store.witness_state(B) == (3, b"r3")
    assert await store.cosignatures(B) == [cosig(B, 3)]


async def test_a_large_batch_is_one_append(store: Store) -> None:
    await store.append(A, 0, batch(0, 2500), cp(A, 2500), {"big": 2499})
    assert await store.size(A) == 2500
    assert await store.leaf_hashes(A) == [h for _, h in batch(0, 2500)]
    assert await store.lookup_ref("big") == (A, 2499)


async def test_an_append_batch_stores_checkpoint_and_refs_with_the_entries(store: Store) -> None:
    await store.append(A, 0, batch(0, 3), cp(A, 3), {"k0": 0, "k2": 2})
    assert await store.latest_checkpoint(A) == cp(A, 3)
    assert await store.lookup_ref("k0") == (A, 0)
    assert await store.lookup_ref("k2") == (A, 2)
    assert await store.lookup_ref("k1") is None


async def test_a_conflicting_append_stores_no_entries_checkpoint_or_refs(store: Store) -> None:
    await store.append(A, 0, batch(0, 2), cp(A, 2))
    with pytest.raises(StoreConflict):
        await store.append(A, 1, batch(1, 3, b"-x"), cp(A, 4), {"new": 3})
    assert await store.size(A) == 2
    assert await store.checkpoints(A) == [cp(A, 2)]
    assert await store.lookup_ref("new") is None


@pytest.mark.parametrize(
    ("checkpoint", "refs"),
    [(cp(B, 2), None), (cp(A, 3), None), (None, {"k": 2}), (None, {"k": -1})],
    ids=["checkpoint-of-other-origin", "checkpoint-beyond-size", "ref-beyond", "ref-negative"],
)
async def test_an_inconsistent_batch_is_refused_before_the_store(
    store: Store, checkpoint: CheckpointRecord | None, refs: dict[str, int] | None
) -> None:
    with pytest.raises(ValueError):
        await store.append(A, 0, batch(0, 2), checkpoint, refs)
    assert await store.size(A) == 0


# --- checkpoints, cosignatures, witness state ---


async def test_checkpoints_are_listed_ascending_and_latest_is_the_largest(store: Store) -> None:
    await store.append(A, 0, batch(0, 12))
    for size in (10, 2, 7):
        await store.put_checkpoint(cp(A, size))
    await store.put_checkpoint(cp(B, 99))
    assert await store.checkpoints(A) == [cp(A, 2), cp(A, 7), cp(A, 10)]
    assert await store.latest_checkpoint(A) == cp(A, 10)


async def test_the_checkpoint_at_most_a_size_is_the_largest_not_above_it(store: Store) -> None:
    await store.append(A, 0, batch(0, 12))
    for size in (10, 2, 7):
        await store.put_checkpoint(cp(A, size))
    await store.put_checkpoint(cp(B, 5))
    assert await store.checkpoint_at_most(A, 1) is None
    assert await store.checkpoint_at_most(A, -1) is None
    assert await store.checkpoint_at_most(A, 2) == cp(A, 2)
    assert await store.checkpoint_at_most(A, 6) == cp(A, 2)
    assert await store.checkpoint_at_most(A, 9) == cp(A, 7)
    assert await store.checkpoint_at_most(A, 10**12) == cp(A, 10)
    assert await store.checkpoint_at_most(B, 4) is None


async def test_checkpoints_from_a_size_are_a_page_ascending(store: Store) -> None:
    await store.append(A, 0, batch(0, 12))
    for size in (10, 2, 7, 4):
        await store.put_checkpoint(cp(A, size))
    await store.put_checkpoint(cp(B, 5))
    assert await store.checkpoints_from(A, 3, 12, 10) == [cp(A, 4), cp(A, 7), cp(A, 10)]
    assert await store.checkpoints_from(A, 0, 12, 2) == [cp(A, 2), cp(A, 4)]
    assert await store.checkpoints_from(A, 4, 9, 10) == [cp(A, 4), cp(A, 7)]
    assert await store.checkpoints_from(A, 11, 12, 10) == []
    assert await store.checkpoints_from(A, 0, 12, 0) == []


async def test_put_checkpoint_of_a_stored_size_replaces_the_note(store: Store) -> None:
    await store.put_checkpoint(cp(A, 4, b"first"))
    await store.put_checkpoint(cp(A, 4, b"second"))
    assert await store.checkpoints(A) == [cp(A, 4, b"second")]


async def test_a_checkpoint_with_another_root_for_a_stored_size_conflicts(store: Store) -> None:
    await store.put_checkpoint(cp(A, 4, b"first"))
    with pytest.raises(StoreConflict):
        await store.put_checkpoint(cp(A, 4, b"fork", root=b"\xee" * 32))
    await store.append(A, 0, batch(0, 4))
    with pytest.raises(StoreConflict):
        await store.append(A, 4, batch(4, 1), cp(A, 4, b"fork", root=b"\xee" * 32), {"k": 4})
    assert await store.checkpoints(A) == [cp(A, 4, b"first")]
    assert (await store.size(A), await store.lookup_ref("k")) == (4, None)


async def test_add_cosignature_records_it_and_replaces_the_note(store: Store) -> None:
    await store.put_checkpoint(cp(A, 3, b"signed"))
    await store.put_checkpoint(cp(A, 5, b"signed"))
    second = CosignatureRecord(A, 5, "witness-b", 1_700_000_001, 9001)
    first = CosignatureRecord(A, 3, "witness-b", 1_700_000_000, 9000)
    await store.add_cosignature(second, b"signed+b@5")
    await store.add_cosignature(first, b"signed+b@3")
    assert await store.cosignatures(A) == [first, second]
    assert [c.note for c in await store.checkpoints(A)] == [b"signed+b@3", b"signed+b@5"]
    assert await store.cosignatures(B) == []


async def test_the_cosignatures_of_a_witness_are_read_a_page_at_a_time(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each page the witness's cosignatures from a size on, however many checkpoints it did
    not cosign lie between (Redis reads the checkpoints' sizes a page at a time: small pages
    here)."""
    monkeypatch.setattr(redis_records, "PAGE", 2)
    for size in range(1, 11):
        await store.put_checkpoint(cp(A, size))
    mine = [
        CosignatureRecord(A, size, "w", 1_700_000_000 + size, 9000 + size) for size in (2, 3, 8, 9)
    ]
    for record in (*mine, CosignatureRecord(A, 5, "other", 1_700_000_005, 9005)):
        await store.add_cosignature(record, b"note+cosigned")
    assert await store.cosignatures_from(A, "w", 0, 3) == mine[:3]
    assert await store.cosignatures_from(A, "w", 4, 3) == mine[2:]
    assert await store.cosignatures_from(A, "w", 9, 10) == mine[3:]
    assert await store.cosignatures_from(A, "w", 10, 10) == []
    assert await store.cosignatures_from(A, "other", 0, 10) == [
        CosignatureRecord(A, 5, "other", 1_700_000_005, 9005)
    ]
    assert await store.cosignatures_from(B, "w", 0, 10) == []


async def test_a_cosignature_without_its_checkpoint_is_refused(store: Store) -> None:
    with pytest.raises(StoreError):
        await store.add_cosignature(CosignatureRecord(A, 3, "w", 1, 2), b"note")
    assert await store.cosignatures(A) == []
    assert await store.checkpoints(A) == []


async def test_witness_state_is_set_first_from_none_then_by_compare_and_set(store: Store) -> None:
    assert await store.witness_state(B) is None
    await store.set_witness_state(B, None, (3, b"r3"))
    await store.set_witness_state(B, (3, b"r3"), (8, b"r8"))
    assert await store.witness_state(B) == (8, b"r8")
    assert await store.witness_state(A) is None


@pytest.mark.parametrize("stale", [None, (3, b"r3"), (8, b"other")])
async def test_witness_state_with_a_stale_old_conflicts_and_stays(
    store: Store, stale: tuple[int, bytes] | None
) -> None:
    await store.set_witness_state(B, None, (3, b"r3"))
    await store.set_witness_state(B, (3, b"r3"), (8, b"r8"))
    with pytest.raises(StoreConflict) as caught:
        await store.set_witness_state(B, stale, (9, b"r9"))
    assert (caught.value.expected, caught.value.found) == (stale, (8, b"r8"))
    assert await store.witness_state(B) == (8, b"r8")


# --- refs ---


async def test_an_existing_ref_is_never_overwritten_and_its_batch_not_applied(
    store: Store,
) -> None:
    await store.append(A, 0, batch(0, 1), refs={"once": 0})
    with pytest.raises(StoreConflict):
        await store.append(A, 1, batch(1, 2), cp(A, 3), {"fresh": 1, "once": 2})
    assert await store.lookup_ref("once") == (A, 0)
    assert await store.lookup_ref("fresh") is None
    assert await store.size(A) == 1
    assert await store.latest_checkpoint(A) is None
    with pytest.raises(StoreConflict):  # keys are global, not per feed
        await store.append(B, 0, batch(0, 1), refs={"once": 0})
    assert await store.size(B) == 0


async def test_a_ref_is_found_after_its_append(store: Store) -> None:
    assert await store.lookup_ref("k") is None
    await store.append(B, 0, batch(0, 3), refs={"k": 1})
    assert await store.lookup_ref("k") == (B, 1)


# --- users ---


async def test_users_are_added_found_and_listed_by_name(store: Store) -> None:
    await store.add_user(user("zulu"))
    await store.add_user(user("alpha"))
    assert await store.get_user("alpha") == user("alpha")
    assert await store.get_user("nobody") is None
    assert await store.user_by_token_hash("hash-zulu") == user("zulu")
    assert await store.user_by_token_hash("hash-nobody") is None
    assert await store.list_users() == [user("alpha"), user("zulu")]


async def test_heartbeats_are_kept_once_each_by_time_for_a_stored_checkpoint(
    store: Store,
) -> None:
    await store.put_checkpoint(cp(A, 3))
    later = HeartbeatRecord(A, 3, "w", 1700000060, "— w AAAA", 1700000060123)
    earlier = HeartbeatRecord(A, 3, "w", 1700000000, "— w BBBB", 1700000000456)
    for record in (later, earlier, later):  # a repeat is kept once
        await store.add_heartbeat(record)
    assert await store.heartbeats(A) == [earlier, later]
    assert await store.heartbeats(B) == []
    with pytest.raises(StoreError):  # no checkpoint of that size: nothing kept
        await store.add_heartbeat(HeartbeatRecord(A, 4, "w", 1700000120, "— w CCCC", 1))
    assert await store.heartbeats(A) == [earlier, later]


async def test_the_latest_cosignature_and_heartbeat_of_a_witness_are_read_alone(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What a node reads at start of when it last answered the peer: the cosignature of the
    largest size and the heartbeat of the latest timestamp, by that witness only, without
    reading every one the feed ever had."""
    assert await store.latest_receipts(A, "w") == (None, None)
    for size in (3, 5, 7, 9):
        await store.put_checkpoint(cp(A, size))
    mine = [CosignatureRecord(A, size, "w", 1_700_000_000 + size, 9000 + size) for size in (3, 5)]
    other = CosignatureRecord(A, 7, "other", 1_700_000_007, 9007)
    for record in (mine[1], mine[0], other):
        await store.add_cosignature(record, b"note+cosigned")
    beats = [HeartbeatRecord(A, 5, "w", 1_700_000_100 + t, f"— w {t}", 9100 + t) for t in (2, 1)]
    beats.append(HeartbeatRecord(A, 7, "other", 1_700_000_200, "— other", 9200))
    for beat in beats:
        await store.add_heartbeat(beat)

    async def whole(origin: str) -> object:
        raise AssertionError(f"a whole read of {origin}")

    for name in ("cosignatures", "heartbeats", "checkpoints"):
        monkeypatch.setattr(store, name, whole)
    assert await store.latest_receipts(A, "w") == (mine[1], beats[0])
    assert await store.latest_receipts(A, "other") == (other, beats[2])
    assert await store.latest_receipts(A, "nobody") == (None, None)
    assert await store.latest_receipts(B, "w") == (None, None)


async def test_the_heartbeats_of_a_witness_are_read_a_page_at_a_time(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(redis_records, "PAGE", 2)  # Redis reads its index a page at a time
    await store.put_checkpoint(cp(A, 3))
    beats = {t: HeartbeatRecord(A, 3, "w", t, f"— w {t}", 9000 + t) for t in (1, 5, 3, 7)}
    for beat in (*beats.values(), HeartbeatRecord(A, 3, "other", 4, "— other", 9004)):
        await store.add_heartbeat(beat)
    assert await store.heartbeats_from(A, "w", 0, 10, 2) == [beats[1], beats[3]]
    assert await store.heartbeats_from(A, "w", 4, 10, 10) == [beats[5], beats[7]]
    assert await store.heartbeats_from(A, "w", 0, 5, 10) == [beats[1], beats[3], beats[5]]
    assert await store.heartbeats_from(A, "w", 8, 10, 10) == []
    assert [h.timestamp for h in await store.heartbeats_from(A, "other", 0, 10, 10)] == [4]
    assert await store.heartbeats_from(B, "w", 0, 10, 10) == []


async def test_a_user_keeps_the_nation_and_unit_it_posts_as(store: Store) -> None:
    rcc = UserRecord("rcc", "operator", "h-rcc", 1000, nation="XAB", unit="RCC North")
    await store.add_user(rcc)
    await store.add_user(user("plain"))
    assert await store.get_user("rcc") == rcc
    assert await store.user_by_token_hash("h-rcc") == rcc
    assert (await store.get_user("plain")) == user("plain")
    assert [(u.name, u.nation, u.unit) for u in await store.list_users()] == [
        ("plain", None, None),
        ("rcc", "XAB", "RCC North"),
    ]


async def test_a_taken_user_name_or_token_hash_conflicts(store: Store) -> None:
    await store.add_user(user("alpha", "t1"))
    with pytest.raises(StoreConflict):
        await store.add_user(user("alpha", "t2"))
    with pytest.raises(StoreConflict):
        await store.add_user(user("bravo", "t1"))
    assert await store.list_users() == [user("alpha", "t1")]
    assert await store.user_by_token_hash("t2") is None


async def test_a_revoked_user_stays_listed_and_found_by_token(store: Store) -> None:
    await store.add_user(user("alpha"))
    await store.add_user(user("bravo"))
    assert await store.revoke_user("alpha", 7000) is True
    assert await store.revoke_user("alpha", 8000) is False
    assert await store.revoke_user("nobody", 7000) is False
    revoked = UserRecord("alpha", "operator", "hash-alpha", 5000, 7000)
    assert await store.user_by_token_hash("hash-alpha") == revoked
    assert await store.list_users() == [revoked, user("bravo")]
    assert await store.get_user("nobody") is None


# --- evidence and meta ---


async def test_evidence_gets_increasing_ids_and_raw_bytes_stay_intact(store: Store) -> None:
    raws = [b"\xff\xfe\x00\n\r\n{not json", b"", bytes(range(256))]
    ids = [
        await store.add_evidence(EvidenceRecord(100 + i, "peer", "bad_signature", "x\n\u00e9", r))
        for i, r in enumerate(raws)
    ]
    assert ids == sorted(ids) and len(set(ids)) == 3
    assert await store.list_evidence() == [
        EvidenceRecord(100 + i, "peer", "bad_signature", "x\n\u00e9", r, id_)
        for i, (r, id_) in enumerate(zip(raws, ids, strict=True))
    ]


async def test_the_newest_evidence_is_read_a_page_at_a_time_with_the_count_kept(
    store: Store,
) -> None:
    assert await store.latest_evidence(3) == (0, [])
    ids = [
        await store.add_evidence(EvidenceRecord(100 + i, "peer", "fork", f"#{i}", bytes([i])))
        for i in range(5)
    ]
    total, newest = await store.latest_evidence(2)
    assert total == 5 and [e.id for e in newest] == [ids[4], ids[3]]
    assert [e.raw for e in newest] == [b"\x04", b"\x03"]
    total, every = await store.latest_evidence(10)
    assert total == 5 and every == (await store.list_evidence())[::-1]
    assert await store.evidence_from(ids[1], ids[3], 10) == every[::-1][1:4]
    assert await store.evidence_from(ids[1], ids[4], 2) == every[::-1][1:3]
    assert await store.evidence_from(ids[4] + 1, ids[4] + 9, 10) == []
    assert await store.evidence_from(0, ids[0], 10) == every[-1:]


async def test_evidence_keeps_the_size_and_digest_of_the_whole_input(store: Store) -> None:
    """A record of a large input keeps its first bytes, the whole's length and SHA-256."""
    data = bytes(range(256)) * 1024
    record = EvidenceRecord.of(7, "peer", "too_many_entries", "d", data, 1000)
    assert (record.raw, record.size) == (data[:1000], len(data))
    ident = await store.add_evidence(record)
    [held] = await store.list_evidence()
    assert held == EvidenceRecord(
        7,
        "peer",
        "too_many_entries",
        "d",
        data[:1000],
        ident,
        len(data),
        hashlib.sha256(data).digest(),
    )
    assert (held.whole_size, held.whole_sha256) == (len(data), hashlib.sha256(data).digest())


async def test_meta_values_are_set_and_replaced(store: Store) -> None:
    assert await store.get_meta("peer.size") is None
    await store.set_meta("peer.size", "3")
    await store.set_meta("peer.size", "4")
    await store.set_meta("other", "")
    assert (await store.get_meta("peer.size"), await store.get_meta("other")) == ("4", "")


# --- durability ---


async def fill(store: Store) -> None:
    await store.append(A, 0, batch(0, 3), cp(A, 3, b"n"), {"k": 2})
    await store.add_cosignature(CosignatureRecord(A, 3, "w", 1, 2), b"n+w")
    await store.set_witness_state(B, None, (5, b"r5"))
    await store.add_user(user("alpha"))
    await store.add_evidence(EvidenceRecord(1, "peer", "r", "d", b"\xff"))
    await store.set_meta("m", "v")


async def check_filled(store: Store) -> None:
    assert await store.entries(A, 0, 9) == [e for e, _ in batch(0, 3)]
    assert await store.leaf_hashes(A) == [h for _, h in batch(0, 3)]
    assert await store.latest_checkpoint(A) == cp(A, 3, b"n+w")
    assert await store.cosignatures(A) == [CosignatureRecord(A, 3, "w", 1, 2)]
    assert await store.witness_state(B) == (5, b"r5")
    assert await store.lookup_ref("k") == (A, 2)
    assert await store.list_users() == [user("alpha")]
    assert [e.raw for e in await store.list_evidence()] == [b"\xff"]
    assert await store.get_meta("m") == "v"


async def test_data_survives_close_and_reopen(store: Store, request: pytest.FixtureRequest) -> None:
    await fill(store)
    again = await reopen(store, request)
    try:
        await check_filled(again)
        await again.append(A, 3, batch(3, 1))
    finally:
        await again.close()


async def test_a_closed_store_refuses_calls(store: Store) -> None:
    await store.close()
    with pytest.raises(StoreError, match="not open"):
        await store.size(A)


# --- choosing a store ---


@pytest.mark.parametrize(
    "url", ["postgres://h/db", "node.db", "", "sqlite://host/node.db", "sqlite:///", "http://x"]
)
def test_a_bad_store_url_is_a_store_error(url: str) -> None:
    with pytest.raises(StoreError):
        open_store(url)


def test_open_store_picks_the_store_by_scheme() -> None:
    assert isinstance(open_store("sqlite:///node.db"), SqliteStore)
    assert isinstance(open_store("sqlite:////var/lib/node.db"), SqliteStore)
    assert SqliteStore("sqlite:////var/lib/node.db").path == Path("/var/lib/node.db")
    assert SqliteStore("sqlite:///data/node.db").path == Path("data/node.db")
    store = open_store("rediss://h:6380/1", allow_unsafe=True, key_prefix="b:")
    assert isinstance(store, RedisStore)
    assert (store.allow_unsafe, store.key_prefix) == (True, "b:")


def test_a_redis_password_never_shows_in_messages() -> None:
    assert redact("redis://u:secret@h:1/0") == "redis://u:***@h:1/0"
    assert redact("redis://h:1/0") == "redis://h:1/0"
    with pytest.raises(StoreError) as caught:
        open_store("mysql://u:secret@h/db")
    assert "secret" not in str(caught.value)


# --- SQLite only ---

CRASH_AFTER_APPEND = """
import asyncio, os, signal, sys
from hotline.store.sqlite import SqliteStore

async def main() -> None:
    store = SqliteStore(sys.argv[1])
    await store.open()
    await store.append("a", 0, [(b"e0", b"h0"), (b"e1", b"h1")], refs={"k": 1})
    os.kill(os.getpid(), signal.SIGKILL)

asyncio.run(main())
"""


async def test_sqlite_file_is_wal_with_full_synchronous(tmp_path: Path) -> None:
    store = SqliteStore(f"sqlite:///{tmp_path / 'node.db'}")
    await store.open()
    try:
        settings = await store.durability()
        assert (settings["synchronous"], settings["foreign_keys"]) == ("full", "on")
        with sqlite3.connect(tmp_path / "node.db") as plain:
            assert plain.execute("PRAGMA journal_mode").fetchone() == ("wal",)
            assert plain.execute("SELECT value FROM store_info").fetchone() == (
                str(SCHEMA_VERSION),
            )
        plain.close()
    finally:
        await store.close()


@pytest.mark.parametrize("rows", [1, Limits().batch_max])
async def test_sqlite_an_append_up_to_a_sequencer_batch_is_written_without_a_turn_of_the_loop(
    tmp_path: Path, rows: int
) -> None:
    """A FLASH post and a full sequencer batch are written on the loop's own thread: committed
    when the call returns, and nothing else ran meanwhile. One row more goes to the writer
    thread, and the loop turns while it is written."""
    store = SqliteStore(f"sqlite:///{tmp_path / 'node.db'}")
    await store.open()
    loop = asyncio.get_running_loop()
    try:
        turned: list[int] = []
        loop.call_soon(turned.append, rows)
        await store.append(A, 0, batch(0, rows), cp(A, rows))
        assert turned == []
        with sqlite3.connect(tmp_path / "node.db") as plain:  # another connection sees it
            assert plain.execute("SELECT COUNT(*) FROM entries").fetchone() == (rows,)
        plain.close()
        await asyncio.sleep(0)
        assert turned == [rows]
        big = LOOP_WRITE_ROWS + 1
        loop.call_soon(turned.append, big)
        await store.append(A, rows, batch(rows, big), cp(A, rows + big))
        assert turned == [rows, big]
        assert await store.size(A) == rows + big
    finally:
        await store.close()


async def test_sqlite_a_run_of_the_peer_is_committed_while_the_loop_goes_on(
    tmp_path: Path,
) -> None:
    """A verified run of the peer's feed is written on the loop's thread and committed (its
    fsync) on the writer thread: the loop turns meanwhile (a FLASH of the peer is shown at
    once), writes made meanwhile wait for it, and it is committed when the call returns."""
    store = SqliteStore(f"sqlite:///{tmp_path / 'node.db'}")
    await store.open()
    loop = asyncio.get_running_loop()
    try:
        turned: list[str] = []
        loop.call_soon(turned.append, "turned")
        await store.append_cosigned(
            B, 0, batch(0, 3), cp(B, 3, note=b"n+w"), (None, (3, b"r3")), cosig(B, 3)
        )
        assert turned == ["turned"]
        with sqlite3.connect(tmp_path / "node.db") as plain:  # another connection sees it
            assert plain.execute("SELECT COUNT(*) FROM entries").fetchone() == (3,)
            assert plain.execute("SELECT size FROM witness_state").fetchone() == (3,)
        plain.close()
        results = await asyncio.gather(
            store.append_cosigned(
                B, 3, batch(3, 2), cp(B, 5, note=b"n5+w"), ((3, b"r3"), (5, b"r5")), cosig(B, 5)
            ),
            store.set_meta("k", "v"),  # waits for the commit
        )
        assert list(results) == [None, None]
        assert await store.size(B) == 5 and await store.get_meta("k") == "v"
    finally:
        await store.close()


async def test_sqlite_small_writes_wait_for_a_big_write_on_the_writer_thread(
    tmp_path: Path,
) -> None:
    """A big append goes to the writer thread; writes made meanwhile take their turn after it
    (the connection is never used by two threads at once), in the order they were made."""
    store = SqliteStore(f"sqlite:///{tmp_path / 'node.db'}")
    await store.open()
    try:
        big = LOOP_WRITE_ROWS * 4
        results = await asyncio.gather(
            store.append(A, 0, batch(0, big), cp(A, big)),
            store.append(A, big, batch(big, 1), cp(A, big + 1)),  # needs the big one first
            store.set_meta("k", "v"),
            store.append(B, 0, batch(0, big), cp(B, big)),
            return_exceptions=True,
        )
        assert list(results) == [None, None, None, None]
        assert await store.size(A) == big + 1 and await store.size(B) == big
        assert [c.size for c in await store.checkpoints(A)] == [big, big + 1]
        assert await store.get_meta("k") == "v"
    finally:
        await store.close()
    with sqlite3.connect(tmp_path / "node.db") as plain:
        assert plain.execute("SELECT COUNT(*) FROM entries").fetchone() == (2 * big + 1,)
    plain.close()


async def test_sqlite_wal_is_checkpointed_by_its_own_thread_not_by_commits(tmp_path: Path) -> None:
    store = SqliteStore(f"sqlite:///{tmp_path / 'node.db'}")
    await store.open()
    try:
        for i in range(50):
            await store.append(A, i * 20, batch(i * 20, 20), cp(A, (i + 1) * 20))
        # never in a commit: the writing connection does not checkpoint
        assert store._db().execute("PRAGMA wal_autocheckpoint").fetchone() == (0,)
        checkpointer = store._checkpointer
        assert checkpointer is not None
        runs = checkpointer.runs
        async with asyncio.timeout(30):
            while checkpointer.runs < runs + 2:  # a whole checkpoint after the last write
                await asyncio.sleep(0.05)
        with sqlite3.connect(tmp_path / "node.db") as conn:
            busy, frames, done = conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
            rows = conn.execute("SELECT COUNT(*) FROM entries").fetchone()[0]
        conn.close()
        assert (busy, frames) == (0, done) and frames > 0  # every frame already copied back
        assert rows == 1000
    finally:
        await store.close()


async def test_sqlite_commit_survives_a_killed_process(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'node.db'}"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", CRASH_AFTER_APPEND, url], env=env, capture_output=True, timeout=30
    )
    assert done.returncode == -signal.SIGKILL, done.stderr.decode()
    assert (tmp_path / "node.db-wal").exists()  # killed before any checkpoint of the WAL
    store = SqliteStore(url)
    await store.open()
    try:
        assert await store.entries("a", 0, 9) == [b"e0", b"e1"]
        assert await store.lookup_ref("k") == ("a", 1)
    finally:
        await store.close()


def make_foreign(path: Path) -> None:
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE notes (x)")
    conn.close()


def make_future(path: Path) -> None:
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE store_info (key TEXT PRIMARY KEY, value TEXT)")
        conn.execute("INSERT INTO store_info VALUES ('schema_version', '99')")
    conn.close()


@pytest.mark.parametrize(
    ("prepare", "message"),
    [
        (lambda p: p.write_bytes(b"this is not a database" * 100), "not a database"),
        (make_foreign, "not a Hotline store"),
        (make_future, "schema version 99"),
        (lambda p: None, "no directory"),
    ],
    ids=["corrupt", "foreign", "future-schema", "missing-directory"],
)
async def test_sqlite_refuses_a_file_it_cannot_use(
    tmp_path: Path, prepare: Callable[[Path], object], message: str
) -> None:
    path = tmp_path / "node.db" if message != "no directory" else tmp_path / "gone" / "node.db"
    prepare(path)
    store = SqliteStore(f"sqlite:///{path}")
    with pytest.raises(StoreError, match=message):
        await store.open()
    with pytest.raises(StoreError, match="not open"):
        await store.size(A)


# --- Redis only ---


async def test_redis_data_survives_a_killed_server(redis_server: RedisServer) -> None:
    store = RedisStore(redis_server.url)
    await store.open()
    try:
        await fill(store)
        redis_server.kill()
        with pytest.raises(StoreError, match="unreachable"):
            await store.size(A)
        redis_server.start()
        again = RedisStore(redis_server.url)
        await again.open()
        try:
            await check_filled(again)
        finally:
            await again.close()
        await store.append(A, 3, batch(3, 1))  # reconnects, reloads the scripts
        assert await store.size(A) == 4
    finally:
        await store.close()


async def test_redis_that_is_down_is_a_clear_store_error(redis_server: RedisServer) -> None:
    redis_server.stop()
    with pytest.raises(StoreError, match=re.escape(f"Redis at {redis_server.url} is unreachable")):
        await RedisStore(redis_server.url).open()


async def test_two_key_prefixes_share_one_redis(redis_server: RedisServer) -> None:
    a, b = RedisStore(redis_server.url), RedisStore(redis_server.url, key_prefix="node-b:")
    await a.open()
    await b.open()
    try:
        await a.append(A, 0, batch(0, 2), refs={"k": 0})
        await b.append(A, 0, batch(0, 1))
        assert (await a.size(A), await b.size(A)) == (2, 1)
        assert await b.lookup_ref("k") is None
    finally:
        await a.close()
        await b.close()


@pytest.mark.parametrize(
    ("settings", "named"),
    [({"appendonly": "no"}, "appendonly"), ({"appendfsync": "everysec"}, "appendfsync")],
    ids=["appendonly-no", "appendfsync-everysec"],
)
async def test_redis_that_is_not_durable_is_refused(
    tmp_path: Path, settings: dict[str, str], named: str
) -> None:
    with RedisServer(tmp_path, **settings) as server:
        with pytest.raises(StoreError, match=f"{named} is '{settings[named]}'"):
            await RedisStore(server.url).open()


async def test_redis_that_is_not_durable_opens_with_allow_unsafe_and_warns_each_time(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="hotline.store")
    with RedisServer(tmp_path, appendonly="no") as server:
        for start in range(2):
            store = RedisStore(server.url, allow_unsafe=True)
            await store.open()
            await store.append(A, start, batch(start, 1))
            await store.close()
    warnings = [r for r in caplog.records if r.name == "hotline.store"]
    assert [r.levelno for r in warnings] == [logging.WARNING] * 2
    assert all("appendonly is 'no'" in r.getMessage() for r in warnings)


@pytest.mark.parametrize(("appendonly", "opens"), [("yes", True), ("no", False)])
async def test_redis_without_config_is_checked_through_info(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, appendonly: str, opens: bool
) -> None:
    caplog.set_level(logging.WARNING, logger="hotline.store")
    hidden = ["--rename-command", "CONFIG", ""]
    with RedisServer(tmp_path, appendonly=appendonly, extra_args=hidden) as server:
        store = RedisStore(server.url)
        try:
            if opens:
                await store.open()
                assert await store.durability() == {"appendonly": "yes", "appendfsync": "unknown"}
            else:
                with pytest.raises(StoreError, match="appendonly is 'no'"):
                    await store.open()
        finally:
            await store.close()
    assert "refused CONFIG GET" in caplog.text
    assert f"aof_enabled={1 if opens else 0}" in caplog.text


async def test_a_store_of_schema_1_is_upgraded_and_keeps_its_data(tmp_path: Path) -> None:
    """A store written before users had a nation and a unit, and before heartbeats were kept,
    opens, keeps every row, and its users post as the node's own nation and unit."""
    path = tmp_path / "old.db"
    schema_1 = (
        "CREATE TABLE store_info (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
        "CREATE TABLE users (name TEXT PRIMARY KEY, role TEXT NOT NULL,"
        " token_hash TEXT NOT NULL UNIQUE, created_ms INTEGER NOT NULL, revoked_ms INTEGER);"
        "INSERT INTO store_info VALUES ('schema_version', '1');"
        "INSERT INTO users VALUES ('old', 'operator', 'h-old', 5, NULL);"
        "CREATE TABLE evidence (id INTEGER PRIMARY KEY AUTOINCREMENT, time_ms INTEGER NOT NULL,"
        " source TEXT NOT NULL, reason TEXT NOT NULL, detail TEXT NOT NULL, raw BLOB NOT NULL);"
        "INSERT INTO evidence (time_ms, source, reason, detail, raw)"
        " VALUES (3, 'peer', 'gap', 'd', x'00ff');"
    )
    new = SqliteStore(f"sqlite:///{tmp_path / 'new.db'}")
    await new.open()  # the rest of the schema, as version 1 had it (no heartbeats)
    await new.close()
    with sqlite3.connect(tmp_path / "new.db") as fresh, sqlite3.connect(path) as conn:
        conn.executescript(schema_1)
        for (sql,) in fresh.execute(
            "SELECT sql FROM sqlite_master WHERE type = 'table'"
            " AND name NOT IN"
            " ('store_info', 'users', 'heartbeats', 'evidence', 'notices', 'tree_nodes',"
            " 'links', 'open_notices', 'notice_ids', 'sqlite_sequence')"
        ):
            conn.execute(sql)
    fresh.close()
    conn.close()
    store = SqliteStore(f"sqlite:///{path}")
    await store.open()
    try:
        assert await store.get_user("old") == UserRecord("old", "operator", "h-old", 5)
        await store.add_user(UserRecord("new", "operator", "h-new", 6, nation="XAB", unit="U"))
        assert await store.heartbeats("a") == []
        [old] = await store.list_evidence()  # kept whole before evidence was cut
        assert old == EvidenceRecord(3, "peer", "gap", "d", b"\x00\xff", 1)
        assert (old.whole_size, old.whole_sha256) == (2, hashlib.sha256(b"\x00\xff").digest())
        assert (await store.get_user("new")) == UserRecord(
            "new", "operator", "h-new", 6, nation="XAB", unit="U"
        )
    finally:
        await store.close()
    with sqlite3.connect(path) as conn:
        version = conn.execute("SELECT value FROM store_info").fetchone()[0]
    conn.close()
    assert version == str(SCHEMA_VERSION)


async def test_redis_reads_evidence_kept_whole_before_it_was_cut(redis_server: RedisServer) -> None:
    """An evidence item written before its head held the size and digest reads as kept whole."""
    store = RedisStore(redis_server.url, key_prefix="old-evidence:")
    await store.open()
    try:
        await store._r.rpush(store._k("evidence"), b'[3, "peer", "gap", "d"]\n\x00\xff')
        [old] = await store.list_evidence()
        assert old == EvidenceRecord(3, "peer", "gap", "d", b"\x00\xff", 1)
        assert old.whole_size == 2
    finally:
        await store.close()


async def grow_wal(store: SqliteStore) -> None:
    """600 entries of about 3 KB, in 30 appends: about 1,300 pages of WAL."""
    for i in range(30):
        await store.append(A, i * 20, batch(i * 20, 20, b"x" * 3000), cp(A, (i + 1) * 20))


async def test_sqlite_wal_left_over_its_limit_is_started_afresh_and_cut_back(
    tmp_path: Path,
) -> None:
    """A passive checkpoint that cannot empty the WAL (here a reader holds an older snapshot,
    as writes outrunning the checkpoints do in effect) is followed by one that waits for the
    WAL to empty: the next write starts it afresh and its file is cut back to the limit."""
    path = tmp_path / "node.db"
    store = SqliteStore(f"sqlite:///{path}", wal_limit_frames=40)
    await store.open()
    checkpointer = store._checkpointer
    assert checkpointer is not None
    await asyncio.to_thread(checkpointer.stop)  # the test checkpoints by hand
    wal = tmp_path / "node.db-wal"
    reader = sqlite3.connect(path, isolation_level=None)
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    try:
        conn.execute("PRAGMA busy_timeout=5000")
        await store.append(A, 0, batch(0, 20), cp(A, 20))
        reader.execute("BEGIN")
        reader.execute("SELECT COUNT(*) FROM entries").fetchone()  # a snapshot held
        for i in range(1, 30):
            await store.append(A, i * 20, batch(i * 20, 20, b"x" * 3000), cp(A, (i + 1) * 20))
        grown = wal.stat().st_size
        assert grown > 40 * 4096
        waiting = asyncio.ensure_future(asyncio.to_thread(checkpointer.checkpoint, conn))
        await asyncio.sleep(0.3)
        assert not waiting.done(), "the restart waits for the reader's snapshot"
        reader.execute("COMMIT")
        await waiting
        assert checkpointer.restarts == 1
        await store.append(A, 600, batch(600, 1), cp(A, 601))
        assert wal.stat().st_size <= 40 * 4096 + 32 + 24 + 4096, "cut back to the limit"
        assert await store.size(A) == 601
    finally:
        reader.close()
        conn.close()
        await store.close()


async def test_sqlite_wal_over_its_limit_is_started_afresh_by_the_next_write_without_holding_writes(
    tmp_path: Path,
) -> None:
    """A WAL over its limit that a checkpoint copied back in full is started afresh by the next
    write (which finds nothing left to copy) and its file cut back: no checkpoint that holds
    writes back (``RESTART``) is needed, and the thread knows it is done."""
    path = tmp_path / "node.db"
    store = SqliteStore(f"sqlite:///{path}", wal_limit_frames=500)
    await store.open()
    checkpointer = store._checkpointer
    assert checkpointer is not None
    await asyncio.to_thread(checkpointer.stop)  # the test checkpoints by hand
    wal = tmp_path / "node.db-wal"
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    try:
        conn.execute("PRAGMA busy_timeout=5000")
        await grow_wal(store)
        assert 500 * 4096 < wal.stat().st_size < 4 * 500 * 4096
        checkpointer.checkpoint(conn)  # copies every frame back; the WAL is still long
        assert checkpointer.wanted and checkpointer.restarts == 0
        assert wal.stat().st_size > 500 * 4096
        await store.append(A, 600, batch(600, 1), cp(A, 601))
        assert wal.stat().st_size <= 500 * 4096 + 32 + 24 + 4096, "started afresh and cut back"
        checkpointer.checkpoint(conn)
        assert not checkpointer.wanted
        assert (checkpointer.restarts, checkpointer.afresh) == (0, 1)
        assert await store.size(A) == 601
    finally:
        conn.close()
        await store.close()


async def test_sqlite_wal_over_its_limit_is_checkpointed_right_after_the_next_commit(
    tmp_path: Path,
) -> None:
    """Once the WAL is over its limit, the checkpointing thread does not wait its interval: it
    checkpoints right after the next commit, and finds the WAL started afresh by it."""
    path = tmp_path / "node.db"
    store = SqliteStore(f"sqlite:///{path}", wal_limit_frames=500)
    await store.open()
    assert store._checkpointer is not None
    await asyncio.to_thread(store._checkpointer.stop)
    checkpointer = WalCheckpointer(path, interval=600, limit_frames=500)  # never by its clock
    store._checkpointer = checkpointer
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    try:
        await grow_wal(store)
        checkpointer.checkpoint(conn)
        assert checkpointer.wanted
        checkpointer.start()
        await store.append(A, 600, batch(600, 1), cp(A, 601))
        for _ in range(500):
            if checkpointer.afresh:
                break
            await asyncio.sleep(0.01)
        assert (checkpointer.afresh, checkpointer.restarts) == (1, 0)
        assert not checkpointer.wanted
    finally:
        conn.close()
        await store.close()


async def test_sqlite_wal_under_steady_writes_is_started_afresh_by_its_thread_alone(
    tmp_path: Path,
) -> None:
    """Writes coming steadily, as a node's batches do: the checkpointing thread brings the WAL
    back under its limit by itself, without ever holding a write back."""
    path = tmp_path / "node.db"
    store = SqliteStore(f"sqlite:///{path}", wal_limit_frames=500)
    await store.open()
    checkpointer = store._checkpointer
    assert checkpointer is not None
    wal = tmp_path / "node.db-wal"
    try:
        size = 0
        while checkpointer.afresh < 2 and size < 20_000:
            await store.append(A, size, batch(size, 20, b"x" * 3000), cp(A, size + 20))
            size += 20
            await asyncio.sleep(0.005)
        assert checkpointer.afresh >= 2, "the WAL was started afresh, more than once"
        assert checkpointer.restarts == 0, "no write was held back"
        await store.append(A, size, batch(size, 1), cp(A, size + 1))
        assert wal.stat().st_size < 4 * 500 * 4096
        assert await store.size(A) == size + 1
    finally:
        await store.close()


async def test_redis_heartbeats_of_version_4_are_indexed_by_time_at_open(
    redis_server: RedisServer,
) -> None:
    """Heartbeats kept before they were indexed by timestamp: indexed when the store opens,
    and the latest is found."""
    prefix = "old4:"
    store = RedisStore(redis_server.url, key_prefix=prefix)
    await store.open()
    await store.put_checkpoint(cp(A, 3))
    beats = [HeartbeatRecord(A, 3, "w", 1_700_000_000 + t, f"— w {t}", 9000 + t) for t in (1, 5, 3)]
    for beat in beats:
        await store.add_heartbeat(beat)
    await store._r.delete(prefix + "beatts:" + A)  # as version 4 kept them
    await store._r.set(prefix + "version", 4)
    assert await store.latest_receipts(A, "w") == (None, None)
    await store.close()
    store = RedisStore(redis_server.url, key_prefix=prefix)
    await store.open()
    try:
        assert await store.latest_receipts(A, "w") == (None, beats[1])
        assert await store.heartbeats(A) == sorted(beats, key=lambda b: b.timestamp)
        assert await store._r.get(prefix + "version") in (b"5", "5")
    finally:
        await store.close()
