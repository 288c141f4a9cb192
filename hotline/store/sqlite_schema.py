"""The SQLite store's schema, its versioning and its URL form."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path

from ..errors import StoreError
from .base import notice_facets
from .treenodes import completed_nodes

SCHEMA_VERSION = 5
# The Merkle trees' interior nodes (see hotline.store.treenodes) and notice entries by notice
# time, newest first: one index per way a listing narrows them (all,
# one feed, one kind, one precedence), each ending in the listing's order, so that a page is read
# from an index in order (no sort) and continues where the previous one ended.
_NOTICES = """
CREATE TABLE notices (
    origin TEXT NOT NULL, idx INTEGER NOT NULL, time_ms INTEGER NOT NULL, kind TEXT NOT NULL,
    precedence TEXT NOT NULL, PRIMARY KEY (origin, idx)) WITHOUT ROWID;
CREATE INDEX notices_by_time ON notices (time_ms, origin, idx);
CREATE INDEX notices_by_origin ON notices (origin, time_ms, idx);
CREATE INDEX notices_by_kind ON notices (kind, time_ms, origin, idx);
CREATE INDEX notices_by_precedence ON notices (precedence, time_ms, origin, idx);
CREATE TABLE tree_nodes (
    origin TEXT NOT NULL, level INTEGER NOT NULL, idx INTEGER NOT NULL, hash BLOB NOT NULL,
    PRIMARY KEY (origin, level, idx)) WITHOUT ROWID;
"""
_SCHEMA = (
    """
CREATE TABLE store_info (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE feeds (origin TEXT PRIMARY KEY, size INTEGER NOT NULL);
CREATE TABLE entries (
    origin TEXT NOT NULL REFERENCES feeds (origin), idx INTEGER NOT NULL,
    entry BLOB NOT NULL, leaf_hash BLOB NOT NULL, PRIMARY KEY (origin, idx));
CREATE TABLE checkpoints (
    origin TEXT NOT NULL, size INTEGER NOT NULL, root BLOB NOT NULL, note BLOB NOT NULL,
    stored_ms INTEGER NOT NULL, PRIMARY KEY (origin, size));
CREATE TABLE cosignatures (
    origin TEXT NOT NULL, size INTEGER NOT NULL, witness TEXT NOT NULL,
    timestamp INTEGER NOT NULL, received_ms INTEGER NOT NULL,
    PRIMARY KEY (origin, size, witness),
    FOREIGN KEY (origin, size) REFERENCES checkpoints (origin, size));
CREATE TABLE heartbeats (
    origin TEXT NOT NULL, size INTEGER NOT NULL, witness TEXT NOT NULL,
    timestamp INTEGER NOT NULL, line TEXT NOT NULL, received_ms INTEGER NOT NULL,
    PRIMARY KEY (origin, witness, timestamp),
    FOREIGN KEY (origin, size) REFERENCES checkpoints (origin, size));
CREATE TABLE witness_state (origin TEXT PRIMARY KEY, size INTEGER NOT NULL, root BLOB NOT NULL);
CREATE TABLE refs (
    key TEXT PRIMARY KEY, origin TEXT NOT NULL, idx INTEGER NOT NULL,
    FOREIGN KEY (origin, idx) REFERENCES entries (origin, idx));
CREATE TABLE users (
    name TEXT PRIMARY KEY, role TEXT NOT NULL, token_hash TEXT NOT NULL UNIQUE,
    created_ms INTEGER NOT NULL, revoked_ms INTEGER, nation TEXT, unit TEXT);
CREATE TABLE evidence (
    id INTEGER PRIMARY KEY AUTOINCREMENT, time_ms INTEGER NOT NULL, source TEXT NOT NULL,
    reason TEXT NOT NULL, detail TEXT NOT NULL, raw BLOB NOT NULL, size INTEGER, sha256 BLOB);
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""
    + _NOTICES
)


def _index_notices(conn: sqlite3.Connection) -> None:
    """Index the notice entries a store of version 4 holds and store its trees' interior nodes
    (every entry read once, a row at a time)."""
    for statement in filter(str.strip, _NOTICES.split(";")):
        conn.execute(statement)
    rows = conn.execute("SELECT origin, idx, entry FROM entries ORDER BY origin, idx")

    def facets() -> Iterator[tuple[str, int, int, str, str]]:
        for origin, idx, entry in rows:
            found = notice_facets(bytes(entry))
            if found is not None:
                yield origin, idx, *found

    conn.executemany(INSERT_NOTICE, facets())
    for (origin,) in conn.execute("SELECT origin FROM feeds").fetchall():
        leaves = conn.execute(
            "SELECT leaf_hash FROM entries WHERE origin = ? ORDER BY idx", (origin,)
        )
        nodes = completed_nodes(0, [], (bytes(h) for (h,) in leaves))
        conn.executemany(INSERT_NODE, ((origin, *node) for node in nodes))


INSERT_NODE = "INSERT INTO tree_nodes (origin, level, idx, hash) VALUES (?, ?, ?, ?)"
INSERT_NOTICE = (
    "INSERT INTO notices (origin, idx, time_ms, kind, precedence) VALUES (?, ?, ?, ?, ?)"
)
# What takes a store of version N to version N + 1, in one transaction with the version's update.
_UPGRADES: dict[int, str | Callable[[sqlite3.Connection], None]] = {
    1: "ALTER TABLE users ADD COLUMN nation TEXT; ALTER TABLE users ADD COLUMN unit TEXT;",
    2: "CREATE TABLE heartbeats ("
    " origin TEXT NOT NULL, size INTEGER NOT NULL, witness TEXT NOT NULL,"
    " timestamp INTEGER NOT NULL, line TEXT NOT NULL, received_ms INTEGER NOT NULL,"
    " PRIMARY KEY (origin, witness, timestamp),"
    " FOREIGN KEY (origin, size) REFERENCES checkpoints (origin, size));",
    # evidence keeps the first bytes of refused input, its length and digest (NULL: kept whole)
    3: "ALTER TABLE evidence ADD COLUMN size INTEGER; ALTER TABLE evidence ADD COLUMN sha256 BLOB;",
    4: _index_notices,
}


def _migrate(conn: sqlite3.Connection, path: Path) -> None:
    """Create the schema in an empty file, or upgrade an older version of it step by step;
    refuse a file of another application or of a newer schema."""
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if not tables:
        conn.executescript(
            f"BEGIN IMMEDIATE; {_SCHEMA} INSERT INTO store_info VALUES"
            f" ('schema_version', '{SCHEMA_VERSION}'); COMMIT;"
        )
        return
    if "store_info" not in tables:
        raise StoreError(f"{path} is a SQLite file but not a Hotline store")
    row = conn.execute("SELECT value FROM store_info WHERE key = 'schema_version'").fetchone()
    found = row[0] if row else "missing"
    version = int(found) if isinstance(found, str) and found.isdigit() else None
    if version is None or not 1 <= version <= SCHEMA_VERSION:
        raise StoreError(f"{path}: schema version {found}, this node needs {SCHEMA_VERSION}")
    while version < SCHEMA_VERSION:
        _upgrade(conn, version)
        version += 1


def _upgrade(conn: sqlite3.Connection, version: int) -> None:
    """Take the store from ``version`` to the next in one transaction."""
    step = _UPGRADES[version]
    bump = f"UPDATE store_info SET value = '{version + 1}' WHERE key = 'schema_version'"
    if isinstance(step, str):
        conn.executescript(f"BEGIN IMMEDIATE; {step} {bump}; COMMIT;")
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        step(conn)
        conn.execute(bump)
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise


def sqlite_path(url: str) -> Path:
    """The file of ``sqlite:///relative/path.db`` or ``sqlite:////absolute/path.db``."""
    prefix = "sqlite:///"
    if not url.startswith(prefix) or len(url) == len(prefix):
        raise StoreError(f"not a SQLite store URL: {url!r} (use sqlite:///path/to/node.db)")
    path = url[len(prefix) :]
    if path == ":memory:":
        raise StoreError("an in-memory SQLite store is not durable; give a file path")
    return Path(path)
