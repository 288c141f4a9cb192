"""The SQLite store's file: its connections, its writes one at a time, its reads on a thread.

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
writer thread, so that the loop goes on while it is written and fsynced. A run of the peer's feed
(``append_cosigned``) is written on the loop's thread and committed on the writer thread: its
fsync, milliseconds at times under a flood, no longer holds the loop, and a FLASH of the peer
that arrives meanwhile is shown at once (a commit is one call into SQLite: one wait for the
interpreter's lock when it returns, which delays the run's receipt, not the FLASH). The own
feed's writes keep their commit on the loop: there the wait for the lock lengthened a FLASH
post's (measured: p99 post to posted 11.5-14 ms against 9.8).
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from hotline.errors import StoreError

from .sqlite_ids import IdKeys, id_keys
from .sqlite_schema import SCHEMA_VERSION, _migrate, sqlite_path
from .sqlite_wal import LIMIT_FRAMES, WalCheckpointer

T = TypeVar("T")
Tx = Callable[[sqlite3.Connection], T]
LOOP_WRITE_ROWS = 512  # appends of more entries (not a sequencer batch) go to the writer thread


class SqliteBase:
    """A node's SQLite file: its connections, the writes one at a time, the reads on their
    thread; opened with its schema brought up to this version."""

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
        self._ids: IdKeys | None = None  # the keys of notice ids (.sqlite_ids), once open

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

    def _keys(self) -> IdKeys:
        if self._ids is None:
            raise StoreError(f"SQLite store {self.path} is not open")
        return self._ids

    def _read(self, sql: str, params: Sequence[object] = ()) -> list[Any]:
        if self._reader is None:
            raise StoreError(f"SQLite store {self.path} is not open")
        return self._reader.execute(sql, params).fetchall()

    async def _write(self, fn: Tx[T], rows: int = 0, commit_aside: bool = False) -> T:
        """Run ``fn`` in a transaction of its own; returns once it is committed. Anything ``fn``
        raises rolls the transaction back and reaches the caller (a SQLite error as
        StoreError). ``rows`` above LOOP_WRITE_ROWS: on the writer thread. ``commit_aside``:
        the transaction on the loop's thread, its commit (the fsync) on the writer thread."""
        while self._writing is not None:  # the connection is the writer thread's until done
            await asyncio.wait([self._writing])

        def tx() -> T:
            return self._tx(fn)

        if commit_aside and rows <= LOOP_WRITE_ROWS and self._writer is not None:
            return await self._commit_aside(fn)
        if rows <= LOOP_WRITE_ROWS or self._writer is None:
            return self._guarded(tx, ())
        return await self._on_writer(tx)

    async def _on_writer(self, call: Callable[[], T]) -> T:
        """``call`` on the writer thread; the connection is the writer's until it is done."""
        assert self._writer is not None
        loop = asyncio.get_running_loop()
        writing: asyncio.Future[T] = loop.run_in_executor(self._writer, self._guarded, call, ())
        self._writing = writing
        writing.add_done_callback(self._written)
        return await asyncio.shield(writing)  # the write stands if the caller goes

    async def _commit_aside(self, fn: Tx[T]) -> T:
        """``fn`` in a transaction on the loop's thread, then its commit on the writer thread;
        returns once committed."""
        result: T = self._guarded(self._begun, (fn,))
        await self._on_writer(self._commit)
        self._committed()
        return result

    def _begun(self, fn: Tx[T]) -> T:
        conn = self._db()
        conn.execute("BEGIN IMMEDIATE")
        try:
            return fn(conn)
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise

    def _commit(self) -> None:
        conn = self._db()
        try:
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise

    def _written(self, writing: asyncio.Future[Any]) -> None:
        if self._writing is writing:
            self._writing = None
        if not writing.cancelled():
            writing.exception()  # its caller may be gone: the outcome counts as seen

    def _tx(self, fn: Tx[T]) -> T:
        result = self._begun(fn)
        self._commit()
        self._committed()
        return result

    def _committed(self) -> None:
        if self._checkpointer is not None:
            self._checkpointer.committed()

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
            self._ids = id_keys(conn, make=False)
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
