"""Conflicts between the two sides' notices (PROTOCOL.md, *Deconfliction*): list them, check a
draft before sending it, and mark one handled (a signed liaison naming it)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from ..conflicts.handling import handling_body
from ..errors import Conflict, NotFound
from ..jsontext import dumps
from .deps import Api, AuthFirstRoute, Poster, Reader
from .models import ConflictList, Entry
from .notices import NOTICE_BODY, json_object
from .openapi import answers

router = APIRouter(prefix="/v1/conflicts", tags=["conflicts"], route_class=AuthFirstRoute)


class Handled(BaseModel):
    model_config = ConfigDict(extra="forbid")
    remark: str = Field(min_length=1, max_length=4000, description="What was agreed or done")
    language: str = Field(default="en", max_length=35)


@router.get(
    "", summary="Conflicts between the two sides' active notices", responses=answers(ConflictList)
)
async def list_conflicts(
    api: Api,
    _: Reader,
    state: Annotated[Literal["open", "handled", "all"], Query()] = "open",
) -> dict[str, Any]:
    return {"conflicts": api.conflicts.listing(state)}


@router.post(
    "/check",
    summary="The conflicts a draft notice would have; nothing is appended",
    openapi_extra={"requestBody": NOTICE_BODY},
    responses=answers(ConflictList, 403, 404, 409, 413, 422),
)
async def check_draft(request: Request, api: Api, user: Poster) -> dict[str, Any]:
    body = await json_object(request)
    notice = api.notices.draft(user, body)
    return {"conflicts": api.conflicts.check(notice, api.sides.own.name)}


@router.post(
    "/{conflict_id}/handled",
    status_code=201,
    summary="Mark a conflict handled: appends a liaison naming it and its two notices",
    responses=answers(Entry, 404, 409, 413, 422, status=201),
)
async def mark_handled(
    conflict_id: str, body: Annotated[Handled, Body()], api: Api, user: Poster
) -> Response:
    conflict = api.conflicts.get(conflict_id)
    if conflict is None:
        raise NotFound("unknown_conflict", f"no conflict {conflict_id!r} is open")
    if api.conflicts.handled_by(conflict_id) is not None:
        raise Conflict("already_handled", f"conflict {conflict_id} is handled already")
    notice = await handling_body(conflict, api.conflicts.index, body.remark, body.language)
    result, _ = await api.notices.post(user, notice, None)
    return Response(dumps(result), 201, media_type="application/json")
