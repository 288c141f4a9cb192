"""Audit: the export of both feeds (:mod:`.export`, needs a node) and its offline verification
(:func:`verify_export`, needs only ``hotline_protocol``)."""

from __future__ import annotations

from .report import Check, Report
from .verify import verify_export

__all__ = ["Check", "Report", "verify_export"]
