"""The command ``python -m hotline_protocol.audit verify EXPORT``.

It reads an export (a file, or standard input for ``-``), verifies it offline, prints the report
and exits 0 when every check passes, 1 when one fails, and 2 on bad usage or a file that cannot
be read. ``hotline audit verify`` runs :func:`read_export` and :func:`verify_and_print` as well:
both print the same report and exit with the same codes.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from .verify import verify_export

PROG = "python -m hotline_protocol.audit"
EXIT_PASSED = 0
EXIT_FAILED = 1  # the export did not verify
EXIT_USAGE = 2  # bad usage, or the file cannot be read

DESCRIPTION = """\
An audit export holds both feeds of a Hotline line, their checkpoints and cosignatures, and the
evidence of refused input: enough to verify offline what each side said, and when the other side
received it. 'verify' exits 0 when every check passes, 1 when one fails.

example:
  python -m hotline_protocol.audit verify alpha-export.json
"""


def read_export(name: str | Path) -> bytes:
    """The export's bytes: the file ``name``, or standard input for ``-``; OSError otherwise."""
    if str(name) == "-":
        return sys.stdin.buffer.read()
    return Path(name).read_bytes()


def verify_and_print(data: bytes) -> int:
    """Verify the export, print the report; the exit code (0 every check passed, 1 otherwise)."""
    report = verify_export(data)
    print(report.render())
    return EXIT_PASSED if report.ok else EXIT_FAILED


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog=PROG,
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    verify = sub.add_parser(
        "verify",
        help="verify an export offline",
        description="Verify an audit export offline and print the report.",
    )
    verify.add_argument("export", metavar="EXPORT", help="the export file ('-': stdin)")
    args = parser.parse_args(argv)  # exits with EXIT_USAGE on bad usage
    try:
        data = read_export(args.export)
    except OSError as exc:
        print(f"{PROG}: error: cannot read {args.export}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_USAGE
    return verify_and_print(data)
