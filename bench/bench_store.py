"""What one durable write of the SQLite store costs: pages, bytes, time.

A real store (``SqliteStore``, WAL, ``synchronous=FULL``) is given a history of planned
operations in batches, as the sequencer writes them, then ``--commits`` more batches are timed
one by one (``Store.append``: the entries, their tree nodes, the notice index, the checkpoint,
one commit with its fsync). Checkpoints of the WAL are stopped while measuring, so the WAL
grows by exactly what the commits wrote; its frames are then read back and each page is told
by the table or index it belongs to (SQLite's ``dbstat``). Every page a commit changes is
written to the WAL and fsynced with it, and later copied into the database file by a
checkpoint: the fewer, the shorter the commit that holds the node's loop.

Prints and writes ``bench/results/store.json``: pages and KiB a commit, by table and in all;
the commit's wall time and CPU (median, p90, p99).

Run: ``.venv/bin/python -m bench.bench_store [--history N] [--batch N] [--commits N]``.
"""

from __future__ import annotations

import argparse
import asyncio
import sqlite3
import struct
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

from hotline.feeds.posting import fresh_id
from hotline.store import SqliteStore
from hotline.store.base import CheckpointRecord
from hotline_protocol.entries import encode_entry
from hotline_protocol.notices import parse_notice

from .common import machine, percentiles, write_result
from .load import operation_bodies

ORIGIN = "alpha.hotline.example"
AUTHOR = {"id": "bench-alpha", "nation": "XAA", "unit": "JOC"}
START_MS = 1_767_261_600_000


class Feed:
    """Planned operations as the node would write them: ids and times filled in, encoded in
    order, a batch at a time."""

    def __init__(self) -> None:
        self.bodies = operation_bodies()
        self.size = 0
        self.prev = b""
        self.now = START_MS

    def batch(self, n: int) -> list[tuple[bytes, bytes]]:
        out = []
        for k in range(n):
            body = dict(self.bodies[(self.size + k) % len(self.bodies)])
            self.now += 1
            body.update(id=fresh_id(self.now), time=self.now, author=AUTHOR)
            entry = encode_entry(ORIGIN, self.size + k, self.prev, parse_notice(body))
            self.prev = entry.leaf_hash
            out.append((entry.raw, entry.leaf_hash))
        return out


async def append(store: SqliteStore, feed: Feed, n: int) -> tuple[float, float]:
    """One batch of ``n`` appended: its wall and CPU seconds."""
    entries = feed.batch(n)
    checkpoint = CheckpointRecord(ORIGIN, feed.size + n, b"r" * 32, b"note", feed.now)
    began, cpu = time.perf_counter(), time.process_time()
    await store.append(ORIGIN, feed.size, entries, checkpoint)
    wall, cpu = time.perf_counter() - began, time.process_time() - cpu
    feed.size += n
    return wall, cpu


def wal_pages(path: Path) -> tuple[list[int], int]:
    """The page number of every frame in the WAL file, and the page size (its format: a
    32-byte header, then frames of a 24-byte header and a page)."""
    data = (path.parent / (path.name + "-wal")).read_bytes()
    page_size = struct.unpack(">I", data[8:12])[0]
    pages, at = [], 32
    while at + 24 + page_size <= len(data):
        pages.append(struct.unpack(">I", data[at : at + 4])[0])
        at += 24 + page_size
    return pages, page_size


def owners(path: Path) -> dict[int, str]:
    """Which table or index each page of the database belongs to (empty without ``dbstat``)."""
    conn = sqlite3.connect(path)
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return {int(p): str(n) for n, p in conn.execute("SELECT name, pageno FROM dbstat")}
    except sqlite3.OperationalError:
        return {}
    finally:
        conn.close()


async def measure(directory: Path, history: int, batch: int, commits: int) -> dict[str, Any]:
    path = directory / "node.db"
    store = SqliteStore(f"sqlite:///{path}")
    await store.open()
    feed = Feed()
    try:
        while feed.size < history:
            await append(store, feed, min(batch, history - feed.size))
        assert store._checkpointer is not None
        store._checkpointer.stop()  # the WAL keeps what the measured commits write
        store._checkpointer = None
        conn = sqlite3.connect(path)
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.close()
        times = [await append(store, feed, batch) for _ in range(commits)]
        pages, page_size = wal_pages(path)  # before the last connection closes and copies it
    finally:
        await store.close()
    owner = owners(path)
    by_table = Counter(owner.get(p, "?") for p in pages)
    return {
        "history": history,
        "batch": batch,
        "commits": commits,
        "pages_per_commit": round(len(pages) / commits, 1),
        "kib_per_commit": round(len(pages) * page_size / commits / 1024, 1),
        "pages_per_commit_by_table": {
            name: round(n / commits, 1) for name, n in by_table.most_common()
        },
        "commit_ms": percentiles([w * 1000 for w, _ in times]),
        "commit_cpu_ms": percentiles([c * 1000 for _, c in times]),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--history", type=int, default=72_000, help="entries written first")
    parser.add_argument("--batch", type=int, default=24, help="entries a commit")
    parser.add_argument("--commits", type=int, default=200, help="commits measured")
    args = parser.parse_args()
    print(f"store benchmark — {machine()['cores']} cores, Python {machine()['python']}")
    with tempfile.TemporaryDirectory(prefix="hotline-bench-store-") as tmp:
        result = asyncio.run(measure(Path(tmp), args.history, args.batch, args.commits))
    print(
        f"SQLite, {result['history']:,} entries before, {result['commits']} commits of"
        f" {result['batch']} planned operations:"
    )
    print(f"  WAL a commit: {result['pages_per_commit']} pages, {result['kib_per_commit']} KiB")
    for name, n in result["pages_per_commit_by_table"].items():
        print(f"    {name:<30} {n:6.1f} pages")
    wall, cpu = result["commit_ms"], result["commit_cpu_ms"]
    print(
        f"  commit: median {wall['median']:.2f} ms, p90 {wall['p90']:.2f}, p99 {wall['p99']:.2f};"
        f" CPU median {cpu['median']:.2f} ms, p99 {cpu['p99']:.2f}"
    )
    print(f"written to {write_result('store', result)}")


if __name__ == "__main__":
    main()
