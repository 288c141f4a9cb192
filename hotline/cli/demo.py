"""``hotline demo``: both sides on localhost, peered, optionally with simulated traffic.

The demo itself is :func:`hotline.demo.session.run_demo`; this command checks the arguments and
turns the demo's errors into the command's messages and exit codes.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from ..demo.errors import DemoError, InUseError, NodeExitedError, SampleError
from ..demo.session import DEFAULT_BASE_PORT, DEFAULT_RATE, MAX_RATE, DemoOptions, run_demo
from ..provision.errors import NodeStartError
from .common import EXIT_FAILED, CliError, add_command, refusal
from .init import port_number

DESCRIPTION = """\
Run both sides on this machine: nodes alpha and bravo on 127.0.0.1 (ports BASE and BASE+1) with
the embedded store; keys generated, cards exchanged, peered (alpha dials bravo); an operator and
an auditor per side. Prints each side's console and API URLs and tokens, then runs until Ctrl-C
(or --duration). With --traffic, simulated operators on both sides post planned operations over
a shared area of sea, liaison messages and now and then an emergency, and acknowledge each
other's notices after a human-like pause; each action is printed on one line.

examples:
  hotline demo
  hotline demo --traffic
  hotline demo --traffic --rate 60 --seed 7 --duration 300
  hotline demo --dir demo-nodes --base-port 8500
"""


def positive(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not 0 < value < float("inf"):
        raise argparse.ArgumentTypeError(f"{text} is not a positive number")
    return value


def add_parser(subparsers: Any) -> None:
    p = add_command(subparsers, "demo", "run both sides on this machine until Ctrl-C", DESCRIPTION)
    p.add_argument(
        "--base-port",
        type=port_number,
        metavar="PORT",
        default=DEFAULT_BASE_PORT,
        help=f"alpha's port; bravo gets the next one (default {DEFAULT_BASE_PORT})",
    )
    p.add_argument(
        "--dir",
        type=Path,
        help="where the node directories go (kept); default: a temporary directory "
        "removed at the end",
    )
    p.add_argument("--traffic", action="store_true", help="simulate operators on both sides")
    p.add_argument(
        "--rate",
        type=positive,
        metavar="N",
        help=f"with --traffic: new notices per minute, both sides together, at most {MAX_RATE:g} "
        f"(default {DEFAULT_RATE:g})",
    )
    p.add_argument(
        "--seed",
        type=int,
        metavar="N",
        help="with --traffic: fix the random choices (default: a new seed, printed)",
    )
    p.add_argument(
        "--duration",
        type=positive,
        metavar="SECONDS",
        help="stop after this many seconds (default: at Ctrl-C)",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if not args.traffic and (args.rate is not None or args.seed is not None):
        raise CliError("--rate and --seed go with --traffic")
    if args.rate is not None and args.rate > MAX_RATE:
        raise CliError(f"--rate is at most {MAX_RATE:g} notices a minute")
    options = DemoOptions(
        base_port=args.base_port,
        directory=args.dir,
        traffic=args.traffic,
        rate=args.rate if args.rate is not None else DEFAULT_RATE,
        seed=args.seed,
        duration=args.duration,
    )
    try:
        run_demo(options)
    except InUseError as exc:
        raise CliError(str(exc)) from exc
    except NodeStartError as exc:
        raise CliError(f"a demo node did not start: {exc}", EXIT_FAILED) from exc
    except NodeExitedError as exc:
        raise CliError(str(exc), EXIT_FAILED) from exc
    except SampleError as exc:
        if exc.response is not None:
            raise refusal(exc.response) from exc
        raise CliError(str(exc), EXIT_FAILED) from exc
    except DemoError as exc:
        raise CliError(f"the demo failed: {exc}", EXIT_FAILED) from exc
    return 0
