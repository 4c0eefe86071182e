"""Running a coroutine's first step at once (the consumer's per-record delivery)."""

from __future__ import annotations

import asyncio

import pytest

from streams import eager


async def _no_wait(x: int) -> int:
    return x * 2


async def _waits(event: asyncio.Event, x: int) -> int:
    await asyncio.sleep(0)
    await event.wait()
    return x + 1


def test_a_coroutine_that_does_not_wait_finishes_in_its_first_step() -> None:
    async def run() -> tuple[bool, int | None]:
        finished, result, rest = eager.start(_no_wait(21))
        assert rest is None
        return finished, result

    assert asyncio.run(run()) == (True, 42)


def test_one_that_waits_is_finished_by_awaiting_the_rest_in_a_task() -> None:
    async def run() -> int:
        event = asyncio.Event()
        finished, _, rest = eager.start(_waits(event, 1))
        assert not finished
        assert rest is not None
        task = asyncio.ensure_future(rest)
        await asyncio.sleep(0.01)
        assert not task.done()
        event.set()
        return await task

    assert asyncio.run(run()) == 2


def test_errors_and_cancellation_reach_the_coroutine() -> None:
    cleaned: list[str] = []

    async def guarded(event: asyncio.Event) -> None:
        try:
            await event.wait()
        finally:
            cleaned.append("finally")

    async def raising() -> None:
        raise ValueError("bad record")

    async def run() -> None:
        with pytest.raises(ValueError, match="bad record"):
            eager.start(raising())
        _, _, rest = eager.start(guarded(asyncio.Event()))
        assert rest is not None
        task = asyncio.ensure_future(rest)
        await asyncio.sleep(0.01)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(run())
    assert cleaned == ["finally"]
