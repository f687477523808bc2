"""The database engine and schema migrations (Alembic, run at start)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import event, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import InterfaceError, OperationalError, SQLAlchemyError
from sqlmodel import Session, create_engine

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


# What the driver raises when the database went away (a crash, a lost connection).
UNAVAILABLE: tuple[type[Exception], ...] = (OperationalError, InterfaceError)


def normalise_url(url: str) -> str:
    """``postgresql://`` means psycopg 3 here (the driver we ship)."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def make_engine(url: str) -> Engine:
    url = normalise_url(url)
    kwargs: dict[str, Any] = {}
    if url.startswith("sqlite"):
        # Services run in worker threads; each thread gets its own pooled connection.
        kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
    else:
        kwargs.update(pool_pre_ping=True, pool_size=10, max_overflow=10)
    engine = create_engine(url, **kwargs)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets readers work while one writer commits; foreign keys are off by default.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def migrate(engine: Engine) -> None:
    """Bring the schema up to the newest revision (creates it on an empty database)."""
    command.upgrade(alembic_config(engine), "head")


# Key of the PostgreSQL advisory lock every starting process takes (any fixed number).
STARTUP_LOCK = 0x5061726C6579  # "Parley"


@contextmanager
def startup(engine: Engine) -> Iterator[None]:
    """Migrate, then run the block (demo seeding), one starting process at a time.

    Several processes on one PostgreSQL database would otherwise all create the schema
    (and the demo data) at once and all but one crash. The advisory lock belongs to one
    connection held for the whole block; the others wait, then find the work done.
    SQLite is one process's file: nothing to wait for.
    """
    if engine.dialect.name != "postgresql":
        migrate(engine)
        yield
        return
    with engine.connect() as holder:
        holder.execute(text("SELECT pg_advisory_lock(:key)"), {"key": STARTUP_LOCK})
        holder.commit()  # a session-level lock: it outlives this transaction
        try:
            migrate(engine)
            yield
        finally:
            holder.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": STARTUP_LOCK})
            holder.commit()


class Database:
    """Opens one session per unit of work."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @contextmanager
    def session(self) -> Iterator[Session]:
        with Session(self.engine, expire_on_commit=False) as session:
            yield session

    def ping(self) -> str | None:
        """None when the database answers a trivial query, else why not (for health)."""
        try:
            with self.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except SQLAlchemyError as exc:
            cause = getattr(exc, "orig", None) or exc
            return f"the database does not answer ({type(cause).__name__})"
        return None

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name
