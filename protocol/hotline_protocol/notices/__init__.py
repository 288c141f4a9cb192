"""Notice models: the typed, structured messages that cross the line.

Six kinds, a union discriminated by ``kind``: ``planned_operation``, ``aircraft_in_distress``,
``downed_pilot``, ``liaison``, ``ack`` and ``cancel``. Every model is frozen and refuses unknown
fields; every string, list and number is bounded. Enumeration values are lower-case snake_case
(each console translates them), except ICAO terms kept as ICAO writes them: precedences (FLASH,
IMMEDIATE, PRIORITY, ROUTINE), emergency phases (INCERFA, ALERFA, DETRESFA), responses (ROGER,
WILCO, UNABLE, NEGATIVE), FL and NM, and the vertical references SFC, AMSL, AGL, STD.

- :func:`parse_notice` turns a mapping or JSON text into a notice, or raises
  :class:`~hotline_protocol.errors.NoticeError` listing every problem;
- :func:`notice_to_json` gives the JSON object that goes into entry bytes, and
  :func:`is_json_form` tells when the object a notice was validated from already is that
  object (validators check values and never change them: keep it so);
- :func:`requires_ack` and :func:`reference_of` tell the node how notices relate.
"""

from __future__ import annotations

from .codec import (
    ACK_REQUIRED_KINDS,
    MAX_NOTICE_BYTES,
    NOTICE_ADAPTER,
    NOTICE_TYPES,
    Notice,
    is_json_form,
    notice_to_json,
    parse_notice,
    reference_of,
    requires_ack,
    validate_notice,
)
from .common import Author, Contact, Kind, NoticeBase, Precedence, Reference, Status
from .distress import (
    ActionTaken,
    AircraftInDistress,
    Assistance,
    DistressAircraft,
    FixSource,
    Intention,
    LastContact,
    LastPosition,
    Nature,
    Phase,
)
from .downed_pilot import (
    CrewMember,
    CrewStatus,
    DownedPilot,
    Hazard,
    HoldFire,
    Injuries,
    LocationSource,
    RequestedMeasures,
    SarCorridor,
    SurvivorPosition,
)
from .geometry import (
    Altitude,
    AltitudeUnit,
    Area,
    Circle,
    Corridor,
    Distance,
    DistanceUnit,
    Polygon,
    Position,
    TimeWindow,
    VerticalBlock,
    VerticalReference,
)
from .messages import Ack, Cancel, CancelReason, Liaison, ReasonCode, Response
from .operation import Activity, PlannedOperation

__all__ = [
    "ACK_REQUIRED_KINDS",
    "MAX_NOTICE_BYTES",
    "NOTICE_ADAPTER",
    "NOTICE_TYPES",
    "Ack",
    "ActionTaken",
    "Activity",
    "AircraftInDistress",
    "Altitude",
    "AltitudeUnit",
    "Area",
    "Assistance",
    "Author",
    "Cancel",
    "CancelReason",
    "Circle",
    "Contact",
    "Corridor",
    "CrewMember",
    "CrewStatus",
    "Distance",
    "DistanceUnit",
    "DistressAircraft",
    "DownedPilot",
    "FixSource",
    "Hazard",
    "HoldFire",
    "Injuries",
    "Intention",
    "Kind",
    "LastContact",
    "LastPosition",
    "Liaison",
    "LocationSource",
    "Nature",
    "Notice",
    "NoticeBase",
    "Phase",
    "PlannedOperation",
    "Polygon",
    "Position",
    "Precedence",
    "ReasonCode",
    "Reference",
    "RequestedMeasures",
    "Response",
    "SarCorridor",
    "Status",
    "SurvivorPosition",
    "TimeWindow",
    "VerticalBlock",
    "VerticalReference",
    "is_json_form",
    "notice_to_json",
    "parse_notice",
    "reference_of",
    "requires_ack",
    "validate_notice",
]
