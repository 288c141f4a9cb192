"""``hotline demo``: both sides on localhost, peered, optionally with simulated traffic.

Set-up (node directories, users, pairing, start, link) is synchronous; then an event loop runs
until Ctrl-C, SIGTERM or ``--duration``: it watches both node processes and, with ``--traffic``,
runs the generator of :mod:`hotline.demo.traffic`. Stopping stops the traffic first, then both
nodes at once, then removes the temporary directory.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import shutil
import signal
import tempfile
import time
from pathlib import Path
from types import FrameType
from typing import Any

import httpx

from ..demo import nodes as demo_nodes
from ..demo.actions import ActionLog
from ..demo.errors import DemoError
from ..demo.nodes import SHOWN_USERS, SIDES, TRAFFIC_USERS, DemoNode
from ..demo.sample import sample_operation
from ..demo.summary import print_summary
from ..demo.traffic import Traffic, TrafficConfig, TrafficSide
from .common import EXIT_FAILED, CliError, add_command, refusal
from .init import port_number
from .spawn import NodeStartError

DESCRIPTION = """\
Run both sides on this machine: nodes alpha and bravo on 127.0.0.1 (ports BASE and BASE+1) with
the embedded store; keys generated, cards exchanged, peered (alpha dials bravo); an operator and
an auditor per side. Prints each side's console and API URLs and tokens, then runs until Ctrl-C
(or --duration). With --traffic, simulated operators on both sides post planned operations over
a shared area of sea, liaison messages and now and then an emergency, and acknowledge each
other's notices after a human-like pause; each action is printed on one line.

examples:
  hotline demo
  hotline demo --traffic
  hotline demo --traffic --rate 60 --seed 7 --duration 300
  hotline demo --dir demo-nodes --base-port 8500
"""

WATCH_SECONDS = 0.5
DEFAULT_RATE = 12.0
MAX_RATE = 1200.0


def positive(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not 0 < value < float("inf"):
        raise argparse.ArgumentTypeError(f"{text} is not a positive number")
    return value


def add_parser(subparsers: Any) -> None:
    p = add_command(subparsers, "demo", "run both sides on this machine until Ctrl-C", DESCRIPTION)
    p.add_argument(
        "--base-port",
        type=port_number,
        metavar="PORT",
        default=8400,
        help="alpha's port; bravo gets the next one (default 8400)",
    )
    p.add_argument(
        "--dir",
        type=Path,
        help="where the node directories go (kept); default: a temporary directory "
        "removed at the end",
    )
    p.add_argument("--traffic", action="store_true", help="simulate operators on both sides")
    p.add_argument(
        "--rate",
        type=positive,
        metavar="N",
        help=f"with --traffic: new notices per minute, both sides together, at most {MAX_RATE:g} "
        f"(default {DEFAULT_RATE:g})",
    )
    p.add_argument(
        "--seed",
        type=int,
        metavar="N",
        help="with --traffic: fix the random choices (default: a new seed, printed)",
    )
    p.add_argument(
        "--duration",
        type=positive,
        metavar="SECONDS",
        help="stop after this many seconds (default: at Ctrl-C)",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if not args.traffic and (args.rate is not None or args.seed is not None):
        raise CliError("--rate and --seed go with --traffic")
    if args.rate is not None and args.rate > MAX_RATE:
        raise CliError(f"--rate is at most {MAX_RATE:g} notices a minute")
    rate: float = args.rate if args.rate is not None else DEFAULT_RATE
    temporary = args.dir is None
    root: Path = Path(tempfile.mkdtemp(prefix="hotline-demo-")) if temporary else args.dir
    handled = (signal.SIGINT, signal.SIGTERM)
    previous = {sig: signal.getsignal(sig) for sig in handled}
    nodes: list[DemoNode] = []
    try:
        demo_nodes.check_free(root, args.base_port)
        signal.signal(signal.SIGTERM, _interrupt)  # set-up ends like Ctrl-C
        users = [*SHOWN_USERS, *(TRAFFIC_USERS if args.traffic else ())]
        for i, spec in enumerate(SIDES):
            nodes.append(demo_nodes.set_up(root, spec, args.base_port + i, users))
        demo_nodes.pair(nodes)
        demo_nodes.start(nodes)
        demo_nodes.wait_linked(nodes)
        entry = _post_sample(nodes[0])
        seed = args.seed if args.seed is not None else random.randrange(1_000_000)
        print_summary(root, nodes, entry, temporary, traffic=args.traffic, rate=rate, seed=seed)
        asyncio.run(_until_stopped(nodes, args.traffic, rate, seed, args.duration))
        return 0
    except KeyboardInterrupt:
        return 0
    except NodeStartError as exc:
        raise CliError(f"a demo node did not start: {exc}", EXIT_FAILED) from exc
    except DemoError as exc:
        raise CliError(f"the demo failed: {exc}", EXIT_FAILED) from exc
    finally:
        for sig in handled:  # a second Ctrl-C must not cut the shutdown short
            signal.signal(sig, signal.SIG_IGN)
        if nodes:
            print("stopping both nodes", flush=True)
        demo_nodes.stop(nodes)
        if temporary:
            shutil.rmtree(root, ignore_errors=True)
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def _post_sample(node: DemoNode) -> dict[str, Any]:
    body = sample_operation(time.time_ns() // 1_000_000)
    headers = {"Authorization": f"Bearer {node.tokens['operator']}"}
    try:
        response = httpx.post(f"{node.url}/v1/notices", json=body, headers=headers, timeout=30.0)
    except httpx.HTTPError as exc:
        raise CliError(f"cannot post the sample notice: {exc}", EXIT_FAILED) from exc
    if not response.is_success:
        raise refusal(response)
    entry: dict[str, Any] = response.json()
    return entry


async def _until_stopped(
    nodes: list[DemoNode], traffic_on: bool, rate: float, seed: int, duration: float | None
) -> None:
    """Run until a signal, the duration or a node's exit (CliError); traffic if asked."""
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    traffic: asyncio.Task[Any] | None = None
    if traffic_on:
        sides = [
            TrafficSide(
                node.side,
                other.side,
                node.url,
                node.tokens["planner"],
                node.tokens["duty-officer"],
            )
            for node, other in zip(nodes, reversed(nodes), strict=True)
        ]
        generator = Traffic(sides, TrafficConfig(rate=rate, seed=seed), ActionLog())
        traffic = asyncio.create_task(generator.run(stop))
    watch = asyncio.create_task(_watch(nodes))
    stopped = asyncio.create_task(stop.wait())
    waiting = {watch, stopped, *([traffic] if traffic else [])}
    try:
        done, _ = await asyncio.wait(waiting, timeout=duration, return_when=asyncio.FIRST_COMPLETED)
        if not done:
            print(f"{duration:g}s passed", flush=True)
        stop.set()
        if traffic is not None:
            stats = await traffic  # an unexpected failure of the generator is raised here
            print(f"traffic: {stats.posted} notices posted, {stats.acked} acknowledged", flush=True)
        if watch.done():
            node = watch.result()
            raise CliError(f"node {node.side} exited:\n{node.runner.log_tail()}", EXIT_FAILED)
    finally:
        for task in waiting:
            task.cancel()
        await asyncio.gather(*waiting, return_exceptions=True)
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)


async def _watch(nodes: list[DemoNode]) -> DemoNode:
    """The first node whose process exits."""
    while True:
        node = demo_nodes.dead(nodes)
        if node is not None:
            return node
        await asyncio.sleep(WATCH_SECONDS)
