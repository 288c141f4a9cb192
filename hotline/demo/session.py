"""One run of the demo: set up both nodes, print how to reach them, run until stopped, clean up.

Set-up (node directories, users, pairing, start, link, a sample notice) is synchronous; then an
event loop runs until Ctrl-C, SIGTERM or the duration: it watches both node processes and, with
traffic, runs the generator of :mod:`.traffic`. Stopping stops the traffic first, then both
nodes at once, then removes the temporary directory. A signal during set-up ends it the same way.
"""

from __future__ import annotations

import asyncio
import random
import shutil
import signal
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Any

import httpx

from . import nodes as demo_nodes
from .actions import ActionLog
from .errors import NodeExitedError, SampleError
from .nodes import SHOWN_USERS, SIDES, TRAFFIC_USERS, DemoNode
from .sample import sample_operation
from .summary import print_summary
from .traffic import Traffic, TrafficConfig, TrafficSide

WATCH_SECONDS = 0.5
DEFAULT_BASE_PORT = 8400
DEFAULT_RATE = 12.0  # new notices a minute, both sides together
MAX_RATE = 1200.0


@dataclass(frozen=True)
class DemoOptions:
    base_port: int = DEFAULT_BASE_PORT  # alpha's port; bravo gets the next one
    directory: Path | None = None  # where the node directories go (kept); None: a temporary one
    traffic: bool = False
    rate: float = DEFAULT_RATE
    seed: int | None = None  # None: a new seed, printed
    duration: float | None = None  # seconds; None: until a signal


def run_demo(options: DemoOptions) -> None:
    """Run the demo until Ctrl-C, SIGTERM or the duration, then stop both nodes and remove the
    temporary directory. Raises DemoError (InUseError before anything is set up), or a
    ProvisionError such as NodeStartError, when it cannot go on; it has cleaned up by then."""
    temporary = options.directory is None
    root = options.directory or Path(tempfile.mkdtemp(prefix="hotline-demo-"))
    handled = (signal.SIGINT, signal.SIGTERM)
    previous = {sig: signal.getsignal(sig) for sig in handled}
    nodes: list[DemoNode] = []
    try:
        demo_nodes.check_free(root, options.base_port)
        signal.signal(signal.SIGTERM, _interrupt)  # set-up ends like Ctrl-C
        users = [*SHOWN_USERS, *(TRAFFIC_USERS if options.traffic else ())]
        for i, spec in enumerate(SIDES):
            nodes.append(demo_nodes.set_up(root, spec, options.base_port + i, users))
        demo_nodes.pair(nodes)
        demo_nodes.start(nodes)
        demo_nodes.wait_linked(nodes)
        entry = post_sample(nodes[0])
        seed = options.seed if options.seed is not None else random.randrange(1_000_000)
        print_summary(
            root, nodes, entry, temporary, traffic=options.traffic, rate=options.rate, seed=seed
        )
        asyncio.run(_until_stopped(nodes, options, seed))
    except KeyboardInterrupt:
        return
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


def post_sample(node: DemoNode) -> dict[str, Any]:
    """Post a sample planned operation as the side's operator; the entry it became."""
    body = sample_operation(time.time_ns() // 1_000_000)
    headers = {"Authorization": f"Bearer {node.tokens['operator']}"}
    try:
        response = httpx.post(f"{node.url}/v1/notices", json=body, headers=headers, timeout=30.0)
    except httpx.HTTPError as exc:
        raise SampleError(f"cannot post the sample notice: {exc}") from exc
    if not response.is_success:
        raise SampleError(f"the node refused the sample notice ({response.status_code})", response)
    entry: dict[str, Any] = response.json()
    return entry


async def _until_stopped(nodes: list[DemoNode], options: DemoOptions, seed: int) -> None:
    """Run until a signal, the duration or a node's exit (NodeExitedError); traffic if asked."""
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    traffic: asyncio.Task[Any] | None = None
    if options.traffic:
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
        generator = Traffic(sides, TrafficConfig(rate=options.rate, seed=seed), ActionLog())
        traffic = asyncio.create_task(generator.run(stop))
    watch = asyncio.create_task(_watch(nodes))
    stopped = asyncio.create_task(stop.wait())
    waiting = {watch, stopped, *([traffic] if traffic else [])}
    duration = options.duration
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
            raise NodeExitedError(node.side, node.runner.log_tail())
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
