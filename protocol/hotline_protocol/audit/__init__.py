"""The offline verifier of audit exports (:mod:`hotline_protocol.export`) and the report of a
dispute.

``audit_exports([(name, data), ...], cards) -> Audit`` verifies one export, or one from each side
together, against the sides' cards (:mod:`hotline_protocol.card`); ``verify_export(data, cards)
-> Report`` verifies one. ``Dispute(audit)`` tells what each side said and when the other side
received and acknowledged it. ``python -m hotline_protocol.audit verify|report`` (:mod:`.command`)
prints them. Nothing but the exports and the cards is needed: no node, no store, no network, no
private key.

    verify.py       verify_export: the checks of one export in order, each guarded
    pinning.py      keys: each side's keys against its card
    checks.py       entries, checkpoints, cosignatures (per side)
    history.py      consistency and forks over the signed checkpoints
    references.py   acks, cancels and updates resolve to the entries they name
    across.py       two exports together: agreement, forks, truncated
    combined.py     audit_exports: one verdict over the exports and the cards
    report.py       Check, Report, the verdict and the rendered text
    timeline.py     witnessed time: brackets from cosignatures, outages
    describe.py     a notice's main fields and a phrase for it
    dispute.py      the report of a dispute: notices, acks in time, outages, disagreements
    output.py       that report as JSON or as sentences
    command.py      the ``verify`` and ``report`` commands and their exit codes
"""

from __future__ import annotations

from .combined import Audit, audit_exports
from .report import Check, Report
from .verify import verify_export

__all__ = ["Audit", "Check", "Report", "audit_exports", "verify_export"]
