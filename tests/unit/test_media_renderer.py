"""The renderer that keeps Pillow off the event loop: bounded, time-limited, one job per image."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any

import pytest
from nicegui import run

from storage.thumbnails import Outcome, RenditionJob
from ui.mms import Renderer


class FakeStore:
    """A thumbnail store whose jobs the test scripts."""

    def __init__(self, tmp: Path, state: Path | str | None = None) -> None:
        self.tmp = tmp
        self._state = state
        self.jobs: list[RenditionJob] = []
        self.failed: list[tuple[str, str, str]] = []

    def state(self, media_id: str, kind: str) -> Path | str | None:
        return self._state

    def job(self, media_id: str, kind: str, declared: str | None = None) -> RenditionJob:
        job = RenditionJob(f"/src/{media_id}", str(self.tmp / f"{media_id}-{kind}.jpg"), kind,
                           declared)
        self.jobs.append(job)
        return job

    def mark_failed(self, media_id: str, kind: str, reason: str) -> None:
        self.failed.append((media_id, kind, reason))

    @staticmethod
    def render_job(job: Any) -> Any:  # replaced by the fake cpu_bound below
        raise AssertionError("not used")


def fake_pool(monkeypatch: pytest.MonkeyPatch, work: Callable[[RenditionJob], Any]) -> None:
    async def cpu_bound(_fn: Callable[..., Any], job: RenditionJob) -> Any:
        return await work(job)

    monkeypatch.setattr(run, "cpu_bound", cpu_bound)


async def test_a_cached_rendition_needs_no_work(tmp_path: Path) -> None:
    store = FakeStore(tmp_path, state=tmp_path / "x.jpg")

    assert await Renderer(store).get("m" * 43, "thumb", "image/png") == tmp_path / "x.jpg"
    assert store.jobs == []


async def test_a_known_bad_image_is_not_decoded_again(tmp_path: Path) -> None:
    store = FakeStore(tmp_path, state="damaged or truncated image")

    assert await Renderer(store).get("m" * 43, "thumb", None) is None
    assert store.jobs == []


async def test_the_same_image_asked_for_at_once_is_rendered_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = FakeStore(tmp_path)

    async def work(job: RenditionJob) -> Outcome:
        await asyncio.sleep(0.05)
        return Outcome(job.target)

    fake_pool(monkeypatch, work)
    renderer = Renderer(store)

    paths = await asyncio.gather(*(renderer.get("m" * 43, "thumb", None) for _ in range(5)))

    assert len(store.jobs) == 1
    assert set(paths) == {tmp_path / f"{'m' * 43}-thumb.jpg"}


async def test_at_most_n_renders_run_at_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = FakeStore(tmp_path)
    running, peak = 0, 0

    async def work(job: RenditionJob) -> Outcome:
        nonlocal running, peak
        running += 1
        peak = max(peak, running)
        await asyncio.sleep(0.02)
        running -= 1
        return Outcome(job.target)

    fake_pool(monkeypatch, work)
    renderer = Renderer(store, concurrency=2)

    await asyncio.gather(*(renderer.get(str(i) * 43, "thumb", None) for i in range(6)))

    assert peak == 2
    assert len(store.jobs) == 6


async def test_a_render_that_takes_too_long_gives_up_without_blaming_the_image(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = FakeStore(tmp_path)

    async def work(job: RenditionJob) -> Outcome:
        await asyncio.sleep(5)
        return Outcome(job.target)

    fake_pool(monkeypatch, work)

    assert await Renderer(store, timeout=0.05).get("m" * 43, "full", None) is None
    assert store.failed == []


async def test_an_image_that_cannot_be_shown_gives_none(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = FakeStore(tmp_path)

    async def work(job: RenditionJob) -> Outcome:
        return Outcome(None, "not a JPEG, PNG, GIF or WebP image")

    fake_pool(monkeypatch, work)

    assert await Renderer(store).get("m" * 43, "thumb", None) is None


async def test_one_crashed_worker_is_retried(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = FakeStore(tmp_path)
    calls = 0

    async def work(job: RenditionJob) -> Outcome:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise BrokenProcessPool("a worker died")
        return Outcome(job.target)

    fake_pool(monkeypatch, work)

    assert await Renderer(store).get("m" * 43, "thumb", None) is not None
    assert store.failed == []


async def test_an_image_that_crashes_the_decoder_twice_is_refused_for_good(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = FakeStore(tmp_path)

    async def work(job: RenditionJob) -> Outcome:
        raise BrokenProcessPool("a worker died")

    fake_pool(monkeypatch, work)

    assert await Renderer(store).get("m" * 43, "thumb", None) is None
    assert store.failed == [("m" * 43, "thumb", "the decoder crashed")]


async def test_without_a_process_pool_the_work_runs_in_a_thread(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = FakeStore(tmp_path)

    async def no_pool(*_args: Any) -> Any:
        raise RuntimeError("Process pool not set up.")

    monkeypatch.setattr(run, "cpu_bound", no_pool)
    monkeypatch.setattr(FakeStore, "render_job",
                        staticmethod(lambda job: Outcome(job.target)))

    assert await Renderer(store).get("m" * 43, "thumb", None) == Path(store.jobs[0].target)
