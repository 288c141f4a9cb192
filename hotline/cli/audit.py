"""``hotline audit export|verify|report``: fetch a node's audit export; verify exports offline
against the sides' cards; report what was said, delivered and acknowledged, and when.

Verifying and reporting are the protocol library's (:mod:`hotline_protocol.audit.command`, also
run as ``python -m hotline_protocol.audit verify|report``): the same arguments, output and exit
codes. They need no node, no store and no key files: the exports and the sides' cards.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, BinaryIO

import httpx

from hotline_protocol.audit.command import (
    EXIT_TEXT,
    InputError,
    add_conflicts_arguments,
    add_report_arguments,
    add_verify_arguments,
    run_conflicts,
    run_report,
    run_verify,
)

from ..settings import load_settings
from .common import (
    EXIT_FAILED,
    CliError,
    add_command,
    add_dir,
    add_token,
    http_client,
    need_token,
    refusal,
)

DESCRIPTION = """\
An audit export holds both feeds, their checkpoints and cosignatures, and the evidence of refused
input: enough for anyone to verify offline what each side said, and when the other side received
and acknowledged it. Verify one export, or one from each side together, against both sides'
cards (the card.txt each side handed the other); the report tells the story notice by notice.

examples:
  hotline audit export alpha --token "$AUDITOR_TOKEN" -o alpha-export.json
  hotline audit verify alpha-export.json bravo-export.json \\
      --card alpha-card.txt --card bravo-card.txt
  hotline audit report alpha-export.json bravo-export.json \\
      --card alpha-card.txt --card bravo-card.txt --at 2026-12-06T10:30:00Z
"""
VERIFY_DESCRIPTION = f"""\
Verify one export, or one from each side together, against the sides' cards, and print the
report. Without a card for every side the verdict is at best UNPINNED.

{EXIT_TEXT}
"""
REPORT_DESCRIPTION = f"""\
Verify, then report per notice what was said, when it was appended (witnessed bracket),
delivered and acknowledged, and whether in time; outages, implausible times, refused input and
disagreements. --json for the machine-readable form (PROTOCOL.md: The report of a dispute).

{EXIT_TEXT}
"""


def add_parser(subparsers: Any) -> None:
    p = add_command(subparsers, "audit", "export, verify and report audit records", DESCRIPTION)
    sub = p.add_subparsers(dest="audit_command", metavar="COMMAND", required=True)

    exp = add_command(
        sub,
        "export",
        "download the node's audit export (auditor token)",
        "Download GET /v1/audit/export to a file.",
    )
    add_dir(exp)
    add_token(exp)
    exp.add_argument(
        "-o", "--output", required=True, type=Path, help="the file to write ('-': stdout)"
    )
    exp.add_argument("--url", help="the node's URL (default: url from the node's config)")
    exp.add_argument("--cacert", help="CA certificate file to verify an https node")
    exp.set_defaults(func=run_export)

    ver = add_command(
        sub,
        "verify",
        "verify one or two exports offline against the sides' cards",
        VERIFY_DESCRIPTION,
    )
    add_verify_arguments(ver)
    ver.set_defaults(func=offline(run_verify))

    rep = add_command(
        sub,
        "report",
        "report what was said, delivered and acknowledged, and when",
        REPORT_DESCRIPTION,
    )
    add_report_arguments(rep)
    rep.set_defaults(func=offline(run_report))

    con = add_command(
        sub,
        "conflicts",
        "the conflicts between the two sides' notices at a time, recomputed offline",
        "Verify, then recompute the deconfliction rule over both feeds at --at (default: when "
        "the newest export was made), as JSON: each conflict with the id the nodes showed, its "
        "overlap, and whether a liaison had marked it handled.\n\n" + EXIT_TEXT,
    )
    add_conflicts_arguments(con)
    con.set_defaults(func=offline(run_conflicts))


def run_export(args: argparse.Namespace) -> int:
    token = need_token(args.token)
    settings = load_settings(args.dir)
    url = args.url or settings.url
    if not url:
        raise CliError(f"no url in {args.dir}'s configuration: pass --url")
    with http_client(url, token, args.cacert) as client:
        if str(args.output) == "-":
            size = _download(client, sys.stdout.buffer)
            sys.stdout.flush()
            return 0
        fd, tmp = tempfile.mkstemp(prefix=f".{args.output.name}.", dir=args.output.parent)
        try:
            with os.fdopen(fd, "wb") as fh:
                size = _download(client, fh)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, args.output)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    print(f"wrote {size} bytes to {args.output}", file=sys.stderr)
    return 0


def _download(client: httpx.Client, out: BinaryIO) -> int:
    """Stream the export into ``out``; its size. CliError if the node refuses or fails."""
    size = 0
    try:
        with client.stream("GET", "/v1/audit/export") as response:
            if not response.is_success:
                response.read()
                raise refusal(response)
            for chunk in response.iter_bytes():
                out.write(chunk)
                size += len(chunk)
    except httpx.HTTPError as exc:
        raise CliError(f"export from {client.base_url} failed: {exc}", EXIT_FAILED) from exc
    return size


def offline(run: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    """A protocol library command (verify, report, conflicts) as this command runs it: an
    input it cannot read is the command line's usage error."""

    def command(args: argparse.Namespace) -> int:
        try:
            return run(args)
        except InputError as exc:
            raise CliError(str(exc)) from exc

    return command
