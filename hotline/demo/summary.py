"""What ``hotline demo`` prints once both nodes are up and linked: per side the console and API
URLs, the operator and auditor tokens and the card fingerprint, then commands to try. The last
line is always ``Ctrl-C stops both nodes.``"""

from __future__ import annotations

import shlex
import sys
from pathlib import Path
from typing import Any, TextIO

from ..provision.card import node_card
from .nodes import DemoNode
from .region import SHARED_AREA

LAST_LINE = "Ctrl-C stops both nodes."


def side_block(node: DemoNode) -> list[str]:
    url = node.url
    spec = node.spec
    card = node_card(node.directory)
    return [
        f"  {spec.side}  {spec.origin}  {spec.unit} ({spec.nation})",
        f"    console:         {url}/",
        f"    API:             {url}/v1  (reference: {url}/docs)",
        f"    operator token:  {node.tokens['operator']}",
        f"    auditor token:   {node.tokens['auditor']}",
        f"    card:            {card.fingerprint()}",
        f"    log:             {node.runner.log_path}",
        "",
    ]


def print_summary(
    root: Path,
    nodes: list[DemoNode],
    entry: dict[str, Any],
    temporary: bool,
    *,
    traffic: bool,
    rate: float,
    seed: int,
    out: TextIO | None = None,
) -> None:
    first, second = nodes[0], nodes[-1]
    dialer = next((n.side for n in nodes if n.spec.dial), first.side)
    kept = "removed at the end" if temporary else "kept"
    lines = [
        f"Hotline demo in {root} ({kept})",
        f"sides {' and '.join(n.side for n in nodes)} on 127.0.0.1, peered "
        f"({dialer} dials), embedded SQLite stores",
        "",
    ]
    for node in nodes:
        lines += side_block(node)
    ref = entry["notice"]["operation_ref"]
    lines += [
        f"posted planned operation {ref} as {entry['side']} entry {entry['index']}: "
        f"{second.side}'s console shows it to acknowledge",
        "",
        "try:",
        "  "
        + _cmd("hotline", "send", first.directory, "--token", first.tokens["operator"])
        + " --kind liaison --text 'Radio check'",
        f"  curl -H 'Authorization: Bearer {second.tokens['auditor']}' {second.url}/v1/notices",
    ]
    cards = [arg for n in nodes for arg in ("--card", n.directory / "card.txt")]
    for node in nodes:
        export = f"{node.side}-export.json"
        lines.append(
            "  "
            + _cmd("hotline", "audit", "export", node.directory, "--token", node.tokens["auditor"])
            + f" -o {export} && "
            + _cmd("hotline", "audit", "verify", export, *cards)
        )
    lines.append("")
    if traffic:
        lines += [
            f"traffic: {rate:g} new notices a minute from both sides over the {SHARED_AREA.name};"
            f" seed {seed} (--seed {seed} repeats the choices)",
        ]
    lines.append(LAST_LINE)
    print("\n".join(lines), file=out or sys.stdout, flush=True)


def _cmd(*parts: str | Path) -> str:
    return shlex.join(str(p) for p in parts)
