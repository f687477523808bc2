"""Logging in: password checks, slowing and locking repeated failures, sessions."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Protocol

from domain.agents import Agent
from domain.clock import Clock
from domain.ports import AgentRepository, LoginAttempts, SessionRepository

WRONG_CREDENTIALS = "Wrong user name or password."


class PasswordHasher(Protocol):
    def hash(self, password: str) -> str: ...

    def verify(self, password: str, hashed: str) -> bool: ...


def default_hasher() -> PasswordHasher:
    """Argon2id through pwdlib, the library's recommended settings."""
    from pwdlib import PasswordHash

    return PasswordHash.recommended()


@dataclass(frozen=True)
class LockoutPolicy:
    """After ``free_failures`` misses each try must wait longer; after ``lock_after``
    consecutive misses the name is locked for ``lock_seconds``."""

    free_failures: int = 3
    base_delay_seconds: float = 2.0
    max_delay_seconds: float = 30.0
    lock_after: int = 6
    lock_seconds: float = 120.0

    def wait_after(self, failures: int) -> float:
        if failures < self.free_failures:
            return 0.0
        delay = self.base_delay_seconds * 2 ** (failures - self.free_failures)
        return min(delay, self.max_delay_seconds)


@dataclass(frozen=True)
class LoginResult:
    agent: Agent | None = None
    token: str | None = None
    error: str | None = None
    retry_after: float = 0.0

    @property
    def ok(self) -> bool:
        return self.agent is not None


def _digest(token: str) -> str:
    # Only a digest is stored, so a copied database does not hand out live sessions.
    return hashlib.sha256(token.encode()).hexdigest()


class AuthService:
    def __init__(
        self,
        agents: AgentRepository,
        attempts: LoginAttempts,
        sessions: SessionRepository,
        clock: Clock,
        hasher: PasswordHasher | None = None,
        policy: LockoutPolicy = LockoutPolicy(),
        on_login: Callable[[Agent], None] | None = None,
    ) -> None:
        self._agents = agents
        self._attempts = attempts
        self._sessions = sessions
        self._clock = clock
        self._hasher = hasher or default_hasher()
        self._policy = policy
        self._on_login = on_login
        # Verifying against a throwaway hash for unknown names keeps timing uniform.
        self._dummy_hash = self._hasher.hash(secrets.token_hex(8))

    def hash_password(self, password: str) -> str:
        return self._hasher.hash(password)

    def login(self, username: str, password: str) -> LoginResult:
        """Check a user name and password. CPU-heavy (Argon2): call it off the event loop."""
        username = username.strip().lower()
        if not username or not password:
            return LoginResult(error="Enter your user name and password.")
        now = self._clock.now()
        failures, last_failure, locked_until = self._attempts.get(username)
        if locked_until and now < locked_until:
            wait = (locked_until - now).total_seconds()
            return LoginResult(
                error=f"Too many failed attempts. Try again in {_seconds(wait)}.",
                retry_after=wait,
            )
        if locked_until:  # the lock has run out: start counting afresh
            self._attempts.reset(username)
            failures, last_failure = 0, None
        if last_failure is not None:
            ready_at = last_failure + timedelta(seconds=self._policy.wait_after(failures))
            if now < ready_at:
                wait = (ready_at - now).total_seconds()
                return LoginResult(
                    error=f"Too many failed attempts. Wait {_seconds(wait)} and try again.",
                    retry_after=wait,
                )
        found = self._agents.password_hash(username)
        hashed = found[1] if found else self._dummy_hash
        valid = self._hasher.verify(password, hashed) and found is not None
        if not valid:
            lock = None
            if failures + 1 >= self._policy.lock_after:
                lock = now + timedelta(seconds=self._policy.lock_seconds)
            count = self._attempts.record_failure(username, now, lock)
            if lock:
                return LoginResult(
                    error="Too many failed attempts. "
                    f"Try again in {_seconds(self._policy.lock_seconds)}.",
                    retry_after=self._policy.lock_seconds,
                )
            return LoginResult(
                error=WRONG_CREDENTIALS, retry_after=self._policy.wait_after(count)
            )
        assert found is not None
        agent = found[0]
        self._attempts.reset(username)
        token = secrets.token_urlsafe(32)
        self._sessions.create(agent.id, _digest(token), now)
        if self._on_login:
            self._on_login(agent)
        return LoginResult(agent=agent, token=token)

    def agent_for_token(self, token: str | None) -> Agent | None:
        if not token:
            return None
        agent_id = self._sessions.agent_for(_digest(token))
        return self._agents.get(agent_id) if agent_id is not None else None

    def end_sessions(self, agent_id: int) -> None:
        self._sessions.end_all(agent_id)


def _seconds(value: float) -> str:
    whole = max(1, int(value + 0.999))
    return f"{whole} second" + ("" if whole == 1 else "s")
