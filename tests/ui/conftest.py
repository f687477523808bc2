"""UI tests run main.py in NiceGUI's simulated user, each with a fresh data folder.

Each folder starts from a copy of one migrated database with the demo data, built once
per test run: the migrations and the Argon2 hashing of the demo passwords are then paid
once, not for every test (``main.py`` sees the demo agents and seeds nothing again).
"""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

import main
from domain.settings import load_settings


@pytest.fixture(scope="session")
def demo_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("demo-template")
    main.build_services(load_settings({"PARLEY_DATA_DIR": str(folder), "PARLEY_DEMO": "1",
                                       "PARLEY_TEST_MODE": "1"}))
    path = folder / "parley.db"
    with sqlite3.connect(path) as db:  # fold the write-ahead log into the file
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return path


@pytest.fixture(autouse=True)
def parley_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, demo_database: Path) -> Path:
    data = tmp_path / "data"
    data.mkdir(parents=True)
    shutil.copy(demo_database, data / "parley.db")
    monkeypatch.setenv("PARLEY_DATA_DIR", str(data))
    monkeypatch.setenv("PARLEY_DEMO", "1")
    monkeypatch.setenv("PARLEY_TEST_MODE", "1")
    for name in ("PARLEY_DATABASE_URL", "PARLEY_CONFIG", "PARLEY_API_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    return data
