"""``/api/v1``: health, the bearer-token check, and the test-mode clock (CONTRACTS.md)."""

from __future__ import annotations

import hmac
import math

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from domain.system import Services


class ApiError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class ErrorBody(BaseModel):
    error: str


class Health(BaseModel):
    status: str = "ok"


class ClockAdvance(BaseModel):
    advance_seconds: float = Field(ge=0, le=366 * 24 * 3600)


class ClockState(BaseModel):
    now: str
    fired: int


def _validation_message(exc: RequestValidationError) -> str:
    parts = []
    for err in exc.errors():
        where = ".".join(str(p) for p in err.get("loc", ()) if p != "body")
        parts.append(f"{where}: {err.get('msg')}" if where else str(err.get("msg")))
    return "; ".join(parts) or "invalid request"


def register(app: FastAPI, services: Services) -> None:
    token = services.settings.api_token.encode()

    def require_token(request: Request) -> None:
        header = request.headers.get("authorization", "")
        scheme, _, given = header.partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), token):
            raise ApiError(401, "missing or wrong bearer token")

    @app.exception_handler(ApiError)
    async def api_error(_request: Request, exc: ApiError) -> JSONResponse:
        headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
        return JSONResponse({"error": exc.message}, status_code=exc.status, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        return JSONResponse({"error": _validation_message(exc)}, status_code=400)

    public = APIRouter(prefix="/api/v1", tags=["health"])
    secured = APIRouter(prefix="/api/v1", dependencies=[Depends(require_token)])
    errors = {401: {"model": ErrorBody}, 400: {"model": ErrorBody}}

    @public.get("/health", response_model=Health)
    async def health() -> Health:
        return Health()

    @secured.post(
        "/test/clock", response_model=ClockState, tags=["test"],
        responses={**errors, 404: {"model": ErrorBody}},
    )
    async def advance_clock(body: ClockAdvance) -> ClockState:
        """Test mode only: move the application clock forward and run every due deadline."""
        if not services.settings.test_mode:
            raise ApiError(404, "the test clock is only available with PARLEY_TEST_MODE=1")
        if not math.isfinite(body.advance_seconds):
            raise ApiError(400, "advance_seconds must be a finite number")
        fired = await run_in_threadpool(services.advance_clock, body.advance_seconds)
        return ClockState(now=services.clock.now().isoformat(), fired=fired)

    app.include_router(public)
    app.include_router(secured)
