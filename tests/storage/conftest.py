"""Storage tests run twice: on a fresh SQLite file and on a real PostgreSQL server.

PostgreSQL comes from, in order:
- ``PARLEY_TEST_DATABASE_URL``: an existing server. Its ``public`` schema is dropped and
  recreated before every test, so point it at a throwaway database only.
- a private cluster started for the test run from the server binaries in
  ``PARLEY_TEST_PG_BIN`` or the newest ``/usr/lib/postgresql/*/bin`` (Debian's
  ``postgresql`` package). As root, the server runs as the ``postgres`` user.

Without either, the PostgreSQL variants are skipped with the reason
("PostgreSQL not available: ..."); ``PARLEY_REQUIRE_POSTGRES=1`` turns that into an error.
"""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest
from sqlalchemy.engine import Engine

from storage.db import Database, make_engine, migrate, normalise_url
from tests.postgres import Cluster, PostgresUnavailable, pg_bin_dir

ROOT = Path(__file__).resolve().parents[2]
DEMO_TOML = ROOT / "assets" / "demo" / "demo.toml"



def _unavailable(reason: str) -> None:
    message = f"PostgreSQL not available: {reason}"
    if os.environ.get("PARLEY_REQUIRE_POSTGRES") == "1":
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """SQLAlchemy URL of an empty PostgreSQL database for this test run."""
    configured = os.environ.get("PARLEY_TEST_DATABASE_URL")
    if configured:
        url = normalise_url(configured)
        try:
            with psycopg.connect(_libpq_dsn(url), connect_timeout=10):
                failure = ""
        except psycopg.Error as exc:
            failure = f"cannot connect to PARLEY_TEST_DATABASE_URL: {exc}"
        if failure:
            _unavailable(failure)
        yield url
        return
    cluster: Cluster | None = None
    failure = ""
    began = time.monotonic()
    try:
        cluster = Cluster(pg_bin_dir())
        url = cluster.start()
    except (PostgresUnavailable, OSError, subprocess.SubprocessError, psycopg.Error) as exc:
        failure = str(exc) or type(exc).__name__
    if failure:
        if cluster is not None:
            try:
                cluster.stop()
            except (PostgresUnavailable, OSError, subprocess.SubprocessError):
                pass
        _unavailable(failure)
    assert cluster is not None
    print(f"\nPostgreSQL test server ready in {time.monotonic() - began:.1f} s: {url}")
    try:
        yield url
    finally:
        cluster.stop()


def _libpq_dsn(url: str) -> str:
    """The SQLAlchemy URL without its ``+driver`` part, as libpq understands it."""
    from sqlalchemy.engine import make_url

    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _reset_postgres(url: str) -> None:
    with psycopg.connect(_libpq_dsn(url), autocommit=True) as conn:
        # A connection a failed test left open (perhaps inside a transaction) would block
        # the DROP for ever; end them, and never wait long for a lock.
        conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        conn.execute("SET lock_timeout = '20s'")
        conn.execute("DROP SCHEMA IF EXISTS public CASCADE")
        conn.execute("CREATE SCHEMA public")


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def empty_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """An engine on a database with no tables at all (fresh file / fresh schema)."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'parley.db'}"
    else:
        url = request.getfixturevalue("postgres_url")
        _reset_postgres(url)
    engine = make_engine(url)
    yield engine
    engine.dispose()


@pytest.fixture
def db(empty_engine: Engine) -> Database:
    """A migrated, empty Parley database on SQLite or PostgreSQL."""
    migrate(empty_engine)
    return Database(empty_engine)


@pytest.fixture
def demo_toml() -> Path:
    return DEMO_TOML


@pytest.fixture
def reopen() -> Iterator[Callable[[Database], Database]]:
    """Opens a second engine on the same database, as a restarted process would."""
    opened: list[Database] = []

    def _reopen(db: Database) -> Database:
        again = Database(make_engine(db.engine.url.render_as_string(hide_password=False)))
        opened.append(again)
        return again

    yield _reopen
    for again in opened:
        again.engine.dispose()


@pytest.fixture
def cheap_hash() -> Callable[[str], str]:
    """Stands in for Argon2 where the hash itself is not under test."""
    return lambda password: "x" + password


class FakeHasher:
    """A fast PasswordHasher for AuthService tests."""

    def hash(self, password: str) -> str:
        return "fake$" + password

    def verify(self, password: str, hashed: str) -> bool:
        return hashed == "fake$" + password


@pytest.fixture
def fake_hasher() -> FakeHasher:
    return FakeHasher()
