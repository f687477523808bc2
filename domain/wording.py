"""Counts and durations in the words a person would write ("1 interaction", "2 minutes")."""

from __future__ import annotations


def plural(count: int, singular: str, plural_form: str | None = None) -> str:
    """``plural(1, "row")`` → "1 row"; ``plural(3, "row")`` → "3 rows"."""
    word = singular if count == 1 else (plural_form or f"{singular}s")
    return f"{count} {word}"


def duration(seconds: float) -> str:
    """A rounded span: "1 second", "45 seconds", "2 minutes", "1 hour 5 minutes"."""
    seconds = max(0, int(seconds))
    if seconds < 60:
        return plural(seconds, "second")
    minutes = seconds // 60
    if minutes < 60:
        return plural(minutes, "minute")
    hours, minutes = divmod(minutes, 60)
    return plural(hours, "hour") + (f" {plural(minutes, 'minute')}" if minutes else "")


def ago(seconds: float) -> str:
    """How long ago something happened: "just now" under five seconds."""
    return "just now" if seconds < 5 else f"{duration(seconds)} ago"
