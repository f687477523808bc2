"""Shared set-up for UI tests of the interaction window's parts: an interaction owned by
a demo agent, built through the real services, and a patient wait for async UI work."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from domain.inbound import parse_inbound
from domain.interactions import Interaction
from domain.system import Services

SESSION_NUMBER = "+12125550100"


def own_interaction(
    services: Services, username: str, contact: str, text: str, message_id: str
) -> Interaction:
    """``username`` logs in, goes Ready and accepts a session text from ``contact``."""
    agent = next(a for a in services.agents.list() if a.username == username)
    services.presence.log_in(agent.id)
    services.presence.set_ready(agent.id)
    received = services.inbound.receive(parse_inbound({
        "message_id": message_id, "from": contact, "to": SESSION_NUMBER, "text": text,
    }))
    preview = next(p for p in services.routing.previews(agent.id)
                   if p.interaction.id == received.interaction_id)
    services.routing.accept(preview.offer.id, agent.id)
    return services.handling.owned(received.interaction_id, agent.id)


async def eventually(check: Callable[[], Any], what: str, retries: int = 100) -> None:
    for _ in range(retries):
        if check():
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"never happened: {what}")
