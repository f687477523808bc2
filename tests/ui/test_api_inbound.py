"""POST /api/v1/inbound over HTTP: every refusal is a clear JSON error that stores nothing;
the same message id is answered again without storing twice; a 202 means stored."""

from __future__ import annotations

import base64
import io
import os
import sqlite3
from pathlib import Path

import pytest
from nicegui.testing import User
from PIL import Image

TOKEN = {"Authorization": "Bearer demo-token"}
SESSION, PAGE, JORDAN = "+12125550100", "+12125550101", "+14155550123"


def png() -> str:
    buf = io.BytesIO()
    Image.new("RGB", (8, 8), (10, 200, 30)).save(buf, "PNG")
    return base64.b64encode(buf.getvalue()).decode()


def stored_rows() -> tuple[int, int, int]:
    """(interactions, messages, media files) in this test's data folder."""
    data = Path(os.environ["PARLEY_DATA_DIR"])
    with sqlite3.connect(data / "parley.db") as db:
        interactions = db.execute("select count(*) from interaction").fetchone()[0]
        messages = db.execute("select count(*) from message").fetchone()[0]
    files = sum(1 for p in (data / "media").rglob("*") if p.is_file()) if (
        data / "media").exists() else 0
    return interactions, messages, files


def body(**changes: object) -> dict[str, object]:
    return {"message_id": "SM1", "from": JORDAN, "to": PAGE, "text": "Hello"} | changes


async def test_without_the_token_nothing_is_stored(user: User) -> None:
    before = stored_rows()
    reply = await user.http_client.post("/api/v1/inbound", json=body())
    assert reply.status_code == 401 and "token" in reply.json()["error"]
    assert stored_rows() == before


@pytest.mark.parametrize(("payload", "status", "words"), [
    ("not json", 400, "JSON"),
    ([1, 2], 400, "object"),
    (body(message_id=""), 400, "message_id"),
    (body(**{"from": "12"}), 400, "'from'"),
    (body(to="+1 212 555 0101"), 400, "'to'"),
    (body(to="+12125550199"), 400, "centre"),
    (body(text=None, media=[]), 400, "text or at least one image"),
    (body(text="x" * 10_001), 413, "10,000"),
    (body(media=[{"content_type": "image/png", "data_base64": png()}] * 11), 413, "10 images"),
    (body(media=[{"content_type": "image/bmp", "data_base64": png()}]), 400, "content_type"),
    (body(media=[{"content_type": "image/png", "data_base64": "@@@"}]), 400, "base64"),
    (body(media=[{"content_type": "image/jpeg", "data_base64": png()}]), 400, "holds image/png"),
    (body(media=[{"content_type": "image/png",
                  "data_base64": base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"0" * (5 * 1024 * 1024)
                                                  ).decode()}]), 413, "5 MB"),
])
async def test_bad_input_is_refused_clearly_and_stores_nothing(
    user: User, payload: object, status: int, words: str
) -> None:
    before = stored_rows()
    if isinstance(payload, str):
        reply = await user.http_client.post("/api/v1/inbound", content=payload, headers=TOKEN)
    else:
        reply = await user.http_client.post("/api/v1/inbound", json=payload, headers=TOKEN)
    assert reply.status_code == status, reply.text
    assert words in reply.json()["error"]
    assert stored_rows() == before


async def test_a_202_means_stored_and_a_repeat_is_a_duplicate(user: User) -> None:
    before = stored_rows()
    first = await user.http_client.post(
        "/api/v1/inbound", headers=TOKEN,
        json=body(message_id="MMS-1", media=[{"content_type": "image/png",
                                              "filename": "a.png", "data_base64": png()}]))
    assert first.status_code == 202
    answer = first.json()
    assert answer["message_id"] == "MMS-1" and answer["duplicate"] is False
    after = stored_rows()  # committed before the answer: visible to another connection now
    assert after == (before[0] + 1, before[1] + 1, before[2] + 1)

    again = await user.http_client.post(
        "/api/v1/inbound", headers=TOKEN,
        json=body(message_id="MMS-1", media=[{"content_type": "image/png",
                                              "filename": "a.png", "data_base64": png()}]))
    assert again.status_code == 200
    assert again.json() == {**answer, "duplicate": True}
    assert stored_rows() == after


async def test_session_texts_join_and_mms_is_always_page_mode(user: User) -> None:
    one = (await user.http_client.post("/api/v1/inbound", headers=TOKEN, json=body(
        message_id="s1", to=SESSION))).json()
    two = (await user.http_client.post("/api/v1/inbound", headers=TOKEN, json=body(
        message_id="s2", to=SESSION, text="Still there?"))).json()
    mms = (await user.http_client.post("/api/v1/inbound", headers=TOKEN, json=body(
        message_id="s3", to=SESSION, media=[{"content_type": "image/png",
                                            "data_base64": png()}]))).json()
    assert two["interaction_id"] == one["interaction_id"]
    assert mms["interaction_id"] != one["interaction_id"]
    data = Path(os.environ["PARLEY_DATA_DIR"])
    with sqlite3.connect(data / "parley.db") as db:
        modes = dict(db.execute("select id, mode from interaction").fetchall())
    assert modes[one["interaction_id"]] == "session" and modes[mms["interaction_id"]] == "page"
