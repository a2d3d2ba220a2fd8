"""mesh.workers.every: a step now and then until stopped, woken by the stop event at once."""

from __future__ import annotations

import asyncio
import logging

import pytest

from mesh.workers import every, wait_or_stop

AN_HOUR = 3600.0  # an interval no test waits out: only the stop event can end the wait


async def test_setting_stop_ends_the_wait_between_steps_at_once() -> None:
    stop, stepped = asyncio.Event(), asyncio.Event()

    async def step() -> None:
        stepped.set()

    worker = asyncio.ensure_future(every(AN_HOUR, step)(stop))
    await stepped.wait()  # the first step runs at once, then the worker waits an hour
    stop.set()
    await asyncio.wait_for(worker, 5)  # a guard only: without the wake-up this would take the hour


async def test_a_step_in_progress_finishes_and_no_other_starts() -> None:
    stop, inside, release = asyncio.Event(), asyncio.Event(), asyncio.Event()
    finished: list[int] = []

    async def step() -> None:
        inside.set()
        await release.wait()
        finished.append(len(finished))

    worker = asyncio.ensure_future(every(0, step)(stop))
    await inside.wait()
    stop.set()
    release.set()
    await asyncio.wait_for(worker, 5)
    assert finished == [0]


async def test_a_failing_step_is_logged_and_tried_again(caplog: pytest.LogCaptureFixture) -> None:
    stop = asyncio.Event()
    attempts: list[int] = []

    async def step() -> None:
        attempts.append(1)
        if len(attempts) == 1:
            raise RuntimeError("the PSP is down")
        stop.set()

    with caplog.at_level(logging.ERROR, logger="mesh.workers"):
        await asyncio.wait_for(every(0, step, name="janitor pass")(stop), 5)
    assert len(attempts) == 2
    assert [r.getMessage() for r in caplog.records] == ["janitor pass failed; trying again at the next interval"]
    assert caplog.records[0].exc_info[0] is RuntimeError


async def test_a_worker_stopped_before_it_starts_runs_no_step() -> None:
    stop = asyncio.Event()
    stop.set()

    async def step() -> None:
        raise AssertionError("ran after stop")

    await asyncio.wait_for(every(AN_HOUR, step)(stop), 5)


async def test_wait_or_stop_says_whether_it_was_stopped() -> None:
    stop = asyncio.Event()
    assert await wait_or_stop(stop, 0) is False
    stop.set()
    assert await wait_or_stop(stop, AN_HOUR) is True
