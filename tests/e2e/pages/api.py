"""The HTTP API a tester drives next to the browser: inbound messages, the simulated
gateway's outbox, the test clock and health (CONTRACTS.md "HTTP API")."""

from __future__ import annotations

import base64
import itertools
import uuid
from typing import Any

import httpx

_serial = itertools.count(1)


class ParleyApi:
    """``/api/v1`` of one server, with its bearer token (``demo-token`` with demo data)."""

    def __init__(self, base_url: str, token: str = "demo-token") -> None:
        self.base_url = base_url.rstrip("/")
        self.headers = {"Authorization": f"Bearer {token}"}

    def health(self) -> dict[str, Any]:
        reply = httpx.get(f"{self.base_url}/api/v1/health", timeout=10)
        assert reply.status_code == 200, reply.text
        return dict(reply.json())

    def inbound(self, text: str, sender: str, to: str, *, message_id: str | None = None,
                media: list[tuple[str, str, bytes]] | None = None) -> str:
        """A contact's SMS (or MMS with ``media`` = [(content_type, filename, bytes)]);
        returns the interaction id it created or joined."""
        body: dict[str, Any] = {
            "message_id": message_id or f"e2e-{next(_serial)}-{uuid.uuid4().hex[:8]}",
            "from": sender, "to": to, "text": text}
        if media:
            body["media"] = [{"content_type": kind, "filename": name,
                              "data_base64": base64.b64encode(data).decode()}
                             for kind, name, data in media]
        reply = httpx.post(f"{self.base_url}/api/v1/inbound", headers=self.headers, json=body,
                           timeout=30)
        assert reply.status_code in (200, 202), reply.text
        return str(reply.json()["interaction_id"])

    def outbox(self, to: str | None = None) -> list[dict[str, Any]]:
        """What the simulated gateway delivered (one entry per SMS part, oldest first)."""
        params = {"to": to} if to else {}
        reply = httpx.get(f"{self.base_url}/api/v1/simulator/outbox", params=params,
                          headers=self.headers, timeout=10)
        assert reply.status_code == 200, reply.text
        return list(reply.json())

    def advance_clock(self, seconds: float) -> None:
        """Move the application clock (server started with ``PARLEY_TEST_MODE=1``)."""
        reply = httpx.post(f"{self.base_url}/api/v1/test/clock", headers=self.headers,
                           json={"advance_seconds": seconds}, timeout=30)
        assert reply.status_code == 200, reply.text
