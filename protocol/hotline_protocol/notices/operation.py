"""The planned operation: an airspace volume, an altitude block and a time window to keep clear.

By agreement a planned operation shares volumes and times, never targets: there is no field for a
target, an objective or an aim point, and none may be added.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Literal

from pydantic import Field

from .common import (
    AircraftType,
    Callsign,
    Contact,
    FrequencyMHz,
    Kind,
    Label64,
    NoticeBase,
    Precedence,
    Prose500,
    UniqueItems,
)
from .geometry import Area, TimeWindow, VerticalBlock


class Activity(StrEnum):
    """What the aircraft will be doing in the volume (not where it is going or why)."""

    TRANSIT = "transit"
    STRIKE = "strike"
    ISR = "isr"
    TANKER = "tanker"
    AIR_PATROL = "air_patrol"
    UAV = "uav"
    LIVE_FIRE = "live_fire"
    OTHER = "other"


class PlannedOperation(NoticeBase):
    """Keep clear of ``areas`` between ``vertical_block.lower`` and ``.upper`` during ``window``."""

    kind: Literal[Kind.PLANNED_OPERATION] = Kind.PLANNED_OPERATION
    precedence: Precedence = Precedence.ROUTINE
    operation_ref: Label64 = Field(
        description="The issuing side's reference for the operation (not a mission name)."
    )
    activity: Activity
    areas: tuple[Area, ...] = Field(min_length=1, max_length=8)
    vertical_block: VerticalBlock
    window: TimeWindow
    callsigns: (
        Annotated[tuple[Callsign, ...], Field(min_length=1, max_length=32), UniqueItems] | None
    ) = None
    aircraft_count: Annotated[int, Field(strict=True, ge=1, le=500)] | None = None
    aircraft_type: AircraftType | None = None
    air_to_air_frequency_mhz: FrequencyMHz | None = None
    point_of_contact: Contact | None = None
    remarks: Prose500 | None = None
