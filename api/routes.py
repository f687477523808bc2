"""``/api/v1``: health, the bearer-token check, and the test-mode clock (CONTRACTS.md)."""

from __future__ import annotations

import hmac
import json
import logging
import math
from collections.abc import Callable, Sequence

import anyio
import anyio.to_thread
from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Receive, Scope, Send

from domain.gateway import DeliveredPart
from domain.inbound import InboundError, InboundResult, parse_inbound
from domain.phone_numbers import is_sms_address
from domain.system import Services

logger = logging.getLogger(__name__)

API_PREFIX = "/api/v1/"
HEALTH_TIMEOUT_S = 3.0
# 10 images of 5 MB as base64, plus text and JSON: anything larger is refused unread.
MAX_BODY_BYTES = 72 * 1024 * 1024


class ApiError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


async def read_body(request: Request, limit: int) -> bytes:
    """The whole body, refused with a 413 as soon as it is known to pass ``limit``."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise ApiError(413, "the request body is too large")
    body = bytearray()
    async for chunk in request.stream():
        body.extend(chunk)
        if len(body) > limit:
            raise ApiError(413, "the request body is too large")
    return bytes(body)


class ErrorBody(BaseModel):
    error: str


class Health(BaseModel):
    """``status`` is ``ok`` or ``down``; each part is ``ok`` or why it is down."""

    status: str = "ok"
    database: str = "ok"
    gateway: str = "ok"


class HealthDown(Health):
    status: str = "down"
    error: str


class InboundMediaBody(BaseModel):
    content_type: str
    filename: str = "image"
    data_base64: str


class InboundBody(BaseModel):
    """Documentation of the inbound body; the handler validates it itself (off the loop)."""

    message_id: str
    from_: str = Field(alias="from")
    to: str
    text: str = ""
    media: list[InboundMediaBody] = []


class InboundReply(BaseModel):
    interaction_id: str
    message_id: str
    duplicate: bool


class OutboxPart(BaseModel):
    to: str
    from_: str = Field(alias="from")
    text: str
    part: int
    parts: int
    encoding: str
    sent_at: str


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


GatewayRoutes = Callable[[anyio.CapacityLimiter], APIRouter]


def register(app: FastAPI, services: Services,
             database_errors: tuple[type[Exception], ...] = (),
             gateways: Sequence[GatewayRoutes] = ()) -> None:
    """``database_errors``: what storage raises when the database is lost (a 503).
    ``gateways`` build a carrier's webhook routes (api/kannel.py), given the worker
    threads gateway traffic shares."""
    token = services.settings.api_token.encode()

    def require_token(request: Request) -> None:
        header = request.headers.get("authorization", "")
        scheme, _, given = header.partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), token):
            raise ApiError(401, "missing or wrong bearer token")

    async def api_error(_request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, ApiError)
        headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
        return JSONResponse({"error": exc.message}, status_code=exc.status, headers=headers)

    async def database_down(_request: Request, exc: Exception) -> JSONResponse:
        # A lost database is the server's trouble, said plainly; the client may retry.
        logger.error("database error on the API: %s", exc)
        return JSONResponse({"error": "the database is unavailable; try again later"},
                            status_code=503, headers={"Retry-After": "5"})

    async def unexpected(_request: Request, _exc: Exception) -> JSONResponse:
        # Starlette still logs the traceback; the client gets JSON, never a bare 500 page.
        return JSONResponse({"error": "internal error: the server could not answer"},
                            status_code=500)

    async def invalid(_request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        return JSONResponse({"error": _validation_message(exc)}, status_code=400)

    # Gateway traffic gets its own few worker threads: a burst of inbound messages must
    # not take every thread the agents' pages need.
    inbound_threads = anyio.CapacityLimiter(4)

    public = APIRouter(prefix="/api/v1", tags=["health"])
    secured = APIRouter(prefix="/api/v1", dependencies=[Depends(require_token)])
    errors = {401: {"model": ErrorBody}, 400: {"model": ErrorBody}}

    # Health gets threads of its own too: a monitor must get its answer while agents and
    # a gateway burst keep the shared pool busy.
    health_threads = anyio.CapacityLimiter(2)

    @public.get("/health", response_model=Health, responses={503: {
        "model": HealthDown, "description": "a part is down: the body names it",
        "content": {"application/json": {"example": {
            "status": "down", "database": "ok", "gateway": "the carrier does not answer",
            "error": "gateway: the carrier does not answer"}}}}})
    async def health() -> JSONResponse:
        """Whether Parley can work: its database and its SMS gateway each answer."""
        report = None
        with anyio.move_on_after(HEALTH_TIMEOUT_S):
            report = await anyio.to_thread.run_sync(
                services.health.run, limiter=health_threads, abandon_on_cancel=True)
        if report is None:
            late = f"no answer within {HEALTH_TIMEOUT_S:g} s"
            body = {"status": "down", "error": f"health check: {late}",
                    **dict.fromkeys(services.health.parts, late)}
            return JSONResponse(body, status_code=503)
        body = {"status": "ok" if report.ok else "down",
                **{part: report.problems.get(part, "ok") for part in report.parts}}
        if not report.ok:
            body["error"] = report.summary()
        return JSONResponse(body, status_code=200 if report.ok else 503)

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

    @secured.post(
        "/inbound", response_model=InboundReply, status_code=202, tags=["gateway"],
        openapi_extra={"requestBody": {"required": True, "content": {"application/json": {
            "schema": InboundBody.model_json_schema(by_alias=True)}}}},
        responses={**errors, 200: {"model": InboundReply, "description": "duplicate"},
                   413: {"model": ErrorBody}},
    )
    async def inbound(request: Request) -> JSONResponse:
        """A message from a contact's device (SMS, or MMS when it has media).

        Stored (with its images) before the answer; the same ``message_id`` again answers
        200 with ``"duplicate": true`` and stores nothing new.
        """
        body = await read_body(request, MAX_BODY_BYTES)
        try:
            # JSON, base64 and the database all run in a worker thread, never on the loop.
            result: InboundResult = await anyio.to_thread.run_sync(
                _receive, services, bytes(body), limiter=inbound_threads)
        except InboundError as exc:
            raise ApiError(exc.status, exc.message) from None
        reply = {"interaction_id": result.interaction_id, "message_id": result.message_id,
                 "duplicate": result.duplicate}
        return JSONResponse(reply, status_code=200 if result.duplicate else 202)

    @secured.get("/simulator/outbox", tags=["gateway"], response_model=None,
                 responses={**errors, 200: {"model": list[OutboxPart]}})
    async def outbox(to: str | None = None) -> JSONResponse:
        """What the simulated SMS gateway delivered, one entry per SMS part, oldest first."""
        if to is not None and not is_sms_address(to):
            raise ApiError(400, "'to' must be E.164 ('+' then 8 to 15 digits) or a short code")
        parts = await run_in_threadpool(services.outbox.delivered, to)
        return JSONResponse([_outbox_entry(p) for p in parts])

    @secured.api_route("/{path:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
                       include_in_schema=False)
    async def unknown(path: str) -> None:
        raise ApiError(404, f"no such API route: /api/v1/{path}")

    # The routes live on the main app (so /docs lists them) and on a lean app that
    # serves them: the web pages' middlewares (sessions, gzip, request tracking) cost
    # more than the API's own work and do nothing for it.
    carrier_routes = [build(inbound_threads) for build in gateways]
    lean = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)
    for target in (app, lean):
        target.add_exception_handler(ApiError, api_error)
        target.add_exception_handler(RequestValidationError, invalid)
        for error in database_errors:
            target.add_exception_handler(error, database_down)
        target.add_exception_handler(Exception, unexpected)
        target.include_router(public)
        for webhooks in carrier_routes:  # before ``secured``: its catch-all would take them
            target.include_router(webhooks)
        target.include_router(secured)
    _serve_api_without_page_middlewares(app, lean)


def _serve_api_without_page_middlewares(app: FastAPI, lean: FastAPI) -> None:
    build_stack = app.build_middleware_stack

    def build() -> ASGIApp:
        pages = build_stack()

        async def dispatch(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] == "http" and scope["path"].startswith(API_PREFIX):
                await lean(scope, receive, send)
            else:
                await pages(scope, receive, send)

        return dispatch

    app.build_middleware_stack = build  # type: ignore[method-assign]


def _receive(services: Services, body: bytes) -> InboundResult:
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise InboundError(400, "the body is not valid JSON") from None
    return services.inbound.receive(parse_inbound(payload))


def _outbox_entry(part: DeliveredPart) -> dict[str, object]:
    return {"to": part.to, "from": part.sender, "text": part.text, "part": part.part,
            "parts": part.parts, "encoding": part.encoding,
            "sent_at": part.sent_at.isoformat()}
