"""``hotline tls ca|cert``: a private CA, and a node certificate it signs."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from ..provision.tls import CA_CERT, CA_DAYS, CA_KEY, CERT_DAYS, make_ca, make_cert
from .common import Parser, add_command

DESCRIPTION = """\
Make the TLS material of a side: a private CA, then the node's certificate signed by it.
The CA's certificate (ca.pem) goes to the other side with the card ('hotline pair --peer-ca');
its key (ca.key) stays with this side.

example:
  hotline tls ca alpha-ca --name "Alpha Hotline CA"
  hotline tls cert alpha --ca alpha-ca --host alpha.example --host 192.0.2.10
  hotline init alpha ... --url https://alpha.example:8400 \\
      --tls-cert alpha/tls/cert.pem --tls-key alpha/tls/key.pem
"""

CA_DESCRIPTION = f"""\
Create a private CA in CADIR: {CA_CERT} (its certificate, public: hand it to the other side with
the card) and {CA_KEY} (its key, mode 0600: keep it on this side, off the node if you can).

example:
  hotline tls ca alpha-ca --name "Alpha Hotline CA"
"""

CERT_DESCRIPTION = """\
Create a node certificate signed by the CA in CADIR, for every --host (the host names and IP
addresses the other side dials: the host of this node's URL), valid for TLS servers and
clients: DIR/tls/cert.pem and DIR/tls/key.pem (mode 0600). DIR may be a node directory or one
'hotline init' makes next; pass both files to 'hotline init --tls-cert --tls-key'.

example:
  hotline tls cert alpha --ca alpha-ca --host alpha.example --host 192.0.2.10
"""


def add_parser(subparsers: Any) -> None:
    p = add_command(subparsers, "tls", "make a private CA and node certificates", DESCRIPTION)
    sub = p.add_subparsers(dest="tls_command", metavar="COMMAND", required=True)

    ca: Parser = add_command(sub, "ca", "create a private CA", CA_DESCRIPTION)
    ca.add_argument("ca_dir", metavar="CADIR", type=Path, help="directory for ca.pem and ca.key")
    ca.add_argument("--name", default="Hotline CA", help="the CA's name (default: %(default)s)")
    ca.add_argument(
        "--days", type=int, default=CA_DAYS, help="validity in days (default: %(default)s)"
    )
    ca.add_argument("--replace", action="store_true", help="overwrite a CA in CADIR")
    ca.set_defaults(func=run_ca)

    cert: Parser = add_command(sub, "cert", "create a node certificate", CERT_DESCRIPTION)
    cert.add_argument("dir", metavar="DIR", type=Path, help="the node directory")
    cert.add_argument(
        "--ca", dest="ca_dir", metavar="CADIR", type=Path, required=True, help="the CA's directory"
    )
    cert.add_argument(
        "--host",
        dest="hosts",
        action="append",
        required=True,
        metavar="HOST",
        help="a host name or IP address the certificate is for (repeat for more)",
    )
    cert.add_argument(
        "--days", type=int, default=CERT_DAYS, help="validity in days (default: %(default)s)"
    )
    cert.add_argument("--replace", action="store_true", help="overwrite DIR/tls/cert.pem, key.pem")
    cert.set_defaults(func=run_cert)


def run_ca(args: argparse.Namespace) -> int:
    issued = make_ca(args.ca_dir, args.name, days=args.days, replace=args.replace)
    print(f"CA {args.name!r} created in {args.ca_dir}")
    print(f"  certificate: {issued.cert_path}  (hand it to the other side with the card)")
    print(f"  key:         {issued.key_path}  (keep it on this side)")
    print(f"  fingerprint SHA-256 {issued.fingerprint}")
    return 0


def run_cert(args: argparse.Namespace) -> int:
    issued = make_cert(args.dir, args.ca_dir, args.hosts, days=args.days, replace=args.replace)
    print(f"certificate for {', '.join(args.hosts)} signed by the CA in {args.ca_dir}")
    print(f"  certificate: {issued.cert_path}")
    print(f"  key:         {issued.key_path}")
    return 0
