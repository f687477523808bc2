"""Several processes starting together on one empty PostgreSQL database (issue 15, R6).

Each process migrates and seeds the demo data at once; every one must succeed, and the
database must end up migrated once with one set of demo data.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

ROOT = Path(__file__).resolve().parents[2]
STARTERS = 4
# What main.py does at start, in a fresh interpreter (alembic's context is per process).
START = """
import sys
from storage.db import Database, make_engine, startup
from storage.demo import seed_demo
from datetime import UTC, datetime
from pathlib import Path
engine = make_engine(sys.argv[1])
with startup(engine):
    seed_demo(Database(engine), Path("assets/demo/demo.toml"), lambda p: "x" + p,
              datetime.now(UTC))
"""


@pytest.mark.postgres
def test_processes_starting_together_all_succeed(empty_engine: Engine) -> None:
    if empty_engine.dialect.name != "postgresql":
        pytest.skip("several processes share a PostgreSQL database, not an SQLite file")
    url = empty_engine.url.render_as_string(hide_password=False)
    starters = [
        subprocess.Popen([sys.executable, "-c", START, url], cwd=ROOT,
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        for _ in range(STARTERS)
    ]
    outputs = [(p.wait(timeout=180), p.stdout.read().decode() if p.stdout else "")
               for p in starters]
    failed = [out for code, out in outputs if code != 0]
    assert not failed, failed[0][-3000:]
    with empty_engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM alembic_version")).scalar_one() == 1
        agents = conn.execute(text("SELECT count(*) FROM agent WHERE username = 'alice'"))
        assert agents.scalar_one() == 1
