"""Demo data from ``assets/demo/demo.toml``, created once on an empty database."""

from __future__ import annotations

import tomllib
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlmodel import Session, func, select

from domain.agents import AgentOptions, AutoAnswer, Role
from storage.contacts import index_all_contacts
from storage.db import Database
from storage.repositories import OPTION_FIELDS
from storage.tables import (
    AgentRow,
    CaseDataFieldRow,
    CentreNumberRow,
    ContactEmailRow,
    ContactPhoneRow,
    ContactRow,
    DispositionCodeRow,
    InteractionRow,
    MessageRow,
    MetaRow,
    NoteRow,
    QueueRow,
    StandardResponseRow,
)

DEMO_MARKER = "demo_data"
DEMO_PASSWORD = "demo"


def load_demo(path: Path) -> dict[str, Any]:
    return tomllib.loads(path.read_text(encoding="utf-8"))


def seed_demo(
    db: Database, path: Path, hash_password: Callable[[str], str], now: datetime
) -> bool:
    """Create the demo data if the database has no agents yet. Returns True if it did.

    ``now`` comes from the application clock: the demo history is dated relative to it,
    so a test that fixes the clock sees the same history on any calendar day.

    Runs in one transaction, so a crash halfway leaves nothing to duplicate.
    """
    data = load_demo(path)
    with db.session() as s:
        if s.get(MetaRow, DEMO_MARKER) is not None:
            return False
        if s.exec(select(func.count()).select_from(AgentRow)).one() > 0:
            return False  # a real installation: never mix demo people into it
        password_hash = hash_password(DEMO_PASSWORD)
        for spec in data.get("agents", []):
            options = {k: v for k, v in spec.items() if k in OPTION_FIELDS}
            options = AgentOptions(**options).__dict__ | {
                "auto_answer": AutoAnswer(options.get("auto_answer", "manual")).value
            }
            s.add(
                AgentRow(
                    username=spec["username"],
                    display_name=spec["display_name"],
                    role=Role(spec.get("role", "agent")).value,
                    password_hash=password_hash,
                    phone=spec.get("phone"),
                    **options,
                )
            )
        queue_ids: dict[str, int] = {}
        for spec in data.get("queues", []):
            row = QueueRow(name=spec["name"], kind=spec.get("kind", "queue"))
            s.add(row)
            s.flush()
            assert row.id is not None
            queue_ids[row.name] = row.id
        for spec in data.get("centre_numbers", []):
            s.add(
                CentreNumberRow(
                    number=spec["number"], mode=spec["mode"],
                    queue_id=queue_ids[spec["queue"]], label=spec.get("label", ""),
                )
            )
        for spec in data.get("contacts", []):
            contact = ContactRow(name=spec["name"])
            s.add(contact)
            s.flush()
            assert contact.id is not None
            for phone in spec.get("phones", []):
                s.add(ContactPhoneRow(contact_id=contact.id, **phone))
            for email in spec.get("emails", []):
                s.add(ContactEmailRow(contact_id=contact.id, **email))
        for position, spec in enumerate(data.get("disposition_codes", [])):
            s.add(DispositionCodeRow(position=position, **spec))
        for spec in data.get("standard_responses", []):
            s.add(StandardResponseRow(**spec))
        for position, spec in enumerate(data.get("case_data_fields", [])):
            s.add(CaseDataFieldRow(position=position, **spec))
        s.flush()
        index_all_contacts(s)  # contact search terms
        _seed_history(s, data.get("history", []), now)
        s.add(MetaRow(key=DEMO_MARKER, value="1"))
        s.commit()
    return True


def _seed_history(s: Session, history: list[dict[str, Any]], now: datetime) -> None:
    """Done interactions with their transcripts and notes, dated before ``now``."""
    for spec in history:
        agent = s.exec(select(AgentRow).where(AgentRow.username == spec["agent"])).one()
        centre = s.get(CentreNumberRow, spec["centre"])
        assert centre is not None, f"demo history names unknown centre {spec['centre']}"
        phone = s.exec(select(ContactPhoneRow).where(
            ContactPhoneRow.number == spec["contact"])).first()
        started = now - timedelta(days=spec["days_ago"])
        interaction = InteractionRow(
            id=uuid.uuid4().hex, channel="sms", mode=centre.mode, state="done",
            contact_number=spec["contact"], centre_number=centre.number,
            queue_id=centre.queue_id, contact_id=phone.contact_id if phone else None,
            owner_id=agent.id, created_at=started, queued_at=started,
            accepted_at=started + timedelta(seconds=20),
            ended_at=started + timedelta(minutes=6),
            last_activity_at=started + timedelta(minutes=5),
            disposition=spec.get("disposition"), case_data={"subject": spec["messages"][0][1]},
        )
        s.add(interaction)
        for i, (party, text) in enumerate(spec["messages"]):
            s.add(MessageRow(interaction_id=interaction.id, party=party, text=text,
                             created_at=started + timedelta(minutes=i * 2),
                             agent_id=agent.id if party == "agent" else None))
        if spec.get("note"):
            s.add(NoteRow(interaction_id=interaction.id, agent_id=agent.id, text=spec["note"],
                          created_at=started + timedelta(minutes=6)))
