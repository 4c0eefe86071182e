"""The workers' producer: a flush waits until every table write is acknowledged (Faust's
own buffer flush gives up after 0.1 s without a send), and fails if one was refused."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from faust.exceptions import ProducerSendError

from ivex.settings import Settings
from streams.app import build_app
from streams.options import WorkerOptions
from streams.producer import IdempotentProducer


def _producer(settings: Settings, tmp_path: Path) -> IdempotentProducer:
    options = WorkerOptions(app_id="p", data_dir=tmp_path, store="memory://")
    producer = build_app(settings, options).producer
    assert isinstance(producer, IdempotentProducer)
    return producer


def _write(producer: IdempotentProducer) -> Any:
    # What a table write hands over: a future the buffer resolves once Kafka acks it.
    fut: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
    producer._writes().add(fut)  # type: ignore[arg-type]
    fut.add_done_callback(producer._writes().discard)
    return fut


def test_the_flush_waits_for_every_table_write(settings: Settings, tmp_path: Path) -> None:
    producer = _producer(settings, tmp_path)

    async def run() -> float:
        loop = asyncio.get_running_loop()
        write = _write(producer)
        loop.call_later(0.3, write.set_result, None)  # acknowledged after 0.3 s
        began = loop.time()
        await producer.wait_for_writes(5.0)
        assert write.done()
        return loop.time() - began

    assert asyncio.run(run()) >= 0.25


def test_a_refused_table_write_fails_the_flush(settings: Settings, tmp_path: Path) -> None:
    producer = _producer(settings, tmp_path)

    async def run() -> None:
        _write(producer).set_exception(RuntimeError("NotEnoughReplicas"))
        await producer.wait_for_writes(5.0)

    with pytest.raises(ProducerSendError, match="NotEnoughReplicas"):
        asyncio.run(run())


def test_a_table_write_that_never_comes_back_fails_the_flush(
    settings: Settings, tmp_path: Path
) -> None:
    producer = _producer(settings, tmp_path)

    async def run() -> None:
        _write(producer)
        await producer.wait_for_writes(0.2)

    with pytest.raises(ProducerSendError, match="not acknowledged"):
        asyncio.run(run())


def test_nothing_in_flight_returns_at_once(settings: Settings, tmp_path: Path) -> None:
    asyncio.run(_producer(settings, tmp_path).wait_for_writes(0.0))
