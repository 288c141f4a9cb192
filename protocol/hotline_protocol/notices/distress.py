"""Aircraft in distress: an aircraft of one side is in trouble and may need the other side's help.

Entirely structured (no free text), so both consoles can render it in their own language and
alarm on it: the emergency phase, the nature of the trouble, who the aircraft is, where it was
last seen, what it intends and what it asks of the other side.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Literal

from pydantic import Field, field_validator

from .common import (
    AircraftType,
    Callsign,
    FrequencyMHz,
    Frozen,
    Kind,
    Label128,
    NationCode,
    NoticeBase,
    Precedence,
    UniqueItems,
    UnixMs,
    pattern,
)
from .geometry import Altitude, Position, UncertaintyM
from .refusals import refusal

SquawkCode = Annotated[str, pattern(r"^[0-7]{4}$", "four octal digits (0-7)")]
IcaoAddress = Annotated[str, pattern(r"^[0-9A-F]{6}$", "six upper-case hex digits")]


class Phase(StrEnum):
    """ICAO Annex 12 emergency phases: uncertainty, alert, distress."""

    INCERFA = "INCERFA"
    ALERFA = "ALERFA"
    DETRESFA = "DETRESFA"


class Nature(StrEnum):
    ENGINE = "engine"
    FIRE = "fire"
    FUEL = "fuel"
    COMMS_LOST = "comms_lost"
    CONTROL = "control"
    MEDICAL = "medical"
    BATTLE_DAMAGE = "battle_damage"
    UNKNOWN = "unknown"
    OTHER = "other"


class FixSource(StrEnum):
    """How the last position was obtained."""

    GNSS = "gnss"
    RADAR = "radar"
    VOICE = "voice"
    BEACON = "beacon"
    OTHER = "other"


class Intention(StrEnum):
    DIVERT = "divert"
    FORCED_LANDING = "forced_landing"
    DITCHING = "ditching"
    EJECTION_LIKELY = "ejection_likely"
    OTHER = "other"


class Assistance(StrEnum):
    """What the other side is asked to do; ``none`` stands alone."""

    NONE = "none"
    KEEP_CLEAR = "keep_clear"
    SAR = "sar"
    ESCORT = "escort"
    AIRSPACE_HOLD = "airspace_hold"


class ActionTaken(StrEnum):
    """What the issuing side has already done."""

    SAR_ALERTED = "sar_alerted"
    SAR_LAUNCHED = "sar_launched"
    ESCORT_LAUNCHED = "escort_launched"
    AIRSPACE_CLEARED = "airspace_cleared"
    GUARD_MONITORED = "guard_monitored"
    OTHER = "other"


class DistressAircraft(Frozen):
    """Identification of the aircraft in distress."""

    callsign: Callsign
    type: AircraftType | None = None
    nationality: NationCode
    transponder_code: Annotated[str, pattern(r"^[0-7]{4}$", "four octal digits (0-7)")] | None = (
        Field(default=None, description="Mode 3/A code: four octal digits, e.g. '7700'.")
    )
    icao_address: Annotated[str, pattern(r"^[0-9A-F]{6}$", "six upper-case hex digits")] | None = (
        Field(default=None, description="ICAO 24-bit aircraft address, six upper-case hex digits.")
    )


class LastPosition(Position):
    """Where and when the aircraft was last fixed, and how well."""

    time: UnixMs
    source: FixSource
    uncertainty_m: UncertaintyM
    altitude: Altitude | None = None
    heading_deg: Annotated[int, Field(strict=True, ge=0, le=359)] | None = Field(
        default=None, description="True heading in whole degrees."
    )
    ground_speed_kt: Annotated[int, Field(strict=True, ge=0, le=2000)] | None = None


class LastContact(Frozen):
    """The last radio contact with the aircraft."""

    unit: Label128
    frequency_mhz: FrequencyMHz | None = None
    time: UnixMs


class AircraftInDistress(NoticeBase):
    """An aircraft of the issuing side is in an emergency phase (ICAO Annex 12)."""

    kind: Literal[Kind.AIRCRAFT_IN_DISTRESS] = Kind.AIRCRAFT_IN_DISTRESS
    precedence: Precedence = Precedence.FLASH
    phase: Phase
    nature: Annotated[tuple[Nature, ...], Field(min_length=1, max_length=9), UniqueItems]
    aircraft: DistressAircraft
    last_position: LastPosition
    persons_on_board: Annotated[int, Field(strict=True, ge=0, le=999)] | None = None
    endurance_minutes: Annotated[int, Field(strict=True, ge=0, le=1440)] | None = Field(
        default=None, description="Fuel endurance from last_position.time, in minutes."
    )
    intentions: (
        Annotated[tuple[Intention, ...], Field(min_length=1, max_length=5), UniqueItems] | None
    ) = None
    assistance_requested: Annotated[
        tuple[Assistance, ...], Field(min_length=1, max_length=5), UniqueItems
    ]
    last_contact: LastContact | None = None
    actions_taken: (
        Annotated[tuple[ActionTaken, ...], Field(min_length=1, max_length=6), UniqueItems] | None
    ) = None

    @field_validator("assistance_requested")
    @classmethod
    def _none_alone(cls, items: tuple[Assistance, ...]) -> tuple[Assistance, ...]:
        if Assistance.NONE in items and len(items) > 1:
            raise refusal(
                "none_with_other_assistance", "'none' cannot be combined with other assistance"
            )
        return items
