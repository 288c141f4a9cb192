"""JSON errors: every refusal answers ``{"error": code, "detail": ...}`` with a 4xx/5xx status.

The status of an error is its class's in :data:`STATUSES` (the first class of its MRO found
there); code and detail are the ones :func:`hotline.errors.explain` gives, as the stream reports
them too. An error whose class has no status here is a bug, answered as one (500).
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from hotline_protocol.errors import ProtocolError

from ..errors import (
    AlreadyClosed,
    BadRequest,
    Broken,
    Conflict,
    Forbidden,
    Invalid,
    NotFound,
    OutOfRange,
    RateLimited,
    Unauthenticated,
    Unavailable,
    UnknownReference,
    explain,
)

# the HTTP status of each error class (a subclass listed has its own)
STATUSES: dict[type[Exception], int] = {
    BadRequest: 400,
    Unauthenticated: 401,
    Forbidden: 403,
    NotFound: 404,
    UnknownReference: 404,
    Conflict: 409,
    AlreadyClosed: 409,
    OutOfRange: 416,
    Invalid: 422,
    ProtocolError: 422,
    RateLimited: 429,
    Broken: 500,
    Unavailable: 503,
}
# a protocol error whose code is a size limit, not a fault of the bytes
PROTOCOL_STATUSES = {"entry_too_large": 413}


def status_of(exc: BaseException) -> int | None:
    """The HTTP status of an error, or None if it is not one the API answers (a bug)."""
    if isinstance(exc, ProtocolError) and exc.code in PROTOCOL_STATUSES:
        return PROTOCOL_STATUSES[exc.code]
    return next((STATUSES[c] for c in type(exc).__mro__ if c in STATUSES), None)


def describe(exc: BaseException) -> tuple[int, str, Any] | None:
    """``(status, code, detail)`` of an error the API answers; None for anything else."""
    status, explained = status_of(exc), explain(exc)
    if status is None or explained is None:
        return None
    return status, *explained


def error_body(code: str, detail: Any) -> dict[str, Any]:
    return {"error": code, "detail": detail}


def _params(ctx: dict[str, Any]) -> dict[str, Any]:
    """A validation error's context as JSON scalars (what a client may quote)."""
    return {
        k: v if isinstance(v, (str, int, float, bool)) else str(v)
        for k, v in ctx.items()
        if k != "error"
    }


def install(app: FastAPI) -> None:
    async def _error(_: Request, exc: Exception) -> JSONResponse:
        described = describe(exc)
        assert described is not None
        status, code, detail = described
        headers = {"WWW-Authenticate": "Bearer"} if isinstance(exc, Unauthenticated) else None
        body = error_body(code, detail)
        if isinstance(exc, RateLimited):  # whole seconds in the header, ms in the body
            headers = {"Retry-After": str(-(-exc.retry_after_ms // 1000))}
            body["retry_after_ms"] = exc.retry_after_ms
        return JSONResponse(body, status, headers=headers)

    for cls in STATUSES:
        app.add_exception_handler(cls, _error)

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        for err in exc.errors():
            if err["type"] == "json_invalid":  # as POST /v1/notices and the stream say it
                reason = err.get("ctx", {}).get("error", err["msg"])
                at = err["loc"][-1]
                return JSONResponse(
                    error_body("malformed_json", f"the body is not JSON: {reason} at {at}"), 400
                )
        problems = [
            {
                "path": ".".join(str(p) for p in err["loc"]),
                "code": err["type"],
                "params": _params(err.get("ctx") or {}),
                "reason": err["msg"],
            }
            for err in exc.errors()
        ]
        return JSONResponse(error_body("invalid_request", problems), 422)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        # FastAPI answers 400 for a JSON body it could not parse (e.g. nested too deep)
        codes = {400: "malformed_json", 404: "not_found", 405: "method_not_allowed"}
        return JSONResponse(
            error_body(codes.get(exc.status_code, "http_error"), exc.detail),
            exc.status_code,
            headers=getattr(exc, "headers", None),
        )
