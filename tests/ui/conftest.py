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
from nicegui.testing import User

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


PATIENT_RETRIES = 200  # about 20 s: a loaded 2-core machine; returns as soon as it holds


@pytest.fixture(autouse=True)
def patient_user(monkeypatch: pytest.MonkeyPatch) -> None:
    """``should_see``/``should_not_see`` wait for their state for up to ~20 s, not 0.3 s.

    They poll and return the moment the state holds, so an idle machine pays nothing; a
    test that passes its own ``retries`` keeps it."""
    for name in ("should_see", "should_not_see"):
        original = getattr(User, name)

        async def patient(self: User, *args: object, _original=original,  # type: ignore[no-untyped-def]
                          retries: int = PATIENT_RETRIES, **kwargs: object) -> None:
            await _original(self, *args, retries=retries, **kwargs)

        monkeypatch.setattr(User, name, patient)
