"""``hotline audit export|verify``: fetch a node's audit export; verify one offline.

Verification is the protocol library's (:mod:`hotline_protocol.audit.command`, also run as
``python -m hotline_protocol.audit verify``): the same report and exit codes. It needs no node,
no store and no key files: everything it checks against is in the export and the pinned keys it
carries.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path
from typing import Any, BinaryIO

import httpx

from hotline_protocol.audit.command import read_export, verify_and_print

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
it. 'verify' exits 0 when every check passes, 1 when one fails.

examples:
  hotline audit export alpha --token "$AUDITOR_TOKEN" -o alpha-export.json
  hotline audit verify alpha-export.json
"""


def add_parser(subparsers: Any) -> None:
    p = add_command(subparsers, "audit", "export and verify audit records", DESCRIPTION)
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
        "verify an export offline",
        "Verify an audit export offline and print the report.",
    )
    ver.add_argument("export", metavar="EXPORT", type=Path, help="the export file ('-': stdin)")
    ver.set_defaults(func=run_verify)


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


def run_verify(args: argparse.Namespace) -> int:
    try:
        data = read_export(args.export)
    except OSError as exc:
        raise CliError(f"cannot read {args.export}: {exc.strerror or exc}") from exc
    return verify_and_print(data)
