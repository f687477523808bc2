"""The health report names each part that is down and why."""

from __future__ import annotations

from domain.health import HealthCheck


def test_all_parts_up_is_ok() -> None:
    report = HealthCheck({"database": lambda: None, "gateway": lambda: None}).run()
    assert report.ok
    assert report.problems == {}
    assert report.parts == ("database", "gateway")


def test_a_part_down_is_named_with_its_reason() -> None:
    report = HealthCheck({"database": lambda: None,
                          "gateway": lambda: "the carrier does not answer"}).run()
    assert not report.ok
    assert report.problems == {"gateway": "the carrier does not answer"}
    assert report.summary() == "gateway: the carrier does not answer"


def test_a_probe_that_breaks_counts_as_down() -> None:
    def broken() -> str | None:
        raise ConnectionError("refused")

    report = HealthCheck({"database": broken}).run()
    assert report.problems == {"database": "ConnectionError: refused"}
