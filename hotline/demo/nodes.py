"""The demo's two nodes on localhost: set up, paired both ways, started and linked.

Each side gets a node directory (keys, ``hotline.toml``, card) with the embedded SQLite store and
its users; each side pins the other's card, alpha dials bravo (bravo only listens), and the demo
waits until both nodes report the peer link as connected.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import httpx

from ..provision.card import node_card
from ..provision.init import init_node
from ..provision.pair import pin_card, set_dial
from ..provision.runner import NodeRunner
from ..provision.users import create_user
from .errors import InUseError, NotLinkedError

LINK_TIMEOUT = 30.0
HOST = "127.0.0.1"


@dataclass(frozen=True)
class DemoSide:
    side: str
    origin: str
    unit: str
    nation: str
    dial: bool  # this side dials the other's URL; the other only listens


SIDES: tuple[DemoSide, ...] = (
    DemoSide("alpha", "hotline.example/alpha", "CAOC-A Current Operations", "XAB", dial=True),
    DemoSide("bravo", "hotline.example/bravo", "CAOC-B Current Operations", "XBC", dial=False),
)
SHOWN_USERS = ("operator", "auditor")  # printed for people; each side also gets the two below
TRAFFIC_USERS = ("planner", "duty-officer")  # the traffic generator's operators


@dataclass
class DemoNode:
    spec: DemoSide
    directory: Path
    runner: NodeRunner
    tokens: dict[str, str]  # user name -> bearer token

    @property
    def side(self) -> str:
        return self.spec.side

    @property
    def url(self) -> str:
        return self.runner.url


def check_free(root: Path, base_port: int) -> None:
    """InUseError when a side's directory exists under ``root`` or a demo port is taken."""
    for i, spec in enumerate(SIDES):
        if (root / spec.side).exists():
            raise InUseError(f"{root / spec.side} exists: remove it or pick another --dir")
        port = base_port + i
        if port > 65535 or not _port_free(port):
            raise InUseError(f"port {port} on {HOST} is not free: pick another --base-port")


def _port_free(port: int) -> bool:
    """Whether a server could listen on ``port``: bound with SO_REUSEADDR, as the node's server
    binds, so connections of an earlier run still in TIME_WAIT do not count."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((HOST, port))
        except OSError:
            return False
    return True


def set_up(root: Path, spec: DemoSide, port: int, users: Sequence[str]) -> DemoNode:
    """Initialise the side's node directory and add ``users`` (operator role, except the
    auditor); the node is not started."""
    directory = root / spec.side
    init_node(
        directory,
        side=spec.side,
        origin=spec.origin,
        unit=spec.unit,
        nation=spec.nation,
        host=HOST,
        port=port,
    )
    tokens = {
        name: create_user(directory, name, "auditor" if name == "auditor" else "operator")
        for name in users
    }
    runner = NodeRunner(directory, port, host=HOST, log_path=directory / "serve.log")
    return DemoNode(spec, directory, runner, tokens)


def pair(nodes: Sequence[DemoNode]) -> None:
    """Pin every other side's card on each node, with ``dial`` as the side's spec says."""
    for node in nodes:
        for other in nodes:
            if other is node:
                continue
            pin_card(node.directory, node_card(other.directory))
            set_dial(node.directory, node.spec.dial)


def start(nodes: Sequence[DemoNode]) -> None:
    """Start every node (NodeStartError with the log tail when one does not come up)."""
    for node in nodes:
        node.runner.start()


def wait_linked(nodes: Sequence[DemoNode], timeout: float = LINK_TIMEOUT) -> None:
    """Poll ``GET /v1/link`` at every node until all say ``connected``; NotLinkedError if not."""
    deadline = time.monotonic() + timeout
    states: dict[str, object] = {}
    with httpx.Client(timeout=2.0) as client:
        while True:
            for node in nodes:
                headers = {"Authorization": f"Bearer {node.tokens['auditor']}"}
                try:
                    response = client.get(f"{node.url}/v1/link", headers=headers)
                    states[node.side] = response.json() if response.is_success else response.text
                except (httpx.HTTPError, ValueError) as exc:
                    states[node.side] = f"{type(exc).__name__}: {exc}"
            if all(isinstance(s, dict) and s.get("connected") for s in states.values()):
                return
            if time.monotonic() >= deadline:
                break
            time.sleep(0.1)
    shown = "; ".join(f"{side}: {state}" for side, state in states.items())
    raise NotLinkedError(f"the peer link did not come up within {timeout:.0f}s ({shown})")


def stop(nodes: Sequence[DemoNode]) -> None:
    """Stop every node at once (SIGTERM, then SIGKILL after the runner's timeout)."""
    running = [node for node in nodes if node.runner.process is not None]
    if running:
        with ThreadPoolExecutor(len(running)) as pool:
            list(pool.map(lambda node: node.runner.stop(), running))


def dead(nodes: Sequence[DemoNode]) -> DemoNode | None:
    """The first node whose process has exited, if any."""
    return next((node for node in nodes if not node.runner.running), None)
