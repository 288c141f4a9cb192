"""WAL checkpoints off the commit path.

SQLite copies the WAL back into the database file (a checkpoint, with an fsync of the file) when
the WAL passes 1,000 pages, inside the commit that crossed the mark: that commit, and every write
waiting for it, takes milliseconds longer. The store turns that off on its writing connection and
a thread of its own checkpoints instead, every ``interval`` seconds, on a second connection
(``PASSIVE``: it never waits for the writer, nor blocks it). Durability is the WAL's: a commit
returns once its WAL frames are fsynced, checkpointed or not.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from pathlib import Path

log = logging.getLogger("hotline.store")
INTERVAL = 0.5  # seconds between checkpoints


class WalCheckpointer:
    def __init__(self, path: Path, interval: float = INTERVAL) -> None:
        self.path = path
        self.interval = interval
        self.runs = 0  # checkpoints done
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
                    conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
                    self.runs += 1
                except sqlite3.Error as exc:
                    log.warning("SQLite store %s: WAL checkpoint failed: %s", self.path, exc)
        finally:
            conn.close()
