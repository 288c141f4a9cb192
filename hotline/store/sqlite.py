"""SQLite store: the embedded default, one file per node.

The file runs in WAL mode with ``synchronous=FULL`` and foreign keys on. Every write is one
``BEGIN IMMEDIATE ... COMMIT`` transaction and returns once it is committed, i.e. the WAL is
fsynced (a whole append batch, with its checkpoint and refs, is one commit). Writes go one at a
time: on the event loop's own thread (everything but appends of more than ``LOOP_WRITE_ROWS``
entries), or a bigger append on a writer thread. Reads run on a thread of their own, on a
second connection (WAL readers never wait for the writer, nor block it).

Why writes stay on the loop's thread: the sqlite3 module releases the GIL around every call into
SQLite (a row of an ``executemany`` is one), and a thread that wants it back while the event loop
runs Python code waits up to the interpreter's switch interval (5 ms) each time. A commit of one
entry makes about ten such calls, so on a busy node a FLASH post's write took up to 10-20 ms in a
thread for 0.3 ms of work, and a batch of 80 entries 17 ms for 1 ms; on the loop's thread they
take the 0.3 and 1 ms (a full sequencer batch of 512 entries about 3 ms). A FLASH waits for the
write ahead of it either way, and the GIL's back-and-forth also cost the loop CPU. Only what is
bigger than a sequencer's batch (a catch-up run of up to 4,096 entries from the peer) goes to the
writer thread, so that the loop goes on while it is written and fsynced.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from hotline.errors import StoreConflict, StoreError
from hotline.store.base import (
    CheckpointRecord,
    CosignatureRecord,
    EvidenceRecord,
    HeartbeatRecord,
    Link,
    NoticeKey,
    NoticeQuery,
    NoticeState,
    TimeRange,
    UserRecord,
    check_append,
)

from .sqlite_notices import LIVE_SQL, OPEN_BY_TIME_SQL, OPEN_SQL, notice_page_sql
from .sqlite_schema import SCHEMA_VERSION, _migrate, sqlite_path
from .sqlite_tx import (
    exists,
    ids_held,
    read_nodes,
    write_append,
    write_checkpoint,
    write_cosignature,
    write_witness,
)
from .sqlite_wal import LIMIT_FRAMES, WalCheckpointer

T = TypeVar("T")
Tx = Callable[[sqlite3.Connection], T]
LOOP_WRITE_ROWS = 512  # appends of more entries (not a sequencer batch) go to the writer thread


class SqliteStore:
    """The :class:`~hotline.store.base.Store` on a SQLite file."""

    def __init__(self, url: str, wal_limit_frames: int = LIMIT_FRAMES) -> None:
        self.url = url
        self.path = sqlite_path(url)
        self.wal_limit_frames = wal_limit_frames  # see .sqlite_wal
        self._conn: sqlite3.Connection | None = None  # writes, one at a time
        self._reader: sqlite3.Connection | None = None  # reads, on the worker thread
        self._executor: ThreadPoolExecutor | None = None  # the one worker thread for reads
        self._writer: ThreadPoolExecutor | None = None  # the thread for big writes
        self._writing: asyncio.Future[Any] | None = None  # a write on the writer thread
        self._checkpointer: WalCheckpointer | None = None

    # --- plumbing ---

    async def _run(self, fn: Callable[..., T], *args: Any) -> T:
        """Run ``fn`` on the reading thread."""
        if self._executor is None:
            raise StoreError(f"SQLite store {self.path} is not open")
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, self._guarded, fn, args)

    def _guarded(self, fn: Callable[..., T], args: tuple[Any, ...]) -> T:
        try:
            return fn(*args)
        except sqlite3.Error as exc:
            raise StoreError(f"SQLite store {self.path}: {exc}") from exc

    def _db(self) -> sqlite3.Connection:
        if self._conn is None:
            raise StoreError(f"SQLite store {self.path} is not open")
        return self._conn

    def _read(self, sql: str, params: Sequence[object] = ()) -> list[Any]:
        if self._reader is None:
            raise StoreError(f"SQLite store {self.path} is not open")
        return self._reader.execute(sql, params).fetchall()

    async def _write(self, fn: Tx[T], rows: int = 0) -> T:
        """Run ``fn`` in a transaction of its own; returns once it is committed. Anything ``fn``
        raises rolls the transaction back and reaches the caller (a SQLite error as
        StoreError). ``rows`` above LOOP_WRITE_ROWS: on the writer thread."""
        while self._writing is not None:  # the connection is the writer thread's until done
            await asyncio.wait([self._writing])

        def tx() -> T:
            return self._tx(fn)

        if rows <= LOOP_WRITE_ROWS or self._writer is None:
            return self._guarded(tx, ())
        loop = asyncio.get_running_loop()
        writing: asyncio.Future[T] = loop.run_in_executor(self._writer, self._guarded, tx, ())
        self._writing = writing
        writing.add_done_callback(self._written)
        return await asyncio.shield(writing)  # the write stands if the caller goes

    def _written(self, writing: asyncio.Future[Any]) -> None:
        if self._writing is writing:
            self._writing = None
        if not writing.cancelled():
            writing.exception()  # its caller may be gone: the outcome counts as seen

    def _tx(self, fn: Tx[T]) -> T:
        conn = self._db()
        conn.execute("BEGIN IMMEDIATE")
        try:
            result = fn(conn)
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        if self._checkpointer is not None:
            self._checkpointer.committed()
        return result

    async def _query(self, sql: str, *params: object) -> list[Any]:
        return await self._run(self._read, sql, params)

    async def _exec(self, sql: str, *params: object) -> int:
        return await self._write(lambda conn: conn.execute(sql, params).rowcount)

    # --- lifecycle ---

    async def open(self) -> None:
        if self._conn is not None:
            return
        conn = self._connect(check_same_thread=False)  # the writer thread takes turns with it
        try:
            _configure(conn, self.path, self.wal_limit_frames)
            _migrate(conn, self.path)
        except sqlite3.DatabaseError as exc:
            conn.close()
            raise StoreError(f"cannot open SQLite store {self.path}: {exc}") from exc
        except BaseException:
            conn.close()
            raise
        executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="hotline-sqlite")
        try:
            reader = await asyncio.get_running_loop().run_in_executor(executor, self._connect)
        except BaseException:
            executor.shutdown(wait=True)
            conn.close()
            raise
        self._conn, self._reader, self._executor = conn, reader, executor
        self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="hotline-sqlite-w")
        self._checkpointer = WalCheckpointer(self.path, limit_frames=self.wal_limit_frames)
        self._checkpointer.start()

    def _connect(self, check_same_thread: bool = True) -> sqlite3.Connection:
        if not self.path.parent.is_dir():
            raise StoreError(
                f"cannot open SQLite store {self.path}: no directory {self.path.parent}"
            )
        try:
            conn = sqlite3.connect(
                self.path, isolation_level=None, check_same_thread=check_same_thread
            )
            conn.execute("PRAGMA busy_timeout=5000")
        except sqlite3.Error as exc:
            raise StoreError(f"cannot open SQLite store {self.path}: {exc}") from exc
        return conn

    async def close(self) -> None:
        if self._conn is None:
            return
        while self._writing is not None:  # a big write is committed first
            await asyncio.wait([self._writing])
        if self._writer is not None:
            self._writer.shutdown(wait=True)
            self._writer = None
        if self._checkpointer is not None:
            await asyncio.to_thread(self._checkpointer.stop)
            self._checkpointer = None
        self._conn.close()
        self._conn = None
        executor, self._executor = self._executor, None
        if executor is not None:
            executor.submit(self._close_reader).result()
            executor.shutdown(wait=True)

    def _close_reader(self) -> None:
        if self._reader is not None:
            self._reader.close()
            self._reader = None

    async def durability(self) -> dict[str, str]:
        """The settings that make writes durable, as the connection reports them."""
        sql = "SELECT * FROM pragma_journal_mode, pragma_synchronous, pragma_foreign_keys"
        journal, sync, fks = self._guarded(lambda: self._db().execute(sql).fetchone(), ())
        names = {0: "off", 1: "normal", 2: "full", 3: "extra"}
        return {
            "journal_mode": str(journal).lower(),
            "synchronous": names.get(sync, str(sync)),
            "foreign_keys": "on" if fks else "off",
            "schema_version": str(SCHEMA_VERSION),
        }

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
        await self._write(
            lambda conn: write_append(conn, origin, start, entries, checkpoint, refs, None, True),
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

        await self._write(tx, len(entries))

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
            return ids_held(self._reader, notice_ids)

        found: dict[str, list[tuple[str, int]]] = {}
        for nid, origin, idx in await self._run(read) if notice_ids else []:
            found.setdefault(nid, []).append((origin, idx))
        return found

    async def live_notices(self, origin: str, now_ms: int) -> list[int]:
        return sorted(int(i) for (i,) in await self._query(LIVE_SQL, origin, now_ms))

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

    # --- checkpoints and cosignatures ---

    async def put_checkpoint(self, record: CheckpointRecord) -> None:
        await self._write(lambda conn: write_checkpoint(conn, record))

    async def checkpoints(self, origin: str) -> list[CheckpointRecord]:
        sql = f"{_CHECKPOINT_SELECT} WHERE origin = ? ORDER BY size"
        return [_checkpoint(r) for r in await self._query(sql, origin)]

    async def latest_checkpoint(self, origin: str) -> CheckpointRecord | None:
        sql = f"{_CHECKPOINT_SELECT} WHERE origin = ? ORDER BY size DESC LIMIT 1"
        rows = await self._query(sql, origin)
        return _checkpoint(rows[0]) if rows else None

    async def checkpoints_from(
        self, origin: str, since: int, until: int, limit: int
    ) -> list[CheckpointRecord]:
        sql = (
            f"{_CHECKPOINT_SELECT} WHERE origin = ? AND size >= ? AND size <= ?"
            " ORDER BY size LIMIT ?"
        )
        return [_checkpoint(r) for r in await self._query(sql, origin, since, until, limit)]

    async def checkpoint_at_most(self, origin: str, size: int) -> CheckpointRecord | None:
        sql = f"{_CHECKPOINT_SELECT} WHERE origin = ? AND size <= ? ORDER BY size DESC LIMIT 1"
        rows = await self._query(sql, origin, size)
        return _checkpoint(rows[0]) if rows else None

    async def add_cosignature(self, record: CosignatureRecord, note: bytes) -> None:
        await self._write(lambda conn: write_cosignature(conn, record, note))

    async def cosignatures(self, origin: str) -> list[CosignatureRecord]:
        sql = (
            "SELECT origin, size, witness, timestamp, received_ms FROM cosignatures"
            " WHERE origin = ? ORDER BY size, witness"
        )
        return [CosignatureRecord(*r) for r in await self._query(sql, origin)]

    async def add_heartbeat(self, record: HeartbeatRecord) -> None:
        def tx(conn: sqlite3.Connection) -> None:
            if not conn.execute(
                "SELECT 1 FROM checkpoints WHERE origin = ? AND size = ?",
                (record.origin, record.size),
            ).fetchone():
                raise StoreError(f"no checkpoint of {record.origin!r} at size {record.size}")
            conn.execute(
                "INSERT OR IGNORE INTO heartbeats"
                " (origin, size, witness, timestamp, line, received_ms)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (
                    record.origin,
                    record.size,
                    record.witness,
                    record.timestamp,
                    record.line,
                    record.received_ms,
                ),
            )

        await self._write(tx)

    async def heartbeats(self, origin: str) -> list[HeartbeatRecord]:
        sql = (
            "SELECT origin, size, witness, timestamp, line, received_ms FROM heartbeats"
            " WHERE origin = ? ORDER BY timestamp, witness"
        )
        return [HeartbeatRecord(*r) for r in await self._query(sql, origin)]

    # --- witness state ---

    async def witness_state(self, origin: str) -> tuple[int, bytes] | None:
        rows = await self._query("SELECT size, root FROM witness_state WHERE origin = ?", origin)
        return (int(rows[0][0]), bytes(rows[0][1])) if rows else None

    async def set_witness_state(
        self, origin: str, old: tuple[int, bytes] | None, new: tuple[int, bytes]
    ) -> None:
        await self._write(lambda conn: write_witness(conn, origin, old, new))

    async def lookup_ref(self, key: str) -> tuple[str, int] | None:
        rows = await self._query("SELECT origin, idx FROM refs WHERE key = ?", key)
        return (str(rows[0][0]), int(rows[0][1])) if rows else None

    # --- users ---

    async def add_user(self, user: UserRecord) -> None:
        def tx(conn: sqlite3.Connection) -> None:
            for column, value in (("name", user.name), ("token_hash", user.token_hash)):
                if exists(conn, "users", column, value):
                    raise StoreConflict(f"a user with this {column} exists", found=column)
            conn.execute(
                "INSERT INTO users (name, role, token_hash, created_ms, revoked_ms, nation, unit)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    user.name,
                    user.role,
                    user.token_hash,
                    user.created_ms,
                    user.revoked_ms,
                    user.nation,
                    user.unit,
                ),
            )

        await self._write(tx)

    async def get_user(self, name: str) -> UserRecord | None:
        rows = await self._query(f"{_USER_SELECT} WHERE name = ?", name)
        return UserRecord(*rows[0]) if rows else None

    async def user_by_token_hash(self, token_hash: str) -> UserRecord | None:
        rows = await self._query(f"{_USER_SELECT} WHERE token_hash = ?", token_hash)
        return UserRecord(*rows[0]) if rows else None

    async def list_users(self) -> list[UserRecord]:
        return [UserRecord(*r) for r in await self._query(f"{_USER_SELECT} ORDER BY name")]

    async def revoke_user(self, name: str, time_ms: int) -> bool:
        sql = "UPDATE users SET revoked_ms = ? WHERE name = ? AND revoked_ms IS NULL"
        return await self._exec(sql, time_ms, name) == 1

    # --- evidence and meta ---

    async def add_evidence(self, record: EvidenceRecord) -> int:
        def tx(conn: sqlite3.Connection) -> int:
            cur = conn.execute(
                "INSERT INTO evidence (time_ms, source, reason, detail, raw, size, sha256)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    record.time_ms,
                    record.source,
                    record.reason,
                    record.detail,
                    record.raw,
                    record.size,
                    record.sha256,
                ),
            )
            assert cur.lastrowid is not None
            return cur.lastrowid

        return await self._write(tx)

    async def list_evidence(self) -> list[EvidenceRecord]:
        sql = (
            "SELECT time_ms, source, reason, detail, raw, id, size, sha256 FROM evidence"
            " ORDER BY id"
        )
        return [
            EvidenceRecord(t, s, r, d, bytes(raw), i, n, None if h is None else bytes(h))
            for t, s, r, d, raw, i, n, h in await self._query(sql)
        ]

    async def get_meta(self, key: str) -> str | None:
        rows = await self._query("SELECT value FROM meta WHERE key = ?", key)
        return str(rows[0][0]) if rows else None

    async def set_meta(self, key: str, value: str) -> None:
        await self._exec("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", key, value)


def _configure(conn: sqlite3.Connection, path: object, wal_limit_frames: int) -> None:
    """The writing connection: WAL, fsync at every commit, foreign keys, no auto-checkpoint."""
    mode = conn.execute("PRAGMA journal_mode=WAL").fetchone()[0]
    if str(mode).lower() != "wal":
        raise StoreError(f"SQLite store {path}: journal_mode is {mode}, need wal")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("PRAGMA wal_autocheckpoint=0")  # the WalCheckpointer's thread does it
    # a WAL started afresh is cut back to the checkpointer's limit (see .sqlite_wal)
    page = int(conn.execute("PRAGMA page_size").fetchone()[0])
    conn.execute(f"PRAGMA journal_size_limit={wal_limit_frames * page}")
    conn.execute("PRAGMA foreign_keys=ON")


_CHECKPOINT_SELECT = "SELECT origin, size, root, note, stored_ms FROM checkpoints"
_USER_SELECT = "SELECT name, role, token_hash, created_ms, revoked_ms, nation, unit FROM users"


def _at(found: Mapping[int, bytes], origin: str, index: int) -> bytes:
    entry = found.get(index)
    if entry is None:
        raise StoreError(f"no entry {index} of {origin!r} is stored")
    return entry


def _checkpoint(row: Sequence[Any]) -> CheckpointRecord:
    origin, size, root, note, stored_ms = row
    return CheckpointRecord(origin, size, bytes(root), bytes(note), stored_ms)
