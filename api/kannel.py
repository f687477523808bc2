"""Kannel's webhooks: mobile-originated texts (an ``sms-service`` ``get-url``/``post-url``)
and delivery reports (the ``dlr-url`` that ``api/gateways/kannel.py`` asks for).

Kannel cannot send an ``Authorization`` header, so the API token rides in the query. The
text arrives URL-encoded as raw bytes in the message's charset (``%b``, or ``%a`` with its
spaces squeezed): UTF-8 for GSM-7, UTF-16BE for UCS-2 unless smsbox's ``mo-recode`` turned
it into UTF-8. Kannel sends any answer body back to the phone as a reply SMS unless the
sms-service says ``max-messages = 0`` (README "Kannel").
"""

from __future__ import annotations

import codecs
import hmac
from urllib.parse import parse_qsl

import anyio
import anyio.to_thread
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from api.routes import ApiError, ErrorBody, InboundReply, read_body
from domain.gateway import DeliveryReports, DeliveryStatus
from domain.inbound import MAX_TEXT, InboundError, InboundResult, parse_inbound
from domain.system import Services

# 10,000 characters of UTF-16 text, URL-encoded, plus the other fields.
MAX_REQUEST_BYTES = 64 * 1024
# What Kannel's %C says, mapped to a Python codec. "GSM": Kannel has already turned the
# GSM 03.38 septets into its internal UTF-8 before it calls the URL.
CHARSETS = {"gsm": "utf-8", "utf-16be": "utf-16-be", "ucs-2": "utf-16-be"}
CODING_CHARSET = {"0": "utf-8", "2": "utf-16-be"}  # %c when no %C came with it
# Kannel's DLR values (user guide, "dlr-mask"): 1 delivered to the phone, 2 not delivered
# to the phone, 4 queued on the SMSC, 8 delivered to the SMSC, 16 not delivered to the SMSC.
DLR_STATUS = {1: DeliveryStatus.DELIVERED, 2: DeliveryStatus.FAILED, 4: DeliveryStatus.SENT,
              8: DeliveryStatus.SENT, 16: DeliveryStatus.FAILED}
DLR_REASON = {2: "not delivered to the phone", 16: "rejected by the SMSC"}

INBOUND_QUERY = "token=T&from=%p&to=%P&text=%b&id=%I&smsc=%i&coding=%c&charset=%C"
DLR_QUERY = "token=T&job=J&status=%d&answer=%A"


def router(services: Services, reports: DeliveryReports | None,
           limiter: anyio.CapacityLimiter) -> APIRouter:
    """``/api/v1/kannel/*``; ``reports`` is where delivery reports go (None: the outbox
    is not there to take them, and the DLR webhook answers 503)."""
    token = services.settings.api_token.encode()
    api = APIRouter(prefix="/api/v1/kannel", tags=["kannel"])
    errors = {400: {"model": ErrorBody}, 401: {"model": ErrorBody}, 413: {"model": ErrorBody}}

    def check_token(fields: dict[str, bytes]) -> None:
        if not hmac.compare_digest(fields.get("token", b""), token):
            raise ApiError(401, "missing or wrong token= in the Kannel URL")

    inbound_docs = dict(
        status_code=202, response_model=InboundReply,
        responses={**errors, 200: {"model": InboundReply, "description": "duplicate id"}},
        openapi_extra={"parameters": _query_docs(INBOUND_QUERY, {
            "token": "PARLEY_API_TOKEN", "from": "+14155550123", "to": "+12125550100",
            "text": "Hello+there", "id": "c28d131e-7497-4295-8955-7af203d57458",
            "smsc": "carrier", "coding": "0", "charset": "UTF-8"})},
    )

    async def inbound(request: Request) -> JSONResponse:
        """A text from a phone, as Kannel's ``sms-service`` passes it on:
        ``get-url = "http://parley:8080/api/v1/kannel/inbound?token=T&from=%p&to=%P&text=%b&id=%I&smsc=%i&coding=%c&charset=%C"``.

        ``text`` may also be ``%a``; with ``post-url`` the body is the text (its
        ``Content-Type`` names the charset). Stored before the answer, idempotent on
        ``id`` (Kannel's message id): 202 stored, 200 a duplicate, 400 with a reason.
        """
        fields = _fields(request.scope.get("query_string", b""))
        check_token(fields)
        body = await read_body(request, MAX_REQUEST_BYTES) if request.method == "POST" else b""
        result: InboundResult = await anyio.to_thread.run_sync(
            _receive, services, fields, body, request.headers.get("content-type", ""),
            limiter=limiter)
        reply = {"interaction_id": result.interaction_id, "message_id": result.message_id,
                 "duplicate": result.duplicate}
        return JSONResponse(reply, status_code=200 if result.duplicate else 202)

    # One handler, two operations (an api_route with both methods shares one operation id).
    api.get("/inbound", operation_id="kannel_inbound_get", **inbound_docs)(inbound)
    api.post("/inbound", operation_id="kannel_inbound_post", **inbound_docs)(inbound)

    @api.get(
        "/dlr", responses={**errors, 404: {"model": ErrorBody}, 503: {"model": ErrorBody}},
        openapi_extra={"parameters": _query_docs(DLR_QUERY, {
            "token": "PARLEY_API_TOKEN", "job": "job-id", "status": "1",
            "answer": "id:1 sub:001 dlvrd:001 stat:DELIVRD err:000"})},
    )
    async def dlr(request: Request) -> JSONResponse:
        """A delivery report for one SMS part (the ``dlr-url`` Parley gives each sendsms):
        ``status`` 1 delivered, 2 failed (``answer`` says why), 4 buffered and 8 submitted
        to the SMSC (both: sent), 16 rejected by the SMSC (failed). 404 for an unknown job.
        """
        fields = _fields(request.scope.get("query_string", b""))
        check_token(fields)
        job, status, reason = _parse_dlr(fields)
        if reports is None:
            raise ApiError(503, "delivery reports cannot be recorded: the outbox is not running")
        known = await anyio.to_thread.run_sync(
            lambda: reports.report(status=status, job_id=job, reason=reason), limiter=limiter)
        if not known:
            raise ApiError(404, f"no delivery job {job!r}")
        return JSONResponse({"job": job, "status": status.value})

    return api


def _fields(query: bytes) -> dict[str, bytes]:
    """The query as raw bytes: the text may be UTF-16BE, which a UTF-8 reading destroys."""
    if len(query) > MAX_REQUEST_BYTES:
        raise ApiError(413, "the request is too large")
    pairs = parse_qsl(query.decode("latin-1"), keep_blank_values=True, encoding="latin-1")
    return {key: value.encode("latin-1") for key, value in pairs}


def _text(raw: bytes, coding: str, charset: str) -> str:
    """Decode the message text per Kannel's %C (charset) or, without it, %c (coding)."""
    name = charset.strip().strip('"').lower()
    if name in ("binary", "8-bit") or (not name and coding == "1"):
        raise InboundError(400, "8-bit binary messages (coding 1) cannot be shown as text")
    if name:
        codec = CHARSETS.get(name, name)
        try:
            codecs.lookup(codec)
        except LookupError:
            raise InboundError(400, f"unknown charset {charset!r}") from None
    else:
        codec = CODING_CHARSET.get(coding or "0", "")
        if not codec:
            raise InboundError(400, f"coding must be 0, 1 or 2, got {coding!r}")
    try:
        return raw.decode(codec)
    except UnicodeDecodeError:
        raise InboundError(400, f"the text is not valid {charset or codec}") from None


def _receive(services: Services, fields: dict[str, bytes], body: bytes,
             content_type: str) -> InboundResult:
    """The same path as ``/api/v1/inbound``: validate, then the domain's InboundService."""
    def text_field(name: str) -> str:
        try:
            return fields.get(name, b"").decode("utf-8").strip()
        except UnicodeDecodeError:
            raise InboundError(400, f"{name!r} is not valid UTF-8") from None

    coding, charset = text_field("coding"), text_field("charset")
    if "text" in fields:
        raw = fields["text"]
    else:  # post-url: the body is the text, its Content-Type names the charset
        raw = body
        _, _, params = content_type.partition(";")
        for param in params.split(";"):
            key, _, value = param.strip().partition("=")
            if key.lower() == "charset" and not charset:
                charset = value
    if len(raw) > MAX_TEXT * 4:
        raise InboundError(413, f"text is longer than {MAX_TEXT:,} characters")
    try:
        request = parse_inbound({"message_id": text_field("id"), "from": text_field("from"),
                                 "to": text_field("to"), "text": _text(raw, coding, charset)})
        return services.inbound.receive(request)
    except InboundError as exc:
        raise ApiError(exc.status, exc.message) from None


def _parse_dlr(fields: dict[str, bytes]) -> tuple[str, DeliveryStatus, str | None]:
    job = fields.get("job", b"").decode("utf-8", "replace").strip()
    if not job:
        raise ApiError(400, "job= is required (the dlr-url Parley gave Kannel)")
    raw_status = fields.get("status", b"").decode("ascii", "replace").strip()
    if not raw_status.isdigit() or int(raw_status) not in DLR_STATUS:
        raise ApiError(400, f"status must be one of 1, 2, 4, 8, 16 (Kannel's %d), got "
                            f"{raw_status!r}"[:200])
    value = int(raw_status)
    answer = fields.get("answer", b"").decode("utf-8", "replace").strip()
    reason = None
    if DLR_STATUS[value] is DeliveryStatus.FAILED:
        reason = f"{DLR_REASON[value]}: {answer}" if answer else DLR_REASON[value]
    return job, DLR_STATUS[value], reason[:300] if reason else None


def _query_docs(template: str, examples: dict[str, str]) -> list[dict[str, object]]:
    """OpenAPI query parameters for a Kannel URL template (the escapes as descriptions)."""
    out: list[dict[str, object]] = []
    for pair in template.split("&"):
        name, _, escape = pair.partition("=")
        what = "the API token (PARLEY_API_TOKEN)" if name == "token" else (
            "Parley's job id" if name == "job" else f"Kannel escape {escape}")
        out.append({"name": name, "in": "query", "required": name in {
            "token", "from", "to", "id", "job", "status"}, "description": what,
            "schema": {"type": "string"}, "example": examples.get(name, "")})
    return out
