"""Is this Parley able to work? Each part (database, SMS gateway) answers a probe.

A probe returns None when its part works, else a short reason. ``/api/v1/health`` turns a
report with any reason into a 503 that names the part, so a load balancer or a monitor can
tell "the carrier is down" from "the database is gone".
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

Probe = Callable[[], "str | None"]


@dataclass(frozen=True)
class HealthReport:
    problems: dict[str, str]  # part -> reason, only the parts that are down
    parts: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self) -> str:
        return "; ".join(f"{part}: {reason}" for part, reason in self.problems.items())


class HealthCheck:
    def __init__(self, probes: Mapping[str, Probe]) -> None:
        self._probes = dict(probes)

    @property
    def parts(self) -> tuple[str, ...]:
        return tuple(self._probes)

    def run(self) -> HealthReport:
        problems: dict[str, str] = {}
        for part, probe in self._probes.items():
            try:
                reason = probe()
            except Exception as exc:  # a probe that breaks says its part is down
                reason = f"{type(exc).__name__}: {exc}"
            if reason:
                problems[part] = reason
        return HealthReport(problems, self.parts)
