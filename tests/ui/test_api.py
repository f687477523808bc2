"""The HTTP API skeleton, called in-process through the app the user fixture started."""

from __future__ import annotations

import pytest
from nicegui.testing import User

TOKEN = {"Authorization": "Bearer demo-token"}


async def test_health_needs_no_token(user: User) -> None:
    reply = await user.http_client.get("/api/v1/health")
    assert reply.status_code == 200
    assert reply.json() == {"status": "ok", "database": "ok", "gateway": "ok"}


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer wrong"}, {"Authorization": "Basic demo-token"},
     {"Authorization": "demo-token"}],
)
async def test_other_routes_need_the_bearer_token(user: User, headers: dict[str, str]) -> None:
    reply = await user.http_client.post("/api/v1/test/clock", json={"advance_seconds": 1},
                                        headers=headers)
    assert reply.status_code == 401
    assert reply.json() == {"error": "missing or wrong bearer token"}


async def test_clock_advances_in_test_mode(user: User) -> None:
    first = await user.http_client.post("/api/v1/test/clock", json={"advance_seconds": 0},
                                        headers=TOKEN)
    later = await user.http_client.post("/api/v1/test/clock", json={"advance_seconds": 3600},
                                        headers=TOKEN)
    assert first.status_code == later.status_code == 200
    assert later.json()["now"] > first.json()["now"]


@pytest.mark.parametrize(
    "body", [{}, {"advance_seconds": -5}, {"advance_seconds": "soon"}, [1, 2]]
)
async def test_bad_clock_input_is_a_clear_400(user: User, body: object) -> None:
    reply = await user.http_client.post("/api/v1/test/clock", json=body, headers=TOKEN)
    assert reply.status_code == 400
    assert "advance_seconds" in reply.json()["error"] or "dict" in reply.json()["error"]


async def test_openapi_documents_the_api(user: User) -> None:
    spec = (await user.http_client.get("/openapi.json")).json()
    assert "/api/v1/health" in spec["paths"]
    assert "/api/v1/test/clock" in spec["paths"]
    assert (await user.http_client.get("/docs")).status_code == 200


async def test_outbox_lists_delivered_parts(user: User) -> None:
    reply = await user.http_client.get("/api/v1/simulator/outbox", headers=TOKEN)
    assert reply.status_code == 200
    assert reply.json() == []
    bad = await user.http_client.get("/api/v1/simulator/outbox", params={"to": "nope"},
                                     headers=TOKEN)
    assert bad.status_code == 400
