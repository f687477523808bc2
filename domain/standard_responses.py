"""The standard response library: prepared texts, by category, with shortcut keywords."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class StandardResponse:
    id: int
    category: str
    title: str
    text: str
    shortcut: str | None = None
