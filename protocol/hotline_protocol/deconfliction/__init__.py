"""Deconfliction: the conflict rule as a pure function of the two feeds and a time.

Both nodes, and an auditor from an export, compute the same conflicts from the same entries:

- :func:`conflicts` ``(feeds, at_ms, config)``: every conflict among the active notices;
- :func:`check` ``(draft, side, feeds, at_ms, config)``: the conflicts a draft would have;
- :class:`ConflictIndex`: the same rule kept incrementally by a node (add entries as they come,
  ask for one entry's conflicts, or a draft's) over a shapely ``STRtree``.

The rule itself is stated in PROTOCOL.md, *Deconfliction*; the modules follow it: ``records``
(what is active), ``shapes``, ``curves`` and ``frame`` (areas as polygons, with their tolerance;
``batch`` draws many at once for start-up), ``vertical`` (altitudes on one scale, ``certain``
against ``possible``), ``distance`` and ``rules`` (the two rules), ``tables`` and ``index`` (the
STRtree and the incremental index), ``model`` and ``geojson`` (inputs, settings, conflicts and
their JSON). No I/O, no clock: the time is always given.
"""

from .engine import check, conflicts
from .index import ConflictIndex
from .model import (
    DEFAULT_CONFIG,
    Certainty,
    Config,
    Conflict,
    ConflictRef,
    ConflictType,
    EmergencyOverlap,
    FeedItem,
    OperationsOverlap,
    conflict_id,
    handled_conflict,
)
from .records import withdrawn_by

__all__ = [
    "DEFAULT_CONFIG",
    "Certainty",
    "Config",
    "Conflict",
    "ConflictIndex",
    "ConflictRef",
    "ConflictType",
    "EmergencyOverlap",
    "FeedItem",
    "OperationsOverlap",
    "check",
    "conflict_id",
    "conflicts",
    "handled_conflict",
    "withdrawn_by",
]
