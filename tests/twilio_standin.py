"""A local stand-in for Twilio's cloud, for tests: a real HTTP server on a free port.

It answers what Parley's ``twilio`` client library asks of Twilio's documented REST API
(``POST /2010-04-01/Accounts/{AccountSid}/Messages.json``, ``GET .../Accounts/{Sid}.json``)
with Twilio's documented JSON bodies and errors, records every request, serves MMS media
behind basic auth (redirecting to a file URL, as Twilio does), and posts signed webhooks
to Parley, signed with the ``twilio`` library's own ``RequestValidator``.
"""

from __future__ import annotations

import base64
import itertools
import json
import re
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl

import httpx
from twilio.request_validator import RequestValidator

ACCOUNT_SID = "AC" + "0123456789abcdef" * 2
AUTH_TOKEN = "standin-auth-token-0123456789"
INVALID_TO = "+15005550001"  # Twilio's own magic "invalid number" test value
UNSUBSCRIBED_TO = "+15005550004"  # Twilio's magic "blocked / unsubscribed" test value
_MESSAGES = re.compile(r"^/2010-04-01/Accounts/(?P<sid>AC\w+)/Messages\.json$")
_ACCOUNT = re.compile(r"^/2010-04-01/Accounts/(?P<sid>AC\w+)\.json$")


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # a client that timed out and left (the "uncertain" tests) is expected


@dataclass(frozen=True)
class Recorded:
    method: str
    path: str
    form: dict[str, str]
    authorized: bool


@dataclass
class Media:
    content_type: str
    data: bytes
    failures: int = 0  # answer 503 this many times first (a fetch to retry)


@dataclass
class TwilioStandIn:
    account_sid: str = ACCOUNT_SID
    auth_token: str = AUTH_TOKEN
    requests: list[Recorded] = field(default_factory=list)
    media: dict[str, Media] = field(default_factory=dict)
    answer_status: int | None = None  # force e.g. 500 or 429 on Messages.json
    delay_seconds: float = 0.0  # sleep before answering Messages.json (client timeouts)
    _ids: itertools.count = field(default_factory=lambda: itertools.count(1))

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._server = _Server(("127.0.0.1", 0), _handler(self))
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    # -- life ---------------------------------------------------------------------------

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> TwilioStandIn:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    # -- what tests read and arrange ----------------------------------------------------

    def created(self) -> list[dict[str, str]]:
        """The form of every accepted Messages.json create, oldest first."""
        with self._lock:
            return [r.form for r in self.requests
                    if r.method == "POST" and _MESSAGES.match(r.path) and r.authorized]

    def wait_for_created(self, count: int = 1, timeout: float = 30) -> list[dict[str, str]]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if len(found := self.created()) >= count:
                return found
            time.sleep(0.05)
        raise AssertionError(f"Twilio never got {count} message(s): {self.created()}")

    def add_media(self, name: str, content_type: str, data: bytes, failures: int = 0) -> str:
        """Serve an image at a Twilio-like media URL (basic auth; 302 to the file)."""
        with self._lock:
            self.media[name] = Media(content_type, data, failures)
        return (f"{self.url}/2010-04-01/Accounts/{self.account_sid}/Messages/MM{name}"
                f"/Media/ME{name}")

    def signature(self, url: str, params: dict[str, str]) -> str:
        return str(RequestValidator(self.auth_token).compute_signature(url, params))

    def post_signed(self, url: str, params: dict[str, str],
                    signed_url: str | None = None) -> httpx.Response:
        """POST a webhook as Twilio does: form-encoded, ``X-Twilio-Signature`` over the URL
        Twilio was configured with (``signed_url``, the public one) and the form."""
        return httpx.post(url, data=params, timeout=30, headers={
            "X-Twilio-Signature": self.signature(signed_url or url, params)})

    # -- the REST API -------------------------------------------------------------------

    def _authorized(self, header: str | None) -> bool:
        if not header or not header.startswith("Basic "):
            return False
        try:
            user, _, password = base64.b64decode(header[6:]).decode().partition(":")
        except ValueError:
            return False
        return user == self.account_sid and password == self.auth_token

    def _create(self, sid: str, form: dict[str, str]) -> tuple[int, dict[str, object]]:
        if self.delay_seconds:
            time.sleep(self.delay_seconds)
        if self.answer_status:
            return self.answer_status, _error(20500 if self.answer_status >= 500 else 20429,
                                              "Service unavailable (stand-in)",
                                              self.answer_status)
        to = form.get("To", "")
        if not re.fullmatch(r"\+[1-9]\d{7,14}", to) or to == INVALID_TO:
            return 400, _error(21211, f"The 'To' number {to} is not a valid phone number.")
        if to == UNSUBSCRIBED_TO:
            return 400, _error(21610, "Attempt to send to unsubscribed recipient")
        if not form.get("From") and not form.get("MessagingServiceSid"):
            return 400, _error(21603, "A 'From' or 'MessagingServiceSid' parameter is required")
        if "Body" not in form:
            return 400, _error(21602, "Message body is required.")
        message_sid = f"SM{next(self._ids):032x}"
        now = formatdate(usegmt=True).replace("GMT", "+0000")
        body = form["Body"]
        return 201, {
            "account_sid": sid, "api_version": "2010-04-01", "body": body,
            "date_created": now, "date_sent": None, "date_updated": now,
            "direction": "outbound-api", "error_code": None, "error_message": None,
            "from": form.get("From"), "messaging_service_sid": form.get("MessagingServiceSid"),
            "num_media": "0", "num_segments": str(max(1, -(-len(body) // 153))),
            "price": None, "price_unit": "USD", "sid": message_sid, "status": "queued",
            "subresource_uris": {"media": f"/2010-04-01/Accounts/{sid}/Messages/"
                                          f"{message_sid}/Media.json"},
            "to": to, "uri": f"/2010-04-01/Accounts/{sid}/Messages/{message_sid}.json",
        }


def _error(code: int, message: str, status: int = 400) -> dict[str, object]:
    return {"code": code, "message": message,
            "more_info": f"https://www.twilio.com/docs/errors/{code}", "status": status}


def _handler(standin: TwilioStandIn) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:  # quiet in tests
            pass

        def _send(self, status: int, body: bytes, content_type: str,
                  headers: dict[str, str] | None = None) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)

        def _json(self, status: int, payload: object) -> None:
            self._send(status, json.dumps(payload).encode(), "application/json")

        def _record(self, form: dict[str, str]) -> bool:
            authorized = standin._authorized(self.headers.get("Authorization"))
            with standin._lock:
                standin.requests.append(Recorded(self.command, self.path.split("?")[0], form,
                                                 authorized))
            return authorized

        def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
            length = int(self.headers.get("Content-Length") or 0)
            form = dict(parse_qsl(self.rfile.read(length).decode(), keep_blank_values=True))
            authorized = self._record(form)
            found = _MESSAGES.match(self.path)
            if not found:
                return self._json(404, _error(20404, "The requested resource was not found",
                                              404))
            if not authorized or found["sid"] != standin.account_sid:
                return self._json(401, _error(20003, "Authenticate", 401))
            status, payload = standin._create(found["sid"], form)
            self._json(status, payload)

        def do_GET(self) -> None:  # noqa: N802
            authorized = self._record({})
            path = self.path.split("?")[0]
            if path.startswith("/files/"):  # where a media URL redirects: no auth, as S3
                name = path.removeprefix("/files/")
                with standin._lock:
                    media = standin.media.get(name)
                if media is None:
                    return self._json(404, _error(20404, "Not found", 404))
                return self._send(200, media.data, media.content_type)
            if (account := _ACCOUNT.match(path)) is not None:
                if not authorized:
                    return self._json(401, _error(20003, "Authenticate", 401))
                return self._json(200, {"sid": account["sid"], "status": "active",
                                        "friendly_name": "Stand-in", "type": "Full"})
            if "/Media/ME" in path:
                if not authorized:
                    return self._json(401, _error(20003, "Authenticate", 401))
                name = path.rsplit("/Media/ME", 1)[1]
                with standin._lock:
                    media = standin.media.get(name)
                    failing = media is not None and media.failures > 0
                    if failing and media is not None:
                        media.failures -= 1
                if media is None:
                    return self._json(404, _error(20404, "Not found", 404))
                if failing:
                    return self._json(503, _error(20503, "Service unavailable", 503))
                return self._send(302, b"", "text/plain", {"Location": f"/files/{name}"})
            self._json(404, _error(20404, "The requested resource was not found", 404))

    return Handler


def status_params(message_sid: str, status: str, error_code: str | None = None,
                  to: str = "+14155550123") -> dict[str, str]:
    """The form of a Twilio status callback (a subset of what Twilio sends)."""
    params = {"MessageSid": message_sid, "SmsSid": message_sid, "AccountSid": ACCOUNT_SID,
              "MessageStatus": status, "SmsStatus": status, "To": to,
              "From": "+12125550100", "ApiVersion": "2010-04-01"}
    if error_code:
        params["ErrorCode"] = error_code
    return params


def sms_params(message_sid: str, sender: str, to: str, body: str,
               media: Sequence[tuple[str, str]] = ()) -> dict[str, str]:
    """The form of Twilio's inbound-message webhook (``media``: (url, content type))."""
    params = {"MessageSid": message_sid, "SmsSid": message_sid, "SmsMessageSid": message_sid,
              "AccountSid": ACCOUNT_SID, "From": sender, "To": to, "Body": body,
              "NumMedia": str(len(media)), "NumSegments": "1", "ApiVersion": "2010-04-01"}
    for index, (url, content_type) in enumerate(media):
        params[f"MediaUrl{index}"] = url
        params[f"MediaContentType{index}"] = content_type
    return params
