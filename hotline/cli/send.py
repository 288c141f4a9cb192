"""``hotline send DIR``: post a notice to a node over HTTP and print the entry it became.

The notice is a JSON file (``-`` for stdin) or built from flags for two quick kinds: ``liaison``
and ``distress`` (aircraft in distress). ``id``, ``time`` and ``author`` may be left out: the
node fills them (the author from the token's user and the node's unit and nation).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

from ..settings import load_settings
from .common import (
    CliError,
    add_command,
    add_dir,
    add_token,
    http_client,
    need_token,
    print_json,
    refusal,
    request,
)

DESCRIPTION = """\
Post a notice to the node and print the resulting entry (side, origin, index, leaf hash, notice).
Exit 2 with the node's error code when it refuses the notice, 1 when it cannot be reached.

examples:
  hotline send alpha --token "$TOKEN" notice.json
  hotline send alpha --token "$TOKEN" --kind liaison --text "Line check at 08:00Z." --language en
  hotline send alpha --token "$TOKEN" --kind distress --callsign "VIPER 12" \\
      --lat 46.912 --lon -30.418 --nature engine,fuel --status actual
"""

STATUSES = ("actual", "exercise", "test")
PRECEDENCES = ("FLASH", "IMMEDIATE", "PRIORITY", "ROUTINE")


def add_parser(subparsers: Any) -> None:
    p = add_command(subparsers, "send", "post a notice", DESCRIPTION)
    add_dir(p)
    p.add_argument(
        "file",
        metavar="FILE.json",
        nargs="?",
        type=Path,
        help="the notice as JSON ('-': stdin); or use --kind",
    )
    add_token(p)
    p.add_argument("--url", help="the node's URL (default: url from the node's config)")
    p.add_argument("--cacert", help="CA certificate file to verify an https node")
    p.add_argument("--idempotency-key", help="a retried send with the same key is not doubled")
    quick = p.add_argument_group("quick notices (instead of FILE.json)")
    quick.add_argument("--kind", choices=("liaison", "distress"))
    quick.add_argument(
        "--status",
        choices=STATUSES,
        default="exercise",
        help="default: exercise (say 'actual' for the real thing)",
    )
    quick.add_argument(
        "--precedence",
        choices=PRECEDENCES,
        help="default: the kind's (liaison ROUTINE, distress FLASH)",
    )
    quick.add_argument("--text", help="liaison: the message")
    quick.add_argument("--language", default="en", help="liaison: BCP 47 tag (default: en)")
    quick.add_argument("--callsign", help="distress: the aircraft's callsign")
    quick.add_argument("--nationality", help="distress: 3 letters (default: the node's nation)")
    quick.add_argument("--lat", type=float, help="distress: last latitude, degrees")
    quick.add_argument("--lon", type=float, help="distress: last longitude, degrees")
    quick.add_argument("--nature", help="distress: comma list, e.g. engine,fuel")
    quick.add_argument(
        "--phase",
        choices=("INCERFA", "ALERFA", "DETRESFA"),
        default="DETRESFA",
        help="distress: emergency phase (default: DETRESFA)",
    )
    quick.add_argument(
        "--uncertainty-m",
        type=int,
        default=1000,
        help="distress: position uncertainty in metres (default: 1000)",
    )
    quick.add_argument(
        "--fix-source",
        default="other",
        choices=("gnss", "radar", "voice", "beacon", "other"),
        help="distress: how the position was obtained (default: other)",
    )
    quick.add_argument(
        "--assistance",
        default="keep_clear,sar",
        help="distress: what the other side is asked for (default: keep_clear,sar)",
    )
    p.set_defaults(func=run, late_positional="file")


def run(args: argparse.Namespace) -> int:
    token = need_token(args.token)
    settings = load_settings(args.dir)
    url = args.url or settings.url
    if not url:
        raise CliError(f"no url in {args.dir}'s configuration: pass --url")
    if args.file is not None and args.kind is not None:
        raise CliError("give FILE.json or --kind, not both")
    if args.file is not None:
        body = _read_notice(args.file)
    elif args.kind == "liaison":
        body = _liaison(args)
    elif args.kind == "distress":
        body = _distress(args, settings.nation)
    else:
        raise CliError("give the notice: FILE.json, or --kind liaison|distress with its flags")
    headers = {"Idempotency-Key": args.idempotency_key} if args.idempotency_key else {}
    with http_client(url, token, args.cacert) as client:
        response = request(client, "POST", "/v1/notices", json=body, headers=headers)
    if not response.is_success:
        raise refusal(response)
    print_json(response.json())
    return 0


def _read_notice(path: Path) -> Any:
    try:
        raw = sys.stdin.buffer.read() if str(path) == "-" else path.read_bytes()
    except OSError as exc:
        raise CliError(f"cannot read {path}: {exc.strerror}") from exc
    try:
        return json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CliError(f"{path} is not JSON: {exc}") from exc


def _liaison(args: argparse.Namespace) -> dict[str, Any]:
    if not args.text:
        raise CliError("--kind liaison needs --text")
    body: dict[str, Any] = {
        "kind": "liaison",
        "status": args.status,
        "text": args.text,
        "language": args.language,
    }
    if args.precedence:
        body["precedence"] = args.precedence
    return body


def _distress(args: argparse.Namespace, nation: str) -> dict[str, Any]:
    missing = [f"--{n}" for n in ("callsign", "lat", "lon", "nature") if getattr(args, n) is None]
    nationality = args.nationality or nation
    if not nationality:
        missing.append("--nationality (the node has no nation)")
    if missing:
        raise CliError(f"--kind distress needs {', '.join(missing)}")
    body: dict[str, Any] = {
        "kind": "aircraft_in_distress",
        "status": args.status,
        "phase": args.phase,
        "nature": _csv(args.nature),
        "aircraft": {"callsign": args.callsign, "nationality": nationality},
        "last_position": {
            "lat": args.lat,
            "lon": args.lon,
            "time": time.time_ns() // 1_000_000,
            "source": args.fix_source,
            "uncertainty_m": args.uncertainty_m,
        },
        "assistance_requested": _csv(args.assistance),
    }
    if args.precedence:
        body["precedence"] = args.precedence
    return body


def _csv(text: str) -> list[str]:
    return [item.strip() for item in text.split(",") if item.strip()]
