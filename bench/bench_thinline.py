"""Two sides on two hosts over a thin line: a ROUTINE backlog and FLASH notices overtaking it.

Each side runs in a network namespace of its own (root needed), TLS between them, across the
emulated line of :mod:`bench.thinline` (300 ms each way, 64 kbit/s by default). Alpha holds
``--notices`` ROUTINE notices before bravo starts; once the link is up and the backlog crossing,
a FLASH notice is posted at alpha every ``--flash-every`` seconds until bravo holds the whole
backlog (fewer than ``limits.early_flash_max``, 64, in all: beyond, the node sends the next
FLASH entries in order until the peer's receipts catch up with them). Printed, for the link
with and without permessage-deflate (``[peer] compress``):
FLASH post to visible at bravo (p50, p99; target p99 at most the one-way delay + 500 ms), the
catch-up time (the link up to the backlog held in order at bravo), and bytes on the line alpha
to bravo per notice (TLS records, the link's handshake, checkpoints and FLASH entries included).
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from .common import percentiles, write_result
from .thinline.line import ThinLine, require_netns
from .thinline.relay import LineSpec
from .thinline.traffic import Watcher, async_client, flash_body, post, post_many, routine_body


async def run_once(
    spec: LineSpec, notices: int, flash_every: float, compress: bool
) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        peer = {"line_kbit_s": spec.kbit_s, "compress": compress}
        with ThinLine(Path(tmp), spec, peer=peer) as line:
            relay = line.relay
            assert relay is not None
            line.start(line.alpha)
            await post_many(line.alpha, [routine_body(i) for i in range(notices)])
            line.start(line.bravo)
            watcher = await Watcher(line.bravo, "alpha").open()
            with line.alpha.client() as client:
                while not (link := client.get("/v1/link").json())["connected"]:
                    await asyncio.sleep(0.1)
            link_up = link["since"] / 1000  # when the link came up (unix time)
            flashes: dict[int, float] = {}
            try:
                async with async_client(line.alpha) as client:
                    while len(watcher.in_order) < notices + len(flashes):
                        await asyncio.sleep(flash_every)
                        if len(watcher.in_order) >= notices:
                            break
                        at = time.perf_counter()
                        flashes[await post(client, flash_body(len(flashes)))] = at
                total = notices + len(flashes)
                await watcher.until(lambda: len(watcher.in_order) >= total, 3600)
                caught_up = time.time() - link_up
                await watcher.until(lambda: all(i in watcher.seen for i in flashes), 60)
            finally:
                await watcher.close()
            a_to_b, b_to_a = relay.counts()
    latencies = [(watcher.seen[i] - at) * 1000 for i, at in flashes.items()]
    overtook = sum(1 for i in flashes if i in watcher.early)
    return {
        "compress": compress,
        "flash_ms": percentiles(latencies),
        "flash_overtook": overtook,
        "catch_up_s": caught_up,
        "bytes_per_notice": a_to_b / total,
        "bytes_a_to_b": a_to_b,
        "bytes_b_to_a": b_to_a,
        "notices": total,
        "flashes": [
            {"index": i, "ms": (watcher.seen[i] - at) * 1000, "early": i in watcher.early}
            for i, at in flashes.items()
        ],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notices", type=int, default=2000, help="ROUTINE backlog (2,000)")
    parser.add_argument("--delay-ms", type=float, default=300, help="one way (300)")
    parser.add_argument("--kbit", type=float, default=64, help="line rate, kbit/s (64)")
    parser.add_argument("--queue-bytes", type=int, default=16384, help="line buffer (16,384)")
    parser.add_argument("--flash-every", type=float, default=4.0, help="seconds (4)")
    parser.add_argument("--compress", default="off,on", help="phases: off,on")
    args = parser.parse_args()
    require_netns()
    # a SIGTERM undoes the namespaces as Ctrl-C does
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    spec = LineSpec(args.delay_ms, args.kbit, args.queue_bytes)
    target = spec.delay_ms + 500
    results = []
    for phase in args.compress.split(","):
        r = asyncio.run(run_once(spec, args.notices, args.flash_every, phase == "on"))
        results.append(r)
        f = r["flash_ms"]
        print(
            f"compress={phase:3}  FLASH post->visible p50 {f.get('median', 0):.0f} ms "
            f"p99 {f.get('p99', 0):.0f} ms (n={f['n']}, target p99 <= {target:.0f} ms, "
            f"{r['flash_overtook']} ahead of the backlog)  catch-up {r['catch_up_s']:.1f} s  "
            f"{r['bytes_per_notice']:.0f} bytes/notice on the line",
            flush=True,
        )
    path = write_result(
        "thinline",
        {
            "line": {
                "delay_ms": spec.delay_ms,
                "kbit_s": spec.kbit_s,
                "queue_bytes": spec.queue_bytes,
            },
            "notices": args.notices,
            "target_p99_ms": target,
            "runs": results,
        },
    )
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
