"""Real Kannel (bearerbox + smsbox, Debian's 1.4.5) with fakesmsc as the carrier (issue 13).

The boxes run the README's kannel.conf (tests/kannel.py swaps only ports, folders, the
Parley URL and the carrier).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from playwright.sync_api import Browser, expect

from api.gateways.kannel import KannelGateway
from domain.gateway import GatewayUnavailable, OutboundPart
from domain.settings import KannelSettings
from tests.e2e.pages import LoginPage
from tests.e2e.server import ServerProcess, free_port
from tests.kannel import SENDSMS_PASSWORD, SENDSMS_USER, Kannel, installed

pytestmark = pytest.mark.skipif(not installed(), reason="Debian's kannel packages are missing "
                                "(scripts/test installs them)")
JORDAN, SALES = "+14155550123", "+12125550101"
AT = datetime(2030, 1, 1, tzinfo=UTC)


class Receiver:
    """A stand-in for Parley's public URL: records every request Kannel makes to it."""

    def __init__(self) -> None:
        self.requests: list[str] = []
        seen = self.requests

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (the stdlib's name)
                seen.append(self.path)
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.port = free_port()
        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def dlrs(self) -> list[dict[str, str]]:
        return [{k: v[0] for k, v in parse_qs(urlsplit(p).query, keep_blank_values=True).items()}
                for p in self.requests if urlsplit(p).path == "/api/v1/kannel/dlr"]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def wait_for(check, what: str, timeout: float = 30):  # type: ignore[no-untyped-def]
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"no {what} within {timeout}s")


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.close()


@pytest.fixture
def kannel(tmp_path: Path, receiver: Receiver) -> Iterator[Kannel]:
    k = Kannel(tmp_path / "kannel", receiver.url, token="kannel-token")
    yield k.start()
    k.stop()


def part(job: str, text: str, encoding: str, n: int = 1, of: int = 1) -> OutboundPart:
    return OutboundPart(job_id=job, to=JORDAN, sender=SALES, text=text, part=n, parts=of,
                        encoding=encoding)


def test_submit_reaches_the_carrier_in_its_coding_and_reports_come_back(
    kannel: Kannel, receiver: Receiver
) -> None:
    gateway = KannelGateway(KannelSettings(kannel.sendsms_url, SENDSMS_USER, SENDSMS_PASSWORD),
                            receiver.url, "kannel-token")
    assert gateway.healthy() is None
    assert gateway.submit(part("job-gsm", "Your parcel {A1} costs €5 & ships today", "GSM-7"),
                          AT) == "job-gsm"
    assert gateway.submit(part("job/ucs 2", "Grüße 😀", "UCS-2"), AT) == "job/ucs 2"

    gsm, ucs2 = kannel.wait_received(2)
    assert (gsm.sender, gsm.to, gsm.kind, gsm.text) == (
        SALES, JORDAN, "text", "Your parcel {A1} costs €5 & ships today")
    assert (ucs2.coding, ucs2.text) == ("UCS-2", "Grüße 😀")

    # fakesmsc acknowledges each part: Kannel reports 8 (submitted to the SMSC), then 1
    # (delivered), to the dlr-url with the job id and the token intact.
    reports = wait_for(lambda: len(receiver.dlrs()) >= 4 and receiver.dlrs(), "4 reports")
    assert {(r["job"], r["status"]) for r in reports} == {
        ("job-gsm", "8"), ("job-gsm", "1"), ("job/ucs 2", "8"), ("job/ucs 2", "1")}
    assert all(r["token"] == "kannel-token" for r in reports)


def test_kannel_down_is_unavailable_and_bad_credentials_are_rejected(
    kannel: Kannel, receiver: Receiver
) -> None:
    wrong = KannelGateway(KannelSettings(kannel.sendsms_url, SENDSMS_USER, "wrong"),
                          receiver.url, "kannel-token")
    from domain.gateway import GatewayRejected

    with pytest.raises(GatewayRejected, match="Authorization failed"):
        wrong.submit(part("job-x", "hi", "GSM-7"), AT)
    kannel.stop()
    gateway = KannelGateway(KannelSettings(kannel.sendsms_url, SENDSMS_USER, SENDSMS_PASSWORD),
                            receiver.url, "kannel-token")
    assert "not reachable" in (gateway.healthy() or "")
    with pytest.raises(GatewayUnavailable):
        gateway.submit(part("job-y", "hi", "GSM-7"), AT)
    assert kannel.received() == []


@pytest.fixture
def parley_with_kannel(tmp_path: Path) -> Iterator[tuple[ServerProcess, Kannel]]:
    """Kannel first (Parley's health asks smsbox), then Parley pointed at it."""
    server = ServerProcess(tmp_path / "parley")
    kannel = Kannel(tmp_path / "kannel", server.url, token="kannel-e2e-token").start()
    server.extra_env.update(kannel.parley_env(server.url))
    server.start()
    yield server, kannel
    server.stop()
    kannel.stop()


def test_a_text_from_the_phone_reaches_an_agents_preview(
    browser: Browser, parley_with_kannel: tuple[ServerProcess, Kannel], shot
) -> None:  # type: ignore[no-untyped-def]
    server, kannel = parley_with_kannel
    page = browser.new_context(viewport={"width": 1200, "height": 800}).new_page()
    alice = LoginPage(page, server.url).open().log_in("alice")
    alice.go_ready()

    kannel.phone_sends(JORDAN, SALES, "Where is   my parcel? Grüße")

    preview = alice.preview()
    expect(preview).to_be_visible()
    expect(preview).to_have_attribute("data-kind", "sms")
    expect(preview.get_by_test_id("preview-contact")).to_have_text("Jordan Lee")
    expect(preview.get_by_test_id("preview-case-data")).to_contain_text("Where is   my parcel?")
    shot("kannel-preview", page)

    # Alice is Ready with room for more: the UCS-2 text (to the other number) is hers too.
    kannel.phone_sends(JORDAN, "+12125550100", "Unicode: Grüße 😀", ucs2=True)
    second = alice.preview().filter(has_text="Unicode: Grüße 😀")
    expect(second).to_have_count(1)
    expect(alice.preview()).to_have_count(2)

    # Kannel sent nothing back to the phone (Parley's JSON answer is no reply SMS): a
    # marker sent now arrives alone; a reply to either text would have come before it.
    reply = httpx.get(f"{server.url}/api/v1/health", timeout=10)
    assert reply.json()["gateway"] == "ok"
    marker = KannelGateway(KannelSettings(kannel.sendsms_url, SENDSMS_USER, SENDSMS_PASSWORD),
                           server.url, "kannel-e2e-token")
    marker.submit(part("marker", "marker", "GSM-7"), AT)
    assert [mt.text for mt in kannel.wait_received(1)] == ["marker"]
