"""Pipelined acknowledgements: batches acked in order, each after its outputs."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from typing import Any

import pytest

from streams.acks import InOrderAcks


class _Message:
    def __init__(self, offset: int) -> None:
        self.offset = offset
        self.refcount = 1  # the stream's own reference

    def incref(self) -> None:
        self.refcount += 1


class _Event:
    """An event whose ack releases one reference; the final one is logged."""

    def __init__(self, offset: int, log: list[int]) -> None:
        self.message = _Message(offset)
        self._log = log

    def ack(self) -> bool:
        self.message.refcount -= 1
        if self.message.refcount == 0:
            self._log.append(self.message.offset)
            return True
        return False


class _Harness:
    def __init__(self, depth: int = 8) -> None:
        self.final: list[int] = []
        self.held: list[int] = []
        self.acks = InOrderAcks(self._hold, depth)

    def _hold(self, messages: Iterable[Any]) -> None:
        self.held += [m.offset for m in messages]

    def batch(self, *offsets: int) -> list[_Event]:
        events = [_Event(o, self.final) for o in offsets]
        return events

    @staticmethod
    def take_events_ack(events: list[_Event]) -> None:
        """What take_events does when the agent asks for the next batch."""
        for event in events:
            event.ack()


def _futures(n: int) -> list[asyncio.Future[Any]]:
    loop = asyncio.get_running_loop()
    return [loop.create_future() for _ in range(n)]


def test_batches_are_acked_in_order_once_their_outputs_are() -> None:
    async def run() -> _Harness:
        h = _Harness()
        first, second = h.batch(1, 2), h.batch(3)
        out1, out2 = _futures(2), _futures(1)
        h.acks.add(first, out1)
        h.take_events_ack(first)
        h.acks.add(second, out2)
        h.take_events_ack(second)
        out2[0].set_result(None)  # the later batch's output is acknowledged first
        await asyncio.sleep(0.01)
        assert h.final == []
        out1[0].set_result(None)
        await asyncio.sleep(0.01)
        assert h.final == []  # one output of the first batch still in flight
        out1[1].set_result(None)
        await h.acks.drain()
        return h

    h = asyncio.run(run())
    assert h.final == [1, 2, 3]
    assert h.held == []


def test_a_batch_without_outputs_is_acked_after_the_ones_before_it() -> None:
    async def run() -> _Harness:
        h = _Harness()
        first, empty = h.batch(1), h.batch(2)
        out = _futures(1)
        h.acks.add(first, out)
        h.acks.add(empty, [])
        h.take_events_ack(first)
        h.take_events_ack(empty)
        await asyncio.sleep(0.01)
        assert h.final == []
        out[0].set_result(None)
        await h.acks.drain()
        return h

    assert asyncio.run(run()).final == [1, 2]


def test_a_failed_delivery_holds_its_batch_and_every_later_one_and_raises() -> None:
    async def run() -> _Harness:
        h = _Harness()
        first, second, third = h.batch(1), h.batch(2), h.batch(3)
        out1, out2, out3 = _futures(1), _futures(1), _futures(1)
        for events, out in ((first, out1), (second, out2), (third, out3)):
            h.acks.add(events, out)
            h.take_events_ack(events)
        out1[0].set_result(None)
        out3[0].set_result(None)
        out2[0].set_exception(RuntimeError("broker refused"))
        with pytest.raises(RuntimeError, match="broker refused"):
            await h.acks.drain()
        with pytest.raises(RuntimeError):
            h.acks.add(h.batch(4), [])
        return h

    h = asyncio.run(run())
    assert h.final == [1]
    assert sorted(h.held) == [2, 3]


def test_no_more_than_depth_batches_are_in_flight() -> None:
    async def run() -> None:
        h = _Harness(depth=2)
        outs = [_futures(1) for _ in range(3)]
        h.acks.add(h.batch(1), outs[0])
        h.acks.add(h.batch(2), outs[1])
        waiting = asyncio.ensure_future(h.acks.room())
        await asyncio.sleep(0.01)
        assert not waiting.done()
        outs[0][0].set_result(None)
        await asyncio.wait_for(waiting, 1.0)
        assert len(h.acks) == 1

    asyncio.run(run())


def test_abandoned_batches_are_held_never_acked() -> None:
    async def run() -> _Harness:
        h = _Harness()
        events = h.batch(1, 2)
        out = _futures(1)
        h.acks.add(events, out)
        h.take_events_ack(events)
        h.acks.abandon()
        out[0].set_result(None)
        await asyncio.sleep(0.01)
        return h

    h = asyncio.run(run())
    assert h.final == []
    assert h.held == [1, 2]
