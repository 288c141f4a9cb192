"""``hotline pair DIR CARD``: pin the other side's card as ``[peer]`` in ``hotline.toml``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from ..settings import CONFIG_NAME, load_settings, read_config
from .card import Card, CardError, parse_card
from .common import CliError, add_command, add_dir, write_config_atomic

DESCRIPTION = f"""\
Check the other side's card (format, both verifier keys, the log key named by the origin) and pin
it as [peer] in {CONFIG_NAME}. Read the printed fingerprint to the other side over a trusted line
before you rely on the pairing. Restart the node for the pairing to take effect.

example:
  hotline pair alpha bravo-card.txt
"""


def add_parser(subparsers: Any) -> None:
    p = add_command(subparsers, "pair", "pin the other side's card", DESCRIPTION)
    add_dir(p)
    p.add_argument("card", metavar="CARD", type=Path, help="the other side's card.txt ('-': stdin)")
    p.add_argument("--replace", action="store_true", help="replace a different card pinned before")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    directory: Path = args.dir
    settings = load_settings(directory)
    card = _read_card(args.card)
    replaced = pin_card(directory, card, replace=args.replace)
    if replaced is False:
        print(f"already paired with {card.side} ({card.origin}); nothing changed")
        return 0
    print(f"paired {settings.side} with {card.side} ({card.origin}) at {card.url}")
    print(f"  fingerprint {card.fingerprint()}: check it with the other side")
    if replaced is not None:
        print(f"  replaced the card of {replaced!r}; its replica stays in the store")
    print("restart the node (hotline serve) for the pairing to take effect")
    return 0


def pin_card(directory: Path, card: Card, *, replace: bool = False) -> str | bool | None:
    """Pin ``card`` as the node's [peer]. Returns False if it was pinned already (nothing
    written), the replaced peer's side name, or None for a first pairing. CliError, and
    nothing written, when the card is this node's own or another card is pinned (without
    ``replace``)."""
    settings = load_settings(directory)
    if card.origin == settings.origin:
        raise CliError(
            f"this is this node's own card (origin {card.origin!r}): pair with the "
            "other side's card"
        )
    if card.side == settings.side:
        raise CliError(
            f"the card's side {card.side!r} is this node's own side name; the two "
            "sides need different names"
        )
    config = read_config(directory)
    pinned = config.get("peer")
    wanted = card.peer_config()
    if isinstance(pinned, dict) and {k: pinned.get(k) for k in wanted} == wanted:
        return False
    if isinstance(pinned, dict) and not replace:
        raise CliError(
            f"already paired with {pinned.get('side')!r} ({pinned.get('origin')!r}); "
            "pass --replace to pin this card instead"
        )
    config["peer"] = {**(pinned if isinstance(pinned, dict) else {}), **wanted}
    write_config_atomic(directory, config)
    return str(pinned.get("side")) if isinstance(pinned, dict) else None


def _read_card(path: Path) -> Card:
    try:
        data = sys.stdin.buffer.read() if str(path) == "-" else path.read_bytes()
    except OSError as exc:
        raise CliError(f"cannot read the card {path}: {exc.strerror}") from exc
    try:
        return parse_card(data)
    except CardError as exc:
        raise CliError(f"bad card {path}: {exc}") from exc
