"""Stable selectors: every control a tester touches gets a ``data-testid`` (CONTRACTS.md)."""

from __future__ import annotations

from typing import TypeVar

from nicegui.element import Element

T = TypeVar("T", bound=Element)


def tid(element: T, name: str, **data: object) -> T:
    """Give ``element`` the test id ``name`` (also a NiceGUI marker) and ``data-*`` attributes."""
    element.mark(name)
    element.props["data-testid"] = name
    for key, value in data.items():
        # item assignment, not a props string: values may hold quotes or spaces
        element.props[f"data-{key.replace('_', '-')}"] = str(value)
    return element
