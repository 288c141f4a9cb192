"""The client stream's messages: what a client sends (parsed and checked here) and the replies
and events a node sends.

Every message is one JSON object in one text frame with a ``type``. Client messages carry an
``id`` (a string of at most 128 characters or an integer) that the node echoes in its reply.
:func:`parse_message` raises :class:`~hotline_protocol.errors.MessageError` with the code the
stream answers (``malformed_json``, ``invalid_request`` or ``unknown_type``). Encoding the
outgoing messages is left to the sender (any compact JSON encoder).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

import orjson
from pydantic import BaseModel, ConfigDict, Field, StrictInt, StrictStr, ValidationError

from .errors import MessageError
from .strictjson import MAX_DEPTH, loads_strict

MessageId = Annotated[StrictStr, Field(max_length=128)] | StrictInt
ClientRef = Annotated[StrictStr, Field(min_length=1, max_length=128, pattern=r"^[\x21-\x7e]+$")]
PrecedenceName = Literal["FLASH", "IMMEDIATE", "PRIORITY", "ROUTINE"]
Text500 = Annotated[StrictStr, Field(max_length=500)]


class _Message(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    id: MessageId


class Auth(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    type: Literal["auth"]
    id: MessageId | None = None
    token: Annotated[StrictStr, Field(max_length=256)]


class Post(_Message):
    type: Literal["post"]
    notice: dict[str, Any]
    client_ref: ClientRef | None = None


class Ack(_Message):
    type: Literal["ack"]
    side: StrictStr
    index: Annotated[StrictInt, Field(ge=0)]
    response: Literal["ROGER", "WILCO", "UNABLE", "NEGATIVE"]
    reason: Text500 | None = None
    reason_code: Annotated[StrictStr, Field(max_length=64)] | None = None
    remark: Text500 | None = None
    precedence: PrecedenceName | None = None
    client_ref: ClientRef | None = None


class Cancel(_Message):
    type: Literal["cancel"]
    side: StrictStr
    index: Annotated[StrictInt, Field(ge=0)]
    reason: Annotated[StrictStr, Field(max_length=64)]
    remark: Text500 | None = None
    precedence: PrecedenceName | None = None
    client_ref: ClientRef | None = None


class SubscribeFilters(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    kind: StrictStr | None = None
    side: StrictStr | None = None
    precedence: PrecedenceName | None = None
    since: Annotated[StrictInt, Field(ge=0)] | None = None


class Subscribe(_Message):
    type: Literal["subscribe"]
    filters: SubscribeFilters = SubscribeFilters()
    cursor: Annotated[StrictStr, Field(max_length=512)] | None = None


class Unsubscribe(_Message):
    type: Literal["unsubscribe"]


class Ping(_Message):
    type: Literal["ping"]


ClientMessage = Auth | Post | Ack | Cancel | Subscribe | Unsubscribe | Ping
MODELS: dict[str, type[ClientMessage]] = {
    "auth": Auth,
    "post": Post,
    "ack": Ack,
    "cancel": Cancel,
    "subscribe": Subscribe,
    "unsubscribe": Unsubscribe,
    "ping": Ping,
}


def parse_message(text: str) -> ClientMessage:
    """Parse one text frame; MessageError with ``malformed_json``, ``invalid_request`` (the
    problems with their paths) or ``unknown_type``."""
    try:
        obj = loads_strict(text, max_depth=MAX_DEPTH)
    except ValueError as exc:
        raise MessageError("malformed_json", f"the message is not JSON: {exc}") from exc
    if ("\\u" in text or "\\U" in text) and _has_lone_surrogate(obj):
        raise MessageError(
            "malformed_json", "the message is not Unicode text: a string holds a lone surrogate"
        )
    if not isinstance(obj, dict):
        raise MessageError("invalid_request", [_problem("", "a message must be a JSON object")])
    raw_id = obj.get("id")
    mid = raw_id if _valid_id(raw_id) else None
    mtype = obj.get("type")
    if not isinstance(mtype, str):
        raise MessageError("invalid_request", [_problem("type", "a message type is required")], mid)
    model = MODELS.get(mtype)
    if model is None:
        known = ", ".join(MODELS)
        raise MessageError(
            "unknown_type", f"unknown message type {mtype[:64]!r}; known: {known}", mid
        )
    try:
        return model.model_validate(obj)
    except ValidationError as exc:
        problems = [
            _problem(".".join(str(p) for p in err["loc"]), err["msg"]) for err in exc.errors()
        ]
        raise MessageError("invalid_request", problems, mid) from exc


def _has_lone_surrogate(value: object) -> bool:
    """Whether a string anywhere in ``value`` holds a surrogate code point (only a ``\\u``
    escape makes one: it has no UTF-8 form, so nothing can be answered or stored with it)."""
    try:
        orjson.dumps(value)
    except orjson.JSONEncodeError:
        return True
    return False


def _valid_id(value: object) -> bool:
    if isinstance(value, bool):
        return False
    return isinstance(value, int) or (isinstance(value, str) and len(value) <= 128)


def _problem(path: str, reason: str) -> dict[str, str]:
    return {"path": path, "reason": reason}


# node -> client ------------------------------------------------------------------------------
Outgoing = dict[str, Any]


def error(mid: str | int | None, code: str, detail: Any) -> Outgoing:
    return {"type": "error", "id": mid, "error": code, "detail": detail}


def posted(mid: str | int, entry: dict[str, Any], replayed: bool) -> Outgoing:
    return {"type": "posted", "id": mid, "entry": entry, "replayed": replayed}


def event(ev: dict[str, Any]) -> Outgoing:
    return {"type": "event", "event": ev}


def replayed(mid: str | int, cursor: str) -> Outgoing:
    """The backlog a subscription asked for is replayed; live events follow."""
    return {"type": "replayed", "id": mid, "cursor": cursor}
