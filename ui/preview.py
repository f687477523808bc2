"""The Interaction Preview: a toast per offer with Accept and Reject.

Announced to screen readers (alert dialog in a live region), operable by keyboard, with an
optional focus move, sound and browser notification; the tab title counts waiting
previews. Auto-answer with preview counts down in the Accept button from the server's
deadline.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from nicegui import background_tasks, run, ui
from nicegui.element import Element

from domain.agents import Agent
from domain.events import OfferEnded, OfferMade, PreferencesChanged
from domain.interactions import Preview
from domain.routing import RoutingError
from domain.system import Services
from domain.wording import ago
from ui.live import follow
from ui.safe_props import set_props
from ui.testids import tid

ALERT_JS = """
window.parleyAlert = window.parleyAlert || function (title, body, sound) {
  if (sound) {
    try {
      const ctx = new (window.AudioContext || window.webkitAudioContext)();
      const osc = ctx.createOscillator(); const gain = ctx.createGain();
      osc.frequency.value = 880; gain.gain.value = 0.08;
      osc.connect(gain); gain.connect(ctx.destination);
      osc.start(); osc.stop(ctx.currentTime + 0.18);
    } catch (e) {}
  }
  if (document.hidden && 'Notification' in window && Notification.permission === 'granted') {
    try { new Notification(title, { body: body, tag: 'parley-preview' }); } catch (e) {}
  }
};
"""


TITLES = {
    "sms": "Inbound SMS",
    "mms": "Inbound MMS",
    "transfer": "SMS transfer",
    "consult": "IM consultation",
    "callback": "Scheduled callback",
}
ICONS = {"sms": "sms", "mms": "image", "transfer": "forward_to_inbox", "consult": "forum",
         "callback": "event"}


def elapsed(seconds: float) -> str:
    seconds = max(0, int(seconds))
    return f"{seconds // 60}:{seconds % 60:02d}"


@dataclass
class _Card:
    preview: Preview
    element: Element
    accept: Element
    waited: Element


class PreviewStack:
    def __init__(self, services: Services, agent: Agent, base_title: str = "Parley") -> None:
        self.services = services
        self.agent = agent
        self.base_title = base_title
        self.cards: dict[int, _Card] = {}
        self.client = ui.context.client  # background tasks have no UI context of their own
        ui.add_body_html(f"<script>{ALERT_JS}</script>")
        self.stack = tid(ui.element("div"), "preview-stack").classes("parley-previews")
        self.stack.props('aria-live="assertive" aria-relevant="additions" role="region" '
                         'aria-label="Interaction previews"')
        ui.timer(0.5, self._tick)
        follow(services.bus, self._on_offer, OfferMade)
        follow(services.bus, self._on_ended, OfferEnded)
        follow(services.bus, self._on_preferences, PreferencesChanged)
        background_tasks.create(self.load(), name="previews-load")

    async def load(self) -> None:
        previews = await run.io_bound(self.services.routing.previews, self.agent.id) or []
        for preview in previews:
            self._add(preview, announce=False)
        set_props(self.stack, data_loaded=True)  # what was pending at page load is shown

    def _on_preferences(self, event: PreferencesChanged) -> None:
        if event.agent_id == self.agent.id:
            self.agent = self.agent.with_options(**event.changes)

    def _on_offer(self, event: OfferMade) -> None:
        if event.agent_id == self.agent.id and event.offer_id not in self.cards:
            background_tasks.create(self._fetch(event.offer_id), name="preview-fetch")

    async def _fetch(self, offer_id: int) -> None:
        preview = await run.io_bound(self.services.routing.preview, offer_id)
        if preview is not None and offer_id not in self.cards:
            self._add(preview, announce=True)

    def _on_ended(self, event: OfferEnded) -> None:
        card = self.cards.pop(event.offer_id, None)
        if card is not None:
            self.stack.remove(card.element)
            self._retitle()

    def _add(self, preview: Preview, announce: bool) -> None:
        offer, interaction = preview.offer, preview.interaction
        kind = preview.kind
        title = TITLES.get(kind, "Inbound SMS")
        if preview.from_name:
            title = f"{title} from {preview.from_name}"
        elif preview.transfer_text:  # a colleague sent it to a queue: not a new contact
            title = title.replace("Inbound", "Transferred")
        title_id = f"preview-title-{offer.id}"
        with self.stack:
            card = tid(ui.card(), "preview", interaction_id=interaction.id, kind=kind,
                       offer_id=offer.id).classes("parley-preview q-pa-md gap-2")
            card.props('role="alertdialog" aria-modal="false"')
            set_props(card, aria_labelledby=title_id)
            with card:
                with ui.row().classes("items-center no-wrap gap-2 w-full"):
                    ui.icon(ICONS.get(kind, "sms"), size="1.4rem").classes("text-primary")
                    heading = ui.label(title).classes("text-subtitle1 text-weight-medium")
                    set_props(heading, id=title_id)
                    ui.space()
                    waited = tid(ui.label(), "preview-time-in-queue").classes(
                        "text-caption text-grey-8"
                    )
                tid(ui.label(interaction.contact_label), "preview-contact").classes(
                    "text-h6 parley-preview-contact"
                )
                if preview.transfer_text:
                    with ui.row().classes("items-center no-wrap gap-1 parley-preview-transfer"):
                        ui.icon("switch_account", size="1.1rem")  # as the Transfer button
                        tid(ui.label(preview.transfer_text), "preview-transfer",
                            transferred_by=preview.transferred_by or "",
                            transferred_to=preview.transferred_to or "")
                with ui.row().classes("gap-2 items-center"):
                    tid(ui.label(f"{interaction.mode.value.title()} mode"), "preview-mode",
                        mode=interaction.mode.value).classes("parley-chip")
                    if interaction.contact_name:
                        ui.label(interaction.contact_number).classes("text-grey-8")
                if preview.first_text:
                    ui.label(preview.first_text[:140]).classes("parley-preview-text")
                if preview.case_fields:
                    with tid(ui.element("dl"), "preview-case-data").classes("parley-case-data"):
                        for _key, label, value, _kind in preview.case_fields:
                            with ui.element("dt").classes("text-grey-8"):
                                ui.label(label)
                            with ui.element("dd"):
                                ui.label(str(value))
                with ui.row().classes("w-full justify-end gap-2 q-mt-xs"):
                    if preview.may_reject:
                        tid(ui.button("Reject", on_click=lambda o=offer.id: self.reject(o)),
                            "preview-reject").props("outline color=negative no-caps")
                    accept = tid(
                        ui.button("Accept", on_click=lambda o=offer.id: self.accept(o)),
                        "preview-accept",
                    ).props("color=positive no-caps unelevated")
        self.cards[offer.id] = _Card(preview, card, accept, waited)
        self._paint(self.cards[offer.id], self.services.clock.now())
        self._retitle()
        if announce:
            args = json.dumps([title, interaction.contact_label,
                               self.agent.options.preview_sound])
            self.client.run_javascript(f"window.parleyAlert(...{args})")
        if self.agent.options.focus_preview:
            self.client.run_javascript(
                f"setTimeout(() => document.querySelector('[data-offer-id=\"{offer.id}\"] "
                f"[data-testid=\"preview-accept\"]')?.focus(), 50)"
            )

    def _paint(self, card: _Card, now: datetime) -> None:
        offer = card.preview.offer
        if card.preview.kind in ("transfer", "consult"):
            asked = (now - offer.offered_at).total_seconds()
            card.waited.set_text(f"Asked {ago(asked)}")
        else:
            waited = (now - card.preview.interaction.created_at).total_seconds()
            card.waited.set_text(f"In queue {elapsed(waited)}")
        if offer.auto_answer:
            left = max(0, int((offer.deadline - now).total_seconds() + 0.999))
            card.accept.set_text(f"Accept ({left})")
            set_props(card.accept, aria_label=f"Accept, opens automatically in {left} seconds")

    def _tick(self) -> None:
        now = self.services.clock.now()
        for card in self.cards.values():
            self._paint(card, now)

    def _retitle(self) -> None:
        count = len(self.cards)
        title = f"({count}) {self.base_title}" if count else self.base_title
        self.client.run_javascript(f"document.title = {json.dumps(title)}")

    async def accept(self, offer_id: int) -> None:
        try:
            await run.io_bound(self.services.routing.accept, offer_id, self.agent.id)
        except RoutingError as exc:
            ui.notify(str(exc), type="warning")
            self._on_ended(OfferEnded(offer_id, self.agent.id, "", "gone"))

    async def reject(self, offer_id: int) -> None:
        try:
            await run.io_bound(self.services.routing.reject, offer_id, self.agent.id)
        except RoutingError as exc:
            ui.notify(str(exc), type="warning")
