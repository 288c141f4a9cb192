"""Parts every notice shares: the model base, bounded scalar types, enumerations, the envelope.

Every model is frozen and refuses unknown fields. Lists are tuples, so a notice is immutable and
hashable all the way down. Integers are strict (``1.0`` and ``"1"`` are not integers) and numbers
refuse strings, booleans, NaN and infinities, so what a notice says on the wire is what it means.
"""

from __future__ import annotations

import base64
from enum import StrEnum
from typing import Annotated, Any
from uuid import UUID

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    GetCoreSchemaHandler,
    GetJsonSchemaHandler,
    PlainSerializer,
    ValidationInfo,
    field_validator,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import core_schema

from .refusals import refusal

MAX_SAFE_INTEGER = 2**53 - 1
"""Largest integer every JSON implementation (and RFC 8785) represents exactly."""
MAX_TIME_MS = 253_402_300_799_999
"""9999-12-31T23:59:59.999Z in unix milliseconds."""


class Frozen(BaseModel):
    """Base of every notice part: immutable, unknown fields rejected."""

    model_config = ConfigDict(frozen=True, extra="forbid")


PATTERN_HINTS: dict[str, str] = {}
"""Regular expression -> what it asks for in words, used in error reasons."""


def pattern(regex: str, hint: str, **constraints: Any) -> Any:
    """``Field(pattern=regex)``, with ``hint`` explaining the pattern in error reasons."""
    PATTERN_HINTS[regex] = hint
    return Field(pattern=regex, **constraints)


_LINE = r"^[^\s\x00-\x1f\x7f](?:[^\x00-\x1f\x7f]*[^\s\x00-\x1f\x7f])?$"
_PROSE_CHAR = r"[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]"
_PROSE = rf"^{_PROSE_CHAR}*[^\s\x00-\x1f\x7f]{_PROSE_CHAR}*$"


def _line(max_length: int) -> Any:
    """A single line of text: no control characters, no leading or trailing whitespace."""
    hint = "one line of text without control characters or surrounding whitespace"
    return pattern(_LINE, hint, min_length=1, max_length=max_length)


def _prose(max_length: int) -> Any:
    """Free text that may span lines (tab, CR, LF allowed) and is not blank."""
    hint = "text that is not blank and has no control characters other than tab, CR, LF"
    return pattern(_PROSE, hint, min_length=1, max_length=max_length)


class _UniqueItems:
    """Annotation marker: the items of a list must be unique (checked, and said in the schema)."""

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.no_info_after_validator_function(_unique, handler(source))

    def __get_pydantic_json_schema__(
        self, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        out = handler(schema)
        out["uniqueItems"] = True
        return out


def _unique(items: tuple[Any, ...]) -> tuple[Any, ...]:
    if len(set(items)) != len(items):
        raise refusal("items_not_unique", "items must be unique")
    return items


def _json_number(value: float) -> int | float:
    return int(value) if value.is_integer() else value


JSON_NUMBER = PlainSerializer(_json_number, when_used="json")
"""A float field written in JSON as JSON writes a number: ``15``, not ``15.0`` (as RFC 8785 does).
Used where whole values are usual (distances, frequencies), so that such notices take the fast
path of :func:`~hotline_protocol.canonical.canonical_json`; coordinates stay plain floats (a
whole-degree position is rarer, and a call per coordinate would cost more than it saves)."""

UnixMs = Annotated[int, Field(strict=True, ge=0, le=MAX_TIME_MS)]
"""A point in time: integer milliseconds since 1970-01-01T00:00:00Z (UTC)."""
Label64 = Annotated[str, _line(64)]
Label128 = Annotated[str, _line(128)]
Label255 = Annotated[str, _line(255)]
Prose500 = Annotated[str, _prose(500)]
Prose4000 = Annotated[str, _prose(4000)]
NationCode = Annotated[str, pattern(r"^[A-Z]{3}$", "three upper-case letters (ISO 3166-1 alpha-3)")]
"""A coalition member: ISO 3166-1 alpha-3, upper case (e.g. ``FRA``, ``USA``)."""
Callsign = Annotated[
    str,
    pattern(
        r"^[A-Z0-9](?:[A-Z0-9 -]{0,14}[A-Z0-9])?$",
        "1-16 upper-case letters, digits, spaces or hyphens, starting and ending alphanumeric",
    ),
]
"""Radio callsign, upper case letters, digits, space and hyphen, 1-16 characters."""
AircraftType = Annotated[
    str, pattern(r"^[A-Z0-9]{2,4}$", "an ICAO type designator: 2-4 upper-case letters or digits")
]
"""ICAO Doc 8643 type designator (e.g. ``F16``, ``KC35``; ``ZZZZ`` when none is assigned)."""
FrequencyMHz = Annotated[float, Field(strict=True, ge=2, le=400, allow_inf_nan=False), JSON_NUMBER]
"""A radio frequency in MHz, 2 to 400 (HF, VHF and UHF)."""
UniqueItems = _UniqueItems()


class Precedence(StrEnum):
    """How urgently a notice must be handled; FLASH overtakes everything else."""

    FLASH = "FLASH"
    IMMEDIATE = "IMMEDIATE"
    PRIORITY = "PRIORITY"
    ROUTINE = "ROUTINE"

    @property
    def rank(self) -> int:
        """0 for FLASH (most urgent) up to 3 for ROUTINE: sort ascending to handle in order."""
        return _RANK[self]

    @classmethod
    def most_urgent(cls, *values: Precedence) -> Precedence:
        """The most urgent of ``values`` (ROUTINE when none is given)."""
        return min(values, key=lambda p: p.rank, default=cls.ROUTINE)


_RANK = {
    Precedence.FLASH: 0,
    Precedence.IMMEDIATE: 1,
    Precedence.PRIORITY: 2,
    Precedence.ROUTINE: 3,
}


class Kind(StrEnum):
    """The notice kinds; the value is the ``kind`` field on the wire."""

    PLANNED_OPERATION = "planned_operation"
    AIRCRAFT_IN_DISTRESS = "aircraft_in_distress"
    DOWNED_PILOT = "downed_pilot"
    LIAISON = "liaison"
    ACK = "ack"
    CANCEL = "cancel"


class Status(StrEnum):
    """Whether a notice is real. Exercise and test notices must never trigger real action."""

    ACTUAL = "actual"
    EXERCISE = "exercise"
    TEST = "test"


class Author(Frozen):
    """Who issued a notice: an operator or system identifier (never a person's name)."""

    id: Annotated[
        str,
        pattern(
            r"^[A-Za-z0-9][A-Za-z0-9._:/-]{0,63}$",
            "an identifier of 1-64 letters, digits and . _ : / - (no spaces)",
        ),
    ] = Field(description="Operator or system identifier as registered with the issuing node.")
    unit: Label128 = Field(description="Issuing unit or cell, e.g. 'CAOC-N Current Ops'.")
    nation: NationCode = Field(description="Coalition member, ISO 3166-1 alpha-3.")


class Reference(Frozen):
    """Points at one feed entry: the feed's origin, the entry's index and its leaf hash."""

    origin: Label255 = Field(description="Origin line of the feed holding the entry.")
    index: Annotated[int, Field(strict=True, ge=0, le=MAX_SAFE_INTEGER)]
    leaf_hash: Annotated[
        str,
        pattern(
            r"^[A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]=$",
            "canonical padded standard base64 of 32 bytes (44 characters)",
        ),
    ] = Field(description="Standard base64 (padded) of the entry's 32-byte RFC 6962 leaf hash.")

    @property
    def leaf_hash_bytes(self) -> bytes:
        """The 32 bytes of the leaf hash."""
        return base64.b64decode(self.leaf_hash, validate=True)


class Contact(Frozen):
    """How to reach the issuing side about a notice: a desk or role, never a person's name."""

    role: Label64 = Field(description="Desk or role, e.g. 'JPRC duty officer'.")
    phone: (
        Annotated[
            str,
            pattern(
                r"^\+?[0-9](?:[0-9 ()-]{1,30}[0-9])?$",
                "a telephone number: digits, spaces, ( ) and -, optionally after +",
            ),
        ]
        | None
    ) = None
    frequency_mhz: FrequencyMHz | None = None


class NoticeBase(Frozen):
    """The envelope every notice kind carries; each kind adds ``kind`` and its own fields."""

    id: UUID = Field(description="Chosen by the author; stays the same across retransmissions.")
    precedence: Precedence = Precedence.ROUTINE
    status: Status
    author: Author
    time: UnixMs = Field(description="When the author issued the notice (unix ms).")
    supersedes: Reference | None = Field(
        default=None, description="The own-feed entry this notice updates and replaces."
    )
    expires: UnixMs | None = Field(
        default=None,
        description="After this instant (unix ms, later than time) the notice no longer applies.",
    )

    @field_validator("expires")
    @classmethod
    def _expires_after_time(cls, value: int | None, info: ValidationInfo) -> int | None:
        time = info.data.get("time")
        if value is not None and time is not None and value <= time:
            raise refusal("expires_before_time", "expires must be after time")
        return value
