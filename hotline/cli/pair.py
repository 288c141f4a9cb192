"""``hotline pair DIR CARD``: pin the other side's card as ``[peer]`` in ``hotline.toml``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from ..provision.card import Card, parse_card
from ..provision.errors import CardError
from ..provision.pair import pin_card
from ..provision.tls import read_certificates
from ..settings import CONFIG_NAME, load_settings
from .common import CliError, add_command, add_dir

DESCRIPTION = f"""\
Check the other side's card (format, both verifier keys, the log key named by the origin) and pin
it as [peer] in {CONFIG_NAME}. Read the printed fingerprint to the other side over a trusted line
before you rely on the pairing. Restart the node for the pairing to take effect.

example:
  hotline pair alpha bravo-card.txt
  hotline pair alpha bravo-card.txt --peer-ca bravo-ca.pem    # bravo's URL is https
"""


def add_parser(subparsers: Any) -> None:
    p = add_command(subparsers, "pair", "pin the other side's card", DESCRIPTION)
    add_dir(p)
    p.add_argument("card", metavar="CARD", type=Path, help="the other side's card.txt ('-': stdin)")
    p.add_argument("--replace", action="store_true", help="replace a different card pinned before")
    p.add_argument(
        "--peer-ca",
        type=Path,
        metavar="FILE",
        help="the other side's CA certificate (its ca.pem, PEM): the only CA trusted for its "
        "https URL; copied to DIR/tls/peer-ca.pem ([peer] tls_ca)",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    directory: Path = args.dir
    settings = load_settings(directory)
    card = _read_card(args.card)
    peer_ca = read_certificates(args.peer_ca) if args.peer_ca is not None else None
    replaced = pin_card(directory, card, replace=args.replace, peer_ca=peer_ca)
    if replaced is False:
        print(f"already paired with {card.side} ({card.origin}); nothing changed")
        return 0
    print(f"paired {settings.side} with {card.side} ({card.origin}) at {card.url}")
    print(f"  fingerprint {card.fingerprint()}: check it with the other side")
    if peer_ca is not None:
        print(f"  its TLS certificate must be signed by the CA in {args.peer_ca}")
    if replaced is not None:
        print(f"  replaced the card of {replaced!r}; its replica stays in the store")
    print("restart the node (hotline serve) for the pairing to take effect")
    return 0


def _read_card(path: Path) -> Card:
    try:
        data = sys.stdin.buffer.read() if str(path) == "-" else path.read_bytes()
    except OSError as exc:
        raise CliError(f"cannot read the card {path}: {exc.strerror}") from exc
    try:
        return parse_card(data)
    except CardError as exc:
        raise CliError(f"bad card {path}: {exc}") from exc
