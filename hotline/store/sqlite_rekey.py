"""The upgrade of a SQLite store of version 7: three indexes keyed anew, so that what an append
adds to them is written at their end, on few pages.

- ``notice_ids``: each id by the key of :mod:`.sqlite_ids` (a hash of the whole id before), the
  store's secret made now.
- ``tree_nodes``: each node by its place in the order nodes are made
  (:func:`.treenodes.stored_index`; by level and index before).
- ``notices_live``: made again, by the hour a notice stops being live, then in feed order (by
  that time itself before: :data:`.sqlite_notices.LIVE_SQL`).

Each is copied by SQLite a row at a time from the table as it was into the table as this version
creates it: memory stays flat whatever the history. Tree nodes kept by this version already
(no ``level`` column) are left as they are.
"""

from __future__ import annotations

import sqlite3

from .sqlite_ids import id_keys
from .sqlite_notices import LIVE_INDEX
from .treenodes import stored_index


def rekey(conn: sqlite3.Connection, tree_nodes: str, notice_ids: str) -> None:
    """The indexes keyed anew, in the caller's transaction; ``tree_nodes`` and ``notice_ids``:
    the statements that create those tables as this version keeps them."""
    conn.create_function("hotline_id_key", 1, id_keys(conn), deterministic=True)
    conn.create_function("hotline_node_key", 2, stored_index, deterministic=True)
    try:
        _replace(
            conn,
            "notice_ids",
            notice_ids,
            "SELECT hotline_id_key(n.nid), i.origin, i.idx FROM notice_ids_old i JOIN notices n"
            " ON n.origin = i.origin AND n.idx = i.idx",
        )
        columns = {row[1] for row in conn.execute("PRAGMA table_info(tree_nodes)")}
        if "level" in columns:
            _replace(
                conn,
                "tree_nodes",
                tree_nodes,
                "SELECT origin, hotline_node_key(level, idx), hash FROM tree_nodes_old",
            )
        conn.execute("DROP INDEX IF EXISTS notices_live")
        conn.execute(LIVE_INDEX)
    finally:
        conn.create_function("hotline_id_key", 1, None)
        conn.create_function("hotline_node_key", 2, None)


def _replace(conn: sqlite3.Connection, table: str, create: str, rows: str) -> None:
    """``table`` made anew by ``create``, filled by ``rows`` (a SELECT from ``{table}_old``,
    the table as it was)."""
    conn.execute(f"ALTER TABLE {table} RENAME TO {table}_old")
    conn.execute(create)
    conn.execute(f"INSERT INTO {table} {rows}")
    conn.execute(f"DROP TABLE {table}_old")
