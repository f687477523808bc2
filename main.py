"""Parley's bootstrap: read settings, build storage and services, register pages and API, run.

Nothing is built at import time: the NiceGUI test plugin runs this file once per test.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import multiprocessing
import os
from pathlib import Path
from typing import TYPE_CHECKING

from domain.auth import AuthService, LockoutPolicy
from domain.callbacks import CallbackService
from domain.clock import Clock, OffsetClock, SystemClock
from domain.contact_directory import ContactService
from domain.desktop import AgentService, NotificationService, PresenceService
from domain.events import EventBus
from domain.flags import FlagService
from domain.gateway import SmsGateway
from domain.handling import HandlingService
from domain.health import HealthCheck
from domain.inbound import InboundService
from domain.linked_media import LinkedMediaService
from domain.outbound import OutboundService
from domain.routing import RoutingService
from domain.scheduler import Scheduler
from domain.settings import Settings, SettingsError, load_settings
from domain.spell_check import SpellCheckService
from domain.system import Services
from domain.team_communicator import TeamCommunicator
from domain.transfers import TransferPolicy, TransferService
from storage.callbacks import CallbackRepo
from storage.contacts import ContactRepo
from storage.db import UNAVAILABLE, Database, make_engine, startup
from storage.demo import seed_demo
from storage.flags import FlagRepo
from storage.gateway import SimulatedGateway
from storage.interactions import InteractionRepo
from storage.lessons import build_lessons
from storage.media import FileMediaStore
from storage.repositories import (
    AgentRepo,
    DeadlineRepo,
    DirectoryRepo,
    LoginAttemptRepo,
    NotificationRepo,
    PersonalDictionaryRepo,
    PresenceRepo,
    SessionRepo,
)
from storage.thumbnails import ThumbnailStore
from storage.transfers import TransferRepo

if TYPE_CHECKING:
    from api.routes import GatewayRoutes

ROOT = Path(__file__).resolve().parent
ASSETS = ROOT / "assets"
TICK_SECONDS = 0.2
log = logging.getLogger("parley")


def build_services(settings: Settings, clock: Clock | None = None) -> Services:
    """Storage first (migrated to the newest schema), then the domain services on top."""
    engine = make_engine(settings.database_url)
    db = Database(engine)
    clock = clock or (OffsetClock() if settings.test_mode else SystemClock())
    bus = EventBus()
    presence = PresenceService(
        PresenceRepo(db), bus, clock, settings.section("presence").get("not_ready_reasons", [])
    )
    notifications = NotificationService(NotificationRepo(db), bus, clock)

    def on_login(agent_id: int) -> None:
        presence.log_in(agent_id)
        notifications.notify(agent_id, "You are logged in to the SMS channel.")

    agents = AgentRepo(db)
    auth = AuthService(
        agents, LoginAttemptRepo(db), SessionRepo(db), clock,
        policy=LockoutPolicy(**settings.section("login")),
        on_login=lambda agent: on_login(agent.id),
    )
    with startup(engine):  # one starting process at a time migrates and seeds
        if settings.demo and seed_demo(
            db, ASSETS / "demo" / "demo.toml", auth.hash_password, clock.now()
        ):
            log.info("demo data created")
    scheduler = Scheduler(DeadlineRepo(db), clock)
    directory = DirectoryRepo(db)
    interactions = InteractionRepo(db)
    routing_config = settings.section("routing")
    routing = RoutingService(
        interactions, agents, directory, scheduler, bus, clock,
        offer_timeout_seconds=routing_config.get("offer_timeout_seconds", 30),
        reject_cooldown_seconds=routing_config.get("reject_cooldown_seconds", 120),
    )
    presence.on_change(routing.on_presence)
    gateway = SimulatedGateway(db)
    handling = HandlingService(
        interactions, bus, clock, gateway=gateway, agents=agents, reference=directory,
        scheduler=scheduler,
        session_timeout_seconds=settings.section("session").get(
            "inactivity_timeout_seconds", 900),
        max_parts=settings.section("sms").get("max_parts", 10),
        recent_days=settings.section("contact_history").get("recent_days", 7),
        notifications=notifications,
    )
    handling.on_done(lambda _interaction: routing.route_waiting())  # capacity freed
    routing.on_accept(lambda offer: handling.started(offer.interaction_id, offer.agent_id))
    media = FileMediaStore(settings.data_dir / "media")
    inbound = InboundService(
        interactions, directory, media, bus, clock, routing.route,
        case_data_defaults=settings.section("case_data").get("defaults", {}),
    )
    inbound.on_joined(handling.note_activity)
    if settings.twilio is not None:  # Twilio links MMS images: fetch them after storing
        from api.gateways.twilio import TwilioMediaFetcher

        linked = LinkedMediaService(interactions, media, TwilioMediaFetcher(settings.twilio),
                                    scheduler, bus, clock, inbound.offer)
        inbound.on_linked_media(linked.linked)
    transfer_config = settings.section("transfers")
    transfer_repo = TransferRepo(db)
    transfers = TransferService(
        transfer_repo, agents, directory, presence, notifications, handling, routing,
        scheduler, bus, clock,
        policy=TransferPolicy(
            may_decline=bool(transfer_config.get("may_decline", True)),
            when_full=str(transfer_config.get("when_full", "wait")),
            invitation_timeout_seconds=float(
                transfer_config.get("invitation_timeout_seconds", 30)),
        ),
    )
    routing.handle_invitations(transfers)
    handling.add_viewer_rule(transfers.is_consultant)
    handling.on_done(transfers.interaction_closed)
    handling.on_done(lambda interaction: transfers.capacity_freed(interaction.owner_id))
    presence.on_change(lambda agent_id, status: transfers.capacity_freed(agent_id))
    team = TeamCommunicator(
        transfer_repo, agents, directory, presence, clock,
        wait_sample_minutes=float(transfer_config.get("wait_sample_minutes", 10)),
        wait_sample_minimum=int(transfer_config.get("wait_sample_minimum", 10)),
    )
    callbacks = CallbackService(
        CallbackRepo(db), interactions, agents, directory, scheduler, bus, clock, routing.route,
        region=settings.section("phone").get("default_region", "US"))
    routing.on_accept(callbacks.accepted)
    handling.on_done(callbacks.finished)
    region = settings.section("phone").get("default_region", "US")
    contact_repo = ContactRepo(db)
    contacts = ContactService(contact_repo, bus, clock, agents, region)
    handling.add_image_viewer_rule(contacts.in_history)  # every agent reads the history
    services = Services(
        settings=settings,
        clock=clock,
        bus=bus,
        scheduler=scheduler,
        auth=auth,
        presence=presence,
        notifications=notifications,
        agents=AgentService(agents, bus),
        directory=directory,
        routing=routing,
        handling=handling,
        inbound=inbound,
        gateway=gateway,
        outbox=gateway,
        media=media,
        spell_check=SpellCheckService(PersonalDictionaryRepo(db), agents),
        transfers=transfers,
        team=team,
        flags=FlagService(FlagRepo(db), handling, bus, clock, agents),
        health=HealthCheck({"database": db.ping, "gateway": carrier(settings, gateway).healthy}),
        callbacks=callbacks,
        contacts=contacts,
        outbound=OutboundService(contact_repo, agents, directory, gateway, bus, clock,
                                 settings.section("sms").get("max_parts", 10), region),
    )
    services.lessons = build_lessons(services, db, ASSETS / "lessons")
    return services


def carrier(settings: Settings, simulator: SmsGateway) -> SmsGateway:
    """The SMS gateway PARLEY_GATEWAY names (each adapter in its own module)."""
    if settings.gateway == "kannel" and settings.kannel is not None:
        from api.gateways.kannel import KannelGateway

        return KannelGateway(settings.kannel, settings.public_url, settings.api_token)
    return simulator


def gateway_routes(services: Services) -> list[GatewayRoutes]:
    """The webhooks of the configured carrier (PARLEY_GATEWAY)."""
    if services.settings.gateway == "kannel":
        from api import kannel

        reports = getattr(services, "delivery_reports", None)  # the outbox's, once it runs
        return [lambda limiter: kannel.router(services, reports, limiter)]
    return []


def main() -> None:
    if multiprocessing.current_process().name != "MainProcess":
        return  # a spawned image-decoding worker imports this file: it builds nothing
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    try:
        settings = load_settings()
    except SettingsError as exc:  # a clear line, not a traceback, for a wrong setting
        raise SystemExit(f"Parley cannot start: {exc}") from None
    # Browser session files live with the rest of the data (read when nicegui is imported).
    os.environ.setdefault("NICEGUI_STORAGE_PATH", str(settings.data_dir / ".nicegui"))
    from nicegui import app, run, ui

    # Image decoding runs in worker processes; "spawn" starts them clean (forking a
    # threaded server is unsafe), and the guard above keeps them from re-running main().
    run.process_pool_start_method = "spawn"

    from api import routes, twilio
    from api.security import SecurityHeaders
    from ui import desktop, login, mms, phone

    services = build_services(settings)
    ticker: list[asyncio.Task[None]] = []

    async def tick() -> None:
        while True:
            await asyncio.sleep(TICK_SECONDS)
            try:
                if services.scheduler.is_anything_due():
                    await run.io_bound(services.scheduler.run_due)
            except Exception:
                log.exception("scheduler tick failed")

    async def start() -> None:
        loop = asyncio.get_running_loop()
        # Services run in worker threads; their events are delivered on the event loop.
        services.bus.set_dispatcher(lambda fn: loop.call_soon_threadsafe(fn))
        ticker.append(asyncio.create_task(tick()))
        ticker.append(asyncio.create_task(run.io_bound(services.spell_check.warm_up, "en")))
        # Queued interactions wait for nobody: offer them to whoever is Ready now.
        await run.io_bound(services.routing.resume)

    async def stop() -> None:
        for task in ticker:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    app.on_startup(start)
    app.on_shutdown(stop)
    routes.register(app, services, database_errors=UNAVAILABLE,
                    gateways=gateway_routes(services))
    twilio.register(app, services, reports=None)  # delivery reports come with the outbox
    app.add_middleware(SecurityHeaders)  # CSP and friends on every page and file
    login.register(services)
    desktop.register(services)
    phone.register(services)
    mms.register(services, ThumbnailStore(settings.data_dir / "thumbnails", services.media))
    ui.run(
        host=settings.host,
        port=settings.port,
        title="Parley",
        language="en-US",  # also <html lang>, for screen readers
        storage_secret=settings.storage_secret,
        reload=False,
        show=False,
        favicon="💬",
        reconnect_timeout=10,
        fastapi_docs=True,  # OpenAPI at /docs (CONTRACTS.md)
    )


if __name__ in {"__main__", "__mp_main__"}:
    main()
