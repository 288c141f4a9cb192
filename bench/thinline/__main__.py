"""Try a thin line by hand: two sides in network namespaces, TLS, the emulated line between.

``python -m bench.thinline [--delay-ms 300] [--kbit 64] [--dir DIR]`` (as root) makes and starts
both sides, prints how to reach them, then reads commands on stdin: ``stall``, ``resume``,
``stats`` (bytes across the line each way), ``quit`` (or end of input, Ctrl-C). Everything is
undone on the way out.
"""

from __future__ import annotations

import argparse
import signal
import sys
import tempfile
from pathlib import Path

from .line import ThinLine, require_netns
from .relay import LineSpec


def main() -> int:
    parser = argparse.ArgumentParser(description="two sides over an emulated thin line")
    parser.add_argument("--delay-ms", type=float, default=300, help="one way (300)")
    parser.add_argument("--kbit", type=float, default=64, help="line rate, kbit/s (64)")
    parser.add_argument("--queue-bytes", type=int, default=16384, help="line buffer (16,384)")
    parser.add_argument("--compress", action="store_true", help="permessage-deflate on the link")
    parser.add_argument("--dir", type=Path, help="keep the node directories here")
    args = parser.parse_args()
    require_netns()
    # a SIGTERM undoes the namespaces as Ctrl-C does
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    workdir = args.dir or Path(tempfile.mkdtemp(prefix="thinline-"))
    workdir.mkdir(parents=True, exist_ok=True)
    spec = LineSpec(args.delay_ms, args.kbit, args.queue_bytes)
    peer = {"line_kbit_s": args.kbit, "compress": args.compress}
    with ThinLine(workdir, spec, peer=peer) as line:
        for side in line.sides:
            line.start(side)
        print(f"line: {spec.delay_ms:.0f} ms each way, {spec.kbit_s:g} kbit/s")
        for side in line.sides:
            print(
                f"{side.name}: {side.url}  (namespace {side.netns}, CA {side.ca}/ca.pem, "
                f"operator token {side.token}, log {side.dir}/serve.log)"
            )
        print("commands: stall, resume, stats, quit", flush=True)
        relay = line.relay
        assert relay is not None
        try:
            for command in sys.stdin:
                word = command.strip()
                if word == "stall":
                    relay.stall()
                elif word == "resume":
                    relay.resume()
                elif word == "stats":
                    a_to_b, b_to_a = relay.counts()
                    print(f"alpha->bravo {a_to_b} bytes, bravo->alpha {b_to_a} bytes")
                elif word in ("quit", "exit"):
                    break
                elif word:
                    print(f"unknown command {word!r}: stall, resume, stats, quit")
                print("ok" if word else "", flush=True)
        except KeyboardInterrupt:
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
