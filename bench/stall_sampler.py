"""What held the nodes' event loops during a benchmark: the stacks :mod:`bench.stalls` sampled.

Run a benchmark with the sampler loaded into its nodes, then read what it found::

    HOTLINE_BENCH_STALLS=/tmp/stalls PYTHONPATH=bench/stalls:$PYTHONPATH \\
        .venv/bin/python -m bench.bench_peering --stores sqlite --phases flood
    .venv/bin/python -m bench.stall_sampler /tmp/stalls

Each node process writes ``<pid>.json`` when it exits; this prints, per process, the stacks its
loop was found held in longer than the threshold (7 ms unless ``HOTLINE_BENCH_STALLS_MS``),
the most frequent first, with their count and the longest stall seen. The sampler is a tool for
finding where a latency tail comes from; its heartbeat costs the node about a thousand callbacks
a second, so figures measured with it are not the benchmark's.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("directory", type=Path, help="HOTLINE_BENCH_STALLS of the run")
    parser.add_argument("--top", type=int, default=8, help="stacks shown per process")
    args = parser.parse_args()
    for path in sorted(args.directory.glob("*.json")):
        found = json.loads(path.read_text())
        stalls = found["stalls"]
        total = sum(s["count"] for s in stalls)
        config = next((a for a in found["argv"] if "/" in a and "hotline" not in a), "")
        print(f"== pid {path.stem} {config}: {total} samples over {found['threshold_ms']} ms")
        for stall in stalls[: args.top]:
            print(f"-- {stall['count']} samples, longest {stall['longest_ms']} ms")
            print(stall["stack"].rstrip())


if __name__ == "__main__":
    main()
