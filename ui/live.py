"""Per-browser event subscriptions that end when their page part or the browser goes away."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from nicegui import ui
from nicegui.element import Element

from domain.events import Event, EventBus

E = TypeVar("E", bound=Event)


def follow(
    bus: EventBus, handler: Callable[[E], None], *types: type[E], owner: Element | None = None
) -> None:
    """Subscribe ``handler`` for the current page's client; handlers only redraw.

    With ``owner``, the subscription also ends once that element is deleted (a window
    replaced by another keeps no listeners behind).
    """
    client = ui.context.client

    def deliver(event: E) -> None:
        if client.is_deleted or (owner is not None and owner.is_deleted):
            subscription.close()
            return
        with client:
            handler(event)

    subscription = bus.subscribe(deliver, *types)
    client.on_delete(subscription.close)
