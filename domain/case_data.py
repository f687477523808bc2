"""Case data (attached data): the fields shown with an interaction, some editable."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class FieldKind(StrEnum):
    TEXT = "text"
    URL = "url"


@dataclass(frozen=True)
class CaseDataField:
    key: str
    label: str
    editable: bool = False
    kind: FieldKind = FieldKind.TEXT
    position: int = 0
