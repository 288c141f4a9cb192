"""What the node sends on the stream, as models for the AsyncAPI document (the session builds
plain dicts: :mod:`hotline_protocol.stream` and :mod:`hotline.events`; the suite checks the
messages of real sessions against these).

The client's messages are the protocol library's own models (:data:`hotline_protocol.stream.
MODELS`); a notice inside a message is the ``Notice`` (or, posted, ``NoticeDraft``) schema.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema

from .models import COMPONENTS, Base64, EntryKey, Ms, Notice, Problem, no_default
from .models import Entry as EntryModel

MessageId = Annotated[str, Field(max_length=128)] | int
Cursor = Annotated[
    str,
    Field(
        description="the position after the event: `<side>:<size>` and `<side>@<delivered "
        "size>` parts, comma-separated; opaque to clients"
    ),
]
Precedence = Literal["FLASH", "IMMEDIATE", "PRIORITY", "ROUTINE"]


class _Message(BaseModel):
    model_config = ConfigDict(extra="forbid")


# node -> client: replies ------------------------------------------------------------------
class Authenticated(_Message):
    type: Literal["authenticated"]
    id: MessageId | None
    user: str
    role: str


class Posted(_Message):
    """The entry is durable (``replayed``: the ``client_ref`` was used before; nothing was
    appended now)."""

    type: Literal["posted"]
    id: MessageId
    entry: EntryModel
    replayed: bool


class MessageProblem(_Message):
    """A problem with a message itself (``invalid_request``): where, and why in English."""

    path: str
    reason: str


class Error(_Message):
    """The message was refused and changed nothing; the connection stays open."""

    type: Literal["error"]
    id: MessageId | None
    error: str
    detail: str | list[Problem] | list[MessageProblem] | dict[str, Any]
    retry_after_ms: int | None = Field(
        default=None,
        description="with `rate_limited` only: when to try again (milliseconds); absent otherwise",
        json_schema_extra=no_default,  # absent when not rate_limited, never null
    )


class Subscribed(_Message):
    type: Literal["subscribed"]
    id: MessageId
    cursor: Cursor = Field(description="where the subscription starts")


class Replayed(_Message):
    """The backlog the subscription asked for (it gave a cursor) is replayed: every event
    after it is live. Sent once per such subscription, even when there was nothing to replay."""

    type: Literal["replayed"]
    id: MessageId = Field(description="the id of the subscribe message")
    cursor: Cursor = Field(description="the position the replay reached")


class Unsubscribed(_Message):
    type: Literal["unsubscribed"]
    id: MessageId
    cursor: Cursor = Field(description="the cursor of the last event sent")


class Pong(_Message):
    type: Literal["pong"]
    id: MessageId
    time: Ms = Field(description="the node's time")


# node -> client: events -------------------------------------------------------------------
class _Event(_Message):
    cursor: Cursor


class Appended(_Event):
    type: Literal["appended"]
    side: str
    origin: str
    index: int
    leaf_hash: Base64
    id: str
    kind: str
    precedence: Precedence
    notice: Notice


class Acknowledged(_Event):
    type: Literal["acknowledged"]
    side: str = Field(description="the acknowledged notice's side")
    index: int
    response: str | None
    by: str = Field(description="side/author id")
    at: Ms
    ack: EntryKey = Field(description="the ack entry")


class Delivered(_Event):
    type: Literal["delivered"]
    side: str
    size: int = Field(description="entries below it are cosigned by the other side")
    by: str = Field(description="the witness key's name")
    at: Ms


class Overdue(_Event):
    type: Literal["overdue"]
    side: str
    index: int
    kind: str
    precedence: Precedence
    deadline: Ms | None
    at: Ms


class Announced(_Event):
    type: Literal["announced"]
    side: str
    index: int
    at: Ms


class Flash(_Event):
    type: Literal["flash"]
    side: str
    index: int
    early: Literal[True]
    origin: str
    kind: str
    id: str
    notice: Notice


class LinkChange(_Event):
    type: Literal["link"]
    change: Literal["up", "down", "lag"]
    state: Literal["up", "down"]
    at: Ms
    peer: str
    peer_origin: str
    connected: bool
    since: Ms | None
    down_since: Ms | None
    dialed_by: str | None
    lag: dict[str, int] | None
    own_delivered_size: int
    peer_size_held: int
    peer_cosigned_size: int
    last_error: str | None
    connects: int
    refused: int


class Alarm(_Event):
    type: Literal["alarm"]
    reason: str = Field(
        description="`flash`, `flash_repeated`, `refused`, `refused_by_peer`, "
        "`time_implausible`, ..."
    )
    at: Ms
    side: str | None = None
    index: int | None = None
    kind: str | None = None
    early: bool | None = None
    code: str | None = None
    detail: str | None = None
    evidence: int | None = Field(
        default=None,
        description="`refused`: the id of the evidence record kept; 0 if none was kept "
        "(over `limits.evidence_per_hour`)",
    )
    repeated: bool | None = None


class ConflictChange(_Event):
    type: Literal["conflict"]
    change: Literal["opened", "changed", "cleared", "handled"]
    conflict: dict[str, Any] = Field(description="as `GET /v1/conflicts` shows it")


EVENTS: tuple[type[_Event], ...] = (
    Appended,
    Acknowledged,
    Delivered,
    Overdue,
    Announced,
    Flash,
    LinkChange,
    Alarm,
    ConflictChange,
)
AnyEvent = Annotated[
    dict[str, Any],
    WithJsonSchema({"oneOf": [{"$ref": COMPONENTS + e.__name__} for e in EVENTS]}),
]


class EventMessage(_Message):
    """An event of the subscription; a client ignores event types it does not know."""

    type: Literal["event"]
    event: AnyEvent


REPLIES: tuple[type[_Message], ...] = (
    Authenticated,
    Posted,
    Error,
    Subscribed,
    Replayed,
    Unsubscribed,
    Pong,
    EventMessage,
)
