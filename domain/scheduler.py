"""Stored deadlines driven by the injectable clock.

Offer timeouts, auto-answer countdowns, session expiry and callbacks are all deadlines:
rows with a kind, a reference and a due time. The scheduler fires every due deadline in
due order through the handler registered for its kind. Deadlines live in storage, so a
restart resumes them.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from domain.clock import Clock

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Deadline:
    id: int
    kind: str
    ref: str
    due_at: datetime
    payload: dict[str, Any] = field(default_factory=dict)


class DeadlineStore(Protocol):
    def add(self, kind: str, ref: str, due_at: datetime, payload: dict[str, Any]) -> Deadline: ...

    def cancel(self, kind: str, ref: str) -> int: ...

    def due(self, now: datetime, limit: int = 100) -> list[Deadline]: ...

    def next_due_at(self) -> datetime | None: ...

    def mark_fired(self, deadline_id: int, fired_at: datetime) -> bool:
        """Claim a deadline; False if it was already fired or cancelled."""
        ...

    def pending(self, kind: str | None = None) -> list[Deadline]: ...


DeadlineHandler = Callable[[Deadline], None]


class Scheduler:
    MAX_ROUNDS = 100
    def __init__(self, store: DeadlineStore, clock: Clock) -> None:
        self._store = store
        self._clock = clock
        self._handlers: dict[str, DeadlineHandler] = {}
        self._lock = threading.Lock()
        # Cached earliest due time so the ticker touches storage only when work is due.
        self._next_due: datetime | None = None
        self._next_known = False

    def on(self, kind: str, handler: DeadlineHandler) -> None:
        """Register the handler for one kind of deadline."""
        self._handlers[kind] = handler

    def schedule(
        self, kind: str, ref: str, due_at: datetime, payload: dict[str, Any] | None = None
    ) -> Deadline:
        deadline = self._store.add(kind, ref, due_at, payload or {})
        with self._lock:
            if self._next_known and (self._next_due is None or due_at < self._next_due):
                self._next_due = due_at
        return deadline

    def cancel(self, kind: str, ref: str) -> int:
        return self._store.cancel(kind, ref)

    def pending(self, kind: str | None = None) -> list[Deadline]:
        return self._store.pending(kind)

    def is_anything_due(self) -> bool:
        with self._lock:
            if not self._next_known:
                self._next_due = self._store.next_due_at()
                self._next_known = True
            return self._next_due is not None and self._next_due <= self._clock.now()

    def run_due(self) -> int:
        """Fire every deadline due now, oldest first; returns how many fired."""
        fired = 0
        # Bounded: a handler that keeps scheduling already-due work cannot spin forever;
        # the rest waits for the next tick.
        for _round in range(self.MAX_ROUNDS):
            now = self._clock.now()
            batch = self._store.due(now)
            if not batch:
                break
            for deadline in batch:
                if not self._store.mark_fired(deadline.id, now):
                    continue  # another worker claimed it
                fired += 1
                handler = self._handlers.get(deadline.kind)
                if handler is None:
                    log.warning("no handler for deadline kind %r", deadline.kind)
                    continue
                try:
                    handler(deadline)
                except Exception:
                    log.exception("deadline handler failed for %r", deadline)
        with self._lock:
            self._next_due = self._store.next_due_at()
            self._next_known = True
        return fired
