"""SQLite store: the embedded default, one file per node.

The file runs in WAL mode with ``synchronous=FULL`` and foreign keys on. One dedicated worker
thread owns the connection and runs every call, so asyncio never blocks on disk and calls never
interleave. Writes are group-committed: the writes that arrive while a commit is in progress go
together into the next ``BEGIN IMMEDIATE ... COMMIT`` transaction, each in a savepoint of its own
(one that fails is rolled back alone and raises to its caller). A write returns once its
transaction is committed, i.e. the WAL is fsynced; a whole append batch (entries, checkpoint,
refs) is always in one commit.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from hotline.store.base import (
    CheckpointRecord,
    CosignatureRecord,
    EvidenceRecord,
    StoreConflict,
    StoreError,
    UserRecord,
    check_append,
)

from .sqlite_schema import SCHEMA_VERSION, _migrate, sqlite_path
from .sqlite_wal import WalCheckpointer

T = TypeVar("T")
Tx = Callable[[sqlite3.Connection], T]


class SqliteStore:
    """The :class:`~hotline.store.base.Store` on a SQLite file."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.path = sqlite_path(url)
        self._executor: ThreadPoolExecutor | None = None
        self._conn: sqlite3.Connection | None = None
        self._writes: list[tuple[Tx[Any], asyncio.Future[Any]]] = []  # waiting for a commit
        self._committing = False  # a group is with the worker thread
        self._checkpointer: WalCheckpointer | None = None
        self._idle = asyncio.Event()  # set while no group is
        self._idle.set()

    # --- plumbing: everything runs on the one worker thread ---

    async def _run(self, fn: Callable[..., T], *args: Any) -> T:
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
        return self._db().execute(sql, params).fetchall()

    def _tx_group(self, fns: list[Tx[Any]]) -> list[tuple[bool, Any]]:
        """One transaction: each write in a savepoint; (True, result) or (False, exception)."""
        conn = self._db()
        conn.execute("BEGIN IMMEDIATE")
        outcomes: list[tuple[bool, Any]] = []
        try:
            for fn in fns:
                conn.execute("SAVEPOINT write")
                try:
                    outcomes.append((True, fn(conn)))
                except Exception as exc:
                    conn.execute("ROLLBACK TO write")
                    if isinstance(exc, sqlite3.Error):
                        exc = StoreError(f"SQLite store {self.path}: {exc}")
                    outcomes.append((False, exc))
                conn.execute("RELEASE write")
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        return outcomes

    async def _write(self, fn: Tx[T]) -> T:
        """Run ``fn`` in a transaction; returns once it is committed (with others, maybe)."""
        if self._executor is None:
            raise StoreError(f"SQLite store {self.path} is not open")
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self._writes.append((fn, future))
        if not self._committing:
            self._commit_group()
        return await future

    def _commit_group(self) -> None:
        """Hand the waiting writes to the worker thread as one transaction. The thread calls
        back into the loop with the outcome (one hop; no task in between), and the next group
        starts from there."""
        assert self._executor is not None
        group, self._writes = self._writes, []
        self._committing = True
        self._idle.clear()
        loop = asyncio.get_running_loop()
        fns = [fn for fn, _ in group]

        def work() -> None:
            try:
                result: tuple[bool, Any] = (True, self._guarded(self._tx_group, (fns,)))
            except BaseException as exc:  # no commit: every write of the group failed
                result = (False, exc)
            loop.call_soon_threadsafe(self._group_done, group, result)

        self._executor.submit(work)

    def _group_done(
        self, group: list[tuple[Tx[Any], asyncio.Future[Any]]], result: tuple[bool, Any]
    ) -> None:
        ok, value = result
        if ok:
            outcomes: list[tuple[bool, Any]] = value
        else:
            failure = value if isinstance(value, Exception) else StoreError(f"{value!r}")
            outcomes = [(False, failure)] * len(group)
        for (_, future), (done, outcome) in zip(group, outcomes, strict=True):
            if future.done():  # its caller was cancelled; the write stands
                continue
            if done:
                future.set_result(outcome)
            else:
                future.set_exception(outcome)
        if self._writes and self._executor is not None:
            self._commit_group()
        else:
            self._committing = False
            self._idle.set()

    async def _query(self, sql: str, *params: object) -> list[Any]:
        return await self._run(self._read, sql, params)

    async def _exec(self, sql: str, *params: object) -> int:
        return await self._write(lambda conn: conn.execute(sql, params).rowcount)

    # --- lifecycle ---

    async def open(self) -> None:
        if self._executor is not None:
            return
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="hotline-sqlite")
        try:
            await self._run(self._open)
        except BaseException:
            self._executor.shutdown(wait=True)
            self._executor = None
            raise
        self._checkpointer = WalCheckpointer(self.path)
        self._checkpointer.start()

    def _open(self) -> None:
        if not self.path.parent.is_dir():
            raise StoreError(
                f"cannot open SQLite store {self.path}: no directory {self.path.parent}"
            )
        try:
            conn = sqlite3.connect(self.path, isolation_level=None)
        except sqlite3.Error as exc:
            raise StoreError(f"cannot open SQLite store {self.path}: {exc}") from exc
        try:
            mode = conn.execute("PRAGMA journal_mode=WAL").fetchone()[0]
            if str(mode).lower() != "wal":
                raise StoreError(f"SQLite store {self.path}: journal_mode is {mode}, need wal")
            conn.execute("PRAGMA synchronous=FULL")
            conn.execute("PRAGMA wal_autocheckpoint=0")  # the WalCheckpointer's thread does it
            conn.execute("PRAGMA foreign_keys=ON")
            conn.execute("PRAGMA busy_timeout=5000")
            _migrate(conn, self.path)
        except sqlite3.DatabaseError as exc:
            conn.close()
            raise StoreError(f"cannot open SQLite store {self.path}: {exc}") from exc
        except BaseException:
            conn.close()
            raise
        self._conn = conn

    async def close(self) -> None:
        if self._executor is None:
            return
        await self._idle.wait()  # the writes already made are committed first
        if self._checkpointer is not None:
            await asyncio.to_thread(self._checkpointer.stop)
            self._checkpointer = None
        try:
            await self._run(self._close)
        finally:
            self._executor.shutdown(wait=True)
            self._executor = None

    def _close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    async def durability(self) -> dict[str, str]:
        """The settings that make writes durable, as the connection reports them."""
        rows = await self._query(
            "SELECT * FROM pragma_journal_mode, pragma_synchronous, pragma_foreign_keys"
        )
        journal, sync, fks = rows[0]
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

        def tx(conn: sqlite3.Connection) -> None:
            row = conn.execute("SELECT size FROM feeds WHERE origin = ?", (origin,)).fetchone()
            size = row[0] if row else 0
            if size != start:
                raise StoreConflict(
                    f"append to {origin!r} at {start}, but its size is {size}",
                    expected=start,
                    found=size,
                )
            taken = [k for k in refs or {} if _exists(conn, "refs", "key", k)]
            if taken:
                raise StoreConflict(f"idempotency keys already used: {taken}", found=taken)
            conn.execute(
                "INSERT INTO feeds (origin, size) VALUES (?, ?)"
                " ON CONFLICT (origin) DO UPDATE SET size = excluded.size",
                (origin, start + len(entries)),
            )
            conn.executemany(
                "INSERT INTO entries (origin, idx, entry, leaf_hash) VALUES (?, ?, ?, ?)",
                ((origin, start + i, e, h) for i, (e, h) in enumerate(entries)),
            )
            if checkpoint is not None:
                _put_checkpoint(conn, checkpoint)
            conn.executemany(
                "INSERT INTO refs (key, origin, idx) VALUES (?, ?, ?)",
                ((k, origin, i) for k, i in (refs or {}).items()),
            )

        await self._write(tx)

    async def size(self, origin: str) -> int:
        rows = await self._query("SELECT size FROM feeds WHERE origin = ?", origin)
        return int(rows[0][0]) if rows else 0

    async def entries(self, origin: str, start: int, end: int) -> list[bytes]:
        if start < 0:
            raise ValueError(f"entries start must be >= 0, got {start}")
        sql = "SELECT entry FROM entries WHERE origin = ? AND idx >= ? AND idx < ? ORDER BY idx"
        return [bytes(r[0]) for r in await self._query(sql, origin, start, end)]

    async def leaf_hashes(self, origin: str) -> list[bytes]:
        sql = "SELECT leaf_hash FROM entries WHERE origin = ? ORDER BY idx"
        return [bytes(r[0]) for r in await self._query(sql, origin)]

    # --- checkpoints and cosignatures ---

    async def put_checkpoint(self, record: CheckpointRecord) -> None:
        await self._write(lambda conn: _put_checkpoint(conn, record))

    async def checkpoints(self, origin: str) -> list[CheckpointRecord]:
        sql = f"{_CHECKPOINT_SELECT} WHERE origin = ? ORDER BY size"
        return [_checkpoint(r) for r in await self._query(sql, origin)]

    async def latest_checkpoint(self, origin: str) -> CheckpointRecord | None:
        sql = f"{_CHECKPOINT_SELECT} WHERE origin = ? ORDER BY size DESC LIMIT 1"
        rows = await self._query(sql, origin)
        return _checkpoint(rows[0]) if rows else None

    async def add_cosignature(self, record: CosignatureRecord, note: bytes) -> None:
        def tx(conn: sqlite3.Connection) -> None:
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

        await self._write(tx)

    async def cosignatures(self, origin: str) -> list[CosignatureRecord]:
        sql = (
            "SELECT origin, size, witness, timestamp, received_ms FROM cosignatures"
            " WHERE origin = ? ORDER BY size, witness"
        )
        return [CosignatureRecord(*r) for r in await self._query(sql, origin)]

    # --- witness state ---

    async def witness_state(self, origin: str) -> tuple[int, bytes] | None:
        rows = await self._query("SELECT size, root FROM witness_state WHERE origin = ?", origin)
        return (int(rows[0][0]), bytes(rows[0][1])) if rows else None

    async def set_witness_state(
        self, origin: str, old: tuple[int, bytes] | None, new: tuple[int, bytes]
    ) -> None:
        def tx(conn: sqlite3.Connection) -> None:
            row = conn.execute(
                "SELECT size, root FROM witness_state WHERE origin = ?", (origin,)
            ).fetchone()
            found = (int(row[0]), bytes(row[1])) if row else None
            if found != old:
                raise StoreConflict(
                    f"witness state of {origin!r} changed", expected=old, found=found
                )
            conn.execute(
                "INSERT INTO witness_state (origin, size, root) VALUES (?, ?, ?)"
                " ON CONFLICT (origin) DO UPDATE SET size = excluded.size, root = excluded.root",
                (origin, *new),
            )

        await self._write(tx)

    async def lookup_ref(self, key: str) -> tuple[str, int] | None:
        rows = await self._query("SELECT origin, idx FROM refs WHERE key = ?", key)
        return (str(rows[0][0]), int(rows[0][1])) if rows else None

    # --- users ---

    async def add_user(self, user: UserRecord) -> None:
        def tx(conn: sqlite3.Connection) -> None:
            for column, value in (("name", user.name), ("token_hash", user.token_hash)):
                if _exists(conn, "users", column, value):
                    raise StoreConflict(f"a user with this {column} exists", found=column)
            conn.execute(
                "INSERT INTO users (name, role, token_hash, created_ms, revoked_ms)"
                " VALUES (?, ?, ?, ?, ?)",
                (user.name, user.role, user.token_hash, user.created_ms, user.revoked_ms),
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
                "INSERT INTO evidence (time_ms, source, reason, detail, raw)"
                " VALUES (?, ?, ?, ?, ?)",
                (record.time_ms, record.source, record.reason, record.detail, record.raw),
            )
            assert cur.lastrowid is not None
            return cur.lastrowid

        return await self._write(tx)

    async def list_evidence(self) -> list[EvidenceRecord]:
        sql = "SELECT time_ms, source, reason, detail, raw, id FROM evidence ORDER BY id"
        return [
            EvidenceRecord(t, s, r, d, bytes(raw), i)
            for t, s, r, d, raw, i in await self._query(sql)
        ]

    async def get_meta(self, key: str) -> str | None:
        rows = await self._query("SELECT value FROM meta WHERE key = ?", key)
        return str(rows[0][0]) if rows else None

    async def set_meta(self, key: str, value: str) -> None:
        await self._exec("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", key, value)


_CHECKPOINT_SELECT = "SELECT origin, size, root, note, stored_ms FROM checkpoints"
_USER_SELECT = "SELECT name, role, token_hash, created_ms, revoked_ms FROM users"


def _exists(conn: sqlite3.Connection, table: str, column: str, value: object) -> bool:
    sql = f"SELECT 1 FROM {table} WHERE {column} = ?"
    return conn.execute(sql, (value,)).fetchone() is not None


def _checkpoint(row: Sequence[Any]) -> CheckpointRecord:
    origin, size, root, note, stored_ms = row
    return CheckpointRecord(origin, size, bytes(root), bytes(note), stored_ms)


def _put_checkpoint(conn: sqlite3.Connection, cp: CheckpointRecord) -> None:
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
