"""Stable selectors: every control a tester touches gets a ``data-testid`` (CONTRACTS.md)."""

from __future__ import annotations

from typing import TypeVar

from nicegui.element import Element

from ui.safe_props import set_props

T = TypeVar("T", bound=Element)


def tid(element: T, name: str, **data: object) -> T:
    """Give ``element`` the test id ``name`` (also a NiceGUI marker) and ``data-*`` attributes."""
    element.mark(name)
    # values, not a props string: they may hold quotes or spaces (ui/safe_props.py)
    return set_props(element, data_testid=name,
                     **{f"data_{key}": str(value) for key, value in data.items()})
