"""The vocabulary of deconfliction: feed items in, conflicts out, and the agreed settings.

A conflict names two feed entries by side, index and leaf hash, says why they conflict
(``operations`` or ``emergency``), how sure the rule is (``certain`` or ``possible``) and what
they have in common (``overlap``). Its ``to_json()`` is the JSON object the node serves.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Literal

from shapely.geometry.base import BaseGeometry

from ..errors import DeconflictionError
from ..notices import Liaison, Notice
from .geojson import geojson

ConflictType = Literal["operations", "emergency"]
Certainty = Literal["certain", "possible"]

NM = 1852.0


@dataclass(frozen=True, slots=True)
class Config:
    """Settings both sides agree on (different settings give different conflicts).

    - ``pressure_margin_m``: how far a pressure altitude (STD, flight levels) may lie from its
      nominal height above mean sea level, either way, for any pressure setting of the day;
    - ``terrain_min_m`` and ``terrain_max_m``: the lowest and highest ground in the region, for
      limits given above ground (AGL) or at the surface (SFC);
    - ``emergency_margin_m``: an emergency within this distance of an operation's area conflicts
      with it (default 5 NM).
    """

    pressure_margin_m: float = 300.0
    terrain_min_m: float = 0.0
    terrain_max_m: float = 8850.0
    emergency_margin_m: float = 5 * NM

    def __post_init__(self) -> None:
        values = (
            self.pressure_margin_m,
            self.terrain_min_m,
            self.terrain_max_m,
            self.emergency_margin_m,
        )
        if not all(v == v and abs(v) < 1e6 for v in values):
            raise DeconflictionError("settings must be finite metres", code="bad_config")
        if self.pressure_margin_m < 0 or self.emergency_margin_m < 0:
            raise DeconflictionError("margins must not be negative", code="bad_config")
        if self.terrain_min_m > self.terrain_max_m:
            raise DeconflictionError(
                "terrain_min_m must not exceed terrain_max_m",
                code="bad_config",
                expected=f"<= {self.terrain_max_m}",
                found=self.terrain_min_m,
            )


DEFAULT_CONFIG = Config()


@dataclass(frozen=True, slots=True)
class FeedItem:
    """One entry of a feed: the side whose feed holds it, its index, its 32-byte leaf hash and
    the parsed notice it carries."""

    side: str
    index: int
    leaf_hash: bytes
    notice: Notice

    def __post_init__(self) -> None:
        if len(self.leaf_hash) != 32:
            raise DeconflictionError(
                "a leaf hash is 32 bytes",
                code="bad_leaf_hash",
                expected=32,
                found=len(self.leaf_hash),
            )


@dataclass(frozen=True, slots=True)
class ConflictRef:
    """One side of a conflict. A draft checked before it is appended has ``index`` None and an
    empty ``leaf_hash``."""

    side: str
    index: int | None
    leaf_hash: bytes
    kind: str

    def to_json(self) -> dict[str, Any]:
        return {
            "side": self.side,
            "index": self.index,
            "leaf_hash": base64.b64encode(self.leaf_hash).decode(),
            "kind": self.kind,
        }


@dataclass(frozen=True)
class OperationsOverlap:
    """What two planned operations share: the area (a GeoJSON geometry in degrees, made from
    the intersecting ``pieces`` when first asked for), the altitude band (limits in the
    notices' own JSON shape) and the time span [start, end) in unix ms."""

    pieces: tuple[BaseGeometry, ...] = field(compare=False, repr=False)
    lower: dict[str, Any]
    upper: dict[str, Any]
    start: int
    end: int

    @cached_property
    def area(self) -> dict[str, Any]:
        return geojson(self.pieces)

    def to_json(self) -> dict[str, Any]:
        return {
            "area": self.area,
            "lower": self.lower,
            "upper": self.upper,
            "start": self.start,
            "end": self.end,
        }


@dataclass(frozen=True, slots=True)
class EmergencyOverlap:
    """How far an emergency is from an operation's area: ``distance_m`` (0 when it reaches the
    area) and ``inside`` (the reported position itself, or the requested measure's area, lies
    in the area)."""

    distance_m: float
    inside: bool

    def to_json(self) -> dict[str, Any]:
        return {"distance_m": self.distance_m, "inside": self.inside}


@dataclass(frozen=True, slots=True)
class Conflict:
    """Two entries that conflict; ``between`` is ordered by leaf hash, bytewise."""

    id: str
    type: ConflictType
    certainty: Certainty
    between: tuple[ConflictRef, ConflictRef]
    overlap: OperationsOverlap | EmergencyOverlap

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "type": self.type,
            "certainty": self.certainty,
            "between": [ref.to_json() for ref in self.between],
            "overlap": self.overlap.to_json(),
        }


def conflict_id(first: bytes, second: bytes, kind: ConflictType) -> str:
    """Hex SHA-256 of the two leaf hashes sorted bytewise, then the conflict type in UTF-8."""
    low, high = sorted((first, second))
    return hashlib.sha256(low + high + kind.encode()).hexdigest()


def handled_conflict(notice: Notice) -> str | None:
    """The id of the conflict a liaison marks handled: its ``conflict``, when that is the id of
    a conflict (of either type) between the two entries it is ``regarding``; else None."""
    if not isinstance(notice, Liaison):
        return None
    named, regarding = notice.conflict, notice.regarding or ()
    if named is None or len(regarding) != 2:
        return None
    first, second = (ref.leaf_hash_bytes for ref in regarding)
    kinds: tuple[ConflictType, ...] = ("operations", "emergency")
    return str(named) if named in {conflict_id(first, second, k) for k in kinds} else None


def ordered(a: ConflictRef, b: ConflictRef) -> tuple[ConflictRef, ConflictRef]:
    """The canonical order of a conflict's two entries: by leaf hash, then side and index."""
    key_a = (a.leaf_hash, a.side, -1 if a.index is None else a.index)
    key_b = (b.leaf_hash, b.side, -1 if b.index is None else b.index)
    return (a, b) if key_a <= key_b else (b, a)
