"""``hotline demo``: nodes on localhost with the embedded store, a sample notice, until Ctrl-C.

Each side is a :class:`DemoSide`; the demo initialises a node directory per side, adds an
operator and an auditor, starts every node as a ``hotline serve`` child process and posts a
planned operation from the first side. Pairing the sides slots in between set-up and start.
"""

from __future__ import annotations

import argparse
import shutil
import signal
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Any

import httpx

from .card import parse_card
from .common import CliError, add_command, refusal
from .init import CARD_NAME, init_node, port_number
from .pair import pin_card
from .spawn import NodeRunner, NodeStartError
from .users import create_user

DESCRIPTION = """\
Run a demo on this machine: a node for side alpha in a temporary directory (or --dir), with an
operator and an auditor, and one sample planned operation. Prints the URLs and both tokens, then
runs until Ctrl-C.

example:
  hotline demo --base-port 8400
"""

HOUR_MS = 3_600_000


@dataclass(frozen=True)
class DemoSide:
    side: str
    origin: str
    unit: str
    nation: str


SIDES: tuple[DemoSide, ...] = (
    DemoSide("alpha", "hotline.example/alpha", "CAOC-A Current Operations", "XAB"),
)


@dataclass
class DemoNode:
    spec: DemoSide
    directory: Path
    runner: NodeRunner
    tokens: dict[str, str]


def add_parser(subparsers: Any) -> None:
    p = add_command(subparsers, "demo", "run a demo on this machine until Ctrl-C", DESCRIPTION)
    p.add_argument(
        "--base-port",
        type=port_number,
        default=8400,
        help="port of the first node; the next side gets the next port (default 8400)",
    )
    p.add_argument(
        "--dir",
        type=Path,
        help="where the node directories go (kept); default: a temporary directory "
        "removed at the end",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    root: Path = (
        args.dir if args.dir is not None else Path(tempfile.mkdtemp(prefix="hotline-demo-"))
    )
    temporary = args.dir is None
    for spec in SIDES:
        if (root / spec.side).exists():
            raise CliError(f"{root / spec.side} exists: remove it or pick another --dir")
    previous = signal.signal(signal.SIGTERM, _interrupt)
    nodes: list[DemoNode] = []
    try:
        nodes = [_set_up(root, spec, args.base_port + i) for i, spec in enumerate(SIDES)]
        _pair(nodes)
        for node in nodes:
            node.runner.start()
        first = nodes[0]
        entry = _post_sample(first)
        _print_summary(root, nodes, entry, temporary)
        _wait(nodes)
        return 1
    except KeyboardInterrupt:
        print("\nstopping", flush=True)
        return 0
    except NodeStartError as exc:
        raise CliError(f"a demo node did not start: {exc}", 1) from exc
    finally:
        for node in nodes:
            node.runner.stop()
        signal.signal(signal.SIGTERM, previous)
        if temporary:
            shutil.rmtree(root, ignore_errors=True)


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def _set_up(root: Path, spec: DemoSide, port: int) -> DemoNode:
    directory = root / spec.side
    init_node(
        directory, side=spec.side, origin=spec.origin, unit=spec.unit, nation=spec.nation, port=port
    )
    tokens = {role: create_user(directory, role, role) for role in ("operator", "auditor")}
    runner = NodeRunner(directory, port, log_path=directory / "serve.log")
    return DemoNode(spec, directory, runner, tokens)


def _pair(nodes: list[DemoNode]) -> None:
    """Pin every other side's card on each node (nothing to do for a single side)."""
    for node in nodes:
        for other in nodes:
            if other is not node:
                pin_card(node.directory, parse_card((other.directory / CARD_NAME).read_bytes()))


def sample_operation(now_ms: int) -> dict[str, Any]:
    """A realistic planned operation: a patrol box and a tanker corridor, starting in an hour."""
    return {
        "kind": "planned_operation",
        "precedence": "PRIORITY",
        "status": "exercise",
        "expires": now_ms + 9 * HOUR_MS,
        "operation_ref": "A-DEMO-0042",
        "activity": "air_patrol",
        "areas": [
            {
                "shape": "polygon",
                "points": [
                    {"lat": 47.5, "lon": -31.25},
                    {"lat": 47.5, "lon": -29.75},
                    {"lat": 46.75, "lon": -29.75},
                    {"lat": 46.75, "lon": -31.25},
                    {"lat": 47.5, "lon": -31.25},
                ],
            },
            {
                "shape": "corridor",
                "centreline": [
                    {"lat": 46.75, "lon": -30.5},
                    {"lat": 45.9, "lon": -30.1},
                    {"lat": 45.2, "lon": -28.85},
                ],
                "half_width": {"value": 5, "unit": "NM"},
            },
        ],
        "vertical_block": {
            "lower": {"value": 5000, "unit": "ft", "reference": "AMSL"},
            "upper": {"value": 280, "unit": "FL", "reference": "STD"},
        },
        "window": {"start": now_ms + HOUR_MS, "end": now_ms + 7 * HOUR_MS},
        "callsigns": ["VIPER 11", "VIPER 12", "TEXACO 41"],
        "aircraft_count": 3,
        "aircraft_type": "F16",
        "air_to_air_frequency_mhz": 251.75,
        "point_of_contact": {
            "role": "CAOC-A airspace control duty officer",
            "frequency_mhz": 243.0,
        },
        "remarks": "Tanker track in the corridor; fighters inside the polygon.",
    }


def _post_sample(node: DemoNode) -> dict[str, Any]:
    body = sample_operation(time.time_ns() // 1_000_000)
    headers = {"Authorization": f"Bearer {node.tokens['operator']}"}
    try:
        response = httpx.post(
            f"{node.runner.url}/v1/notices", json=body, headers=headers, timeout=30.0
        )
    except httpx.HTTPError as exc:
        raise CliError(f"cannot post the sample notice: {exc}", 1) from exc
    if not response.is_success:
        raise refusal(response)
    entry: dict[str, Any] = response.json()
    return entry


def _print_summary(
    root: Path, nodes: list[DemoNode], entry: dict[str, Any], temporary: bool
) -> None:
    kept = "removed at the end" if temporary else "kept"
    lines = [f"Hotline demo in {root} ({kept}); Ctrl-C stops it.", ""]
    for node in nodes:
        url = node.runner.url
        lines += [
            f"  {node.spec.side}  {node.spec.origin}",
            f"    console:         {url}/",
            f"    API:             {url}/docs",
            f"    operator token:  {node.tokens['operator']}",
            f"    auditor token:   {node.tokens['auditor']}",
            f"    log:             {node.runner.log_path}",
            "",
        ]
    first = nodes[0]
    lines += [
        f"posted planned operation {entry['notice']['operation_ref']} as {entry['side']} "
        f"entry {entry['index']}",
        "",
        "try:",
        f"  hotline send {first.directory} --token {first.tokens['operator']} --kind liaison "
        "--text 'Radio check'",
        f"  curl -H 'Authorization: Bearer {first.tokens['auditor']}' "
        f"{first.runner.url}/v1/notices",
    ]
    print("\n".join(lines), flush=True)


def _wait(nodes: list[DemoNode]) -> None:
    """Until Ctrl-C (KeyboardInterrupt) or a node exits on its own (CliError)."""
    while True:
        for node in nodes:
            if not node.runner.running:
                raise CliError(f"node {node.spec.side} exited:\n{node.runner.log_tail()}", 1)
        time.sleep(0.5)
