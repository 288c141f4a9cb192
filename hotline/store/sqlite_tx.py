"""The SQLite store's writes, as functions of a connection inside a transaction: each checks
before it writes and raises StoreConflict (or StoreError) for the caller's transaction to roll
back."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Mapping, Sequence

from ..errors import DuplicateIds, StoreConflict, StoreError
from .base import CheckpointRecord, CosignatureRecord, notice_facts
from .sqlite_ids import IdKeys
from .sqlite_schema import INSERT_NODE, index_notices
from .treenodes import completed_nodes, edge_nodes, stored_index


def write_append(
    conn: sqlite3.Connection,
    origin: str,
    start: int,
    entries: Sequence[tuple[bytes, bytes]],
    checkpoint: CheckpointRecord | None,
    refs: Mapping[str, int] | None,
    implausible: Mapping[int, tuple[int, int]] | None = None,
    ids: IdKeys | None = None,
) -> None:
    """Append ``entries`` at ``start`` with what indexes them. ``ids``: the store's keys of
    notice ids, for the own feed's appends: a notice id the feed holds already is refused
    (DuplicateIds) and the new ones are indexed."""
    row = conn.execute("SELECT size FROM feeds WHERE origin = ?", (origin,)).fetchone()
    size = row[0] if row else 0
    if size != start:
        raise StoreConflict(
            f"append to {origin!r} at {start}, but its size is {size}", expected=start, found=size
        )
    taken = [k for k in refs or {} if exists(conn, "refs", "key", k)]
    if taken:
        raise StoreConflict(f"idempotency keys already used: {taken}", found=taken)
    facts = [notice_facts(e) for e, _ in entries]
    key_of: Callable[[str], int] | None = None
    if ids is not None:  # each id's key made once, for the check and the index
        key_of = {f.id: ids(f.id) for f in facts if f is not None}.__getitem__
        new = [f.id for f in facts if f is not None]
        held = sorted(nid for nid, o, _ in ids_held(conn, new, key_of) if o == origin)
        if held:
            raise DuplicateIds(f"notice ids already in {origin!r}: {held}", found=held)
    conn.execute(
        "INSERT INTO feeds (origin, size) VALUES (?, ?)"
        " ON CONFLICT (origin) DO UPDATE SET size = excluded.size",
        (origin, start + len(entries)),
    )
    conn.executemany(
        "INSERT INTO entries (origin, idx, entry, leaf_hash) VALUES (?, ?, ?, ?)",
        ((origin, start + i, e, h) for i, (e, h) in enumerate(entries)),
    )
    if entries:
        edge = read_nodes(conn, origin, edge_nodes(start))
        nodes = completed_nodes(start, edge, (h for _, h in entries))
        conn.executemany(
            INSERT_NODE, ((origin, stored_index(level, i), h) for level, i, h in nodes)
        )
    flags = implausible or {}
    index_notices(
        conn,
        origin,
        [
            (i, f, f.time_ms if checkpoint is None else checkpoint.stored_ms, flags.get(i))
            for i, f in enumerate(facts, start)
            if f is not None
        ],
        key_of,
    )
    if checkpoint is not None:
        write_checkpoint(conn, checkpoint)
    conn.executemany(
        "INSERT INTO refs (key, origin, idx) VALUES (?, ?, ?)",
        ((k, origin, i) for k, i in (refs or {}).items()),
    )


def ids_held(
    conn: sqlite3.Connection, ids: Sequence[str], key: Callable[[str], int]
) -> list[tuple[str, str, int]]:
    """(id, origin, index) of every indexed notice entry holding one of ``ids``, by id, origin,
    index (``key``: the store's keys of notice ids)."""
    found: list[tuple[str, str, int]] = []
    wanted = set(ids)
    keys = sorted({key(i) for i in wanted})
    for first in range(0, len(keys), 500):  # within SQLite's limit of parameters
        chunk = keys[first : first + 500]
        rows = conn.execute(
            "SELECT n.nid, n.origin, n.idx FROM notice_ids i JOIN notices n ON n.origin ="
            f" i.origin AND n.idx = i.idx WHERE i.h IN ({', '.join('?' * len(chunk))})",
            chunk,
        )
        found += [(str(nid), str(o), int(i)) for nid, o, i in rows if nid in wanted]
    return sorted(found)


def read_nodes(
    conn: sqlite3.Connection, origin: str, nodes: Sequence[tuple[int, int]]
) -> list[bytes]:
    """The hashes of complete subtrees (level, index) of ``origin``'s tree (level 0: leaf
    hashes); StoreError if one is not stored."""
    out = []
    for level, index in nodes:
        row = (
            conn.execute(
                "SELECT leaf_hash FROM entries WHERE origin = ? AND idx = ?", (origin, index)
            ).fetchone()
            if level == 0
            else conn.execute(
                "SELECT hash FROM tree_nodes WHERE origin = ? AND n = ?",
                (origin, stored_index(level, index)),
            ).fetchone()
        )
        if row is None:
            raise StoreError(f"no node ({level}, {index}) of the tree of {origin!r} is stored")
        out.append(bytes(row[0]))
    return out


def write_cosignature(conn: sqlite3.Connection, record: CosignatureRecord, note: bytes) -> None:
    cur = conn.execute(
        "UPDATE checkpoints SET note = ? WHERE origin = ? AND size = ?",
        (note, record.origin, record.size),
    )
    if cur.rowcount != 1:
        raise StoreError(f"no checkpoint of {record.origin!r} at size {record.size}")
    conn.execute(
        "INSERT OR REPLACE INTO cosignatures"
        " (origin, size, witness, timestamp, received_ms) VALUES (?, ?, ?, ?, ?)",
        (record.origin, record.size, record.witness, record.timestamp, record.received_ms),
    )


def write_witness(
    conn: sqlite3.Connection, origin: str, old: tuple[int, bytes] | None, new: tuple[int, bytes]
) -> None:
    row = conn.execute(
        "SELECT size, root FROM witness_state WHERE origin = ?", (origin,)
    ).fetchone()
    found = (int(row[0]), bytes(row[1])) if row else None
    if found != old:
        raise StoreConflict(f"witness state of {origin!r} changed", expected=old, found=found)
    conn.execute(
        "INSERT INTO witness_state (origin, size, root) VALUES (?, ?, ?)"
        " ON CONFLICT (origin) DO UPDATE SET size = excluded.size, root = excluded.root",
        (origin, *new),
    )


def exists(conn: sqlite3.Connection, table: str, column: str, value: object) -> bool:
    sql = f"SELECT 1 FROM {table} WHERE {column} = ?"
    return conn.execute(sql, (value,)).fetchone() is not None


def write_checkpoint(conn: sqlite3.Connection, cp: CheckpointRecord) -> None:
    row = conn.execute(
        "SELECT root FROM checkpoints WHERE origin = ? AND size = ?", (cp.origin, cp.size)
    ).fetchone()
    if row is not None and bytes(row[0]) != cp.root:
        raise StoreConflict(
            f"checkpoint of {cp.origin!r} at size {cp.size} is stored with another root",
            expected=bytes(row[0]),
            found=cp.root,
        )
    conn.execute(
        "INSERT INTO checkpoints (origin, size, root, note, stored_ms) VALUES (?, ?, ?, ?, ?)"
        " ON CONFLICT (origin, size) DO UPDATE SET note = excluded.note,"
        " stored_ms = excluded.stored_ms",
        (cp.origin, cp.size, cp.root, cp.note, cp.stored_ms),
    )
