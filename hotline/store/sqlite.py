"""SQLite store: the embedded default, one file per node (:mod:`.sqlite_base`: its connections
and writes; :mod:`.sqlite_records`: the records beside the feeds; here, the feeds and their
notices).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping, Sequence

from hotline.errors import StoreError
from hotline.store.base import (
    CheckpointRecord,
    CosignatureRecord,
    Link,
    NoticeKey,
    NoticeQuery,
    NoticeState,
    TimeRange,
    check_append,
)

from .sqlite_base import LOOP_WRITE_ROWS
from .sqlite_notices import LIVE_SQL, OPEN_BY_TIME_SQL, OPEN_SQL, live_params, notice_page_sql
from .sqlite_records import SqliteRecords
from .sqlite_tx import (
    ids_held,
    read_nodes,
    write_append,
    write_cosignature,
    write_witness,
)

__all__ = ["LOOP_WRITE_ROWS", "SqliteStore"]


class SqliteStore(SqliteRecords):
    """The :class:`~hotline.store.base.Store` in a SQLite file."""

    # --- feeds ---

    async def append(
        self,
        origin: str,
        start: int,
        entries: Sequence[tuple[bytes, bytes]],
        checkpoint: CheckpointRecord | None = None,
        refs: Mapping[str, int] | None = None,
    ) -> None:
        check_append(origin, start, entries, checkpoint, refs)
        ids = self._keys()
        await self._write(
            lambda conn: write_append(conn, origin, start, entries, checkpoint, refs, None, ids),
            len(entries),
        )

    async def append_cosigned(
        self,
        origin: str,
        start: int,
        entries: Sequence[tuple[bytes, bytes]],
        checkpoint: CheckpointRecord,
        witness: tuple[tuple[int, bytes] | None, tuple[int, bytes]],
        cosignature: CosignatureRecord,
        implausible: Mapping[int, tuple[int, int]] | None = None,
    ) -> None:
        check_append(origin, start, entries, checkpoint, None)

        def tx(conn: sqlite3.Connection) -> None:
            write_witness(conn, origin, *witness)
            write_append(conn, origin, start, entries, checkpoint, None, implausible)
            write_cosignature(conn, cosignature, checkpoint.note)

        await self._write(tx, len(entries), commit_aside=True)

    async def size(self, origin: str) -> int:
        rows = await self._query("SELECT size FROM feeds WHERE origin = ?", origin)
        return int(rows[0][0]) if rows else 0

    async def entries(self, origin: str, start: int, end: int) -> list[bytes]:
        if start < 0:
            raise ValueError(f"entries start must be >= 0, got {start}")
        sql = "SELECT entry FROM entries WHERE origin = ? AND idx >= ? AND idx < ? ORDER BY idx"
        return [bytes(r[0]) for r in await self._query(sql, origin, start, end)]

    async def entries_at(self, origin: str, indexes: Sequence[int]) -> list[bytes]:
        wanted = sorted(set(indexes))
        found: dict[int, bytes] = {}
        for first in range(0, len(wanted), 500):  # within SQLite's limit of parameters
            chunk = wanted[first : first + 500]
            sql = (
                "SELECT idx, entry FROM entries WHERE origin = ?"
                f" AND idx IN ({', '.join('?' * len(chunk))})"
            )
            found.update((int(i), bytes(e)) for i, e in await self._query(sql, origin, *chunk))
        return [_at(found, origin, i) for i in indexes]

    async def leaf_hashes(self, origin: str) -> list[bytes]:
        sql = "SELECT leaf_hash FROM entries WHERE origin = ? ORDER BY idx"
        return [bytes(r[0]) for r in await self._query(sql, origin)]

    async def tree_hashes(self, origin: str, nodes: Sequence[tuple[int, int]]) -> list[bytes]:
        def read() -> list[bytes]:
            if self._reader is None:
                raise StoreError(f"SQLite store {self.path} is not open")
            return read_nodes(self._reader, origin, nodes)

        return await self._run(read)

    async def notice_keys(self, query: NoticeQuery, limit: int) -> list[NoticeKey]:
        sql, params = notice_page_sql(query, limit)
        return [NoticeKey(int(t), str(o), int(i)) for t, o, i in await self._query(sql, *params)]

    async def notice_states(self, origin: str, indexes: Sequence[int]) -> list[NoticeState | None]:
        wanted = sorted(set(indexes))
        found: dict[int, NoticeState] = {}
        for first in range(0, len(wanted), 500):  # within SQLite's limit of parameters
            chunk = wanted[first : first + 500]
            marks = ", ".join("?" * len(chunk))
            rows = await self._query(
                "SELECT n.idx, e.entry, e.leaf_hash, n.appended_ms, n.implausible_after,"
                " n.implausible_before FROM notices n JOIN entries e ON e.origin = n.origin"
                f" AND e.idx = n.idx WHERE n.origin = ? AND n.idx IN ({marks})",
                origin,
                *chunk,
            )
            links = await self._query(
                "SELECT t_idx, how, origin, idx, t_leaf FROM links WHERE t_origin = ?"
                f" AND t_idx IN ({marks}) ORDER BY t_idx, origin, idx",
                origin,
                *chunk,
            )
            by_target: dict[int, list[Link]] = {}
            for t_idx, how, o, i, leaf in links:
                by_target.setdefault(t_idx, []).append(Link(how, o, i, bytes(leaf)))
            for idx, entry, leaf, appended, after, before in rows:
                flag = None if after is None else (int(after), int(before))
                links_in = tuple(by_target.get(idx, ()))
                found[idx] = NoticeState(
                    origin, idx, bytes(entry), bytes(leaf), int(appended), flag, links_in
                )
        return [found.get(i) for i in indexes]

    async def notice_ids(self, notice_ids: Sequence[str]) -> dict[str, list[tuple[str, int]]]:
        def read() -> list[tuple[str, str, int]]:
            if self._reader is None:
                raise StoreError(f"SQLite store {self.path} is not open")
            return ids_held(self._reader, notice_ids, self._keys())

        found: dict[str, list[tuple[str, int]]] = {}
        for nid, origin, idx in await self._run(read) if notice_ids else []:
            found.setdefault(nid, []).append((origin, idx))
        return found

    async def live_notices(self, origin: str, now_ms: int) -> list[int]:
        return sorted(int(i) for (i,) in await self._query(LIVE_SQL, *live_params(origin, now_ms)))

    async def open_notices(
        self, origin: str, times: Mapping[str, TimeRange] | None = None, limit: int | None = None
    ) -> list[tuple[int, int, str]]:
        if times is None:
            rows = await self._query(f"{OPEN_SQL} ORDER BY o.idx", origin)
        else:
            rows = []
            for p, (after, until) in times.items():
                rows += await self._query(OPEN_BY_TIME_SQL, p, after, until, origin, limit or -1)
        return sorted((int(i), int(t), str(p)) for i, t, p in rows)


def _at(found: Mapping[int, bytes], origin: str, index: int) -> bytes:
    entry = found.get(index)
    if entry is None:
        raise StoreError(f"no entry {index} of {origin!r} is stored")
    return entry
