"""The upgrade of a SQLite store of version 7: three indexes keyed anew, so that what an append
adds to them is written at their end, on few pages.

- ``notice_ids``: each id by the key of :mod:`.sqlite_ids` (a hash of the whole id before), the
  store's secret made now.
- ``tree_nodes``: each node by its place in the order nodes are made
  (:func:`.treenodes.stored_index`; by level and index before).
- ``notices_live``: made again, by the hour a notice stops being live, then in feed order (by
  that time itself before: :data:`.sqlite_notices.LIVE_SQL`).

Each is copied by SQLite a row at a time into a table of the new keys, which then takes the old
one's place: memory stays flat whatever the history. Tree nodes kept by this version already
(no ``level`` column) are left as they are.
"""

from __future__ import annotations

import sqlite3

from .sqlite_ids import id_keys
from .sqlite_notices import LIVE_INDEX
from .treenodes import stored_index


def rekey(conn: sqlite3.Connection) -> None:
    """The indexes keyed anew, in the caller's transaction."""
    conn.create_function("hotline_id_key", 1, id_keys(conn), deterministic=True)
    conn.create_function("hotline_node_key", 2, stored_index, deterministic=True)
    try:
        _replace(
            conn,
            "notice_ids",
            "h INTEGER NOT NULL, origin TEXT NOT NULL, idx INTEGER NOT NULL,"
            " PRIMARY KEY (h, origin, idx)",
            "SELECT hotline_id_key(n.nid), i.origin, i.idx FROM notice_ids i JOIN notices n"
            " ON n.origin = i.origin AND n.idx = i.idx",
        )
        columns = {row[1] for row in conn.execute("PRAGMA table_info(tree_nodes)")}
        if "level" in columns:
            _replace(
                conn,
                "tree_nodes",
                "origin TEXT NOT NULL, n INTEGER NOT NULL, hash BLOB NOT NULL,"
                " PRIMARY KEY (origin, n)",
                "SELECT origin, hotline_node_key(level, idx), hash FROM tree_nodes",
            )
        conn.execute("DROP INDEX IF EXISTS notices_live")
        conn.execute(LIVE_INDEX)
    finally:
        conn.create_function("hotline_id_key", 1, None)
        conn.create_function("hotline_node_key", 2, None)


def _replace(conn: sqlite3.Connection, table: str, columns: str, rows: str) -> None:
    conn.execute(f"CREATE TABLE {table}_rekeyed ({columns}) WITHOUT ROWID")
    conn.execute(f"INSERT INTO {table}_rekeyed {rows}")
    conn.execute(f"DROP TABLE {table}")
    conn.execute(f"ALTER TABLE {table}_rekeyed RENAME TO {table}")
