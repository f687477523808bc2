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

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest
from sqlalchemy.engine import Engine

from storage.db import Database, make_engine, migrate, normalise_url

ROOT = Path(__file__).resolve().parents[2]
DEMO_TOML = ROOT / "assets" / "demo" / "demo.toml"

DB_NAME = "parley_test"
# Not UTC on purpose: aware datetimes must come back as the same instant in UTC whatever
# time zone the server reports in. An odd offset (+12:45/+13:45) catches sloppy conversions.
SERVER_TIME_ZONE = "Pacific/Chatham"


class PostgresUnavailable(Exception):
    pass


def _pg_bin_dir() -> Path:
    configured = os.environ.get("PARLEY_TEST_PG_BIN")
    if configured:
        candidates = [Path(configured)]
    else:
        found = glob.glob("/usr/lib/postgresql/*/bin")
        candidates = sorted(
            (Path(p) for p in found),
            key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else -1,
            reverse=True,
        )
    for candidate in candidates:
        if (candidate / "initdb").is_file() and (candidate / "pg_ctl").is_file():
            return candidate
    where = configured or "/usr/lib/postgresql/*/bin"
    raise PostgresUnavailable(f"no initdb/pg_ctl in {where} (install Debian's postgresql)")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class _Cluster:
    """A throwaway PostgreSQL cluster in a temporary directory."""

    def __init__(self, bin_dir: Path) -> None:
        self.bin_dir = bin_dir
        self.as_root = os.geteuid() == 0
        self.base = Path(tempfile.mkdtemp(prefix="parley-pg-"))
        self.data = self.base / "data"
        self.sockets = self.base / "sockets"
        self.log = self.base / "server.log"
        self.port = _free_port()

    def _run(self, *args: str, timeout: float = 60) -> None:
        command = [str(self.bin_dir / args[0]), *args[1:]]
        if self.as_root:
            # PostgreSQL refuses to run as root.
            command = ["runuser", "-u", "postgres", "--", *command]
        output = self.base / "command.out"
        with output.open("wb") as out:
            # Output goes to a file, not a pipe: the server started by pg_ctl could keep a
            # pipe open and make this call wait forever.
            result = subprocess.run(
                command, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                timeout=timeout, check=False,
            )
        if result.returncode != 0:
            text = output.read_text(errors="replace").strip()
            if self.log.exists():
                text += "\n" + self.log.read_text(errors="replace").strip()
            tail = " | ".join(text.splitlines()[-6:])
            raise PostgresUnavailable(f"{args[0]} failed ({result.returncode}): {tail}")

    def start(self) -> str:
        self.sockets.mkdir()
        if self.as_root:
            if shutil.which("runuser") is None:
                raise PostgresUnavailable("running as root and no runuser to drop to postgres")
            try:
                shutil.chown(self.base, user="postgres", group="postgres")
                shutil.chown(self.sockets, user="postgres", group="postgres")
            except (LookupError, PermissionError) as exc:
                raise PostgresUnavailable(
                    f"cannot hand the cluster to user postgres: {exc}"
                ) from exc
        self._run(
            "initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres",
            "-E", "UTF8", "--no-locale", "--no-sync",
        )
        for attempt in range(3):
            try:
                self._run(
                    "pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", self._options(),
                    "-w", "-t", "30", "start",
                )
                break
            except PostgresUnavailable as exc:
                # The free port can be taken between choosing it and binding it: try another.
                if attempt == 2 or "already in use" not in str(exc):
                    raise
                self.port = _free_port()
        dsn = f"host=127.0.0.1 port={self.port} user=postgres dbname=postgres"
        with psycopg.connect(dsn, autocommit=True, connect_timeout=10) as conn:
            conn.execute(f"CREATE DATABASE {DB_NAME}")
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{DB_NAME}"

    def _options(self) -> str:
        # Durability is pointless for a test cluster; these make schema resets fast.
        return " ".join([
            f"-p {self.port}",
            "-c listen_addresses=127.0.0.1",
            f"-c unix_socket_directories={self.sockets}",
            "-c fsync=off", "-c synchronous_commit=off", "-c full_page_writes=off",
            f"-c timezone={SERVER_TIME_ZONE}",
            "-c max_connections=60",
        ])

    def stop(self) -> None:
        try:
            # Also after a start that timed out: a server may be running all the same.
            if (self.data / "postmaster.pid").exists():
                self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.base, ignore_errors=True)


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
    cluster: _Cluster | None = None
    failure = ""
    began = time.monotonic()
    try:
        cluster = _Cluster(_pg_bin_dir())
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
