"""The report of the line as this node sees it: its own export, checked against the keys it
pins, told notice by notice (:mod:`hotline_protocol.audit.dispute`).

It is the node's view of itself, for its operators and auditors (the console's audit view):
the cards it checks against are its own and the peer's as it pinned them. A neutral inquiry runs
``hotline audit report`` over one export of each side and the two cards the sides exchanged.

Verifying and telling a long log takes minutes of CPU, and the report can outgrow memory, so
the node never makes it on its event loop: it writes its export and the cards to a temporary
directory under its own (``reports/``: on disk, where the node may write in every deployment,
whereas ``/tmp`` may be memory), and runs the auditor's own command (``python -m
hotline_protocol.audit report --json``) on them in a process of its own, with one worker, at a
lower CPU priority (:data:`NICE`), its JSON written to a file that is then sent (the file is
already unlinked: nothing is left behind if the client goes away). One report is made at a time
(:class:`NodeReports`): a request meanwhile is refused (503 ``report_busy``), a request whose
client goes away stops its report, and what a report cut short by a crash left is cleared by the
next.
"""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
import sys
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path
from typing import BinaryIO

from hotline_protocol.card import Card, Deadlines

from ..errors import Broken, Unavailable
from ..settings import Settings
from ..store.base import Store
from ..types import Clock, Sides
from .export import export_deadlines, export_node

log = logging.getLogger("hotline.audit")
NICE = 10  # added to the report process's niceness: the node's loop comes first
REPORTS_DIR = "reports"  # in the node directory: the export and the report being made
VERDICT_EXITS = (0, 1, 3)  # the auditor's exit codes with a report: PASS, FAIL, UNPINNED


def pinned_cards(sides: Sides, settings: Settings) -> list[Card]:
    """The own card and the peer's as this node pins them."""
    deadlines = export_deadlines(settings)
    url = settings.url or f"http://{settings.server.host}:{settings.server.port}"
    cards = []
    for side in sides.all():
        stated = deadlines.get(side.name)
        peer_url = settings.peer.url if settings.peer is not None else ""
        cards.append(
            Card(
                side.name,
                side.origin,
                side.log_vkey,
                side.witness_vkey,
                url if side is sides.own else peer_url or "http://peer.invalid",
                Deadlines.from_seconds(stated) if stated is not None else None,
            )
        )
    return cards


CHUNK = 64 * 1024  # bytes of the report sent at a time


class MadeReport:
    """A report made: its JSON, an open file whose directory is removed already (the file goes
    when it is closed, whether the client read it all or went away)."""

    def __init__(self, file: BinaryIO) -> None:
        self._file = file

    async def chunks(self) -> AsyncIterator[bytes]:
        try:
            while piece := self._file.read(CHUNK):
                yield piece
        finally:
            self._file.close()


class NodeReports:
    """The node's reports of itself, made one at a time out of its process (see the module)."""

    def __init__(self, store: Store, sides: Sides, settings: Settings, clock_ms: Clock) -> None:
        self._store = store
        self._sides = sides
        self._settings = settings
        self._clock_ms = clock_ms
        self._busy = False

    async def make(self, at_ms: int | None = None) -> MadeReport:
        """The report JSON (PROTOCOL.md, *The report of a dispute*) of this node's export now,
        as of ``at_ms`` (None: everything held). Unavailable ``report_busy`` while another is
        being made; Broken ``report_failed`` if the auditor could not read the export."""
        if self._busy:
            raise Unavailable(
                "report_busy", "a report of this node is being made: ask again once it is done"
            )
        self._busy = True
        reports = self._settings.dir / REPORTS_DIR
        shutil.rmtree(reports, ignore_errors=True)  # what a report cut short by a crash left
        reports.mkdir(mode=0o700, parents=True, exist_ok=True)
        folder = Path(tempfile.mkdtemp(prefix="report-", dir=reports))
        try:
            path = await self._make(folder, at_ms)
            return MadeReport(path.open("rb"))
        finally:
            shutil.rmtree(folder, ignore_errors=True)
            self._busy = False

    async def _make(self, folder: Path, at_ms: int | None) -> Path:
        sides, settings = self._sides, self._settings
        export = folder / "export.json"
        snap = await export_node(
            self._store, sides, self._clock_ms(), deadlines=export_deadlines(settings)
        )
        with export.open("wb") as file:  # streamed from the store, a chunk at a time
            async for piece in snap.chunks():
                file.write(piece)
        args = [sys.executable, "-m", "hotline_protocol.audit", "report", "--json", str(export)]
        for card in pinned_cards(sides, settings):
            card_path = folder / f"{card.side}-card.txt"
            card_path.write_text(card.text())
            args += ["--card", str(card_path)]
        if at_ms is not None:
            args += ["--at", str(at_ms)]
        report = folder / "report.json"
        env = {**os.environ, "HOTLINE_AUDIT_WORKERS": "1"}
        with report.open("wb") as out:
            proc = await asyncio.create_subprocess_exec(
                *args, stdout=out, stderr=asyncio.subprocess.PIPE, env=env
            )
            try:
                _lower_priority(proc.pid)
                _, errors = await proc.communicate()
            finally:
                if proc.returncode is None:  # the request was cancelled: its client went
                    proc.kill()
                    await proc.wait()
        if proc.returncode not in VERDICT_EXITS:
            why = errors[-2000:].decode(errors="replace")
            log.error("the node's report failed (%s): %s", proc.returncode, why)
            raise Broken("report_failed", "the auditor could not read this node's export")
        return report


def _lower_priority(pid: int) -> None:
    try:
        os.setpriority(os.PRIO_PROCESS, pid, os.getpriority(os.PRIO_PROCESS, pid) + NICE)
    except (OSError, AttributeError):  # gone already, or not on this platform
        pass
