"""Contacts: the people who text the centre, with several numbers and e-mail addresses."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class ContactPhone:
    number: str  # E.164
    label: str = "mobile"


@dataclass(frozen=True)
class ContactEmail:
    address: str
    label: str = "work"


@dataclass(frozen=True)
class Contact:
    id: int
    name: str
    phones: tuple[ContactPhone, ...] = field(default_factory=tuple)
    emails: tuple[ContactEmail, ...] = field(default_factory=tuple)
