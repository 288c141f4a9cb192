"""``hotline audit export|verify``: fetch a node's audit export; verify one offline.

Verification runs :func:`hotline.audit.verify.verify_export` on the export's bytes and needs no
node, no store and no key files: everything it checks against is in the export and the pinned
keys it carries.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, BinaryIO, Protocol, cast

import httpx

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


class Report(Protocol):
    """What :func:`hotline.audit.verify.verify_export` returns."""

    @property
    def ok(self) -> bool: ...


Verify = Callable[[bytes], Report]


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
        data = sys.stdin.buffer.read() if str(args.export) == "-" else args.export.read_bytes()
    except OSError as exc:
        raise CliError(f"cannot read {args.export}: {exc.strerror or exc}") from exc
    report = _verifier()(data)
    print(render(report))
    return 0 if report.ok else EXIT_FAILED


def render(report: Report) -> str:
    renderer = getattr(report, "render", None)
    if callable(renderer):
        return str(renderer())
    lines = getattr(report, "lines", None)
    if lines is not None:
        return "\n".join(str(line) for line in lines)
    return "OK" if report.ok else "FAILED"


def _verifier() -> Verify:
    """The verifier, imported when needed (it is optional for every other command)."""
    try:
        module = importlib.import_module("hotline.audit.verify")
    except ImportError as exc:
        raise CliError(f"the audit verifier is not available: {exc}") from exc
    return cast(Verify, module.verify_export)
