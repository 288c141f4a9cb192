"""Liaison, acknowledgement and cancel: the notices that talk about the line and its entries."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Literal

from pydantic import ConfigDict, Field, ValidationInfo, field_validator

from .common import Kind, NoticeBase, Precedence, Prose500, Prose4000, Reference, pattern
from .refusals import refusal

_BCP47 = (
    r"^(?:[A-Za-z]{2,3}(?:-[A-Za-z]{3}){0,3}|[A-Za-z]{4,8})"
    r"(?:-[A-Za-z]{4})?"
    r"(?:-(?:[A-Za-z]{2}|[0-9]{3}))?"
    r"(?:-(?:[A-Za-z0-9]{5,8}|[0-9][A-Za-z0-9]{3}))*"
    r"(?:-[0-9A-WY-Za-wy-z](?:-[A-Za-z0-9]{2,8})+)*"
    r"(?:-[Xx](?:-[A-Za-z0-9]{1,8})+)?$"
)
LanguageTag = Annotated[
    str, pattern(_BCP47, "a BCP 47 language tag such as en, fr-CA or sr-Latn-RS", max_length=35)
]
"""A BCP 47 language tag such as ``en``, ``fr-CA`` or ``sr-Latn-RS`` (syntax checked)."""


ConflictId = Annotated[
    str, pattern(r"^[0-9a-f]{64}$", "a conflict id: 64 lower-case hex digits", max_length=64)
]
"""A deconfliction conflict's id (PROTOCOL.md, *Deconfliction*)."""


class Liaison(NoticeBase):
    """Free text between the two headquarters, tagged with its language. A liaison that names a
    ``conflict`` and the two entries it is ``regarding`` marks that conflict handled."""

    kind: Literal[Kind.LIAISON] = Kind.LIAISON
    precedence: Precedence = Precedence.ROUTINE
    text: Prose4000
    language: LanguageTag
    regarding: tuple[Reference, ...] | None = Field(
        default=None,
        min_length=1,
        max_length=2,
        description="The entries, of either feed, this message is about.",
    )
    conflict: ConflictId | None = Field(
        default=None,
        description="The conflict this message handles: its id, with its two entries in "
        "``regarding``.",
    )

    @field_validator("conflict")
    @classmethod
    def _conflict_names_its_entries(cls, conflict: str | None, info: ValidationInfo) -> str | None:
        regarding = info.data.get("regarding")
        if conflict is not None and (regarding is None or len(regarding) != 2):
            raise refusal(
                "conflict_needs_its_entries", "a conflict is handled regarding its two entries"
            )
        return conflict


class Response(StrEnum):
    """ROGER: received and understood. WILCO: will comply. UNABLE: cannot comply (``reason``
    required). NEGATIVE: no, will not comply or the notice is disputed."""

    ROGER = "ROGER"
    WILCO = "WILCO"
    UNABLE = "UNABLE"
    NEGATIVE = "NEGATIVE"


class ReasonCode(StrEnum):
    """Why an UNABLE or NEGATIVE: a short list both sides read in their own language; ``reason``
    and ``remark`` carry the details as written."""

    WEATHER = "weather"
    AIRCRAFT_UNAVAILABLE = "aircraft_unavailable"
    AIRSPACE_CONFLICT = "airspace_conflict"
    INSUFFICIENT_INFORMATION = "insufficient_information"
    OPERATIONAL_PRIORITY = "operational_priority"
    OUTSIDE_AUTHORITY = "outside_authority"
    OTHER = "other"


class Ack(NoticeBase):
    """A person's or a system's answer to an entry of the other side's feed."""

    model_config = ConfigDict(
        json_schema_extra={
            "if": {"properties": {"response": {"const": "UNABLE"}}, "required": ["response"]},
            "then": {"anyOf": [{"required": ["reason"]}, {"required": ["reason_code"]}]},
        }
    )

    kind: Literal[Kind.ACK] = Kind.ACK
    precedence: Precedence = Precedence.ROUTINE
    ref: Reference = Field(description="The acknowledged entry in the other side's feed.")
    response: Response
    reason_code: ReasonCode | None = Field(
        default=None,
        description="Why, from a short list: meant for UNABLE and NEGATIVE.",
    )
    reason: Prose500 | None = Field(
        default=None,
        validate_default=True,
        description="Why, as written; UNABLE needs this or a reason_code.",
    )
    remark: Prose500 | None = None

    @field_validator("reason")
    @classmethod
    def _reason_when_unable(cls, reason: str | None, info: ValidationInfo) -> str | None:
        unable = info.data.get("response") == Response.UNABLE
        if reason is None and unable and info.data.get("reason_code") is None:
            raise refusal(
                "reason_required",
                "a reason or a reason code is required when the response is UNABLE",
            )
        return reason


class CancelReason(StrEnum):
    OPERATION_COMPLETE = "operation_complete"
    OPERATION_CALLED_OFF = "operation_called_off"
    EMERGENCY_RESOLVED = "emergency_resolved"
    CREW_RECOVERED = "crew_recovered"
    ISSUED_IN_ERROR = "issued_in_error"
    OTHER = "other"


class Cancel(NoticeBase):
    """Withdraws an entry of the issuing side's own feed; it no longer applies from ``time``."""

    kind: Literal[Kind.CANCEL] = Kind.CANCEL
    precedence: Precedence = Precedence.ROUTINE
    ref: Reference = Field(description="The cancelled entry in the issuing side's own feed.")
    reason: CancelReason
    remark: Prose500 | None = None
