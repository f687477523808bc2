"""Disposition codes an agent sets to say how an interaction ended."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DispositionCode:
    code: str
    label: str
