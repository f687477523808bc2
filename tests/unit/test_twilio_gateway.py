"""The Twilio adapter against a local stand-in of Twilio's REST API: the real ``twilio``
client makes every request; answers and failures become the port's errors."""

from __future__ import annotations

import re
import socket
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from api.gateways.twilio import TwilioGateway, TwilioMediaFetcher
from domain.gateway import GatewayRejected, GatewayUnavailable, GatewayUncertain, OutboundPart
from domain.linked_media import MediaFetchError
from domain.settings import TwilioSettings
from tests.twilio_standin import ACCOUNT_SID, AUTH_TOKEN, INVALID_TO, UNSUBSCRIBED_TO, TwilioStandIn

PUBLIC = "https://parley.example.com"
AT = datetime(2030, 1, 1, tzinfo=UTC)


@pytest.fixture
def twilio() -> Iterator[TwilioStandIn]:
    standin = TwilioStandIn().start()
    yield standin
    standin.stop()


def settings(base: str, service: str | None = None, token: str = AUTH_TOKEN) -> TwilioSettings:
    return TwilioSettings(ACCOUNT_SID, token, service, base)


def part(to: str = "+14155550123", text: str = "Hello from Parley") -> OutboundPart:
    return OutboundPart("job-1", to, "+12125550100", text, 1, 1, "GSM-7")


def test_a_part_is_a_messages_create_with_a_status_callback(twilio: TwilioStandIn) -> None:
    sid = TwilioGateway(settings(twilio.url), PUBLIC).submit(part(), AT)
    [created] = twilio.created()
    assert sid.startswith("SM") and len(sid) == 34
    assert created == {"To": "+14155550123", "From": "+12125550100",
                       "Body": "Hello from Parley",
                       "StatusCallback": f"{PUBLIC}/webhooks/twilio/status"}


def test_a_messaging_service_replaces_from(twilio: TwilioStandIn) -> None:
    service = "MG" + "5" * 32
    TwilioGateway(settings(twilio.url, service), PUBLIC).submit(part(), AT)
    [created] = twilio.created()
    assert created["MessagingServiceSid"] == service and "From" not in created


@pytest.mark.parametrize(("to", "words"), [
    (INVALID_TO, "not a valid phone number. (Twilio error 21211)"),
    (UNSUBSCRIBED_TO, "unsubscribed recipient (Twilio error 21610)"),
])
def test_refusals_are_rejected_with_twilios_reason(
    twilio: TwilioStandIn, to: str, words: str
) -> None:
    with pytest.raises(GatewayRejected, match=re.escape(words)):
        TwilioGateway(settings(twilio.url), PUBLIC).submit(part(to), AT)


def test_wrong_credentials_are_rejected(twilio: TwilioStandIn) -> None:
    with pytest.raises(GatewayRejected, match="20003"):
        TwilioGateway(settings(twilio.url, token="wrong"), PUBLIC).submit(part(), AT)


@pytest.mark.parametrize("status", [429, 500, 503])
def test_throttled_or_failing_twilio_is_unavailable(twilio: TwilioStandIn, status: int) -> None:
    twilio.answer_status = status
    with pytest.raises(GatewayUnavailable, match=str(status)):
        TwilioGateway(settings(twilio.url), PUBLIC).submit(part(), AT)


def test_nobody_listening_is_unavailable() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again: connection refused
    gateway = TwilioGateway(settings(f"http://127.0.0.1:{port}"), PUBLIC)
    with pytest.raises(GatewayUnavailable, match="cannot be reached"):
        gateway.submit(part(), AT)
    assert gateway.healthy() is not None and "cannot be reached" in str(gateway.healthy())


def test_no_answer_after_sending_is_uncertain(twilio: TwilioStandIn) -> None:
    twilio.delay_seconds = 3
    with pytest.raises(GatewayUncertain, match="may have been sent"):
        TwilioGateway(settings(twilio.url), PUBLIC, timeout=0.5).submit(part(), AT)


def test_health_reads_the_account(twilio: TwilioStandIn) -> None:
    assert TwilioGateway(settings(twilio.url), PUBLIC).healthy() is None
    assert "401" in str(TwilioGateway(settings(twilio.url, token="x"), PUBLIC).healthy())


def test_media_are_fetched_with_the_account_credentials(twilio: TwilioStandIn) -> None:
    url = twilio.add_media("1", "image/png", b"\x89PNG\r\n\x1a\nrest")
    assert TwilioMediaFetcher(settings(twilio.url)).fetch(url) == (
        "image/png", b"\x89PNG\r\n\x1a\nrest")  # after Twilio's redirect to the file
    with pytest.raises(MediaFetchError, match="401") as refused:
        TwilioMediaFetcher(settings(twilio.url, token="wrong")).fetch(url)
    assert not refused.value.permanent


def test_media_failures_say_whether_to_try_again(twilio: TwilioStandIn) -> None:
    fetcher = TwilioMediaFetcher(settings(twilio.url))
    url = twilio.add_media("2", "image/png", b"\x89PNG\r\n\x1a\n", failures=1)
    with pytest.raises(MediaFetchError, match="503") as busy:
        fetcher.fetch(url)
    assert not busy.value.permanent
    assert fetcher.fetch(url)[0] == "image/png"
    with pytest.raises(MediaFetchError, match="no longer") as gone:
        fetcher.fetch(url.replace("ME2", "ME404"))
    assert gone.value.permanent
    big = twilio.add_media("3", "image/png", b"\x89PNG\r\n\x1a\n" + b"0" * (5 * 1024 * 1024))
    with pytest.raises(MediaFetchError, match="5 MB") as large:
        fetcher.fetch(big)
    assert large.value.permanent
