"""JSON errors: every refusal answers ``{"error": code, "detail": ...}`` with a 4xx/5xx status."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from ..errors import SERVICE_ERRORS, describe


class ApiError(Exception):
    def __init__(
        self, status: int, code: str, detail: Any, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(f"{code}: {detail}")
        self.status = status
        self.code = code
        self.detail = detail
        self.headers = headers


def error_body(code: str, detail: Any) -> dict[str, Any]:
    return {"error": code, "detail": detail}


def install(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def _api(_: Request, exc: ApiError) -> JSONResponse:
        return JSONResponse(error_body(exc.code, exc.detail), exc.status, headers=exc.headers)

    async def _service(_: Request, exc: Exception) -> JSONResponse:
        described = describe(exc)
        assert described is not None
        status, code, detail = described
        return JSONResponse(error_body(code, detail), status)

    for cls in SERVICE_ERRORS:
        app.add_exception_handler(cls, _service)

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
            {"path": ".".join(str(p) for p in err["loc"]), "reason": err["msg"]}
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
