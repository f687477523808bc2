"""KannelGateway's translation of sendsms answers into the port's errors (issue 13).

The real smsbox is exercised in tests/e2e/test_kannel.py; here httpx's MockTransport
plays the answers Kannel's user guide lists, and the failures no live smsbox gives on cue.
"""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from api.gateways.kannel import KannelGateway, dlr_url
from domain.gateway import GatewayRejected, GatewayUnavailable, GatewayUncertain, OutboundPart
from domain.settings import KannelSettings

SETTINGS = KannelSettings("http://kannel:13013/cgi-bin/sendsms", "parley", "pw")
PART = OutboundPart(job_id="job-1", to="+14155550123", sender="+12125550100",
                    text="Grüße 😀", part=1, parts=1, encoding="UCS-2")
AT = datetime(2030, 1, 1, tzinfo=UTC)


def gateway(handler: httpx.MockTransport) -> KannelGateway:
    return KannelGateway(SETTINGS, "https://parley.example", "tok&en%",
                         client=httpx.Client(transport=handler))


def answering(status: int, body: str,
              seen: list[httpx.Request] | None = None) -> httpx.MockTransport:
    def handle(request: httpx.Request) -> httpx.Response:
        if seen is not None:
            seen.append(request)
        return httpx.Response(status, text=body)
    return httpx.MockTransport(handle)


def failing(exc: Exception) -> httpx.MockTransport:
    def handle(request: httpx.Request) -> httpx.Response:
        raise exc
    return httpx.MockTransport(handle)


@pytest.mark.parametrize("answer", ["0: Accepted for delivery", "3: Queued for later delivery"])
def test_an_accepted_part_returns_its_job_id(answer: str) -> None:
    seen: list[httpx.Request] = []
    assert gateway(answering(202, answer, seen)).submit(PART, AT) == "job-1"
    query = parse_qs(urlsplit(str(seen[0].url)).query)
    assert query["text"] == ["Grüße 😀"] and query["coding"] == ["2"]
    assert query["charset"] == ["UTF-8"] and query["dlr-mask"] == ["31"]
    assert query["from"] == ["+12125550100"] and query["to"] == ["+14155550123"]
    assert (query["username"], query["password"]) == (["parley"], ["pw"])
    assert query["dlr-url"] == [dlr_url("https://parley.example", "tok&en%", "job-1")]


def test_gsm_parts_use_coding_0() -> None:
    seen: list[httpx.Request] = []
    gsm = OutboundPart("job-2", "+14155550123", "+12125550100", "Hi {there}", 1, 1, "GSM-7")
    gateway(answering(202, "0: Accepted for delivery", seen)).submit(gsm, AT)
    assert parse_qs(urlsplit(str(seen[0].url)).query)["coding"] == ["0"]


def test_the_dlr_url_survives_kannels_escapes() -> None:
    """Kannel replaces %d and %A and reads every other '%X' as an escape too: our own
    percent-encoding is doubled so that Kannel gives it back as it was."""
    url = dlr_url("https://parley.example", "tok&en%/é", "job 1")
    assert url.endswith("&status=%d&answer=%A")
    filled = url.replace("%%", "\0").replace("%d", "1").replace("%A", "ok").replace("\0", "%")
    query = parse_qs(urlsplit(filled).query)
    assert query == {"token": ["tok&en%/é"], "job": ["job 1"], "status": ["1"],
                     "answer": ["ok"]}
    assert urlsplit(filled).path == "/api/v1/kannel/dlr"


@pytest.mark.parametrize(("status", "body"), [
    (503, "Temporal failure, try again later."), (500, ""), (502, "Bad gateway")])
def test_5xx_is_unavailable(status: int, body: str) -> None:
    with pytest.raises(GatewayUnavailable):
        gateway(answering(status, body)).submit(PART, AT)


@pytest.mark.parametrize(("status", "body"), [
    (403, "Authorization failed for sendsms"),
    (400, "Number(s) has/have been denied by white- and/or black-lists.")])
def test_4xx_is_rejected_with_kannels_words(status: int, body: str) -> None:
    with pytest.raises(GatewayRejected, match=body.replace("(", r"\(").replace(")", r"\)")):
        gateway(answering(status, body)).submit(PART, AT)


def test_connection_refused_is_unavailable() -> None:
    with pytest.raises(GatewayUnavailable, match="not reachable"):
        gateway(failing(httpx.ConnectError("Connection refused"))).submit(PART, AT)


@pytest.mark.parametrize("exc", [httpx.ReadTimeout("timed out"),
                                 httpx.RemoteProtocolError("peer closed connection")])
def test_no_answer_after_sending_is_uncertain(exc: Exception) -> None:
    with pytest.raises(GatewayUncertain):
        gateway(failing(exc)).submit(PART, AT)


def test_an_encoding_kannel_cannot_send_is_rejected() -> None:
    odd = OutboundPart("job-3", "+14155550123", "+12125550100", "x", 1, 1, "8-bit")
    with pytest.raises(GatewayRejected):
        gateway(answering(202, "0: Accepted for delivery")).submit(odd, AT)


def test_healthy_asks_smsbox_without_sending() -> None:
    seen: list[httpx.Request] = []
    assert gateway(answering(404, "Unknown request.", seen)).healthy() is None
    assert seen[0].url.path == "/" and "text" not in str(seen[0].url)
    assert "not reachable" in (gateway(failing(httpx.ConnectError("refused"))).healthy() or "")
