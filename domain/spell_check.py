"""Spelling Check in the message area, per agent: language, on/off, My Dictionary.

The word lists and the fast suggestions live in :mod:`domain.spelling`; this service adds
what belongs to an agent: the chosen language and on/off switch (remembered), the personal
dictionary (stored, kept across sessions), and the words ignored in one interaction.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from typing import Protocol

from domain import spelling
from domain.events import EventPublisher, SpellingUsed
from domain.ports import AgentRepository

MAX_WORD = 100


class PersonalDictionary(Protocol):
    def words(self, agent_id: int) -> set[str]: ...

    def add(self, agent_id: int, word: str) -> None: ...


class SpellCheckError(ValueError):
    """A request the spell checker cannot take; the message says why."""


class SpellCheckService:
    def __init__(self, dictionary: PersonalDictionary, agents: AgentRepository) -> None:
        self._dictionary = dictionary
        self._agents = agents
        self._personal: dict[int, set[str]] = {}  # loaded once per agent, kept in step
        self._lock = threading.Lock()
        self.bus: EventPublisher | None = None  # set by main: SpellingUsed for lessons

    def used(self, agent_id: int, interaction_id: str, action: str, word: str) -> None:
        """Record that the Spelling Check menu was used (lessons follow it)."""
        if self.bus is not None:
            self.bus.publish(SpellingUsed(agent_id, interaction_id, action, word))

    @staticmethod
    def languages() -> list[tuple[str, str]]:
        return spelling.languages()

    def personal_words(self, agent_id: int) -> set[str]:
        with self._lock:
            cached = self._personal.get(agent_id)
        if cached is None:
            cached = {w.lower() for w in self._dictionary.words(agent_id)}
            with self._lock:
                self._personal[agent_id] = cached
        return cached

    def add_word(self, agent_id: int, word: str) -> None:
        word = word.strip()
        if not word or len(word) > MAX_WORD or any(ch.isspace() for ch in word):
            raise SpellCheckError("Only a single word can be added to My Dictionary.")
        self._dictionary.add(agent_id, word.lower())
        with self._lock:
            self._personal.setdefault(agent_id, set()).add(word.lower())

    def check(
        self, agent_id: int, text: str, language: str, ignored: Iterable[str] = ()
    ) -> list[spelling.Misspelling]:
        """Misspellings in ``text``; CPU work: call it off the event loop."""
        known = self.personal_words(agent_id) | {w.lower() for w in ignored}
        return spelling.check(text, language, known)

    @staticmethod
    def suggest(word: str, language: str, limit: int = 5) -> list[str]:
        return spelling.suggest(word, language, limit)

    def set_language(self, agent_id: int, language: str) -> str:
        codes = {code for code, _name in spelling.languages()}
        if language not in codes:
            raise SpellCheckError(f"There is no '{language}' dictionary.")
        self._agents.update_options(agent_id, spell_language=language)
        return language

    def set_enabled(self, agent_id: int, enabled: bool) -> None:
        self._agents.update_options(agent_id, spell_check=bool(enabled))

    @staticmethod
    def warm_up(language: str) -> None:
        spelling.warm_up(language)
