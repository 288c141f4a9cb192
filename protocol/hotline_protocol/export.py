"""The audit export format (``hotline-audit-export/v1``): reading an export into typed values,
shape-checked. :mod:`hotline_protocol.audit` verifies what this reads.

An export is read as a stream (:mod:`hotline_protocol.jsonstream`): each side's ``entries`` go
to an :class:`~hotline_protocol.spool.EntrySpool` on disk as they pass, which notes the Merkle
root at the size of every checkpoint and heartbeat listed before them (exporting nodes write
the entries last), so an export of any size is read in bounded memory.

Nothing here verifies a signature; the entries are read a block at a time by worker processes
(:mod:`hotline_protocol.entryblocks`), which decode each as they go when the side's origin came
before its entries, for the auditor's ``entries`` check. Otherwise it only checks that the JSON
has the keys and types the format requires, that the pinned keys are well-formed vkeys and
that the optional ``deadlines`` are the four precedences' acknowledgement deadlines in seconds.
Every problem is listed with its JSON path; a side with any problem is left out (its checks are
then not run).
"""

from __future__ import annotations

from contextlib import nullcontext

from .entryblocks import BlockPool
from .export_data import (
    FORMAT,
    MAX_LISTED,
    MAX_SIDES,
    CheckpointData,
    EvidenceData,
    HeartbeatData,
    Loaded,
    SideData,
    Source,
)
from .export_sides import load_evidence, load_sides
from .export_stream import parse
from .jsonstream import JSONError
from .shape import Shape, kind_of

__all__ = [
    "FORMAT",
    "MAX_LISTED",
    "MAX_SIDES",
    "CheckpointData",
    "EvidenceData",
    "HeartbeatData",
    "Loaded",
    "SideData",
    "Source",
    "load_export",
]


def load_export(data: Source, workers: int | None = None, pool: BlockPool | None = None) -> Loaded:
    """The export's sides, keys, entries, checkpoints and evidence, and every problem of shape.
    Strict JSON (no duplicate member names, NaN or Infinity) or a fatal problem. ``data`` is
    the export's bytes or a binary file, read once, front to back. Entries are read (and, when
    the origin comes first, checked: :attr:`SideData.checked`) by ``workers`` processes
    (default: :func:`~hotline_protocol.entryblocks.default_workers`; 1: this one alone), or by
    ``pool``'s, which the caller keeps for its own work after."""
    out = Loaded()
    try:
        with BlockPool(workers) if pool is None else nullcontext(pool) as blocks:
            doc = parse(data, blocks)
    except (ValueError, RecursionError, JSONError) as exc:
        out.problems.append(f"not JSON: {exc}")
        out.fatal = True
        return out
    if not isinstance(doc, dict):
        out.problems.append(f"the export must be a JSON object, found {kind_of(doc)}")
        out.fatal = True
        return out
    shape = Shape(out.problems)
    out.format = shape.get(doc, "format", str, "")
    if out.format is not None and out.format != FORMAT:
        out.problems.append(f"format: unknown format {out.format!r}, expected {FORMAT!r}")
        out.fatal = True
        return out
    out.exported_at = shape.get(doc, "exported_at", int, "")
    out.exported_by = shape.get(doc, "exported_by", str, "")
    sides = shape.get(doc, "sides", list, "")
    if sides is None:
        out.fatal = True
    else:
        load_sides(sides, shape, out)
    out.evidence = load_evidence(doc, shape)
    if out.exported_by is not None and sides is not None:
        names = [s.name for s in out.sides] + out.broken_sides
        if out.exported_by not in names:
            out.problems.append(f"exported_by: {out.exported_by!r} is not one of the sides")
    return out
