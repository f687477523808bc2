"""Per-browser event subscriptions that end when the browser's client goes away."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from nicegui import ui

from domain.events import Event, EventBus

E = TypeVar("E", bound=Event)


def follow(bus: EventBus, handler: Callable[[E], None], *types: type[E]) -> None:
    """Subscribe ``handler`` for the current page's client; handlers only redraw."""
    client = ui.context.client

    def deliver(event: E) -> None:
        if client.is_deleted:
            subscription.close()
            return
        with client:
            handler(event)

    subscription = bus.subscribe(deliver, *types)
    client.on_delete(subscription.close)
