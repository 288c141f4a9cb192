"""The commands ``python -m hotline_protocol.audit verify|report|conflicts EXPORT [EXPORT] --card
CARD ...``.

``verify`` checks one export, or one from each side together, against the sides' cards and
prints the report; ``report`` tells, notice by notice, what each side said, when the other side
received and acknowledged it (in time or not), with the line's outages, implausible times,
refused input and what the exports disagree on; ``conflicts`` recomputes the deconfliction rule
over both feeds at a time, with the ids the nodes show. All exit with the verdict:

    0   PASS: every check passed, every side's keys pinned by a card
    1   FAIL: a check failed (the report names it)
    2   bad usage, or an export or a card that cannot be read
    3   UNPINNED: no check failed, but a side's keys were not pinned by a card (--card)

``hotline audit verify|report`` define the same arguments with :func:`add_verify_arguments` and
:func:`add_report_arguments` and run :func:`run_verify` and :func:`run_report`: the same output
and exit codes.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO, TextIO

from ..card import Card, parse_card
from ..errors import CardError
from .combined import MAX_EXPORTS, Audit, audit_exports
from .conflicts import conflicts_at
from .dispute import DEFAULT_OUTAGE_MS, DEFAULT_TOLERANCE_MS, Dispute, Options
from .output import write_json, write_text
from .report import Result

PROG = "python -m hotline_protocol.audit"
EXIT_PASSED = 0
EXIT_FAILED = 1  # a check failed
EXIT_USAGE = 2  # bad usage, or an export or a card that cannot be read
EXIT_UNPINNED = 3  # nothing failed, but some keys were not pinned by a card
EXIT_CODES: dict[Result, int] = {
    "PASS": EXIT_PASSED,
    "FAIL": EXIT_FAILED,
    "UNPINNED": EXIT_UNPINNED,
}

EXIT_TEXT = """\
exit status: 0 PASS (every check passed, every key pinned by a card); 1 FAIL (a check failed);
2 bad usage, or an export or a card that cannot be read; 3 UNPINNED (no check failed, but a
side's keys were not pinned: pass each side's card with --card)."""

DESCRIPTION = f"""\
An audit export holds both feeds of a Hotline line, their checkpoints and cosignatures, and the
evidence of refused input. 'verify' checks one export, or one from each side together, against
the sides' cards (their keys, exchanged out of band): what each side said, and that neither
export was altered or cut short. 'report' tells, notice by notice, when each was appended,
delivered and acknowledged, and whether in time.

{EXIT_TEXT}

examples:
  {PROG} verify alpha-export.json bravo-export.json \\
      --card alpha-card.txt --card bravo-card.txt
  {PROG} report alpha-export.json bravo-export.json \\
      --card alpha-card.txt --card bravo-card.txt --at 2026-12-06T10:30:00Z
"""
VERIFY_DESCRIPTION = f"""\
Verify one export, or one from each side together, against the sides' cards, and print the
report. Without a card for every side the verdict is at best UNPINNED (exit 3). Entries are
decoded in a process per core; HOTLINE_AUDIT_WORKERS=N sets how many (1: this one alone).

{EXIT_TEXT}
"""
REPORT_DESCRIPTION = f"""\
Verify, then report per notice: what, who, the claimed time, the witnessed bracket of its append
(unix ms in --json), its delivery, every ack and whether it came within the deadline the
notice's side pinned in its card ("undecided" when the brackets straddle it), updates and
cancels; then outages, implausible times, refused input and disagreements. Entries are
decoded, and the notices told, in a process per core; HOTLINE_AUDIT_WORKERS=N sets how many (1:
this one alone, with the same report).

{EXIT_TEXT}
"""


class InputError(Exception):
    """An export or card that cannot be read, or a bad option value: exit 2."""


def add_verify_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "exports",
        metavar="EXPORT",
        nargs="+",
        help="an export file ('-': stdin); give one from each side to check them together",
    )
    parser.add_argument(
        "--card",
        dest="cards",
        metavar="CARD",
        action="append",
        default=[],
        help="a side's card (card.txt) that pins its keys and deadlines; once per side",
    )


def add_report_arguments(parser: argparse.ArgumentParser) -> None:
    add_verify_arguments(parser)
    parser.add_argument("--json", action="store_true", help="write the report as JSON")
    parser.add_argument(
        "--at",
        metavar="TIME",
        help="the state as of TIME: ISO 8601 (2026-12-06T10:30:00Z; UTC unless an offset is "
        "given) or unix milliseconds",
    )
    parser.add_argument(
        "--outage",
        metavar="SECONDS",
        type=float,
        default=DEFAULT_OUTAGE_MS / 1000,
        help="a gap between cosignatures longer than this is an outage (default: %(default)g)",
    )
    parser.add_argument(
        "--tolerance",
        metavar="SECONDS",
        type=float,
        default=DEFAULT_TOLERANCE_MS / 1000,
        help="a claimed time further than this outside its witnessed bracket is reported "
        "(default: %(default)g)",
    )


def open_export(name: str | Path) -> BinaryIO:
    """The export to read as a stream: the file ``name``, or standard input for ``-``;
    OSError otherwise."""
    if str(name) == "-":
        return sys.stdin.buffer
    return Path(name).open("rb")


def load_audit(exports: Sequence[str | Path], cards: Sequence[str | Path]) -> Audit:
    """Read the cards, then verify the exports, each read once as a stream (in bounded memory);
    InputError when one cannot be read."""
    if not 1 <= len(exports) <= MAX_EXPORTS:
        raise InputError(f"give one export, or one from each side: {len(exports)} given")
    if sum(str(e) == "-" for e in exports) > 1:
        raise InputError("only one export can come from standard input ('-')")
    read_cards = [read_card(c) for c in cards]
    with ExitStack() as files:
        data: list[tuple[str | None, BinaryIO]] = []
        for name in exports:
            try:
                data.append((str(name), files.enter_context(_keep_stdin(open_export(name)))))
            except OSError as exc:
                raise InputError(f"cannot read {name}: {exc.strerror or exc}") from exc
        return audit_exports(data, read_cards)


@contextmanager
def _keep_stdin(file: BinaryIO) -> Iterator[BinaryIO]:
    """The file, closed after use unless it is standard input."""
    try:
        yield file
    finally:
        if file is not sys.stdin.buffer:
            file.close()


def read_card(name: str | Path) -> Card:
    try:
        return parse_card(Path(name).read_bytes())
    except OSError as exc:
        raise InputError(f"cannot read the card {name}: {exc.strerror or exc}") from exc
    except CardError as exc:
        raise InputError(f"bad card {name}: {exc.message}") from exc


def parse_time(text: str) -> int:
    """ISO 8601 (UTC unless an offset is given) or unix milliseconds, as unix ms."""
    if text.isdigit():
        return int(text)
    try:
        t = datetime.fromisoformat(text.strip())
    except ValueError as exc:
        raise InputError(
            f"--at {text!r}: an ISO 8601 time such as 2026-12-06T10:30:00Z, or unix ms"
        ) from exc
    if t.tzinfo is None:
        t = t.replace(tzinfo=UTC)
    return int(t.timestamp() * 1000)


def options_of(args: argparse.Namespace) -> Options:
    if args.outage <= 0 or args.tolerance < 0:
        raise InputError("--outage must be above 0 and --tolerance at least 0")
    at = parse_time(args.at) if args.at else None
    return Options(round(args.outage * 1000), round(args.tolerance * 1000), at)


def run_verify(args: argparse.Namespace, out: TextIO | None = None) -> int:
    """Verify and print; the exit code. InputError when an input cannot be read."""
    audit = load_audit(args.exports, args.cards)
    print(audit.render(), file=out or sys.stdout)
    return EXIT_CODES[audit.result]


def run_report(args: argparse.Namespace, out: TextIO | None = None) -> int:
    """Verify, then write the report (text or --json); the exit code of the verdict."""
    options = options_of(args)
    audit = load_audit(args.exports, args.cards)
    dispute = Dispute(audit, options)
    stream = out or sys.stdout
    (write_json if args.json else write_text)(dispute, stream)
    stream.flush()
    return EXIT_CODES[audit.result]


def run_conflicts(args: argparse.Namespace, out: TextIO | None = None) -> int:
    """Verify, then write the conflicts at ``--at`` (default: when the newest export was made)
    as JSON; the exit code of the verdict."""
    audit = load_audit(args.exports, args.cards)
    at = (
        parse_time(args.at)
        if args.at
        else max((v.loaded.exported_at or 0 for v in audit.exports), default=0)
    )
    stream = out or sys.stdout
    json.dump(conflicts_at(audit, at), stream, ensure_ascii=False, indent=1)
    stream.write("\n")
    stream.flush()
    return EXIT_CODES[audit.result]


def add_conflicts_arguments(parser: argparse.ArgumentParser) -> None:
    add_verify_arguments(parser)
    parser.add_argument(
        "--at",
        metavar="TIME",
        help="the conflicts at TIME: ISO 8601 or unix milliseconds (default: when the newest "
        "export was made)",
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog=PROG,
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    verify = sub.add_parser(
        "verify",
        help="verify one or two exports offline against the sides' cards",
        description=VERIFY_DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_verify_arguments(verify)
    verify.set_defaults(run=run_verify)
    report = sub.add_parser(
        "report",
        help="report, notice by notice, what was said, delivered and acknowledged, and when",
        description=REPORT_DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_report_arguments(report)
    report.set_defaults(run=run_report)
    found = sub.add_parser(
        "conflicts",
        help="the conflicts between the two sides' notices at a time, as the nodes showed them",
        description="Verify, then recompute the deconfliction rule (PROTOCOL.md, "
        "*Deconfliction*) over both feeds at --at, as JSON: each conflict with its id, its "
        "overlap and whether a liaison had marked it handled.\n\n" + EXIT_TEXT,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_conflicts_arguments(found)
    found.set_defaults(run=run_conflicts)
    args = parser.parse_args(argv)  # exits with EXIT_USAGE on bad usage
    try:
        code: int = args.run(args)
    except InputError as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    return code
