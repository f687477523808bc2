"""A real Parley server process for end-to-end tests."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


PROBLEM = re.compile(r" (WARNING|ERROR|CRITICAL) |^Traceback ")
# NiceGUI times its binding loop and warns when a loaded machine makes it slow: a note on
# the machine, not on Parley (Parley binds nothing).
NOT_A_PROBLEM = re.compile(r"binding propagation for \d+ active links took")


class ServerProcess:
    """``main.py`` in a subprocess on a free port with its own data folder."""

    instances: list[ServerProcess] = []  # every server made in this run (their logs are read)

    def __init__(self, data_dir: Path, **env: str) -> None:
        ServerProcess.instances.append(self)
        self.data_dir = data_dir
        self.port = free_port()
        self.extra_env = env
        self.proc: subprocess.Popen[bytes] | None = None
        self.log_path = data_dir / "server.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 60) -> ServerProcess:
        env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
        env.update(
            PARLEY_DATA_DIR=str(self.data_dir), PARLEY_PORT=str(self.port),
            PARLEY_HOST="127.0.0.1", PARLEY_TEST_MODE="1", PARLEY_DEMO="1",
            PYTHONUNBUFFERED="1",
        )
        env.pop("PARLEY_DATABASE_URL", None)
        env.update(self.extra_env)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        log = self.log_path.open("ab")
        self.proc = subprocess.Popen(
            [sys.executable, str(ROOT / "main.py")], cwd=ROOT, env=env,
            stdout=log, stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited early:\n{self.log()}")
            try:
                if httpx.get(f"{self.url}/api/v1/health", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"server did not start in {timeout}s:\n{self.log()}")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def log_size(self) -> int:
        return self.log_path.stat().st_size if self.log_path.exists() else 0

    def problems(self, since: int = 0) -> list[str]:
        """Warnings, errors and tracebacks the server logged after byte ``since``."""
        if not self.log_path.exists():
            return []
        with self.log_path.open("rb") as log:
            log.seek(since)
            text = log.read().decode(errors="replace")
        return [line for line in text.splitlines()
                if PROBLEM.search(line) and not NOT_A_PROBLEM.search(line)]

    @property
    def stopped(self) -> bool:
        return self.proc is None

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-4000:] if self.log_path.exists() else ""
