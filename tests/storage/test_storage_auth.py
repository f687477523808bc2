"""AuthService over real storage: sessions, failed attempts and locks survive the round trip."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from domain.agents import Agent, Role
from domain.auth import WRONG_CREDENTIALS, AuthService, LockoutPolicy, PasswordHasher
from domain.clock import FakeClock
from storage.db import Database
from storage.repositories import AgentRepo, LoginAttemptRepo, SessionRepo

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


class Setup:
    def __init__(self, db: Database, hasher: PasswordHasher) -> None:
        self.db = db
        self.clock = FakeClock(T0)
        self.agents = AgentRepo(db)
        self.attempts = LoginAttemptRepo(db)
        self.auth = AuthService(
            self.agents, self.attempts, SessionRepo(db), self.clock, hasher, LockoutPolicy()
        )
        self.alice = self.agents.add("alice", "Alice Anders", Role.AGENT, hasher.hash("s3cret"))
        self.bob = self.agents.add("bob", "Bob Brooks", Role.AGENT, hasher.hash("hunter2"))


@pytest.fixture
def setup(db: Database, fake_hasher: PasswordHasher) -> Setup:
    return Setup(db, fake_hasher)


def test_login_creates_a_session_the_token_resolves(setup: Setup) -> None:
    result = setup.auth.login("  Alice ", "s3cret")
    assert result.ok and result.error is None
    assert result.agent == setup.alice
    assert result.token and len(result.token) >= 32
    assert setup.auth.agent_for_token(result.token) == setup.alice
    assert setup.auth.agent_for_token(result.token + "x") is None
    assert setup.auth.agent_for_token("") is None and setup.auth.agent_for_token(None) is None


def test_only_a_digest_of_the_token_is_stored(setup: Setup) -> None:
    token = setup.auth.login("alice", "s3cret").token
    assert token is not None
    with setup.db.engine.connect() as conn:
        stored = [row[0] for row in conn.execute(text("SELECT token_digest FROM agent_session"))]
    assert len(stored) == 1 and token not in stored[0] and len(stored[0]) == 64


def test_end_sessions_invalidates_every_token_of_that_agent(setup: Setup) -> None:
    first = setup.auth.login("alice", "s3cret").token
    second = setup.auth.login("alice", "s3cret").token  # a second browser
    bobs = setup.auth.login("bob", "hunter2").token
    assert first != second
    assert setup.auth.agent_for_token(first) == setup.auth.agent_for_token(second) == setup.alice

    setup.auth.end_sessions(setup.alice.id)
    assert setup.auth.agent_for_token(first) is None
    assert setup.auth.agent_for_token(second) is None
    assert setup.auth.agent_for_token(bobs) == setup.bob
    # Logging in again works and gives a new session.
    again = setup.auth.login("alice", "s3cret").token
    assert again not in (first, second) and setup.auth.agent_for_token(again) == setup.alice


def test_token_sees_option_changes(setup: Setup) -> None:
    token = setup.auth.login("alice", "s3cret").token
    setup.agents.update_options(setup.alice.id, zoom=130)
    agent = setup.auth.agent_for_token(token)
    assert isinstance(agent, Agent) and agent.options.zoom == 130


def test_wrong_password_is_recorded(setup: Setup) -> None:
    result = setup.auth.login("alice", "wrong")
    assert not result.ok and result.error == WRONG_CREDENTIALS and result.token is None
    assert setup.attempts.get("alice") == (1, T0, None)
    unknown = setup.auth.login("mallory", "whatever")
    assert unknown.error == WRONG_CREDENTIALS  # the same answer as a wrong password
    assert setup.attempts.get("mallory")[0] == 1
    # Success clears the count.
    assert setup.auth.login("alice", "s3cret").ok
    assert setup.attempts.get("alice") == (0, None, None)


def test_lockout_survives_storage_and_runs_out(setup: Setup) -> None:
    policy = LockoutPolicy()
    result = setup.auth.login("alice", "wrong")
    for _ in range(policy.lock_after * 3):
        if "Try again in" in (result.error or ""):
            break
        # Wait out the growing delay (stored as an aware UTC time and compared with it).
        setup.clock.advance(result.retry_after)
        result = setup.auth.login("alice", "wrong")
    assert result.error and "Try again in" in result.error

    failures, _, locked_until = setup.attempts.get("alice")
    assert failures == policy.lock_after
    assert locked_until == setup.clock.now() + timedelta(seconds=policy.lock_seconds)
    assert locked_until is not None and locked_until.tzinfo is UTC

    # Locked: even the right password is refused, and nothing is counted.
    setup.clock.advance(policy.lock_seconds - 1)
    locked = setup.auth.login("alice", "s3cret")
    assert not locked.ok and locked.retry_after == pytest.approx(1)
    assert setup.attempts.get("alice")[0] == policy.lock_after
    # Bob is not affected by Alice's lock.
    assert setup.auth.login("bob", "hunter2").ok

    setup.clock.advance(1)
    result = setup.auth.login("alice", "s3cret")
    assert result.ok and setup.auth.agent_for_token(result.token) == setup.alice
    assert setup.attempts.get("alice") == (0, None, None)
