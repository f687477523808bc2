"""Health names the part that is down, and a lost database is a JSON 503, not a bare 500.

A real Parley process on a real PostgreSQL server that is then stopped as a crash would,
and started again: health must follow the database's state both ways.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.e2e.server import ServerProcess
from tests.postgres import Cluster, PostgresUnavailable, pg_bin_dir

TOKEN = {"Authorization": "Bearer demo-token"}


@pytest.fixture
def cluster() -> Iterator[Cluster]:
    try:
        pg = Cluster(pg_bin_dir())
        pg.start()
    except PostgresUnavailable as exc:
        pytest.skip(f"PostgreSQL not available: {exc}")
    try:
        yield pg
    finally:
        pg.stop()


def health(server: ServerProcess) -> httpx.Response:
    return httpx.get(f"{server.url}/api/v1/health", timeout=10)


def wait_for(server: ServerProcess, status: int) -> httpx.Response:
    """Poll until health answers ``status`` (a state, however long the machine takes)."""
    deadline = time.monotonic() + 60
    while True:
        reply = health(server)
        if reply.status_code == status or time.monotonic() > deadline:
            return reply
        time.sleep(0.2)



@pytest.mark.allow_errors(r"database error on the API", r"psycopg", r"OperationalError",
                          r"connection", r"Traceback", r"ERROR", r"WARNING")
def test_a_lost_database_is_named_by_health_and_is_json_everywhere(
    cluster: Cluster, tmp_path: Path,
) -> None:
    server = ServerProcess(tmp_path / "health", PARLEY_DATABASE_URL=cluster.url).start()
    try:
        ok = health(server)
        assert ok.status_code == 200
        assert ok.json() == {"status": "ok", "database": "ok", "gateway": "ok"}

        cluster.pause()
        down = wait_for(server, 503)
        assert down.status_code == 503, down.text
        body = down.json()
        assert body["status"] == "down"
        assert body["gateway"] == "ok"
        assert body["database"].startswith("the database does not answer")
        assert body["error"].startswith("database: ")

        api = httpx.get(f"{server.url}/api/v1/simulator/outbox", headers=TOKEN, timeout=30)
        assert api.status_code == 503
        assert api.headers["content-type"].startswith("application/json")
        assert api.json() == {"error": "the database is unavailable; try again later"}

        cluster.resume()
        back = wait_for(server, 200)
        assert back.status_code == 200, back.text
        assert back.json()["database"] == "ok"
        again = httpx.get(f"{server.url}/api/v1/simulator/outbox", headers=TOKEN, timeout=30)
        assert again.status_code == 200
    finally:
        server.stop()
