"""Downed pilot: aircrew of the issuing side are on the ground (or in the water) and to be rescued.

Data minimisation is strict here: crew members are numbered, never named; authentication is by
the *name* of a challenge agreed in advance, never by personal data; there is no free text.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Literal

from pydantic import Field, ValidationInfo, field_validator, model_validator

from .common import (
    Callsign,
    Contact,
    FrequencyMHz,
    Frozen,
    Kind,
    NoticeBase,
    Precedence,
    Reference,
    UniqueItems,
    UnixMs,
    pattern,
)
from .geometry import Area, Distance, Position, TimeWindow, UncertaintyM, VerticalBlock
from .refusals import refusal

MAX_CREW = 20


class CrewStatus(StrEnum):
    UNKNOWN = "unknown"
    EJECTED = "ejected"
    PARACHUTE_SEEN = "parachute_seen"
    LOCATED = "located"
    IN_CONTACT = "in_contact"


class Injuries(StrEnum):
    AMBULATORY = "ambulatory"
    LITTER = "litter"
    UNKNOWN = "unknown"


class LocationSource(StrEnum):
    """How a survivor position was obtained."""

    BEACON_ENCODED = "beacon_encoded"
    DOPPLER = "doppler"
    DIRECTION_FINDING = "direction_finding"
    VISUAL = "visual"
    VOICE = "voice"
    OTHER = "other"


class Hazard(StrEnum):
    """Hazards to survivors and rescuers at the scene."""

    TERRAIN = "terrain"
    WATER = "water"
    WEATHER = "weather"
    FIRE = "fire"
    UNEXPLODED_ORDNANCE = "unexploded_ordnance"
    GROUND_THREAT = "ground_threat"
    AIR_THREAT = "air_threat"
    OTHER = "other"


class CrewMember(Frozen):
    """One person, by crew number (1-based, as the issuing side counts them), never by name."""

    number: Annotated[int, Field(strict=True, ge=1, le=MAX_CREW)]
    status: CrewStatus
    injuries: Injuries = Injuries.UNKNOWN


class SurvivorPosition(Position):
    """A fix on survivors: when, how, and how well."""

    time: UnixMs
    source: LocationSource
    uncertainty_m: UncertaintyM


class SarCorridor(Frozen):
    """A volume the rescue forces will use, to be kept clear during ``window``."""

    area: Area
    vertical_block: VerticalBlock
    window: TimeWindow


class HoldFire(Frozen):
    """No weapons release within ``radius`` of ``centre`` (until ``window`` ends, if given)."""

    centre: Position
    radius: Distance
    window: TimeWindow | None = None


class RequestedMeasures(Frozen):
    """What the issuing side asks the other side to do; at least one measure."""

    sar_corridor: SarCorridor | None = None
    hold_fire: HoldFire | None = None

    @model_validator(mode="after")
    def _at_least_one(self) -> RequestedMeasures:
        if self.sar_corridor is None and self.hold_fire is None:
            raise refusal(
                "measure_required", "request at least one measure (sar_corridor, hold_fire)"
            )
        return self


class DownedPilot(NoticeBase):
    """Combat search and rescue: aircrew of the issuing side are down at ``positions``."""

    kind: Literal[Kind.DOWNED_PILOT] = Kind.DOWNED_PILOT
    precedence: Precedence = Precedence.FLASH
    distress_ref: Reference | None = Field(
        default=None, description="The aircraft_in_distress entry this follows from, if any."
    )
    aircraft_callsign: Callsign
    crew_count: Annotated[int, Field(strict=True, ge=1, le=MAX_CREW)]
    crew: tuple[CrewMember, ...] = Field(
        min_length=1, max_length=MAX_CREW, description="Crew numbers unique, none above crew_count."
    )
    positions: tuple[SurvivorPosition, ...] = Field(min_length=1, max_length=32)
    beacon_id: (
        Annotated[
            str, pattern(r"^(?:[0-9A-F]{15}|[0-9A-F]{23})$", "15 or 23 upper-case hex digits")
        ]
        | None
    ) = Field(
        default=None, description="406 MHz beacon: 15-hex-character UIN or 23-hex-character ID."
    )
    survival_frequencies_mhz: (
        Annotated[tuple[FrequencyMHz, ...], Field(min_length=1, max_length=8), UniqueItems] | None
    ) = None
    listening_windows: (
        Annotated[tuple[TimeWindow, ...], Field(min_length=1, max_length=24)] | None
    ) = Field(default=None, description="When survivors listen on the survival frequencies.")
    hazards: (
        Annotated[tuple[Hazard, ...], Field(min_length=1, max_length=8), UniqueItems] | None
    ) = None
    requested_measures: RequestedMeasures | None = None
    authentication_ref: (
        Annotated[
            str,
            pattern(
                r"^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,30}[A-Za-z0-9])?$",
                "a challenge name: 1-32 letters, digits, . _ - (no spaces)",
            ),
        ]
        | None
    ) = Field(
        default=None,
        description="Name of the pre-agreed challenge to authenticate survivors; never its answer.",
    )
    point_of_contact: Contact | None = None

    @field_validator("crew")
    @classmethod
    def _fits_crew_count(
        cls, crew: tuple[CrewMember, ...], info: ValidationInfo
    ) -> tuple[CrewMember, ...]:
        numbers = [member.number for member in crew]
        if len(set(numbers)) != len(numbers):
            raise refusal("crew_numbers_not_unique", "crew numbers must be unique")
        count = info.data.get("crew_count")
        if count is not None and max(numbers) > count:
            raise refusal("crew_number_above_count", "crew numbers must not exceed crew_count")
        return crew
