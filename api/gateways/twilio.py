"""Twilio: outbound through the official ``twilio`` REST client, MMS media fetched with the
account's credentials.

Only translation lives here (domain/gateway.py): Twilio's answers and errors become the
port's ``GatewayRejected`` / ``GatewayUnavailable`` / ``GatewayUncertain``; the outbox
decides what to do with them.
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import datetime
from urllib.parse import urlsplit

import httpx
import requests
from twilio.base.exceptions import TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client
from urllib3.exceptions import NewConnectionError

from domain.gateway import GatewayRejected, GatewayUnavailable, GatewayUncertain, OutboundPart
from domain.inbound import MAX_MEDIA_BYTES
from domain.linked_media import MediaFetchError
from domain.settings import TwilioSettings

log = logging.getLogger(__name__)
STATUS_PATH = "/webhooks/twilio/status"
SEND_TIMEOUT = 15.0  # seconds for one Messages.json create
HEALTH_TIMEOUT = 3.0
HEALTH_CACHE = 30.0  # seconds a health answer is reused: /health must stay cheap
MEDIA_TIMEOUT = httpx.Timeout(10.0, connect=5.0)


def twilio_client(settings: TwilioSettings, timeout: float = SEND_TIMEOUT) -> Client:
    """The official client, pointed at ``api_base``: the Api domain's ``base_url`` is
    where every v2010 resource URL (Messages.json, ...) starts."""
    client = Client(settings.account_sid, settings.auth_token,
                    http_client=TwilioHttpClient(timeout=timeout))
    client.api.base_url = settings.api_base
    return client


class TwilioGateway:
    name = "twilio"

    def __init__(self, settings: TwilioSettings, public_url: str,
                 timeout: float = SEND_TIMEOUT) -> None:
        self._settings = settings
        self._client = twilio_client(settings, timeout)
        self._status_callback = f"{public_url}{STATUS_PATH}"
        self._health: tuple[float, str | None] | None = None
        self._health_lock = threading.Lock()

    def submit(self, part: OutboundPart, at: datetime) -> str:
        """Create one Message; its SID is the carrier reference status callbacks name."""
        sender = ({"messaging_service_sid": self._settings.messaging_service_sid}
                  if self._settings.messaging_service_sid else {"from_": part.sender})
        try:
            message = self._client.messages.create(
                to=part.to, body=part.text, status_callback=self._status_callback, **sender)
        except TwilioRestException as exc:
            raise _rest_error(exc) from None
        except requests.exceptions.ConnectTimeout as exc:
            raise GatewayUnavailable(f"Twilio did not answer the connection: {exc}") from None
        except requests.exceptions.ReadTimeout:
            raise GatewayUncertain(
                "Twilio did not answer in time; the message may have been sent.") from None
        except requests.exceptions.ConnectionError as exc:
            if _not_connected(exc):
                raise GatewayUnavailable(f"Twilio cannot be reached: {_short(exc)}") from None
            raise GatewayUncertain(
                f"The connection to Twilio broke mid-answer ({_short(exc)}); the message "
                "may have been sent.") from None
        except (requests.exceptions.RequestException, ValueError) as exc:
            # sent, but the answer was not one Twilio's client understands
            raise GatewayUncertain(f"Twilio's answer could not be read: {exc}") from None
        if not message.sid:
            raise GatewayUncertain("Twilio answered without a message SID.")
        return str(message.sid)

    def healthy(self) -> str | None:
        """Reads the account (a cheap GET), at most every 30 s."""
        with self._health_lock:
            if self._health and time.monotonic() - self._health[0] < HEALTH_CACHE:
                return self._health[1]
        probe = twilio_client(self._settings, timeout=HEALTH_TIMEOUT)
        try:
            probe.api.v2010.accounts(self._settings.account_sid).fetch()
            answer = None
        except TwilioRestException as exc:
            answer = f"Twilio answered {exc.status}: {exc.msg}"
        except (requests.exceptions.RequestException, ValueError) as exc:
            answer = f"Twilio cannot be reached: {_short(exc)}"
        with self._health_lock:
            self._health = (time.monotonic(), answer)
        return answer


def _rest_error(exc: TwilioRestException) -> GatewayRejected | GatewayUnavailable:
    code = f" (Twilio error {exc.code})" if exc.code else ""
    # the client prefixes Twilio's own message with "Unable to create record: "
    message = str(exc.msg or "").removeprefix("Unable to create record: ")
    reason = f"{message or 'Twilio refused the message'}{code}"
    if exc.status == 429 or exc.status >= 500:
        return GatewayUnavailable(f"Twilio is busy or failing ({exc.status}): {reason}")
    return GatewayRejected(reason)


def _not_connected(exc: requests.exceptions.ConnectionError) -> bool:
    """Refused or unresolvable: the request never left Parley."""
    cause = exc.args[0] if exc.args else None
    return isinstance(getattr(cause, "reason", cause), NewConnectionError)


def _short(exc: BaseException) -> str:
    return str(exc)[:200]


class TwilioMediaFetcher:
    """MMS media from ``MediaUrlN``: HTTP basic auth with the account's SID and token (sent
    only to the API's own host; httpx drops it on a redirect elsewhere, e.g. to storage),
    redirects followed, at most 5 MB read, a timeout. Runs in the caller's thread."""

    source = "Twilio"

    def __init__(self, settings: TwilioSettings) -> None:
        self._auth = (settings.account_sid, settings.auth_token)
        self._api_host = urlsplit(settings.api_base).netloc

    def fetch(self, url: str) -> tuple[str, bytes]:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise MediaFetchError(f"the image address {url[:100]!r} is not a web address",
                                  permanent=True)
        auth = self._auth if parts.netloc == self._api_host else None
        try:
            with httpx.Client(auth=auth, follow_redirects=True, timeout=MEDIA_TIMEOUT) as http, \
                    http.stream("GET", url) as reply:
                if reply.status_code in (404, 410):
                    raise MediaFetchError("Twilio no longer has it", permanent=True)
                if reply.status_code >= 400:
                    raise MediaFetchError(f"Twilio answered {reply.status_code}")
                declared = reply.headers.get("content-length", "")
                if declared.isdigit() and int(declared) > MAX_MEDIA_BYTES:
                    raise MediaFetchError("it is larger than 5 MB", permanent=True)
                data = bytearray()
                for chunk in reply.iter_bytes():
                    data.extend(chunk)
                    if len(data) > MAX_MEDIA_BYTES:
                        raise MediaFetchError("it is larger than 5 MB", permanent=True)
                return reply.headers.get("content-type", ""), bytes(data)
        except httpx.TimeoutException:
            raise MediaFetchError("Twilio did not answer in time") from None
        except httpx.HTTPError as exc:
            raise MediaFetchError(f"Twilio cannot be reached: {_short(exc)}") from None
