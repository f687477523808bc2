"""Kannel's webhooks over HTTP: the token in the query, the text in its charset, the
same validation and idempotency as /api/v1/inbound (issue 13)."""

from __future__ import annotations

from urllib.parse import quote, quote_from_bytes

import pytest
from nicegui.testing import User

from tests.ui.test_api_inbound import JORDAN, PAGE, SESSION, stored_rows

TOKEN = "demo-token"


@pytest.fixture(autouse=True)
def kannel_gateway(monkeypatch: pytest.MonkeyPatch, parley_env: object) -> None:
    monkeypatch.setenv("PARLEY_GATEWAY", "kannel")
    monkeypatch.setenv("PARLEY_KANNEL_USERNAME", "parley")
    monkeypatch.setenv("PARLEY_KANNEL_PASSWORD", "secret")


def url(text: bytes | str = "Hello", *, token: str = TOKEN, id: str = "k-1",
        sender: str = JORDAN, to: str = PAGE, coding: str = "0", charset: str = "UTF-8") -> str:
    raw = text.encode() if isinstance(text, str) else text
    return (f"/api/v1/kannel/inbound?token={quote(token)}&from={quote(sender)}&to={quote(to)}"
            f"&text={quote_from_bytes(raw)}&id={quote(id)}&smsc=fake&coding={coding}"
            f"&charset={quote(charset)}")


async def test_a_wrong_token_is_401_and_stores_nothing(user: User) -> None:
    before = stored_rows()
    for bad in (url(token="nope"), url().replace(f"token={TOKEN}&", "")):
        reply = await user.http_client.get(bad)
        assert reply.status_code == 401 and "token" in reply.json()["error"]
    assert stored_rows() == before


async def test_gsm_text_is_stored_and_a_repeat_is_a_duplicate(user: User) -> None:
    before = stored_rows()
    first = await user.http_client.get(url("Hello   there {x} €"))
    assert first.status_code == 202, first.text
    answer = first.json()
    assert answer["message_id"] == "k-1" and answer["duplicate"] is False
    assert stored_rows() == (before[0] + 1, before[1] + 1, before[2])
    again = await user.http_client.get(url("Hello   there {x} €"))
    assert again.status_code == 200 and again.json() == {**answer, "duplicate": True}
    assert stored_rows() == (before[0] + 1, before[1] + 1, before[2])
    await user.open("/")  # the stored text, exactly (the spaces kept: %b)
    texts = await _texts(user, answer["interaction_id"])
    assert texts == ["Hello   there {x} €"]


async def test_ucs2_arrives_as_utf16be_bytes(user: User) -> None:
    text = "Grüße 😀\nZeile zwei"
    reply = await user.http_client.get(
        url(text.encode("utf-16-be"), id="k-ucs2", coding="2", charset="UTF-16BE"))
    assert reply.status_code == 202, reply.text
    assert await _texts(user, reply.json()["interaction_id"]) == [text]
    # %a squeezes spaces and joins the words with '+', which reads as a space again
    squeezed = await user.http_client.get(
        url("Grüße 😀".encode("utf-16-be"), id="k-ucs2-b", coding="2", charset=""))
    assert squeezed.status_code == 202, squeezed.text
    assert await _texts(user, squeezed.json()["interaction_id"]) == ["Grüße 😀"]


async def test_post_url_sends_the_text_as_the_body(user: User) -> None:
    reply = await user.http_client.post(
        f"/api/v1/kannel/inbound?token={TOKEN}&from=%2B14155550123&to=%2B12125550101&id=k-post",
        content="Grüße aus dem Body".encode("utf-16-be"),
        headers={"Content-Type": 'text/plain; charset="UTF-16BE"'})
    assert reply.status_code == 202, reply.text
    assert await _texts(user, reply.json()["interaction_id"]) == ["Grüße aus dem Body"]


async def test_session_texts_join(user: User) -> None:
    one = (await user.http_client.get(url(id="j-1", to=SESSION))).json()
    two = (await user.http_client.get(url("more", id="j-2", to=SESSION))).json()
    assert one["interaction_id"] == two["interaction_id"]


@pytest.mark.parametrize(("target", "status", "words"), [
    (url(id=""), 400, "message_id"),
    (url(sender="12"), 400, "'from'"),
    (url(to="+12125550199"), 400, "centre"),
    (url("   "), 400, "text or at least one image"),
    (url(b"\xd8\x00", coding="2", charset="UTF-16BE"), 400, "not valid UTF-16BE"),
    (url(b"\xff\xfe", coding="0", charset="UTF-8"), 400, "not valid UTF-8"),
    (url(b"\x01\x02", coding="1", charset="binary"), 400, "8-bit binary"),
    (url(charset="KLINGON"), 400, "unknown charset"),
    (url(coding="7", charset=""), 400, "coding must be 0, 1 or 2"),
    (url("x" * 10_001), 413, "10,000"),
])
async def test_bad_input_is_refused_clearly_and_stores_nothing(
    user: User, target: str, status: int, words: str
) -> None:
    before = stored_rows()
    reply = await user.http_client.get(target)
    assert reply.status_code == status, reply.text
    assert words in reply.json()["error"]
    assert stored_rows() == before


async def test_delivery_reports_need_the_token_and_a_known_status(user: User) -> None:
    reply = await user.http_client.get("/api/v1/kannel/dlr?token=nope&job=j&status=1")
    assert reply.status_code == 401
    reply = await user.http_client.get(f"/api/v1/kannel/dlr?token={TOKEN}&job=j&status=3")
    assert reply.status_code == 400 and "1, 2, 4, 8, 16" in reply.json()["error"]
    reply = await user.http_client.get(f"/api/v1/kannel/dlr?token={TOKEN}&status=1")
    assert reply.status_code == 400 and "job" in reply.json()["error"]


async def test_the_webhooks_are_in_the_openapi(user: User) -> None:
    spec = (await user.http_client.get("/openapi.json")).json()
    inbound = spec["paths"]["/api/v1/kannel/inbound"]
    assert {"get", "post"} <= set(inbound)
    names = [p["name"] for p in inbound["get"]["parameters"]]
    assert names == ["token", "from", "to", "text", "id", "smsc", "coding", "charset"]
    assert "/api/v1/kannel/dlr" in spec["paths"]


async def _texts(user: User, interaction_id: str) -> list[str]:
    import os
    import sqlite3
    from pathlib import Path

    with sqlite3.connect(Path(os.environ["PARLEY_DATA_DIR"]) / "parley.db") as db:
        rows = db.execute("select text from message where interaction_id = ? order by id",
                          (interaction_id,)).fetchall()
    return [r[0] for r in rows]
