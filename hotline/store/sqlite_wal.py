"""WAL checkpoints off the commit path.

SQLite copies the WAL back into the database file (a checkpoint, with an fsync of the file) when
the WAL passes 1,000 pages, inside the commit that crossed the mark: that commit, and every write
waiting for it, takes milliseconds longer. The store turns that off on its writing connection and
a thread of its own checkpoints instead, every ``interval`` seconds, on a second connection
(``PASSIVE``: it never waits for the writer, nor blocks it). Durability is the WAL's: a commit
returns once its WAL frames are fsynced, checkpointed or not. The checkpoints are small and
frequent (every 50 ms): one every half second copied tens of MB under a flood and its fsync of
the file held the commits' own fsyncs (and the event loop they run on) up to 20 ms.

The WAL is started again from its beginning only by a write that begins when every frame in it has
been copied back and no reader still reads from it. Under steady writes that moment does not come
by itself: a write lands while most checkpoints run. So when a checkpoint leaves the WAL over
``limit_frames`` frames, the thread checkpoints again right after each commit (the store tells it:
:meth:`committed`) until the WAL is started afresh: such a checkpoint copies one write's frames and
ends before the next write begins, which then finds the WAL copied back and starts it from its
beginning; the writing connection's ``journal_size_limit`` cuts the file back to ``limit_frames``
pages. Nothing waits for it: neither the writer nor the event loop a write may run on. (A
checkpoint in ``RESTART`` mode instead, which waits for the writer and holds the next writes back,
held a node's event loop 30 to 40 ms every second and a half under a flood, the writes' busy wait
included.)

A passive checkpoint can also fall behind for good: when writes come faster than the database
file takes their pages back, or a reader keeps an old snapshot, the WAL never empties and grows
without end (tens of gigabytes while a history of millions of entries was written). When a
checkpoint leaves more than ``limit_frames`` frames uncopied, or the WAL reaches four times the
limit all the same, the thread checkpoints in ``RESTART`` mode: that one waits for the write in
flight, holds the next ones back while it copies what is left, and lets the next write start the
WAL afresh. Writes wait for it only when they outran the checkpoints: backpressure, not a
growing file.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from pathlib import Path

log = logging.getLogger("hotline.store")
INTERVAL = 0.05  # seconds between checkpoints: small ones, each with a short fsync
LIMIT_FRAMES = 16_384  # frames (pages) the WAL may hold after a checkpoint: 64 MiB of 4 KiB


class WalCheckpointer:
    def __init__(
        self, path: Path, interval: float = INTERVAL, limit_frames: int = LIMIT_FRAMES
    ) -> None:
        self.path = path
        self.interval = interval
        self.limit_frames = limit_frames
        self.runs = 0  # checkpoints done
        self.restarts = 0  # of them, those that had to hold writes back (see the module)
        self.afresh = 0  # WALs over the limit that a write started afresh after a checkpoint
        self.wanted = False  # over the limit: checkpoint after each commit until started afresh
        self._committed = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="hotline-sqlite-wal", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._committed.set()  # a thread waiting for a commit wakes
        if self._thread is not None:
            self._thread.join()
            self._thread = None

    def _run(self) -> None:
        conn = sqlite3.connect(self.path, isolation_level=None)
        try:
            conn.execute("PRAGMA busy_timeout=5000")
            while not self._stop.is_set():
                if self.wanted:  # right after the next commit
                    self._committed.clear()
                    self._committed.wait(self.interval)
                else:
                    self._stop.wait(self.interval)
                if self._stop.is_set():
                    break
                try:
                    self.checkpoint(conn)
                except sqlite3.Error as exc:
                    log.warning("SQLite store %s: WAL checkpoint failed: %s", self.path, exc)
        finally:
            conn.close()

    def committed(self) -> None:
        """Called by the writing connection after each commit (cheap: only read while the WAL
        is over its limit)."""
        if self.wanted:
            self._committed.set()

    def checkpoint(self, conn: sqlite3.Connection) -> None:
        """One passive checkpoint. A WAL left over its limit is to be started afresh by a write
        (:attr:`wanted`); a WAL left behind, or far over the limit, is restarted."""
        _, frames, done = conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        self.runs += 1
        limit = self.limit_frames
        if frames - done > limit or frames > 4 * limit:
            conn.execute("PRAGMA wal_checkpoint(RESTART)").fetchone()
            self.restarts += 1
            self.wanted = False
        elif frames > limit:
            self.wanted = True
        elif self.wanted:
            self.wanted = False
            self.afresh += 1
