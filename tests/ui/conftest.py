"""UI tests run main.py in NiceGUI's simulated user, each with a fresh data folder."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def parley_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    data = tmp_path / "data"
    monkeypatch.setenv("PARLEY_DATA_DIR", str(data))
    monkeypatch.setenv("PARLEY_DEMO", "1")
    monkeypatch.setenv("PARLEY_TEST_MODE", "1")
    for name in ("PARLEY_DATABASE_URL", "PARLEY_CONFIG", "PARLEY_API_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    return data
