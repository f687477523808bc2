"""Logging in: passwords, no user enumeration, slowing down and locking repeated failures."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from domain.agents import Agent
from domain.auth import WRONG_CREDENTIALS, AuthService, LockoutPolicy, default_hasher
from domain.clock import FakeClock

from .fakes import FakeAgentRepository, FakeHasher, FakeLoginAttempts, FakeSessionRepository

POLICY = LockoutPolicy(
    free_failures=3, base_delay_seconds=2, max_delay_seconds=30, lock_after=6, lock_seconds=120
)


@dataclass
class World:
    clock: FakeClock
    agents: FakeAgentRepository
    attempts: FakeLoginAttempts
    sessions: FakeSessionRepository
    hasher: FakeHasher
    auth: AuthService
    alice: Agent
    logins: list[Agent] = field(default_factory=list)


@pytest.fixture
def world() -> World:
    clock = FakeClock()
    agents, attempts, sessions, hasher = (
        FakeAgentRepository(),
        FakeLoginAttempts(),
        FakeSessionRepository(),
        FakeHasher(),
    )
    alice = agents.add("alice", hasher.hash("demo"))
    agents.add("bob", hasher.hash("hunter2"))
    logins: list[Agent] = []
    auth = AuthService(
        agents, attempts, sessions, clock, hasher=hasher, policy=POLICY, on_login=logins.append
    )
    return World(clock, agents, attempts, sessions, hasher, auth, alice, logins)


def fail_until_locked(w: World, username: str = "alice") -> None:
    """Miss ``lock_after`` times, each time waiting exactly as long as asked to."""
    for n in range(1, POLICY.lock_after + 1):
        result = w.auth.login(username, "wrong")
        assert not result.ok
        if n < POLICY.lock_after:
            assert result.error == WRONG_CREDENTIALS, f"attempt {n}"
            w.clock.advance(result.retry_after)


def test_right_password_logs_in_with_a_token_for_the_agent(world: World) -> None:
    result = world.auth.login("alice", "demo")

    assert result.ok and result.error is None
    assert result.agent == world.alice
    assert result.token and len(result.token) >= 32
    assert world.auth.agent_for_token(result.token) == world.alice


def test_the_token_is_not_stored_in_the_clear(world: World) -> None:
    token = world.auth.login("alice", "demo").token
    assert token is not None

    assert token not in world.sessions.sessions
    assert len(world.sessions.sessions) == 1


def test_every_login_gets_its_own_token(world: World) -> None:
    first = world.auth.login("alice", "demo").token
    second = world.auth.login("alice", "demo").token

    assert first != second
    assert world.auth.agent_for_token(first) == world.auth.agent_for_token(second) == world.alice


@pytest.mark.parametrize("token", [None, "", "not-a-token"])
def test_no_or_unknown_token_resolves_to_nobody(world: World, token: str | None) -> None:
    world.auth.login("alice", "demo")
    assert world.auth.agent_for_token(token) is None


def test_ending_sessions_invalidates_the_agents_tokens_only(world: World) -> None:
    alice_token = world.auth.login("alice", "demo").token
    bob_token = world.auth.login("bob", "hunter2").token

    world.auth.end_sessions(world.alice.id)

    assert world.auth.agent_for_token(alice_token) is None
    bob = world.auth.agent_for_token(bob_token)
    assert bob is not None and bob.username == "bob"


def test_wrong_password_is_refused(world: World) -> None:
    result = world.auth.login("alice", "Demo")

    assert not result.ok
    assert result.error == "Wrong user name or password."
    assert result.token is None and result.agent is None
    assert world.sessions.sessions == {}


def test_unknown_user_gets_the_same_answer_as_a_wrong_password(world: World) -> None:
    wrong_password = world.auth.login("alice", "nope")
    unknown_user = world.auth.login("mallory", "nope")

    assert unknown_user == wrong_password
    assert unknown_user.error == WRONG_CREDENTIALS


def test_unknown_user_still_costs_a_password_check(world: World) -> None:
    # Same work for known and unknown names, so timing does not reveal who exists.
    world.auth.login("mallory", "demo")
    assert world.hasher.verify_calls == 1


def test_a_known_users_password_does_not_open_an_unknown_name(world: World) -> None:
    assert not world.auth.login("mallory", "demo").ok


@pytest.mark.parametrize(
    ("username", "password"), [("", "demo"), ("alice", ""), ("   ", "demo"), ("", "")]
)
def test_empty_fields_are_asked_for(world: World, username: str, password: str) -> None:
    result = world.auth.login(username, password)

    assert not result.ok
    assert result.error == "Enter your user name and password."
    assert world.hasher.verify_calls == 0
    assert world.attempts.rows == {}  # not a failed attempt


def test_user_names_are_trimmed_and_case_insensitive(world: World) -> None:
    result = world.auth.login("  ALICE ", "demo")

    assert result.ok
    assert result.agent == world.alice


def test_failures_count_per_name_whatever_its_spelling(world: World) -> None:
    world.auth.login("Alice", "x")
    world.auth.login(" alice", "x")
    world.auth.login("ALICE ", "x")

    assert world.attempts.get("alice")[0] == 3
    assert world.auth.login("alice", "demo").error.startswith("Too many failed attempts. Wait")


def test_passwords_are_case_sensitive_and_not_trimmed(world: World) -> None:
    assert not world.auth.login("alice", "DEMO").ok
    assert not world.auth.login("alice", " demo").ok


def test_free_failures_answer_at_once(world: World) -> None:
    for _ in range(POLICY.free_failures - 1):
        result = world.auth.login("alice", "wrong")
        assert result.error == WRONG_CREDENTIALS
        assert result.retry_after == 0

    # Still within the free failures: the right password works without any wait.
    assert world.auth.login("alice", "demo").ok


def test_after_free_failures_the_next_try_must_wait(world: World) -> None:
    for _ in range(POLICY.free_failures):
        last = world.auth.login("alice", "wrong")
    assert last.error == WRONG_CREDENTIALS
    assert last.retry_after == 2
    checks = world.hasher.verify_calls

    early = world.auth.login("alice", "demo")  # the right password, too early

    assert not early.ok
    assert early.error == "Too many failed attempts. Wait 2 seconds and try again."
    assert early.retry_after == 2
    assert world.hasher.verify_calls == checks  # refused without looking at the password
    assert world.attempts.get("alice")[0] == POLICY.free_failures  # and not counted

    world.clock.advance(1.5)
    later = world.auth.login("alice", "demo")
    assert later.error == "Too many failed attempts. Wait 1 second and try again."
    assert later.retry_after == pytest.approx(0.5)
    assert world.hasher.verify_calls == checks


def test_after_the_wait_the_right_password_works_and_resets_the_count(world: World) -> None:
    for _ in range(POLICY.free_failures):
        world.auth.login("alice", "wrong")
    world.clock.advance(2)

    result = world.auth.login("alice", "demo")

    assert result.ok
    assert world.attempts.get("alice") == (0, None, None)
    assert world.logins == [world.alice]
    # A fresh miss is free again: no wait asked for.
    again = world.auth.login("alice", "wrong")
    assert again.error == WRONG_CREDENTIALS and again.retry_after == 0
    assert world.auth.login("alice", "demo").ok


def test_the_wait_doubles_with_each_further_failure(world: World) -> None:
    waits = []
    for _ in range(POLICY.lock_after - 1):
        result = world.auth.login("alice", "wrong")
        assert result.error == WRONG_CREDENTIALS
        waits.append(result.retry_after)
        world.clock.advance(result.retry_after)
    assert waits == [0, 0, 2, 4, 8]


def test_wait_after_grows_to_a_ceiling() -> None:
    policy = LockoutPolicy(free_failures=2, base_delay_seconds=1, max_delay_seconds=5)
    assert [policy.wait_after(n) for n in range(7)] == [0, 0, 1, 2, 4, 5, 5]


def test_consecutive_failures_lock_the_name(world: World) -> None:
    for n in range(1, POLICY.lock_after):
        result = world.auth.login("alice", "wrong")
        assert result.error == WRONG_CREDENTIALS, f"attempt {n}"
        world.clock.advance(result.retry_after)

    locking = world.auth.login("alice", "wrong")

    assert locking.error == "Too many failed attempts. Try again in 120 seconds."
    assert locking.retry_after == 120


def test_a_locked_name_refuses_even_the_right_password(world: World) -> None:
    fail_until_locked(world)
    checks = world.hasher.verify_calls

    world.clock.advance(60)
    result = world.auth.login("alice", "demo")

    assert not result.ok
    assert result.error == "Too many failed attempts. Try again in 60 seconds."
    assert result.retry_after == 60
    assert world.hasher.verify_calls == checks
    assert world.sessions.sessions == {}
    assert world.logins == []

    world.clock.advance(59.5)
    assert world.auth.login("alice", "demo").error == (
        "Too many failed attempts. Try again in 1 second."
    )


def test_login_works_again_once_the_lock_expires(world: World) -> None:
    fail_until_locked(world)

    world.clock.advance(POLICY.lock_seconds)
    result = world.auth.login("alice", "demo")

    assert result.ok
    assert world.auth.agent_for_token(result.token) == world.alice
    assert world.attempts.get("alice") == (0, None, None)


def test_a_lock_on_one_name_leaves_others_alone(world: World) -> None:
    fail_until_locked(world)
    assert world.auth.login("bob", "hunter2").ok


def test_unknown_names_are_slowed_and_locked_like_known_ones(world: World) -> None:
    # Otherwise the lockout itself would tell which names exist.
    fail_until_locked(world, "mallory")

    assert world.auth.login("mallory", "x").error == (
        "Too many failed attempts. Try again in 120 seconds."
    )
    assert world.attempts.get("mallory")[0] == POLICY.lock_after


def test_on_login_is_called_once_per_successful_login(world: World) -> None:
    world.auth.login("alice", "wrong")
    world.auth.login("mallory", "demo")
    assert world.logins == []

    world.auth.login("alice", "demo")

    assert world.logins == [world.alice]


def test_real_argon2_hasher_round_trip() -> None:
    # The production hasher, once: slow on purpose, so everything else uses the fake.
    hasher = default_hasher()
    hashed = hasher.hash("correct horse")
    assert "correct horse" not in hashed
    assert hashed.startswith("$argon2id$")

    agents = FakeAgentRepository()
    alice = agents.add("alice", hashed)
    auth = AuthService(agents, FakeLoginAttempts(), FakeSessionRepository(), FakeClock())

    assert auth.login("alice", "correct horse").agent == alice
    assert auth.login("alice", "correct horsE").error == WRONG_CREDENTIALS
    assert auth.login("nobody", "correct horse").error == WRONG_CREDENTIALS
    assert auth.hash_password("x") != auth.hash_password("x")  # salted


def test_after_a_lock_runs_out_counting_starts_afresh(world: World) -> None:
    fail_until_locked(world)
    world.clock.advance(POLICY.lock_seconds)

    result = world.auth.login("alice", "wrong")

    assert result.error == WRONG_CREDENTIALS  # one miss after the lock is not a new lock
    assert world.attempts.get("alice")[0] == 1
