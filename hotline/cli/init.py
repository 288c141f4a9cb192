"""``hotline init DIR``: a new node directory with both keys, ``hotline.toml`` and the card."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from ..provision.card import CARD_NAME
from ..provision.init import DEFAULT_HOST, DEFAULT_PORT, DEFAULT_STORE, init_node
from ..settings import CONFIG_NAME
from .common import add_command, add_dir

DESCRIPTION = f"""\
Create a node directory: the log and witness keys (keys/, owner-only), {CONFIG_NAME} and
{CARD_NAME}, the public card to hand to the other side (see 'hotline pair').

example:
  hotline init alpha --side alpha --origin hotline.example/alpha \\
      --unit "CAOC-A Current Operations" --nation XAB --port 8400

with TLS (a certificate from 'hotline tls cert', for the URL's host):
  hotline init alpha --side alpha --origin hotline.example/alpha \\
      --host 0.0.0.0 --port 8400 --url https://alpha.example:8400 \\
      --tls-cert alpha/tls/cert.pem --tls-key alpha/tls/key.pem
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
    p.add_argument("--host", default=DEFAULT_HOST, help=f"listen address (default: {DEFAULT_HOST})")
    p.add_argument(
        "--port",
        type=port_number,
        default=DEFAULT_PORT,
        help=f"listen port (default: {DEFAULT_PORT})",
    )
    p.add_argument(
        "--tls-cert",
        type=Path,
        metavar="FILE",
        help="the node's TLS certificate (PEM; see 'hotline tls cert'): serve https",
    )
    p.add_argument("--tls-key", type=Path, metavar="FILE", help="the certificate's key (PEM)")
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
        tls_cert=args.tls_cert,
        tls_key=args.tls_key,
    )
    print(f"node {settings.side} ({settings.origin}) created in {directory}")
    print(f"  keys:   {directory / settings.log_key}, {directory / settings.witness_key}")
    print(f"  config: {directory / CONFIG_NAME}")
    if settings.server.tls_cert:
        cert, key = settings.server.tls_cert, settings.server.tls_key
        print(f"  tls:    {settings.path(cert)}, {settings.path(key)}")
    print(f"  card:   {directory / CARD_NAME}  (fingerprint {card.fingerprint()})")
    if settings.url.startswith("https:") and not settings.server.tls_cert:
        print(
            "note: the URL is https but the node has no certificate (--tls-cert, --tls-key): "
            "hotline serve refuses to start until [server] tls_cert and tls_key are set"
        )
    print(f"next: hotline users add {directory} NAME --role operator; hotline serve {directory}")
    return 0
