"""What a store keeps of each notice entry so that a node reads its state on demand: its id, when
it was appended, a flag of an implausible time, the entries that refer to it, and whether it
still awaits an answer. Run against SQLite and a real Redis; every write is the append's own."""

from __future__ import annotations

import base64
import sqlite3
from pathlib import Path
from typing import Any

import orjson
import pytest

from hotline.errors import StoreConflict
from hotline.store import (
    CheckpointRecord,
    CosignatureRecord,
    RedisStore,
    SqliteStore,
    Store,
    redis_reads,
)
from hotline.store.base import Link, NoticeQuery, notice_facts
from hotline.store.sqlite_schema import SCHEMA_VERSION
from tests.helpers.redis_server import RedisServer

A, B = "a.example/hotline", "b.example/hotline"


def leaf(origin: str, index: int) -> bytes:
    return (b"%s#%d" % (origin.encode(), index)).ljust(32, b".")


def ref(origin: str, index: int, leaf_hash: bytes | None = None) -> dict[str, Any]:
    hashed = leaf(origin, index) if leaf_hash is None else leaf_hash
    return {"origin": origin, "index": index, "leaf_hash": base64.b64encode(hashed).decode()}


def entry(notice_id: str, kind: str = "liaison", time_ms: int = 1000, **more: Any) -> bytes:
    notice = {"id": notice_id, "kind": kind, "precedence": "ROUTINE", "time": time_ms, **more}
    return orjson.dumps({"index": 0, "notice": notice, "origin": "o", "prev": "", "v": 1})


async def put(store: Store, origin: str, *raws: bytes, stored_ms: int = 5000) -> int:
    """Append ``raws`` with a checkpoint stored at ``stored_ms``; the index of the first."""
    start = await store.size(origin)
    size = start + len(raws)
    batch = [(raw, leaf(origin, start + i)) for i, raw in enumerate(raws)]
    await store.append(
        origin, start, batch, CheckpointRecord(origin, size, b"r" * 32, b"n", stored_ms)
    )
    return start


async def opened(store: Store, origin: str) -> list[int]:
    return [i for i, _, _ in await store.open_notices(origin)]


async def test_a_notice_that_needs_an_answer_is_open_until_the_other_side_acks_it(
    store: Store,
) -> None:
    await put(store, A, entry("op", "planned_operation", 1234), entry("chat"), stored_ms=7000)
    assert await store.open_notices(A) == [(0, 1234, "ROUTINE")]
    await put(store, B, entry("ack-op", "ack", ref=ref(A, 0), response="WILCO"), stored_ms=8000)
    assert await store.open_notices(A) == []
    (state,) = await store.notice_states(A, [0])
    assert state is not None
    assert (state.origin, state.index, state.leaf_hash) == (A, 0, leaf(A, 0))
    assert state.raw == entry("op", "planned_operation", 1234)
    assert state.appended_ms == 7000 and state.implausible is None
    assert state.links == (Link("ack", B, 0, leaf(A, 0)),)


async def test_the_open_notices_of_a_stretch_of_time_are_read_by_precedence(store: Store) -> None:
    """What the deadline watcher reads: the open notices of the given precedences with a time
    in (after, until], from the index of times; answered ones and those needing no answer are
    not among them."""
    op = "planned_operation"
    await put(
        store,
        A,
        entry("r1", op, 1000),
        entry("r2", op, 2000),
        entry("r3", op, 3000),
        entry("i1", op, 2000, precedence="IMMEDIATE"),
        entry("f1", op, 2500, precedence="FLASH"),
        entry("chat", "liaison", 2000),
    )
    await put(store, B, entry("ack-r2", "ack", ref=ref(A, 1), response="WILCO"))
    stretch = {"ROUTINE": (1000, 3000), "IMMEDIATE": (0, 2000)}
    assert await store.open_notices(A, stretch) == [(2, 3000, "ROUTINE"), (3, 2000, "IMMEDIATE")]
    assert await store.open_notices(A, {"ROUTINE": (0, 2999)}) == [(0, 1000, "ROUTINE")]
    assert await store.open_notices(A, {"FLASH": (2499, 2500)}) == [(4, 2500, "FLASH")]
    assert await store.open_notices(A, {"FLASH": (2500, 9999)}) == []
    assert await store.open_notices(A, {"PRIORITY": (0, 9999)}) == []
    assert await store.open_notices(A, {}) == []
    assert await store.open_notices(B, {"ROUTINE": (0, 9999)}) == []


async def test_a_stretch_read_with_a_limit_gives_each_precedence_its_earliest_notices(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With a limit, each precedence's range gives its earliest open notices by time, however
    many the range holds: what the watcher reads when it has room for only so many. (Redis
    reads its range a page at a time: small pages here, so that the limit falls in one.)"""
    monkeypatch.setattr(redis_reads, "PAGE", 4)
    op = "planned_operation"
    late = [entry(f"r{i}", op, 5000 - i) for i in range(30)]  # times 5000 down to 4971
    await put(store, A, *late, entry("f1", op, 4000, precedence="FLASH"))
    await put(store, B, entry("ack-r29", "ack", ref=ref(A, 29), response="WILCO"))
    stretch = {"ROUTINE": (0, 9999), "FLASH": (0, 9999)}
    found = await store.open_notices(A, stretch, 3)
    earliest = [(26, 4974, "ROUTINE"), (27, 4973, "ROUTINE"), (28, 4972, "ROUTINE")]
    assert found == [*earliest, (30, 4000, "FLASH")]
    assert len(await store.open_notices(A, stretch)) == 30  # without: all (#29 is answered)


async def test_a_cancel_or_an_update_closes_a_notice_as_an_ack_does(store: Store) -> None:
    await put(store, A, *(entry(f"op{i}", "planned_operation") for i in range(3)))
    await put(store, A, entry("c", "cancel", ref=ref(A, 0)))
    await put(store, A, entry("u", "planned_operation", supersedes=ref(A, 1)))
    # the cancel and the update need an answer themselves; op2 still does
    assert await opened(store, A) == [2, 3, 4]
    states = await store.notice_states(A, [0, 1])
    assert [s.links if s else None for s in states] == [
        (Link("cancel", A, 3, leaf(A, 0)),),
        (Link("supersedes", A, 4, leaf(A, 1)),),
    ]


async def test_a_liaison_regarding_a_notice_links_to_it_and_answers_nothing(
    store: Store,
) -> None:
    await put(store, A, entry("op", "planned_operation"))
    await put(store, B, entry("l", "liaison", regarding=[ref(A, 0), ref(A, 0)]))
    assert await opened(store, A) == [0]
    (state,) = await store.notice_states(A, [0])
    assert state is not None and state.links == (Link("regarding", B, 0, leaf(A, 0)),)


async def test_a_reference_naming_another_leaf_hash_is_kept_and_closes_nothing(
    store: Store,
) -> None:
    await put(store, A, entry("op", "planned_operation"))
    wrong = b"w" * 32
    await put(store, B, entry("ack", "ack", ref=ref(A, 0, wrong), response="WILCO"))
    assert await opened(store, A) == [0]
    (state,) = await store.notice_states(A, [0])
    assert state is not None and state.links == (Link("ack", B, 0, wrong),)


async def test_an_ack_that_arrives_before_its_notice_leaves_the_notice_closed(
    store: Store,
) -> None:
    """An own ack of an early FLASH is stored before the peer's entry is held here."""
    await put(store, B, entry("ack", "ack", ref=ref(A, 1), response="WILCO"))
    await put(store, A, entry("op0", "planned_operation"), entry("op1", "planned_operation"))
    assert await opened(store, A) == [0]


async def test_notices_are_found_by_id_in_either_feed(store: Store) -> None:
    await put(store, A, entry("x"), entry("y"))
    await put(store, B, entry("y"))
    assert await store.notice_ids(["y", "z", "x"]) == {"y": [(A, 1), (B, 0)], "x": [(A, 0)]}
    assert await store.notice_ids(["z"]) == {} and await store.notice_ids([]) == {}


async def test_states_are_read_in_the_order_asked_and_none_where_nothing_is_stored(
    store: Store,
) -> None:
    await put(store, A, entry("x"), entry("y"))
    await store.append(A, 2, [(b"not a notice", leaf(A, 2))])
    states = await store.notice_states(A, [1, 7, 0, 2, 1])
    assert [None if s is None else s.index for s in states] == [1, None, 0, None, 1]
    assert await store.notice_states(B, [0]) == [None]
    assert await store.notice_states(A, []) == []


async def test_an_entry_appended_without_a_checkpoint_was_appended_at_its_notice_time(
    store: Store,
) -> None:
    await store.append(A, 0, [(entry("x", time_ms=4321), leaf(A, 0))])
    (state,) = await store.notice_states(A, [0])
    assert state is not None and state.appended_ms == 4321


async def test_a_peer_entry_flagged_implausible_keeps_its_bracket(store: Store) -> None:
    cp = CheckpointRecord(B, 2, b"r" * 32, b"n", 9000)
    await store.append_cosigned(
        B,
        0,
        [(entry("x"), leaf(B, 0)), (entry("y"), leaf(B, 1))],
        cp,
        (None, (2, b"r" * 32)),
        CosignatureRecord(B, 2, "w", 9, 9000),
        implausible={1: (8000, 9000)},
    )
    states = await store.notice_states(B, [0, 1])
    assert [s.implausible if s else "none" for s in states] == [None, (8000, 9000)]
    assert [s.appended_ms if s else 0 for s in states] == [9000, 9000]
    assert await store.notice_ids(["x", "y"]) == {}  # only the own feed's ids are kept


async def test_a_refused_append_indexes_nothing(store: Store) -> None:
    await put(store, A, entry("x"))
    await store.append(A, 1, [(entry("y"), leaf(A, 1))], None, {"k": 1})
    with pytest.raises(StoreConflict):  # not at the feed's size
        await store.append(A, 0, [(entry("op", "planned_operation"), leaf(A, 0))])
    with pytest.raises(StoreConflict):  # an idempotency key already used
        await store.append(A, 2, [(entry("op2", "planned_operation"), leaf(A, 2))], None, {"k": 2})
    assert await store.size(A) == 2
    assert await store.notice_ids(["op", "op2"]) == {}
    assert await store.open_notices(A) == []
    assert await store.notice_states(A, [2]) == [None]


async def test_the_state_outlives_the_store_object(
    store: Store, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    await put(store, A, entry("op", "planned_operation"), entry("op2", "planned_operation"))
    await put(store, B, entry("ack", "ack", ref=ref(A, 0), response="WILCO"))
    await store.close()
    if isinstance(store, RedisStore):
        request.getfixturevalue("redis_server").restart()
        again: Store = RedisStore(store.url)
    else:
        again = SqliteStore(store.url)
    await again.open()
    try:
        assert await opened(again, A) == [1]
        assert await again.notice_ids(["ack"]) == {"ack": [(B, 0)]}
        (state,) = await again.notice_states(A, [0])
        assert state is not None and state.links == (Link("ack", B, 0, leaf(A, 0)),)
    finally:
        await again.close()


def test_the_facts_of_a_notice_entry_are_what_the_store_indexes() -> None:
    facts = notice_facts(entry("u", "planned_operation", 9, supersedes=ref(A, 3)))
    assert facts is not None
    assert (facts.time_ms, facts.kind, facts.precedence, facts.id) == (
        9,
        "planned_operation",
        "ROUTINE",
        "u",
    )
    assert facts.needs_ack and facts.refs == (("supersedes", A, 3, leaf(A, 3)),)
    ack = notice_facts(entry("a", "ack", ref=ref(B, 1), response="WILCO"))
    assert ack is not None and not ack.needs_ack and ack.refs == (("ack", B, 1, leaf(B, 1)),)
    bad = {"origin": A, "index": 0, "leaf_hash": "not base64!"}
    broken = notice_facts(entry("b", "ack", ref=bad))
    assert broken is not None and broken.refs == ()
    for raw in (b"", b"null", b'{"notice": {"time": 1, "kind": "x", "precedence": "R"}}'):
        assert notice_facts(raw) is None, raw


async def test_sqlite_a_store_of_schema_5_gets_its_notice_state_at_open(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    store = SqliteStore(f"sqlite:///{path}")
    await store.open()
    await put(store, A, entry("op", "planned_operation", 10), entry("op2", "planned_operation"))
    await put(store, B, entry("ack", "ack", ref=ref(A, 0), response="WILCO"), stored_ms=6000)
    await store.close()
    with sqlite3.connect(path) as conn:  # as version 5 had it
        for table in ("notices", "links", "open_notices"):
            conn.execute(f"DROP TABLE {table}")
        conn.execute(
            "CREATE TABLE notices (origin TEXT NOT NULL, idx INTEGER NOT NULL, time_ms INTEGER"
            " NOT NULL, kind TEXT NOT NULL, precedence TEXT NOT NULL, PRIMARY KEY (origin, idx))"
            " WITHOUT ROWID"
        )
        conn.execute("UPDATE store_info SET value = '5' WHERE key = 'schema_version'")
    conn.close()
    store = SqliteStore(f"sqlite:///{path}")
    await store.open()
    try:
        assert await opened(store, A) == [1]
        assert await store.notice_ids(["ack"]) == {"ack": [(B, 0)]}
        ack, op = await store.notice_states(B, [0]) + await store.notice_states(A, [0])
        assert ack is not None and ack.appended_ms == 6000
        assert op is not None and op.links == (Link("ack", B, 0, leaf(A, 0)),)
        assert len(await store.notice_keys(NoticeQuery(), 10)) == 3
    finally:
        await store.close()
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT value FROM store_info").fetchone()[0] == str(SCHEMA_VERSION)
    conn.close()


async def test_redis_data_of_version_2_gets_its_notice_state_at_open(
    redis_server: RedisServer,
) -> None:
    prefix = "old2:"
    store = RedisStore(redis_server.url, key_prefix=prefix)
    await store.open()
    await put(store, A, entry("op", "planned_operation"), entry("op2", "planned_operation"))
    await put(store, B, entry("ack", "ack", ref=ref(A, 0), response="WILCO"), stored_ms=6000)
    r = store._r
    kept = ("entries", "leaves", "cp", "cpdata", "tree", "nx", "refs", "witness", "cosig")
    for key in [k.decode() async for k in r.scan_iter(match=prefix + "*")]:
        if key[len(prefix) :].split(":")[0].split("|")[0] not in kept:
            await r.delete(key)
    await r.set(prefix + "version", 2)
    await store.close()
    store = RedisStore(redis_server.url, key_prefix=prefix)
    await store.open()
    try:
        assert await opened(store, A) == [1]
        assert await store.notice_ids(["ack"]) == {"ack": [(B, 0)]}
        (op,) = await store.notice_states(A, [0])
        assert op is not None and op.links == (Link("ack", B, 0, leaf(A, 0)),)
        (ack,) = await store.notice_states(B, [0])
        assert ack is not None and ack.appended_ms == 6000
    finally:
        await store.close()
