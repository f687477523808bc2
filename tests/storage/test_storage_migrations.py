"""Alembic migrations: an empty database gets the whole schema; re-running changes nothing."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel

from domain.agents import Role
from domain.presence import Status
from storage.db import Database, alembic_config, migrate
from storage.repositories import AgentRepo, PresenceRepo

# The tables of the first revision; later revisions add more (all of them from the models).
CORE_TABLES = {
    "agent", "agent_session", "case_data_field", "centre_number", "contact",
    "contact_email", "contact_phone", "deadline", "disposition_code", "login_attempt",
    "meta", "notification", "presence", "queue", "standard_response",
}


def _head(engine: Engine) -> str | None:
    return ScriptDirectory.from_config(alembic_config(engine)).get_current_head()


def _current(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def test_empty_database_has_no_tables(empty_engine: Engine) -> None:
    assert inspect(empty_engine).get_table_names() == []
    assert _current(empty_engine) is None


def test_migrate_creates_every_table(empty_engine: Engine) -> None:
    migrate(empty_engine)
    tables = set(inspect(empty_engine).get_table_names())
    # Exactly the tables the models declare: a model without a revision fails here.
    assert tables == set(SQLModel.metadata.tables) | {"alembic_version"}
    assert CORE_TABLES <= tables
    assert _current(empty_engine) == _head(empty_engine)


def test_migrated_schema_matches_the_models(empty_engine: Engine) -> None:
    migrate(empty_engine)
    with empty_engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        differences = compare_metadata(context, SQLModel.metadata)
    assert differences == []


def _schema(engine: Engine) -> dict[str, object]:
    inspector = inspect(engine)
    return {
        table: (
            [(c["name"], str(c["type"]), c["nullable"]) for c in inspector.get_columns(table)],
            sorted((i["name"], tuple(i["column_names"])) for i in inspector.get_indexes(table)),
        )
        for table in inspector.get_table_names()
    }


def test_migrate_twice_is_a_no_op(empty_engine: Engine) -> None:
    migrate(empty_engine)
    before = _schema(empty_engine)
    migrate(empty_engine)
    assert _schema(empty_engine) == before
    with empty_engine.connect() as conn:
        versions = conn.execute(text("SELECT version_num FROM alembic_version")).all()
    assert [v[0] for v in versions] == [_head(empty_engine)]


def test_existing_data_survives_a_second_migrate(
    empty_engine: Engine, reopen: Callable[[Database], Database]
) -> None:
    migrate(empty_engine)
    first = Database(empty_engine)
    agent = AgentRepo(first).add("alice", "Alice Anders", Role.AGENT, "hash-a")
    since = datetime(2026, 3, 29, 0, 59, 59, 123456, tzinfo=UTC)
    PresenceRepo(first).set(agent.id, Status.READY, None, since)
    empty_engine.dispose()  # the process stops; on SQLite the data file stays behind

    restarted = reopen(first)
    migrate(restarted.engine)

    assert AgentRepo(restarted).password_hash("alice") == (agent, "hash-a")
    presence = PresenceRepo(restarted).get(agent.id)
    assert presence is not None and presence.since == since
    assert _current(restarted.engine) == _head(restarted.engine)


def test_an_older_database_with_data_upgrades_to_the_newest_schema(empty_engine) -> None:  # type: ignore[no-untyped-def]
    from alembic import command
    from sqlalchemy import text

    from storage.db import alembic_config

    command.upgrade(alembic_config(empty_engine), "0003")
    with empty_engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO agent (username, display_name, role, password_hash, auto_answer, "
            "auto_answer_seconds, may_reject, may_save_images, spelling_warning, "
            "disposition_required, may_send_sms, sms_capacity, focus_preview, preview_sound, "
            "zoom, spell_language, time_zone) VALUES ('old', 'Old Timer', 'agent', 'x', "
            "'manual', 10, true, false, false, false, true, 3, false, false, 100, 'en', 'UTC')"))
    command.upgrade(alembic_config(empty_engine), "head")
    from storage.db import Database
    from storage.repositories import AgentRepo

    agent = AgentRepo(Database(empty_engine)).by_username("old")
    assert agent is not None and agent.display_name == "Old Timer"
    assert agent.options.spell_check is True
