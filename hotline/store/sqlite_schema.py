"""The SQLite store's schema, its versioning and its URL form."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from pathlib import Path

from ..errors import StoreError
from .base import CLOSING, RULED_KINDS, NoticeFacts, notice_facts
from .sqlite_ids import SECRET, id_keys, new_secret
from .sqlite_notices import LIVE_INDEX
from .sqlite_rekey import rekey
from .treenodes import completed_nodes

SCHEMA_VERSION = 8
# The Merkle trees' interior nodes, each keyed by its place in the order they are made (see
# hotline.store.treenodes).
_TREE = """
CREATE TABLE tree_nodes (
    origin TEXT NOT NULL, n INTEGER NOT NULL, hash BLOB NOT NULL,
    PRIMARY KEY (origin, n)) WITHOUT ROWID;
"""
# As versions 5 to 7 kept them: by level and index (what the upgrade of version 4 builds).
_TREE_V5 = """
CREATE TABLE tree_nodes (
    origin TEXT NOT NULL, level INTEGER NOT NULL, idx INTEGER NOT NULL, hash BLOB NOT NULL,
    PRIMARY KEY (origin, level, idx)) WITHOUT ROWID
"""
# Notice entries, with what a node reads of them on demand: their id, when they were appended
# here, the bracket of a peer entry whose claimed time was implausible. By notice time, newest
# first: one index per way a listing narrows them (all, one feed, one kind, one precedence), each
# ending in the listing's order, so that a page is read from an index in order (no sort) and
# continues where the previous one ended. ``links``: which entry refers to which (an ack's or
# cancel's ref, an update's supersedes) with the leaf hash it names. ``open_notices``: those that
# await the other side's answer. ``notice_ids``: the own feed's notice entries (those appended
# with ``append``) by a 64-bit key of their id that follows the order ids are made in
# (:mod:`.sqlite_ids`); the id itself is the ``nid`` of the notice's row. ``live_until``: of an
# operation or emergency, until when deconfliction looks at it (see base.notice_facts), indexed
# apart (``notices_live``): start-up reads only those still live, whatever the history.
_NOTICE_IDS = """CREATE TABLE notice_ids (
    h INTEGER NOT NULL, origin TEXT NOT NULL, idx INTEGER NOT NULL,
    PRIMARY KEY (h, origin, idx)) WITHOUT ROWID"""
_NOTICES = f"""
CREATE TABLE notices (
    origin TEXT NOT NULL, idx INTEGER NOT NULL, time_ms INTEGER NOT NULL, kind TEXT NOT NULL,
    precedence TEXT NOT NULL, nid TEXT NOT NULL, appended_ms INTEGER NOT NULL,
    implausible_after INTEGER, implausible_before INTEGER, live_until INTEGER,
    PRIMARY KEY (origin, idx)) WITHOUT ROWID;
CREATE INDEX notices_by_time ON notices (time_ms, origin, idx);
CREATE INDEX notices_by_origin ON notices (origin, time_ms, idx);
CREATE INDEX notices_by_kind ON notices (kind, time_ms, origin, idx);
CREATE INDEX notices_by_precedence ON notices (precedence, time_ms, origin, idx);
{LIVE_INDEX};
{_NOTICE_IDS};
CREATE TABLE links (
    t_origin TEXT NOT NULL, t_idx INTEGER NOT NULL, origin TEXT NOT NULL, idx INTEGER NOT NULL,
    how TEXT NOT NULL, t_leaf BLOB NOT NULL,
    PRIMARY KEY (t_origin, t_idx, origin, idx, how)) WITHOUT ROWID;
CREATE TABLE open_notices (
    origin TEXT NOT NULL, idx INTEGER NOT NULL, PRIMARY KEY (origin, idx)) WITHOUT ROWID;
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
    + _TREE
    + _NOTICES
)


def _build_trees(conn: sqlite3.Connection) -> None:
    """Store the trees' interior nodes of a store of version 4 (every leaf read once), as
    version 5 kept them."""
    conn.execute(_TREE_V5)
    for (origin,) in conn.execute("SELECT origin FROM feeds").fetchall():
        leaves = conn.execute(
            "SELECT leaf_hash FROM entries WHERE origin = ? ORDER BY idx", (origin,)
        )
        nodes = completed_nodes(0, [], (bytes(h) for (h,) in leaves))
        conn.executemany(
            "INSERT INTO tree_nodes (origin, level, idx, hash) VALUES (?, ?, ?, ?)",
            ((origin, *node) for node in nodes),
        )


def _index_notices(conn: sqlite3.Connection) -> None:
    """Index the notice entries a store of version 5 holds (every entry read once, in feed
    order, as the appends would have indexed them): their ids, when they were appended (their
    batch's checkpoint), the links between them and the notices still open. A flag of an
    implausible time is set only as entries arrive, and is not made again here."""
    for table in ("notices", "links", "open_notices", "notice_ids"):  # rebuilt whole
        conn.execute(f"DROP TABLE IF EXISTS {table}")
    for statement in filter(str.strip, _NOTICES.split(";")):
        conn.execute(statement)
    origins = [o for (o,) in conn.execute("SELECT origin FROM feeds ORDER BY origin").fetchall()]
    for origin in origins:
        sizes = conn.execute(
            "SELECT size, stored_ms FROM checkpoints WHERE origin = ? ORDER BY size", (origin,)
        ).fetchall()
        rows = conn.execute(
            "SELECT idx, entry FROM entries WHERE origin = ? ORDER BY idx", (origin,)
        ).fetchall()
        at = 0
        found = []
        for idx, entry in rows:
            while at < len(sizes) and sizes[at][0] <= idx:
                at += 1
            facts = notice_facts(bytes(entry))
            if facts is not None:
                found.append((idx, facts, sizes[at][1] if at < len(sizes) else facts.time_ms, None))
        index_notices(conn, origin, found, id_keys(conn))


def _index_live(conn: sqlite3.Connection) -> None:
    """Keep until when deconfliction looks at each operation and emergency a store of version 6
    holds (those entries read once, by the kind index)."""
    columns = {row[1] for row in conn.execute("PRAGMA table_info(notices)")}
    if "live_until" not in columns:  # a store upgraded from 5 has it already
        conn.execute("ALTER TABLE notices ADD COLUMN live_until INTEGER")
    conn.execute(
        "CREATE INDEX IF NOT EXISTS notices_live ON notices (origin, live_until, idx)"
        " WHERE live_until IS NOT NULL"
    )
    marks = ", ".join("?" * len(RULED_KINDS))
    rows = conn.execute(
        "SELECT n.origin, n.idx, e.entry FROM notices n JOIN entries e ON e.origin = n.origin"
        f" AND e.idx = n.idx WHERE n.kind IN ({marks})",
        RULED_KINDS,
    )
    updates = []
    for origin, idx, entry in rows:
        facts = notice_facts(bytes(entry))
        if facts is not None and facts.live_until is not None:
            updates.append((facts.live_until, origin, idx))
    conn.executemany("UPDATE notices SET live_until = ? WHERE origin = ? AND idx = ?", updates)


INSERT_NODE = "INSERT INTO tree_nodes (origin, n, hash) VALUES (?, ?, ?)"
INSERT_NOTICE = (
    "INSERT INTO notices (origin, idx, time_ms, kind, precedence, nid, appended_ms,"
    " implausible_after, implausible_before, live_until) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)


def index_notices(
    conn: sqlite3.Connection,
    origin: str,
    notices: Sequence[tuple[int, NoticeFacts, int, tuple[int, int] | None]],
    ids: Callable[[str], int] | None,
) -> None:
    """Index notice entries just stored, in feed order, as (index, facts, appended time,
    implausible bracket): their rows, their links, and the open set (an entry a link answers
    is no longer open; one that needs an answer is open unless a link gave it already). The
    rows go in at once; links and the open set only for the entries that have them. ``ids``:
    the key of each notice id (:class:`.sqlite_ids.IdKeys`), to index their ids too (the own
    feed's), or None."""
    conn.executemany(
        INSERT_NOTICE,
        (
            (
                origin,
                i,
                f.time_ms,
                f.kind,
                f.precedence,
                f.id,
                ms,
                *(flag or (None, None)),
                f.live_until,
            )
            for i, f, ms, flag in notices
        ),
    )
    if ids is not None:
        conn.executemany(
            "INSERT INTO notice_ids (h, origin, idx) VALUES (?, ?, ?)",
            ((ids(f.id), origin, i) for i, f, _, _ in notices),
        )
    for idx, facts, _, _ in notices:
        if facts.refs or facts.needs_ack:
            _index_links(conn, origin, idx, facts)


def _index_links(conn: sqlite3.Connection, origin: str, idx: int, facts: NoticeFacts) -> None:
    for how, t_origin, t_idx, t_leaf in facts.refs:
        conn.execute(
            "INSERT OR IGNORE INTO links (t_origin, t_idx, origin, idx, how, t_leaf)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (t_origin, t_idx, origin, idx, how, t_leaf),
        )
        if how in CLOSING:
            conn.execute(
                "DELETE FROM open_notices WHERE origin = ? AND idx = ? AND EXISTS (SELECT 1 FROM"
                " entries WHERE origin = ? AND idx = ? AND leaf_hash = ?)",
                (t_origin, t_idx, t_origin, t_idx, t_leaf),
            )
    if facts.needs_ack:
        conn.execute(
            "INSERT INTO open_notices (origin, idx) SELECT ?, ? WHERE NOT EXISTS (SELECT 1 FROM"
            " links JOIN entries ON entries.origin = links.t_origin AND entries.idx = links.t_idx"
            " AND entries.leaf_hash = links.t_leaf WHERE t_origin = ? AND t_idx = ?"
            f" AND how IN {CLOSING})",
            (origin, idx, origin, idx),
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
    4: _build_trees,
    5: _index_notices,
    6: _index_live,
    7: lambda conn: rekey(conn, _TREE.strip().rstrip(";"), _NOTICE_IDS),
}


def _migrate(conn: sqlite3.Connection, path: Path) -> None:
    """Create the schema in an empty file, or upgrade an older version of it step by step;
    refuse a file of another application or of a newer schema."""
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if not tables:
        conn.executescript(
            f"BEGIN IMMEDIATE; {_SCHEMA} INSERT INTO store_info VALUES"
            f" ('schema_version', '{SCHEMA_VERSION}'), ('{SECRET}', '{new_secret()}'); COMMIT;"
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
