"""Without PARLEY_TEST_MODE the test clock does not exist (404)."""

from __future__ import annotations

import pytest
from nicegui.testing import User


@pytest.fixture(autouse=True)
def no_test_mode(parley_env, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("PARLEY_TEST_MODE", "0")


async def test_clock_is_404_outside_test_mode(user: User) -> None:
    reply = await user.http_client.post(
        "/api/v1/test/clock", json={"advance_seconds": 5},
        headers={"Authorization": "Bearer demo-token"},
    )
    assert reply.status_code == 404
    assert "PARLEY_TEST_MODE" in reply.json()["error"]
