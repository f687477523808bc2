"""Kannel (smsbox's ``/cgi-bin/sendsms``) as Parley's SMS gateway.

One request per SMS part: Parley splits and chooses the encoding itself (domain/sms.py),
Kannel only recodes the UTF-8 text into GSM-7 (``coding=0``) or UCS-2 (``coding=2``). The
``dlr-url`` brings the carrier's delivery reports back to ``/api/v1/kannel/dlr`` with the
part's job id (answers as Kannel's user guide, "SMS Push reply codes", lists them).
"""

from __future__ import annotations

from datetime import datetime
from urllib.parse import quote, urlencode

import httpx

from domain.gateway import (
    GatewayRejected,
    GatewayUnavailable,
    GatewayUncertain,
    OutboundPart,
)
from domain.settings import KannelSettings

CODING = {"GSM-7": 0, "UCS-2": 2}  # Kannel's sendsms ``coding``
DLR_ALL = 31  # delivered | failed | buffered | submitted to SMSC | rejected by SMSC
DLR_PATH = "/api/v1/kannel/dlr"
# Kannel answers a sendsms at once (it queues): a slow answer is a sick smsbox.
TIMEOUT = httpx.Timeout(10.0, connect=5.0)


def dlr_url(public_url: str, token: str, job_id: str) -> str:
    """The delivery-report URL for one part, with Kannel's ``%d`` (status) and ``%A``
    (the SMSC's answer) left for Kannel to fill.

    Kannel reads every ``%`` in it as an escape (``%C`` is the charset, ``%A`` the
    answer...), so the percent signs of our own URL-encoding are written ``%%``.
    """
    query = urlencode({"token": token, "job": job_id}, quote_via=quote).replace("%", "%%")
    return f"{public_url}{DLR_PATH}?{query}&status=%d&answer=%A"


class KannelGateway:
    name = "kannel"

    def __init__(self, settings: KannelSettings, public_url: str, token: str,
                 client: httpx.Client | None = None) -> None:
        self._settings = settings
        self._public_url = public_url.rstrip("/")
        self._token = token
        self._client = client or httpx.Client(timeout=TIMEOUT)

    def params(self, part: OutboundPart) -> dict[str, str | int]:
        """The sendsms query for one part."""
        if part.encoding not in CODING:
            raise GatewayRejected(f"Kannel cannot send {part.encoding!r} text")
        return {
            "username": self._settings.username,
            "password": self._settings.password,
            "from": part.sender,
            "to": part.to,
            "text": part.text,
            "coding": CODING[part.encoding],
            "charset": "UTF-8",  # what ``text`` is in; Kannel recodes it for the SMSC
            "dlr-mask": DLR_ALL,
            "dlr-url": dlr_url(self._public_url, self._token, part.job_id),
        }

    def submit(self, part: OutboundPart, at: datetime) -> str:
        """Hand one part to smsbox; the job id is the carrier reference (the DLR URL
        carries it back). Called from the outbox worker, off the event loop."""
        try:
            response = self._client.get(self._settings.sendsms_url, params=self.params(part))
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
            raise GatewayUnavailable(f"Kannel is not reachable: {_why(exc)}") from exc
        except httpx.TransportError as exc:  # sent, but no (whole) answer: may be queued
            raise GatewayUncertain(f"Kannel did not answer: {_why(exc)}") from exc
        answer = response.text.strip()
        if response.status_code == 202 or (response.status_code == 200 and _accepted(answer)):
            return part.job_id
        if response.status_code >= 500:
            raise GatewayUnavailable(f"Kannel: {answer or response.reason_phrase}")
        raise GatewayRejected(f"Kannel refused the message: {answer or response.reason_phrase}"
                              f" (HTTP {response.status_code})")

    def healthy(self) -> str | None:
        """smsbox answers any request on its sendsms port (404 'Unknown request' for the
        root): reachability without sending anything."""
        url = httpx.URL(self._settings.sendsms_url).copy_with(path="/", query=None)
        try:
            self._client.get(url, timeout=3.0)
        except httpx.HTTPError as exc:
            return f"Kannel smsbox is not reachable: {_why(exc)}"
        return None

    def close(self) -> None:
        self._client.close()


def _accepted(answer: str) -> bool:
    return answer.startswith(("0: Accepted", "3: Queued"))


def _why(exc: Exception) -> str:
    return str(exc) or type(exc).__name__
