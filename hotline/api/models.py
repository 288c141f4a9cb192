"""What the REST API answers, as models for its OpenAPI description (the routes build plain
dicts; the suite checks every answer against these with schemathesis).

A notice inside an answer is the ``Notice`` schema of the protocol library
(:mod:`hotline_protocol.notices.schema`), referred to by name: :mod:`hotline.api.openapi` puts
it and its parts in the document's components.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema

COMPONENTS = "#/components/schemas/"

Notice = Annotated[dict[str, Any], WithJsonSchema({"allOf": [{"$ref": COMPONENTS + "Notice"}]})]
Base64 = Annotated[str, Field(description="standard base64 (padded)")]
Ms = Annotated[int, Field(description="unix ms")]


def no_default(schema: dict[str, Any]) -> None:
    """A member the node leaves out rather than sending null: no ``default`` in its schema."""
    schema.pop("default", None)


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Problem(_Model):
    path: str = Field(description="where, within the request (or the notice), dot-separated")
    code: str = Field(description="stable: what is wrong, for a client to say in its language")
    params: dict[str, str | int | float | bool] = Field(
        description="the code's parameters (a limit, the allowed values, ...)"
    )
    reason: str = Field(description="the same in English")


class ProtocolProblem(BaseModel):
    """A protocol library error: its code and message, and what it expected or found."""

    code: str
    message: str


class ApiError(_Model):
    """Every refusal: a stable code and what went wrong (a sentence, the problems with their
    paths, or the protocol library's description)."""

    error: str = Field(description="stable, machine-readable code")
    detail: str | list[Problem] | ProtocolProblem | dict[str, Any]
    retry_after_ms: int | None = Field(
        default=None,
        description="with `rate_limited` only: when to try again (milliseconds); absent otherwise",
        json_schema_extra=no_default,  # absent when not rate_limited, never null
    )


class Health(_Model):
    status: Literal["ok"]
    side: str
    origin: str
    sizes: dict[str, int] = Field(description="each side's feed size held here")
    own_behind: int | None = Field(
        description="the size of the own feed the peer holds while this node holds less "
        "(restored from a backup): posts are refused (`feed_behind`) until it is recovered "
        "from the peer; null otherwise"
    )


class Entry(_Model):
    """An entry appended: where it is in the own feed, and its notice as the entry holds it."""

    side: str
    origin: str
    index: int
    leaf_hash: Base64
    id: str = Field(description="the notice's id")
    notice: Notice


class EntryKey(_Model):
    side: str
    index: int


class Delivery(_Model):
    at: Ms
    by: str = Field(description="the name of the witness key that cosigned")
    size: int = Field(description="the cosigned size that covers the entry")


class Acknowledgement(_Model):
    response: str | None
    by: str = Field(description="side/author id of the ack")
    at: Ms
    remark: str | None
    reason: str | None
    entry: EntryKey = Field(description="the ack entry")


class TimeImplausible(_Model):
    claimed: Ms
    after: Ms
    before: Ms


class NoticeState(_Model):
    """What the node knows of a notice besides its text (PROTOCOL.md, *The state of a
    notice*)."""

    status: Literal["appended", "delivered", "acknowledged", "overdue", "early"]
    appended_at: Ms = Field(description="when this node recorded the entry")
    delivered: Delivery | None = Field(description="the first cosigned size covering it")
    acknowledged: Acknowledgement | None = Field(description="the latest ack of it")
    needs_ack: bool
    deadline: Ms | None = Field(description="when an ack is due; null: none is needed")
    overdue: bool
    cancelled_by: EntryKey | None
    superseded_by: EntryKey | None
    supersedes: EntryKey | None
    refers_to: EntryKey | None = Field(description="the entry an ack or cancel refers to")
    time_implausible: TimeImplausible | None = Field(
        description="the claimed time lies outside the bracket this node witnessed"
    )
    early: bool | None = Field(
        default=None, description="present (true) for a FLASH shown ahead of its backlog"
    )


class NoticeView(_Model):
    side: str
    origin: str
    index: int
    leaf_hash: Base64
    id: str
    kind: str
    precedence: Literal["FLASH", "IMMEDIATE", "PRIORITY", "ROUTINE"]
    notice: Notice
    state: NoticeState


class NoticeList(_Model):
    notices: list[NoticeView]
    next: str | None = Field(description="the cursor of the next page; null: the last page")


class ProofWrapper(_Model):
    """The proof wrapper (``hotline-proof-<side>-<index>.json`` when downloaded): the entry,
    where it is, and its C2SP tlog-proof against a checkpoint, in one JSON object."""

    side: str
    origin: str
    index: int
    size: int = Field(description="the size of the checkpoint the proof is against")
    cosigned: bool = Field(description="the checkpoint carries the other side's cosignature")
    leaf_hash: Base64
    entry: Base64 = Field(description="the entry bytes")
    bundle: str = Field(description="the C2SP tlog-proof text (checkpoint included)")


class Evidence(_Model):
    id: int
    time: Ms
    source: str
    reason: str
    detail: str
    size: int
    sha256: Base64
    head: Base64


class EvidenceList(_Model):
    total: int
    evidence: list[Evidence]


class AuditExport(BaseModel):
    """The audit export (``hotline-audit-export/v1``): PROTOCOL.md, *Audit export*."""

    model_config = ConfigDict(extra="allow")


class AsyncApiDocument(BaseModel):
    """The AsyncAPI 3.0 document of the stream and the peer link."""

    model_config = ConfigDict(extra="allow")
    asyncapi: Literal["3.0.0"]


class NoticeSchemaFile(BaseModel):
    """The notices' JSON Schema file (``protocol/schema/notice.schema.json``), draft 2020-12."""

    model_config = ConfigDict(extra="allow")


class Report(BaseModel):
    """The report of the line (PROTOCOL.md, *The report of a dispute*)."""

    model_config = ConfigDict(extra="allow")


class ConflictList(_Model):
    conflicts: list[dict[str, Any]] = Field(description="as PROTOCOL.md, *Deconfliction*")


class Checkpoint(_Model):
    size: int
    root: Base64
    note: str = Field(description="the signed note with every signature and cosignature")
    stored_ms: Ms


class CheckpointList(_Model):
    side: str
    origin: str
    size: int
    checkpoints: list[Checkpoint]
    next: int | None = Field(description="the `since` of the next page; null: the last page")


class Entries(_Model):
    side: str
    origin: str
    size: int
    start: int
    entries: list[Base64] = Field(description="entry bytes")


class InclusionProof(_Model):
    side: str
    origin: str
    index: int
    size: int
    leaf_hash: Base64
    root: Base64
    proof: list[Base64]


class ConsistencyProof(_Model):
    side: str
    origin: str
    old: int
    size: int
    old_root: Base64
    root: Base64
    proof: list[Base64]


class SideKeys(_Model):
    origin: str
    log_vkey: str
    witness_vkey: str


class Keys(_Model):
    own: str
    sides: dict[str, SideKeys]


class User(_Model):
    name: str
    role: str
    nation: str | None
    unit: str | None
    created: Ms
    revoked: Ms | None


class UserList(_Model):
    users: list[User]


class NewUserToken(_Model):
    name: str
    role: str
    nation: str | None
    unit: str | None
    token: str = Field(description="shown once")


class Revoked(_Model):
    name: str
    revoked: Literal[True]


class Link(_Model):
    """The peer link's state (PROTOCOL.md, *Link state*); only ``paired`` and ``connected``
    when no peer is pinned."""

    paired: bool
    connected: bool
    peer: str | None = None
    peer_origin: str | None = None
    since: Ms | None = None
    down_since: Ms | None = None
    dialed_by: str | None = None
    lag: dict[str, int] | None = None
    own_delivered_size: int | None = None
    peer_size_held: int | None = None
    peer_cosigned_size: int | None = None
    last_error: str | None = None
    connects: int | None = None
    refused: int | None = None
    own_behind: int | None = Field(
        None,
        description="the size of the own feed the peer holds while this node holds less and "
        "recovers it (posts refused meanwhile); null otherwise",
    )


class PeerRef(_Model):
    side: str
    origin: str


class ConsoleSession(_Model):
    user: str
    role: str
    permissions: list[str]
    side: str
    origin: str
    unit: str
    nation: str
    peer: PeerRef | None
    deadlines: dict[str, float]
    fallback: str = Field(description="the voice fallback named while the link is down")
    mode: Literal["operational", "exercise"] = Field(
        description="exercise: the console marks everything as an exercise"
    )
    now: Ms
