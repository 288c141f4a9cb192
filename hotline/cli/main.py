"""``hotline``: the command line of a Hotline node.

Every command answers ``--help``. Expected failures print one line, ``hotline: error: <message>``,
and exit 2 (bad input) or 1 (the node could not be reached); see :mod:`.common`.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from hotline_protocol.errors import ProtocolError

from ..errors import ConfigError, Conflict, Invalid, StoreError
from ..provision.errors import ProvisionError
from . import audit, demo, init, pair, send, serve, tls, users
from .common import EXIT_USAGE, CliError, Parser

DESCRIPTION = """\
Hotline: typed notices between two sides sharing an airspace, signed, logged in append-only
Merkle feeds and acknowledged by the other side.

A side's node lives in a directory (DIR) made by 'hotline init': its keys, hotline.toml and the
card to hand to the other side. Typical first steps:

  hotline init alpha --side alpha --origin hotline.example/alpha --unit "CAOC-A" --nation XAB
  hotline pair alpha bravo-card.txt
  hotline users add alpha duty-officer --role operator
  hotline serve alpha
"""


def build_parser() -> Parser:
    parser = Parser(
        prog="hotline",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version="hotline 0.1.0")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module in (tls, init, pair, serve, users, send, audit, demo):
        module.add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = _parse(parser, argv)
    except SystemExit as exc:  # --help, --version, usage errors: argparse printed them
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    try:
        code: int = args.func(args)
    except CliError as exc:
        return _fail(exc.message, exc.exit_code)
    except (ConfigError, StoreError, ProvisionError, Invalid, Conflict) as exc:
        return _fail(str(exc))  # a user's name, role or clash: "code: detail"
    except ProtocolError as exc:
        return _fail(str(exc))
    except KeyboardInterrupt:
        return 130
    return code


def _parse(parser: Parser, argv: Sequence[str] | None) -> argparse.Namespace:
    """Parse, letting an optional trailing positional (``send DIR --token T FILE``) follow the
    options: argparse alone fills it only when it comes right after the positionals before it."""
    args, extras = parser.parse_known_args(argv)
    late = getattr(args, "late_positional", None)
    if late is not None and getattr(args, late) is None and len(extras) == 1:
        extra = extras[0]
        if extra == "-" or not extra.startswith("-"):
            setattr(args, late, Path(extra))
            extras = []
    if extras:
        parser.error(f"unrecognized arguments: {' '.join(extras)}")
    return args


def _fail(message: str, code: int = EXIT_USAGE) -> int:
    sys.stdout.flush()
    print(f"hotline: error: {message}", file=sys.stderr)
    return code


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
