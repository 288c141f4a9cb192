"""The offline auditor on a long export: ``verify`` and ``report`` speed and peak memory.

An export of ``--entries`` entries per side is written directly with the protocol library, no
node running: the feeds of :mod:`bench.scale_feeds` (even entries liaison notices, odd entries
acks of the other side's latest liaison), a checkpoint of the empty feed and one every
``BATCH`` entries signed by the side's Ed25519 log key and cosigned by the other side's
witness key (``--batch 1``: one per entry, as on a quiet line), as a node that exchanged them
with its peer holds them; the document is laid out as the node's ``GET /v1/audit/export`` writes
it (PROTOCOL.md, *Audit export*: the sides' keys and
checkpoints, then their entries). Exports are kept under ``--cache`` (keyed by the size and
:data:`~bench.scale_feeds.GENERATOR_VERSION`) with the sides' cards, and reused.

Then ``python -m hotline_protocol.audit verify|report EXPORT --card ... --card ...`` runs as a
child process ``--runs`` times each: seconds, entries per second (both sides' entries), peak RSS
(the kernel's account of the child, ``wait4``) and the exit code (0: PASS, which also proves the
generated export right). Pass ``--workers`` to set ``HOTLINE_AUDIT_WORKERS`` in the children.

Run: ``.venv/bin/python -m bench.bench_verify [--entries 200000]``. Prints medians and writes
``bench/results/verify-<entries>.json``; the machine is described in the result.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import IO, Any

from hotline_protocol.card import Card, witness_name
from hotline_protocol.checkpoint import Checkpoint, sign_checkpoint
from hotline_protocol.cosignature import CosignatureSigner, cosign
from hotline_protocol.export import FORMAT
from hotline_protocol.note import add_signatures, split_note
from hotline_protocol.notekeys import Signer

from .common import cached, percentiles, write_result
from .scale_feeds import BATCH, GENERATOR_VERSION, STEP_MS, T0, NoticeFeed

CACHE = Path(tempfile.gettempdir()) / "hotline-bench-verify"
SIDES = (("alpha", "XAA"), ("bravo", "XBB"))


class ExportSide:
    """One side's feed while the export is generated: its keys, its entries (base64 lines in a
    temporary file) and its checkpoint notes, cosigned by the other side's witness."""

    def __init__(self, name: str, nation: str, scratch: Path) -> None:
        origin = f"{name}.hotline.example"
        self.feed = NoticeFeed(name, origin, nation, "JOC")
        self.log = Signer.generate(origin)
        self.witness = CosignatureSigner.generate(witness_name(origin))
        self.lines: IO[bytes] = (scratch / f"{name}.entries").open("w+b")
        self.checkpoints: list[tuple[int, bytes]] = []

    def card(self) -> Card:
        url = f"https://{self.feed.name}.hotline.example:8400"
        return Card(self.feed.name, self.feed.origin, self.log.vkey, self.witness.vkey, url)

    def checkpoint(self, cosigner: ExportSide | None, stamp_ms: int) -> None:
        feed = self.feed
        note = sign_checkpoint(Checkpoint(feed.origin, feed.size, feed.tree.root()), self.log)
        if cosigner is not None:
            note = add_signatures(
                note, [cosign(split_note(note)[0], cosigner.witness, stamp_ms // 1000)]
            )
        self.checkpoints.append((feed.size, note))

    def batch(self, other: ExportSide, n: int) -> None:
        for _ in range(n):
            entry = self.feed.entry(other.feed)
            self.lines.write(base64.b64encode(entry.raw) + b"\n")
        self.checkpoint(other, T0 + (self.feed.size - 1) * STEP_MS)

    def write(self, out: IO[bytes], first: bool) -> None:
        """The side's object, as the node's export writer lays it out: entries last."""
        head = {
            "name": self.feed.name,
            "origin": self.feed.origin,
            "log_vkey": self.log.vkey,
            "witness_vkey": self.witness.vkey,
            "size": self.feed.size,
        }
        out.write((b"" if first else b",") + b"\n" + _dumps(head)[:-1] + b',\n"checkpoints": [')
        out.write(
            b",".join(
                b"\n" + _dumps({"size": size, "note": note.decode()})
                for size, note in self.checkpoints
            )
        )
        out.write(b'],\n"heartbeats": [],\n"entries": [')
        self.lines.seek(0)
        for n, line in enumerate(self.lines):
            out.write((b"," if n else b"") + b'\n"' + line.rstrip(b"\n") + b'"')
        out.write(b"]}")
        self.lines.close()


def _dumps(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(", ", ": ")).encode()


def generate(directory: Path, entries: int, batch: int = BATCH) -> float:
    """Write ``export.json`` and both cards into ``directory``, a checkpoint every ``batch``
    entries; the seconds it took."""
    t0 = time.perf_counter()
    scratch = directory / "scratch"
    scratch.mkdir()
    alpha, bravo = (ExportSide(name, nation, scratch) for name, nation in SIDES)
    for side in (alpha, bravo):  # the empty feed's checkpoint, as a node signs on its first start
        side.checkpoint(None, T0)
    last = t0
    while alpha.feed.size < entries:
        n = min(batch, entries - alpha.feed.size)
        alpha.batch(bravo, n)
        bravo.batch(alpha, n)
        if time.perf_counter() - last >= 10:
            last = time.perf_counter()
            rate = alpha.feed.size / (last - t0)
            print(
                f"  generated {alpha.feed.size:,} of {entries:,} entries per side ({rate:,.0f}/s)"
            )
    exported_at = T0 + entries * STEP_MS + 60_000
    with (directory / "export.json").open("wb") as out:
        head = {"format": FORMAT, "exported_at": exported_at, "exported_by": "alpha"}
        out.write(_dumps(head)[:-1] + b',\n"sides": [')
        alpha.write(out, True)
        bravo.write(out, False)
        out.write(b'],\n"evidence": []}\n')
    for side in (alpha, bravo):
        (directory / f"{side.feed.name}-card.txt").write_text(side.card().text())
    shutil.rmtree(scratch)
    return time.perf_counter() - t0


def prepared(cache: Path, entries: int, batch: int = BATCH) -> Path:
    """A directory with ``export.json`` of ``entries`` per side, a checkpoint every ``batch``,
    and the two cards: made once."""

    def make(directory: Path) -> float:
        print(f"generating an export of {entries:,} entries per side in {directory}")
        return generate(directory, entries, batch)

    return cached(cache / f"v{GENERATOR_VERSION}-{entries}{_kind(batch)}", "export", make)


def _kind(batch: int) -> str:
    return f"-batch{batch}" if batch != BATCH else ""


class TreeRss:
    """The peak of the summed resident memory of a process and its descendants (a pool's
    workers included), sampled from /proc every :attr:`PERIOD` seconds in a thread."""

    PERIOD = 0.05

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.peak_kb = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def stop(self) -> float:
        self._stop.set()
        self._thread.join()
        return round(self.peak_kb / 1024, 1)

    def _run(self) -> None:
        while not self._stop.wait(self.PERIOD):
            self.peak_kb = max(self.peak_kb, sum(_rss_kb(p) for p in _tree(self.pid)))


def _tree(root: int) -> list[int]:
    parents: dict[int, int] = {}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                stat = Path(entry.path, "stat").read_text()
            except OSError:
                continue
            parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    out, frontier = [root], [root]
    while frontier:
        frontier = [pid for pid, ppid in parents.items() if ppid in frontier]
        out += frontier
    return out


def _rss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def audit(command: str, directory: Path, entries: int, workers: int | None) -> dict[str, Any]:
    """``python -m hotline_protocol.audit COMMAND`` as a child: time, peak RSS, exit code."""
    args = [sys.executable, "-m", "hotline_protocol.audit", command, str(directory / "export.json")]
    for name, _ in SIDES:
        args += ["--card", str(directory / f"{name}-card.txt")]
    env = dict(os.environ)
    if workers is not None:
        env["HOTLINE_AUDIT_WORKERS"] = str(workers)
    t0 = time.perf_counter()
    with open(os.devnull, "wb") as null, tempfile.TemporaryFile() as err:
        child = subprocess.Popen(args, stdout=null, stderr=err, env=env)
        tree = TreeRss(child.pid)
        _, status, usage = os.wait4(child.pid, 0)
        tree_mb = tree.stop()
        seconds = time.perf_counter() - t0
        err.seek(0)
        stderr = err.read().decode(errors="replace")[-2000:]
    out: dict[str, Any] = {
        "seconds": round(seconds, 2),
        "entries_per_s": round(2 * entries / seconds),
        # CPU of the child and its workers (reaped by it): what a loaded machine cannot inflate
        "cpu_s": round(usage.ru_utime + usage.ru_stime, 2),
        "peak_rss_mb": round(usage.ru_maxrss / 1024, 1),  # the largest one process (wait4)
        "peak_tree_rss_mb": tree_mb,  # the child and its workers together (sampled)
        "exit": os.waitstatus_to_exitcode(status),
    }
    if stderr.strip():
        out["stderr"] = stderr
    return out


def summary(runs: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "runs": runs,
        "seconds": percentiles([r["seconds"] for r in runs]),
        "entries_per_s_median": round(statistics.median(r["entries_per_s"] for r in runs)),
        "cpu_s_median": statistics.median(r["cpu_s"] for r in runs),
        "peak_rss_mb_max": max(r["peak_rss_mb"] for r in runs),
        "peak_tree_rss_mb_max": max(r["peak_tree_rss_mb"] for r in runs),
        "exit": sorted({r["exit"] for r in runs}),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--entries", type=int, default=20_000, help="per side (default 20,000)")
    parser.add_argument("--runs", type=int, default=3, help="of each command (default 3)")
    parser.add_argument("--workers", type=int, default=None, help="HOTLINE_AUDIT_WORKERS")
    parser.add_argument("--cache", type=Path, default=CACHE, help="generated exports kept here")
    parser.add_argument("--only", choices=("verify", "report"), help="time one command only")
    parser.add_argument(
        "--batch",
        type=int,
        default=BATCH,
        help=f"entries per checkpoint (default {BATCH}; 1: a quiet line, a checkpoint a notice)",
    )
    args = parser.parse_args()
    directory = prepared(args.cache, args.entries, args.batch)
    size_mb = round((directory / "export.json").stat().st_size / 2**20, 1)
    result: dict[str, Any] = {
        "entries_per_side": args.entries,
        "export_mb": size_mb,
        "workers": args.workers,
        "batch": args.batch,
        **json.loads((directory / "done").read_text()),
    }
    print(f"export: {args.entries:,} entries per side, {size_mb} MB")
    for command in ("verify", "report"):
        if args.only not in (None, command):
            continue
        runs = [audit(command, directory, args.entries, args.workers) for _ in range(args.runs)]
        result[command] = summary(runs)
        median = result[command]
        print(
            f"{command}: median {median['seconds']['median']} s, "
            f"{median['entries_per_s_median']:,} entries/s, CPU {median['cpu_s_median']} s, "
            f"peak RSS "
            f"{median['peak_rss_mb_max']} MB (with its workers {median['peak_tree_rss_mb_max']} "
            f"MB), exit {median['exit']}"
        )
    path = write_result(f"verify-{args.entries}{_kind(args.batch)}", result)
    print(f"wrote {path}")
    if any(result[c]["exit"] != [0] for c in ("verify", "report") if c in result):
        sys.exit("the export did not verify: see the stderr of the runs in the result")


if __name__ == "__main__":
    main()
