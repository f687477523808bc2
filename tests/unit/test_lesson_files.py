"""Lesson files are checked on load: a broken one is reported by file and step and left
out; the shipped lessons are all valid."""

from __future__ import annotations

from pathlib import Path

import pytest

from domain.lessons import LessonFileError, load_catalog, parse_lesson

SHIPPED = Path(__file__).resolve().parents[2] / "assets" / "lessons"

GOOD = """
title = "T"
purpose = "P"
[[steps]]
instruction = "Accept"
highlight = "preview-accept"
event = "OfferEnded"
where = { outcome = "accepted" }
"""


def test_every_shipped_lesson_is_valid() -> None:
    catalog = load_catalog(SHIPPED)
    assert catalog.errors == ()
    ids = {lesson.id for lesson in catalog.lessons}
    assert {"inbound-sms-page", "inbound-sms-session", "inbound-mms", "outbound-sms",
            "spelling-check", "instant-transfer", "receive-transfer", "transfer-to-queue",
            "schedule-callback", "consult-colleague"} <= ids
    for lesson in catalog.lessons:
        assert lesson.title and lesson.purpose and lesson.prerequisites
        assert all(step.highlight for step in lesson.steps)


@pytest.mark.parametrize(("change", "message"), [
    (('event = "OfferEnded"', 'event = "OfferFinished"'), "step 1: unknown event 'OfferFinished'"),
    (('outcome = "accepted"', 'colour = "accepted"'), "step 1: OfferEnded has no field 'colour'"),
    (('instruction = "Accept"', 'instruction = ""'), "step 1: 'instruction' must be"),
    (('highlight = "preview-accept"', 'highlight = 3'), "step 1: 'highlight' must be"),
    (('title = "T"', ''), "broken.toml: 'title' must be"),
])
def test_a_broken_file_names_the_file_and_the_step(tmp_path: Path, change, message) -> None:
    (tmp_path / "good.toml").write_text(GOOD, encoding="utf-8")
    (tmp_path / "broken.toml").write_text(GOOD.replace(*change), encoding="utf-8")
    catalog = load_catalog(tmp_path)  # does not raise: the app keeps running
    assert [lesson.id for lesson in catalog.lessons] == ["good"]
    assert len(catalog.errors) == 1
    assert catalog.errors[0].startswith("broken.toml")
    assert message in catalog.errors[0]


def test_actions_are_checked(tmp_path: Path) -> None:
    bad = GOOD + '[[steps.actions]]\ndo = "contact_mms"\nimage = "missing.png"\n'
    with pytest.raises(LessonFileError, match=r"x.toml: step 1, action 1: image 'missing.png'"):
        import tomllib
        parse_lesson(tomllib.loads(bad), "x.toml", tmp_path)
    colleague = GOOD + '[[steps.actions]]\ndo = "colleague_transfer"\n'
    with pytest.raises(LessonFileError, match="needs a \\[colleague\\]"):
        import tomllib
        parse_lesson(tomllib.loads(colleague), "x.toml", tmp_path)


def test_not_toml_at_all(tmp_path: Path) -> None:
    (tmp_path / "oops.toml").write_text("title = \n[[", encoding="utf-8")
    catalog = load_catalog(tmp_path)
    assert catalog.lessons == ()
    assert catalog.errors[0].startswith("oops.toml: not valid TOML")
