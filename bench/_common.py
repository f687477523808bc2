"""Shared helpers for the benchmark scripts (not a test module).

Every server these scripts talk to is started here, on 127.0.0.1, with its own data folder
(``tests.e2e.server.ServerProcess``); nothing is ever sent anywhere else.
"""

from __future__ import annotations

import math
import os
import platform
import statistics
import sys
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.e2e.server import ServerProcess  # noqa: E402

TOKEN = "demo-token"  # PARLEY_DEMO=1 without PARLEY_API_TOKEN
SESSION_NUMBER = "+12125550100"  # "Support SMS", session mode
PAGE_NUMBER = "+12125550101"  # "Sales SMS", page mode
AUTH = {"Authorization": f"Bearer {TOKEN}"}


def start_server(data_dir: Path, **env: str) -> ServerProcess:
    """A fresh Parley (demo data, test mode) on a free 127.0.0.1 port."""
    return ServerProcess(data_dir, **env).start()


def percentile(values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100) of a non-empty sequence."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


def summary(values: Sequence[float]) -> str:
    if not values:
        return "n=0"
    return (f"n={len(values)}  min={min(values):.1f}  median={statistics.median(values):.1f}  "
            f"p90={percentile(values, 90):.1f}  p95={percentile(values, 95):.1f}  "
            f"p99={percentile(values, 99):.1f}  max={max(values):.1f}")


def machine() -> str:
    try:
        mem_kb = next(int(line.split()[1]) for line in open("/proc/meminfo")
                      if line.startswith("MemTotal"))
        mem = f"{mem_kb / 1024 / 1024:.0f} GB RAM"
    except (OSError, StopIteration, ValueError):
        mem = "RAM unknown"
    return (f"{os.cpu_count()} CPU cores, {mem}, Python {platform.python_version()}, "
            f"{platform.system()} {platform.release()}")


def process_cpu_seconds(pid: int) -> float:
    """User + system CPU seconds a process (all its threads) has used so far (Linux)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        ticks = os.sysconf("SC_CLK_TCK")
        return (int(fields[11]) + int(fields[12])) / ticks
    except (OSError, IndexError, ValueError):
        return float("nan")


def load_average() -> str:
    """The 1-minute load average: other work on the machine skews every figure."""
    try:
        return f"{os.getloadavg()[0]:.2f}"
    except OSError:
        return "?"

