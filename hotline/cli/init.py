"""``hotline init DIR``: a new node directory with both keys, ``hotline.toml`` and the card."""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from ..keys import generate_keys
from ..settings import CONFIG_NAME, Settings, write_config
from .card import Card, own_card
from .common import CliError, add_command, add_dir

CARD_NAME = "card.txt"
DEFAULT_PORT = 8400
DEFAULT_STORE = "sqlite:///hotline.db"

DESCRIPTION = f"""\
Create a node directory: the log and witness keys (keys/, owner-only), {CONFIG_NAME} and
{CARD_NAME}, the public card to hand to the other side (see 'hotline pair').

example:
  hotline init alpha --side alpha --origin hotline.example/alpha \\
      --unit "CAOC-A Current Operations" --nation XAB --port 8400
"""


def port_number(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a port number: {text!r}") from None
    if not 1 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"port {value} is not in 1-65535")
    return value


def add_parser(subparsers: Any) -> None:
    p = add_command(subparsers, "init", "create a node directory (keys, config, card)", DESCRIPTION)
    add_dir(p)
    p.add_argument("--side", required=True, help="this side's short name, e.g. alpha")
    p.add_argument(
        "--origin",
        required=True,
        help="this side's feed origin (log key name), e.g. hotline.example/alpha",
    )
    p.add_argument(
        "--url", help="the URL the other side reaches this node at (default: http://HOST:PORT)"
    )
    p.add_argument("--unit", default="", help="default author unit for posted notices")
    p.add_argument("--nation", default="", help="default author nation (3 upper-case letters)")
    p.add_argument(
        "--store",
        default=DEFAULT_STORE,
        help=f"store URL (default: {DEFAULT_STORE}, in the node directory)",
    )
    p.add_argument("--host", default="127.0.0.1", help="listen address (default: 127.0.0.1)")
    p.add_argument(
        "--port",
        type=port_number,
        default=DEFAULT_PORT,
        help=f"listen port (default: {DEFAULT_PORT})",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    directory: Path = args.dir
    settings, card = init_node(
        directory,
        side=args.side,
        origin=args.origin,
        url=args.url,
        unit=args.unit,
        nation=args.nation,
        store=args.store,
        host=args.host,
        port=args.port,
    )
    print(f"node {settings.side} ({settings.origin}) created in {directory}")
    print(f"  keys:   {directory / settings.log_key}, {directory / settings.witness_key}")
    print(f"  config: {directory / CONFIG_NAME}")
    print(f"  card:   {directory / CARD_NAME}  (fingerprint {card.fingerprint()})")
    print(f"next: hotline users add {directory} NAME --role operator; hotline serve {directory}")
    return 0


def init_node(
    directory: Path,
    *,
    side: str,
    origin: str,
    url: str | None = None,
    unit: str = "",
    nation: str = "",
    store: str = DEFAULT_STORE,
    host: str = "127.0.0.1",
    port: int = DEFAULT_PORT,
) -> tuple[Settings, Card]:
    """Create the node directory; CliError (and nothing left behind) when it cannot."""
    for name in (CONFIG_NAME, "keys", CARD_NAME):
        if (directory / name).exists():
            raise CliError(f"{directory} already holds a node ({name} exists); not overwriting it")
    if directory.exists() and not directory.is_dir():
        raise CliError(f"{directory} exists and is not a directory")
    data: dict[str, Any] = {
        "side": side,
        "origin": origin,
        "url": url or f"http://{host}:{port}",
        "store": store,
        "server": {"host": host, "port": port},
    }
    if unit:
        data["unit"] = unit
    if nation:
        data["nation"] = nation
    settings = _settings(directory, data)
    created = not directory.exists()
    try:
        directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        keys = generate_keys(settings)
        write_config(directory, data)
        card = own_card(settings, keys)
        (directory / CARD_NAME).write_text(card.text())
    except BaseException:
        if created:
            shutil.rmtree(directory, ignore_errors=True)
        raise
    return settings, card


def _settings(directory: Path, data: dict[str, Any]) -> Settings:
    try:
        return Settings(dir=directory.resolve(), **data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or '<root>'}: {err['msg']}"
            for err in exc.errors()
        )
        raise CliError(f"invalid node settings: {problems}") from exc
