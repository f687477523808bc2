"""The interaction window: contact, transcript and the actions on one interaction.

This first version shows the transcript and offers Done; compose, links, MMS thumbnails,
dispositions, notes and case data editing come with the interaction-window issue.
"""

from __future__ import annotations

from collections.abc import Callable
from zoneinfo import ZoneInfo

from nicegui import background_tasks, run, ui

from domain.agents import Agent
from domain.events import MessageReceived
from domain.handling import HandlingError
from domain.interactions import Interaction, Message
from domain.system import Services
from ui.live import follow
from ui.testids import tid


class InteractionWindow:
    def __init__(
        self, services: Services, agent: Agent, interaction: Interaction,
        on_closed: Callable[[str], None],
    ) -> None:
        self.services = services
        self.agent = agent
        self.interaction = interaction
        self.on_closed = on_closed
        self.zone = ZoneInfo(agent.options.time_zone)
        colours = services.settings.section("transcript").get("colours", {})
        self.card = tid(ui.card(), "interaction", interaction_id=interaction.id,
                        mode=interaction.mode.value, state=interaction.state.value)
        self.card.classes("w-full parley-interaction q-pa-none")
        self.card.props(f'role="region" aria-label="Interaction with {interaction.contact_label}"')
        with self.card:
            with ui.row().classes("w-full items-center q-px-md q-py-sm gap-3 parley-int-head"):
                tid(ui.label(interaction.contact_label), "interaction-contact-name").classes(
                    "text-h6"
                )
                tid(ui.label(interaction.contact_number), "interaction-contact-phone").classes(
                    "text-grey-8"
                )
                ui.label(f"{interaction.channel.value.upper()} · "
                         f"{interaction.mode.value.title()} mode").classes("parley-chip")
                ui.space()
                tid(ui.button("Done", icon="done", on_click=self.done), "done").props(
                    "unelevated no-caps color=primary"
                )
            self.transcript = tid(ui.column(), "transcript").classes(
                "w-full q-px-md q-pb-md gap-1 parley-transcript"
            ).props('role="log" aria-live="polite" aria-label="Transcript"')
        self.colours = colours
        follow(services.bus, self._on_message, MessageReceived)
        background_tasks.create(self.reload(), name="transcript-load")

    async def reload(self) -> None:
        try:
            messages = await run.io_bound(
                self.services.handling.transcript, self.interaction.id, self.agent.id
            )
        except HandlingError as exc:
            self.transcript.clear()
            with self.transcript:
                ui.label(str(exc)).classes("text-negative")
            return
        self.show(messages or [])

    def show(self, messages: list[Message]) -> None:
        self.transcript.clear()
        with self.transcript:
            for message in messages:
                colour = self.colours.get(message.party.value, "#1f2937")
                with tid(ui.row(), "transcript-line", party=message.party.value).classes(
                    "no-wrap items-baseline gap-2 parley-line"
                ).style(f"color: {colour}"):
                    ui.label(message.created_at.astimezone(self.zone).strftime("%H:%M:%S")).classes(
                        "parley-messages-time"
                    )
                    who = self.interaction.contact_label if message.party.value == "contact" \
                        else message.party.value.title()
                    ui.label(f"{who}:").classes("text-weight-medium")
                    ui.label(message.text).classes("parley-line-text")
                for item in message.media:
                    ui.label(f"[image: {item.filename}]").classes("text-grey-8 q-ml-xl")

    def _on_message(self, event: MessageReceived) -> None:
        if event.interaction_id == self.interaction.id:
            background_tasks.create(self.reload(), name="transcript-reload")

    async def done(self) -> None:
        try:
            await run.io_bound(self.services.handling.done, self.interaction.id, self.agent.id)
        except HandlingError as exc:
            ui.notify(str(exc), type="warning")
            return
        self.on_closed(self.interaction.id)
