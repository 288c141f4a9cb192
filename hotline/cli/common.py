"""What the command modules share: the error they raise, argument helpers, output and HTTP.

Exit codes, for every command:

    0   done
    1   the node could not be reached or failed (a retry may help), or an export did not verify
    2   bad input: usage, configuration, key files, store, or a request the node refused
    4   serve: the node's URL is https but it has no certificate
    5   serve: the node listens on loopback while its URL names another host
"""

from __future__ import annotations

import argparse
import json
import os
import ssl
import sys
from pathlib import Path
from typing import Any, NoReturn

import httpx

from ..errors import HotlineError

EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_NO_CERTIFICATE = 4  # serve: an https URL without [server] tls_cert
EXIT_LOOPBACK = 5  # serve: listening on loopback while the URL names another host


class CliError(HotlineError):
    """An expected failure: printed as ``hotline: error: <message>``, then exit
    ``exit_code``."""

    def __init__(self, message: str, exit_code: int = EXIT_USAGE) -> None:
        super().__init__("command_failed", message)
        self.message = message
        self.exit_code = exit_code

    def __str__(self) -> str:
        return self.message


class Parser(argparse.ArgumentParser):
    """argparse with one error format for every command: ``hotline: error: <message>``."""

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"hotline: error: {message}\n")


def add_command(subparsers: Any, name: str, help_text: str, description: str) -> Parser:
    parser: Parser = subparsers.add_parser(
        name,
        help=help_text,
        description=description,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    return parser


def add_dir(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("dir", metavar="DIR", type=Path, help="the node directory")


def add_token(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--token",
        default=os.environ.get("HOTLINE_TOKEN"),
        help="bearer token (default: the HOTLINE_TOKEN environment variable)",
    )


def need_token(token: str | None) -> str:
    if not token:
        raise CliError("a token is required: --token T or the HOTLINE_TOKEN environment variable")
    return token


def print_json(data: Any) -> None:
    print(json.dumps(data, indent=2, ensure_ascii=False))


# HTTP to a node ------------------------------------------------------------------------------


def http_client(base_url: str, token: str, cacert: str | None = None) -> httpx.Client:
    verify: ssl.SSLContext | bool = True
    if cacert:
        try:
            verify = ssl.create_default_context(cafile=cacert)
        except (OSError, ssl.SSLError) as exc:
            raise CliError(f"cannot load the CA certificate {cacert}: {exc}") from exc
    return httpx.Client(
        base_url=base_url.rstrip("/"),
        headers={"Authorization": f"Bearer {token}"},
        timeout=httpx.Timeout(30.0, connect=5.0),
        verify=verify,
    )


def request(client: httpx.Client, method: str, path: str, **kwargs: Any) -> httpx.Response:
    """Send a request; CliError (exit 1) when the node cannot be reached."""
    try:
        return client.request(method, path, **kwargs)
    except httpx.HTTPError as exc:
        raise CliError(f"cannot reach the node at {client.base_url}: {exc}", EXIT_FAILED) from exc


def refusal(response: httpx.Response) -> CliError:
    """The CliError for a non-2xx answer: the API's ``error`` code and ``detail``."""
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict) and "error" in body:
        shown = _detail(body.get("detail"))
        message = f"{response.status_code} {body['error']}: {shown}"
    else:
        message = f"{response.status_code} {response.reason_phrase}: {response.text[:500]}"
    exit_code = EXIT_FAILED if response.status_code >= 500 else EXIT_USAGE
    return CliError(f"the node refused: {message}", exit_code)


def _detail(detail: Any) -> str:
    """An API error's detail on one line: problem lists as ``path: reason; ...``."""
    if isinstance(detail, str):
        return detail
    if isinstance(detail, list) and all(isinstance(p, dict) and "reason" in p for p in detail):
        return "; ".join(f"{p.get('path') or '<root>'}: {p['reason']}" for p in detail)
    return json.dumps(detail, ensure_ascii=False)
