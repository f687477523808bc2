"""Plural forms and durations read as a person would write them (issue 12, defect 11)."""

from __future__ import annotations

import pytest

from domain.wording import ago, duration, plural


def test_plural() -> None:
    assert plural(0, "interaction") == "0 interactions"
    assert plural(1, "interaction") == "1 interaction"
    assert plural(2, "interaction") == "2 interactions"
    assert plural(2, "reply", "replies") == "2 replies"


@pytest.mark.parametrize(("seconds", "words"), [
    (0, "0 seconds"), (1, "1 second"), (59.9, "59 seconds"), (60, "1 minute"),
    (150, "2 minutes"), (3600, "1 hour"), (3660, "1 hour 1 minute"), (7500, "2 hours 5 minutes"),
])
def test_duration(seconds: float, words: str) -> None:
    assert duration(seconds) == words


def test_ago() -> None:
    assert ago(1) == "just now"
    assert ago(12) == "12 seconds ago"
    assert ago(61) == "1 minute ago"
