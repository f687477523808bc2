"""A throwaway PostgreSQL cluster for tests, from Debian's server binaries.

The binaries come from ``PARLEY_TEST_PG_BIN`` or the newest ``/usr/lib/postgresql/*/bin``.
As root, the server runs as the ``postgres`` user (PostgreSQL refuses root).
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import psycopg

DB_NAME = "parley_test"
# Not UTC on purpose: aware datetimes must come back as the same instant in UTC whatever
# time zone the server reports in. An odd offset (+12:45/+13:45) catches sloppy conversions.
SERVER_TIME_ZONE = "Pacific/Chatham"


class PostgresUnavailable(Exception):
    pass


def pg_bin_dir() -> Path:
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


class Cluster:
    """A throwaway PostgreSQL cluster in a temporary directory."""

    def __init__(self, bin_dir: Path) -> None:
        self.bin_dir = bin_dir
        self.as_root = os.geteuid() == 0
        self.base = Path(tempfile.mkdtemp(prefix="parley-pg-"))
        self.data = self.base / "data"
        self.sockets = self.base / "sockets"
        self.log = self.base / "server.log"
        self.port = _free_port()
        self.url = ""  # known once started

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
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{DB_NAME}"
        return self.url

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

    def pause(self) -> None:
        """Stop the server as a crash would (the database is lost to its clients)."""
        self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")

    def resume(self) -> None:
        """Start the paused server again on the same port with the same data."""
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", self._options(),
                  "-w", "-t", "30", "start")

    def stop(self) -> None:
        try:
            # Also after a start that timed out: a server may be running all the same.
            if (self.data / "postmaster.pid").exists():
                self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.base, ignore_errors=True)


