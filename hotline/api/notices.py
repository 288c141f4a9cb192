"""Notices: post, list, read, acknowledge, cancel. Updates are posts with ``supersedes``."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Header, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from hotline_protocol.errors import NoticeError
from hotline_protocol.strictjson import MAX_DEPTH, loads_strict

from ..admission import notice_is_flash
from ..errors import BadRequest
from ..feeds.views import Filters
from ..jsontext import dumps
from .deps import Api, AuthFirstRoute, Poster, Reader
from .models import Entry, NoticeList, NoticeView
from .openapi import REPLAYED_HEADER, answers
from .schemas import COMPONENTS

router = APIRouter(prefix="/v1/notices", tags=["notices"], route_class=AuthFirstRoute)

PrecedenceName = Literal["FLASH", "IMMEDIATE", "PRIORITY", "ROUTINE"]
StateName = Literal["appended", "delivered", "acknowledged", "overdue"]
IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        max_length=128,
        pattern=r"^[\x21-\x7e]+$",
        description="A retried request with the same key (of the same user) answers the "
        "entry appended the first time, with 200 and `Idempotent-Replayed: true`, and appends "
        "nothing",
    ),
]


def _entry(result: dict[str, Any], status_code: int, replayed: bool = False) -> Response:
    """An appended entry as JSON (its notice is written as the entry holds it)."""
    headers = {"Idempotent-Replayed": "true"} if replayed else None
    return Response(dumps(result), status_code, headers, media_type="application/json")


def _json(body: bytes) -> Response:
    return Response(body, media_type="application/json")


NOTICE_BODY = {
    "content": {"application/json": {"schema": {"$ref": COMPONENTS + "NoticeDraft"}}},
    "required": True,
}


def posting_answers() -> dict[int | str, dict[str, Any]]:
    """What a post, an ack and a cancel answer: the entry appended (201), or appended before
    under the same Idempotency-Key (200), or why not."""
    return {
        **answers(Entry, status=200, description="Appended before", headers=REPLAYED_HEADER),
        **answers(Entry, 403, 404, 409, 413, 422, 429, status=201, description="Appended"),
    }


class AckRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    response: Literal["ROGER", "WILCO", "UNABLE", "NEGATIVE"]
    reason: str | None = Field(default=None, max_length=500)
    reason_code: str | None = Field(
        default=None,
        max_length=64,
        description="Why, from the ack reason codes (PROTOCOL.md, Enumerations): weather, "
        "aircraft_unavailable, airspace_conflict, insufficient_information, "
        "operational_priority, outside_authority, other; for UNABLE and NEGATIVE. An unknown "
        "code is refused (invalid_notice) and nothing is appended.",
    )
    remark: str | None = Field(default=None, max_length=500)
    precedence: PrecedenceName | None = None


class CancelRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(max_length=64)
    remark: str | None = Field(default=None, max_length=500)
    precedence: PrecedenceName | None = None


async def json_object(request: Request) -> dict[str, Any]:
    """The body as a JSON object: strict JSON (no duplicate keys, no NaN or Infinity), so what
    is appended is what the client meant; too deep a nesting is malformed too."""
    raw = await request.body()
    try:
        body = loads_strict(raw, max_depth=MAX_DEPTH)
    except ValueError as exc:  # JSONDecodeError, UnicodeDecodeError, too deep
        raise BadRequest("malformed_json", f"the body is not JSON: {exc}") from exc
    if not isinstance(body, dict):
        raise NoticeError([("", "a notice must be a JSON object")], [("not_an_object", {})])
    return body


@router.post(
    "",
    status_code=201,
    summary="Post a notice to the own side's feed",
    description="Body: a notice (`NoticeDraft`); `id`, `time` and `author` may be left "
    "out and are filled by the node. Answers once the entry is durable.",
    openapi_extra={"requestBody": NOTICE_BODY},
    responses=posting_answers(),
)
async def post_notice(
    request: Request,
    api: Api,
    user: Poster,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    body = await json_object(request)
    api.admission.post(user.name, notice_is_flash(body))
    result, replayed = await api.notices.post(user, body, idempotency_key)
    return _entry(result, 200 if replayed else 201, replayed)


@router.get(
    "",
    summary="List notices of both feeds, newest first, with their state",
    responses=answers(NoticeList, 400, 404),
)
async def list_notices(
    api: Api,
    _: Reader,
    kind: str | None = None,
    side: str | None = None,
    precedence: PrecedenceName | None = None,
    state: StateName | None = None,
    since: Annotated[int | None, Query(ge=0, description="notice time, unix ms")] = None,
    cursor: Annotated[str | None, Query(max_length=64, description="from a previous page")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> Response:
    filters = Filters(kind, side, precedence, state, since)
    return _json(await api.notices.listing(filters, cursor, limit))


@router.get(
    "/{side}/{index}", summary="One notice with its state", responses=answers(NoticeView, 404)
)
async def get_notice(side: str, index: int, api: Api, _: Reader) -> Response:
    return _json(dumps(await api.notices.get(side, index)))


@router.post(
    "/{side}/{index}/ack",
    status_code=201,
    summary="Acknowledge a notice of the other side (appends an ack to the own feed)",
    responses=posting_answers(),
)
async def ack_notice(
    side: str,
    index: int,
    body: Annotated[AckRequest, Body()],
    api: Api,
    user: Poster,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    api.admission.post(user.name, body.precedence == "FLASH")
    result, replayed = await api.notices.ack(
        user,
        side,
        index,
        body.response,
        body.reason,
        body.remark,
        body.precedence,
        idempotency_key,
        reason_code=body.reason_code,
    )
    return _entry(result, 200 if replayed else 201, replayed)


@router.post(
    "/{side}/{index}/cancel",
    status_code=201,
    summary="Cancel a notice of the own side (appends a cancel to the own feed)",
    responses=posting_answers(),
)
async def cancel_notice(
    side: str,
    index: int,
    body: Annotated[CancelRequest, Body()],
    api: Api,
    user: Poster,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    api.admission.post(user.name, body.precedence == "FLASH")
    result, replayed = await api.notices.cancel(
        user, side, index, body.reason, body.remark, body.precedence, idempotency_key
    )
    return _entry(result, 200 if replayed else 201, replayed)
