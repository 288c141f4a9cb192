"""The node's OpenAPI document: self-contained, with what every operation answers.

FastAPI describes the routes; this module completes the description:

- the notices' schemas (``Notice``, each kind, ``NoticeDraft``) in ``components``, built from
  the protocol library's (:mod:`hotline.api.schemas`);
- the bearer security scheme, on every operation that needs a token (with the permission);
- the error answer (:class:`~hotline.api.models.ApiError`, ``{"error", "detail"}``) for every
  status an operation can refuse with: those the route declares (:func:`answers`) and those
  that follow from what the route takes: 401 and 403 with a token, 400 and 413 with a body, 422
  with parameters or a body, 503 when it reads the store.
"""

from __future__ import annotations

from typing import Any, cast

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute, iter_route_contexts
from pydantic import BaseModel

from ..auth import PERMISSIONS
from .deps import AuthFirstRoute
from .models import ApiError
from .schemas import COMPONENTS, merge, model_components, notice_components

# why each status refuses (the codes are PROTOCOL.md's and README's)
REFUSALS: dict[int, str] = {
    400: "Malformed: the body is not JSON (`malformed_json`), or a parameter is malformed "
    "(`bad_cursor`, `bad_range`, `bad_tile_path`, `beyond_size`).",
    401: "No bearer token (`unauthenticated`), or one unknown or revoked (`bad_token`).",
    403: "The token's role lacks the permission (`forbidden`), or the notice is not the "
    "caller's to post (`wrong_side`, `author_mismatch`).",
    404: "Nothing of that name here (`unknown_side`, `unknown_entry`, `unknown_user`, "
    "`unknown_conflict`, `no_checkpoint`, `no_such_tile`, `unknown_reference`).",
    409: "Not in the state it needs (`not_checkpointed`, `user_exists`, `already_handled`, "
    "`already_cancelled`, `already_superseded`).",
    413: "The body is over `limits.max_request_bytes` (`request_too_large`), or the entry "
    "would be over the entry size limit (`entry_too_large`).",
    416: "Entries beyond the published log (`beyond_size`).",
    422: "A parameter or field is invalid (`invalid_request`, with the problems and their "
    "paths), or the notice breaks a rule (`invalid_notice`, `not_ackable`, `kind_mismatch`, "
    "`author_required`, ...).",
    429: "Too many posts (`rate_limited`): the user's or the connection's bucket is empty, or "
    "the FLASH bound is reached; `Retry-After` (seconds) and `retry_after_ms` say when to "
    "try again. Nothing was appended.",
    500: "The node's own data disagree (`checkpoint_mismatch`, `store_incomplete`; "
    "`report_failed`: the auditor could not read the node's own export): a bug or a damaged "
    "store.",
    503: "The node cannot serve now (`store_unavailable`, `shutting_down`; `feed_behind`: the "
    "peer holds more of this node's feed than the node, which recovers it first; "
    "`report_busy`: a report of the node is being made); retry.",
}
REPLAYED_HEADER = {
    "Idempotent-Replayed": {
        "description": "`true`: the `Idempotency-Key` was used before by this user; the "
        "answer is the entry appended then, and nothing was appended now.",
        "schema": {"type": "string", "enum": ["true"]},
    }
}
RETRY_AFTER_HEADER = {
    "Retry-After": {
        "description": "Seconds to wait before posting again.",
        "schema": {"type": "string"},
    }
}
SECURITY = "bearer"


def answers(
    model: type[BaseModel] | None,
    *refusals: int,
    status: int = 200,
    media: str = "application/json",
    description: str | None = None,
    headers: dict[str, Any] | None = None,
) -> dict[int | str, dict[str, Any]]:
    """A route's ``responses``: its answer (``model``, or ``media`` without a schema model) and
    the statuses it refuses with besides those :func:`complete` adds."""
    ok: dict[str, Any] = {"description": description or "Success"}
    if model is not None:
        ok["model"] = model
    else:
        ok["content"] = {media: {"schema": {"type": "string"}}}
    if headers:
        ok["headers"] = headers
    out: dict[int | str, dict[str, Any]] = {status: ok}
    for code in refusals:
        out[code] = {"model": ApiError, "description": REFUSALS[code]}
        if code == 429:
            out[code]["headers"] = RETRY_AFTER_HEADER
    return out


def install(app: FastAPI) -> None:
    """Make ``app.openapi()`` answer the completed document (built once)."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = build(app)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def build(app: FastAPI) -> dict[str, Any]:
    doc = get_openapi(
        title=app.title,
        version=app.version,
        summary=app.summary,
        description=app.description,
        routes=app.routes,
    )
    components = doc.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    for fastapi_own in ("HTTPValidationError", "ValidationError"):
        schemas.pop(fastapi_own, None)
    merge(schemas, notice_components())
    merge(schemas, model_components([ApiError]))
    components["securitySchemes"] = {
        SECURITY: {
            "type": "http",
            "scheme": "bearer",
            "description": "A user's token (`hotline users add`, `POST /v1/users`); roles and "
            "their permissions: "
            + "; ".join(f"{role}: {', '.join(sorted(p))}" for role, p in PERMISSIONS.items()),
        }
    }
    for context in iter_route_contexts(app.routes):  # the routes, as included with prefixes
        route = context.original_route
        if isinstance(route, APIRoute) and route.include_in_schema:
            path = cast(APIRoute, context).path_format
            for method in route.methods or ():
                complete(doc["paths"][path][method.lower()], route)
    return doc


def complete(op: dict[str, Any], route: APIRoute) -> None:
    """Add the security requirement and the refusals that follow from what ``route`` takes;
    point every declared model answer at its component alone."""
    responses: dict[str, Any] = op.setdefault("responses", {})
    for status, declared in route.responses.items():
        if "content" in declared:  # as declared (FastAPI adds the route's media type)
            responses[str(status)]["content"] = declared["content"]
        model = declared.get("model")
        if isinstance(model, type) and issubclass(model, BaseModel):
            content = responses[str(status)].setdefault("content", {})
            media = "application/json" if model is ApiError else next(iter(content), "")
            content.clear()  # FastAPI gives every declared answer the route's media type
            content[media or "application/json"] = {"schema": {"$ref": COMPONENTS + model.__name__}}
    statuses: set[int] = set()
    needs = route.permissions if isinstance(route, AuthFirstRoute) else ()
    if needs:
        op["security"] = [{SECURITY: []}]
        roles = [r for r, p in PERMISSIONS.items() if all(n in p for n in needs)]
        op["description"] = (
            op.get("description", "") + f"\n\nNeeds the permission {', '.join(needs)} "
            f"(roles: {', '.join(roles)})."
        ).strip()
        statuses |= {401, 403, 503}
    has_body = "requestBody" in op
    if has_body:
        statuses |= {400, 413, 422}
    if op.get("parameters"):
        statuses.add(422)
    for status in sorted(statuses):
        key = str(status)
        if key in responses and key != "422":
            continue
        responses[key] = {
            "description": REFUSALS[status],
            "content": {"application/json": {"schema": {"$ref": COMPONENTS + "ApiError"}}},
        }
    if "401" in responses:
        responses["401"]["headers"] = {
            "WWW-Authenticate": {"description": "`Bearer`", "schema": {"type": "string"}}
        }
