"""Who is logged in to this browser, resolved from the session token in user storage."""

from __future__ import annotations

from nicegui import app, run

from domain.agents import Agent
from domain.system import Services

TOKEN_KEY = "parley_token"


async def current_agent(services: Services) -> Agent | None:
    token = app.storage.user.get(TOKEN_KEY)
    if not token:
        return None
    agent = await run.io_bound(services.auth.agent_for_token, token)
    if agent is None:
        app.storage.user.pop(TOKEN_KEY, None)  # stale token: the agent logged out elsewhere
    return agent


def remember(token: str) -> None:
    app.storage.user[TOKEN_KEY] = token


def forget() -> None:
    app.storage.user.pop(TOKEN_KEY, None)
