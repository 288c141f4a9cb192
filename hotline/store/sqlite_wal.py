"""WAL checkpoints off the commit path.

SQLite copies the WAL back into the database file (a checkpoint, with an fsync of the file) when
the WAL passes 1,000 pages, inside the commit that crossed the mark: that commit, and every write
waiting for it, takes milliseconds longer. The store turns that off on its writing connection and
a thread of its own checkpoints instead, every ``interval`` seconds, on a second connection
(``PASSIVE``: it never waits for the writer, nor blocks it). Durability is the WAL's: a commit
returns once its WAL frames are fsynced, checkpointed or not.

A passive checkpoint can fall behind for good: when writes come faster than the database file
takes their pages back (a long run of batches touching pages all over the indexes), the WAL
never empties, so it is never started again from its beginning, and grows without end (tens of
gigabytes while a history of millions of entries was written, and its index in shared memory
with it). So when a checkpoint leaves more than ``limit_frames`` frames in the WAL, the thread
checkpoints again in ``RESTART`` mode: that one waits for the write in flight, holds the next
ones back while it copies what is left, and lets the next write start the WAL afresh; the
writing connection's ``journal_size_limit`` then cuts the file back to ``limit_frames`` pages.
Writes wait for it only when they outran the checkpoints: backpressure, not a growing file.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from pathlib import Path

log = logging.getLogger("hotline.store")
INTERVAL = 0.5  # seconds between checkpoints
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
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="hotline-sqlite-wal", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None

    def _run(self) -> None:
        conn = sqlite3.connect(self.path, isolation_level=None)
        try:
            conn.execute("PRAGMA busy_timeout=5000")
            while not self._stop.wait(self.interval):
                try:
                    self.checkpoint(conn)
                except sqlite3.Error as exc:
                    log.warning("SQLite store %s: WAL checkpoint failed: %s", self.path, exc)
        finally:
            conn.close()

    def checkpoint(self, conn: sqlite3.Connection) -> None:
        """One checkpoint: passive, then a restart if the WAL is left over its limit."""
        _, frames, done = conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        self.runs += 1
        if frames - done > self.limit_frames or frames > self.limit_frames:
            conn.execute("PRAGMA wal_checkpoint(RESTART)").fetchone()
            self.restarts += 1
