"""Twilio's webhooks: inbound SMS/MMS and message status callbacks (README "Twilio").

Every request must carry Twilio's ``X-Twilio-Signature``, checked by the ``twilio``
library's ``RequestValidator`` against ``PARLEY_PUBLIC_URL`` + path (+ query): behind a
proxy, the public URL is what Twilio signed. A bad or missing signature is a 403 and
nothing is stored. Inbound goes through the same ``InboundService`` as ``/api/v1/inbound``
(same validation, idempotent on ``MessageSid``); MMS images are only linked by Twilio and
are fetched after the message is stored (domain/linked_media.py), so Twilio gets its
answer at once.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl

import anyio
import anyio.to_thread
from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool
from twilio.request_validator import RequestValidator

from api.routes import ApiError, read_body
from domain.gateway import DeliveryReports, DeliveryStatus
from domain.inbound import MAX_MEDIA, InboundError, InboundResult, LinkedMedia, parse_inbound
from domain.system import Services

PREFIX = "/webhooks/twilio"
MAX_FORM_BYTES = 64 * 1024  # Twilio's forms are a few hundred bytes; 1,600 characters of text
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>'

# Twilio's MessageStatus values and what they mean for a part Parley handed over.
STATUSES = {
    "accepted": DeliveryStatus.SENT, "scheduled": DeliveryStatus.SENT,
    "queued": DeliveryStatus.SENT, "sending": DeliveryStatus.SENT,
    "sent": DeliveryStatus.SENT, "delivered": DeliveryStatus.DELIVERED,
    "read": DeliveryStatus.DELIVERED, "undelivered": DeliveryStatus.FAILED,
    "failed": DeliveryStatus.FAILED, "canceled": DeliveryStatus.FAILED,
}
# The delivery errors an agent meets most (https://www.twilio.com/docs/api/errors).
ERRORS = {
    "21610": "the number replied STOP to this sender",
    "21614": "not a mobile number",
    "30003": "the handset is unreachable",
    "30004": "the message was blocked",
    "30005": "unknown or inactive number",
    "30006": "a landline, or the carrier cannot be reached",
    "30007": "filtered by the carrier as spam",
    "30008": "unknown error at the carrier",
    "30034": "the sender's number is not registered for US A2P 10DLC",
}


def failure_reason(status: str, error_code: str) -> str:
    """What an agent reads for an undelivered or failed message."""
    what = "Twilio could not deliver the message" if status == "undelivered" else (
        "Twilio canceled the message" if status == "canceled" else "Twilio failed to send it")
    if not error_code:
        return f"{what} ({status})."
    known = ERRORS.get(error_code)
    return f"{what}: {known} (error {error_code})." if known else (
        f"{what} (error {error_code}).")


def _form(body: bytes) -> dict[str, str]:
    try:
        return dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True,
                              strict_parsing=bool(body)))
    except (UnicodeDecodeError, ValueError):
        raise ApiError(400, "the body must be form-encoded UTF-8 "
                           "(application/x-www-form-urlencoded)") from None


def linked_media(params: dict[str, str]) -> tuple[LinkedMedia, ...]:
    count = params.get("NumMedia", "0").strip() or "0"
    if not count.isdigit():
        raise ApiError(400, f"NumMedia must be a number, got {count[:20]!r}")
    if int(count) > MAX_MEDIA:
        raise ApiError(413, f"at most {MAX_MEDIA} images per message")
    links = []
    for index in range(int(count)):
        url = params.get(f"MediaUrl{index}", "").strip()
        if not url:
            raise ApiError(400, f"MediaUrl{index} is missing (NumMedia is {count})")
        links.append(LinkedMedia(url, params.get(f"MediaContentType{index}", "").strip()))
    return tuple(links)


def receive_sms(services: Services, params: dict[str, str]) -> InboundResult:
    """Twilio's form through the same validation and storage as /api/v1/inbound."""
    payload = {"message_id": params.get("MessageSid"), "from": params.get("From"),
               "to": params.get("To"), "text": params.get("Body", "")}
    return services.inbound.receive(parse_inbound(payload, linked_media(params)))


SMS_EXAMPLE = {"MessageSid": "SM0123456789abcdef0123456789abcdef",
               "AccountSid": "AC0123456789abcdef0123456789abcdef", "From": "+14155550123",
               "To": "+12125550100", "Body": "Hello, my order has not arrived",
               "NumMedia": "1",
               "MediaUrl0": "https://api.twilio.com/2010-04-01/Accounts/AC.../Messages/"
                            "MM.../Media/ME...",
               "MediaContentType0": "image/jpeg"}
STATUS_EXAMPLE = {"MessageSid": "SM0123456789abcdef0123456789abcdef",
                  "MessageStatus": "undelivered", "ErrorCode": "30003",
                  "AccountSid": "AC0123456789abcdef0123456789abcdef"}
SIGNED = {"parameters": [{"name": "X-Twilio-Signature", "in": "header", "required": True,
                          "schema": {"type": "string"},
                          "description": "Twilio's signature of PARLEY_PUBLIC_URL + path and "
                                         "the form"}]}


def _form_body(example: dict[str, str], required: list[str]) -> dict[str, Any]:
    return {"requestBody": {"required": True, "content": {
        "application/x-www-form-urlencoded": {
            "schema": {"type": "object", "required": required,
                       "properties": {k: {"type": "string"} for k in example}},
            "example": example}}}, **SIGNED}


ERROR = {"application/json": {"schema": {"type": "object",
                                         "properties": {"error": {"type": "string"}}},
                              "example": {"error": "the X-Twilio-Signature header is missing"}}}


def register(app: FastAPI, services: Services, reports: DeliveryReports | None) -> None:
    """Mount the webhooks; they answer 404 unless PARLEY_GATEWAY=twilio."""
    account = services.settings.twilio
    validator = RequestValidator(account.auth_token) if account else None
    public_url = services.settings.public_url
    # Twilio's traffic gets its own few worker threads (as /api/v1/inbound does).
    threads = anyio.CapacityLimiter(4)
    router = APIRouter(prefix=PREFIX, tags=["twilio"])

    async def signed_form(request: Request) -> dict[str, str]:
        if validator is None:
            raise ApiError(404, "the Twilio webhooks are off: set PARLEY_GATEWAY=twilio")
        params = _form(await read_body(request, MAX_FORM_BYTES))
        signature = request.headers.get("x-twilio-signature", "")
        if not signature:
            raise ApiError(403, "the X-Twilio-Signature header is missing")
        query = f"?{request.url.query}" if request.url.query else ""
        url = f"{public_url}{request.url.path}{query}"  # what Twilio was told to call
        if not validator.validate(url, params, signature):
            raise ApiError(403, "the X-Twilio-Signature does not match this request: is "
                               f"{url} the URL configured in Twilio (PARLEY_PUBLIC_URL)?")
        return params

    def refused(exc: ApiError | InboundError) -> JSONResponse:
        return JSONResponse({"error": exc.message}, status_code=exc.status)

    @router.post(
        "/sms", response_class=Response, openapi_extra=_form_body(
            SMS_EXAMPLE, ["MessageSid", "From", "To"]),
        responses={200: {"description": "Stored (or a repeat of a stored MessageSid): an "
                                        "empty TwiML answer, nothing is sent back",
                         "content": {"text/xml": {"example": EMPTY_TWIML}}},
                   400: {"content": ERROR}, 403: {"content": ERROR},
                   404: {"content": ERROR}, 413: {"content": ERROR}},
    )
    async def sms(request: Request) -> Response:
        """An inbound SMS or MMS from Twilio (the number's "A message comes in" webhook).

        Stored before the answer; the images of an MMS are fetched right after it from
        ``MediaUrlN`` with the account's credentials, and the interaction is offered once
        they are in (or a line says they could not be fetched and are retried).
        """
        try:
            params = await signed_form(request)
            await anyio.to_thread.run_sync(receive_sms, services, params, limiter=threads)
        except (ApiError, InboundError) as exc:
            return refused(exc)
        return Response(EMPTY_TWIML, media_type="text/xml")

    @router.post(
        "/status", openapi_extra=_form_body(STATUS_EXAMPLE, ["MessageSid", "MessageStatus"]),
        responses={200: {"description": "Recorded (``recorded`` is false for a MessageSid "
                                        "Parley did not send)",
                         "content": {"application/json": {"example": {"recorded": True}}}},
                   400: {"content": ERROR}, 403: {"content": ERROR},
                   404: {"content": ERROR}, 503: {"content": ERROR}},
    )
    async def status(request: Request) -> JSONResponse:
        """A message status callback (the ``StatusCallback`` Parley gives every message):
        queued/sending/sent → sent, delivered → delivered, undelivered/failed → failed
        with a reason naming Twilio's ``ErrorCode``."""
        try:
            params = await signed_form(request)
            sid = params.get("MessageSid", "").strip()
            value = params.get("MessageStatus", "").strip().lower()
            if not sid:
                raise ApiError(400, "MessageSid is required")
            if value not in STATUSES:
                raise ApiError(400, f"MessageStatus must be one of {', '.join(STATUSES)}, "
                                   f"got {value[:30]!r}")
            if reports is None:
                raise ApiError(503, "delivery reports are not recorded by this Parley")
        except ApiError as exc:
            return refused(exc)
        outcome = STATUSES[value]
        reason = (failure_reason(value, params.get("ErrorCode", "").strip())
                  if outcome is DeliveryStatus.FAILED else None)
        recorded = await run_in_threadpool(
            lambda: reports.report(status=outcome, carrier_ref=sid, reason=reason))
        return JSONResponse({"recorded": bool(recorded)})

    app.include_router(router)
