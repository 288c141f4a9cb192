"""The offline verifier of audit exports (:mod:`hotline_protocol.export`) and its report.

``verify_export(data) -> Report`` runs every check on an export's bytes; ``python -m
hotline_protocol.audit verify EXPORT`` (:mod:`.command`) prints the report. Nothing but the
export is needed: no node, no store, no network, no private key.

    verify.py       verify_export: the checks in order, each guarded, into one report
    checks.py       entries, checkpoints, cosignatures (per side)
    history.py      consistency and forks over the signed checkpoints
    references.py   acks, cancels and updates resolve to the entries they name
    report.py       Check, Report and the rendered text
    command.py      the ``verify`` command and its exit codes
"""

from __future__ import annotations

from .report import Check, Report
from .verify import verify_export

__all__ = ["Check", "Report", "verify_export"]
