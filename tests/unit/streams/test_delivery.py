"""Records reach the streams in log order with none left out (the consumer's gate)."""

from __future__ import annotations

from dataclasses import dataclass, field

from hypothesis import given
from hypothesis import strategies as st

from streams.delivery import Admission, InOrderDelivery


def test_records_in_order_are_delivered() -> None:
    gate: InOrderDelivery[str] = InOrderDelivery()
    gate.sought("p", 10)
    gate.new_fetch()
    assert [gate.admit("p", o)[0] for o in (10, 11, 12)] == [Admission.DELIVER] * 3
    assert gate.expected("p") == 13


def test_a_record_after_left_out_ones_reads_the_partition_again() -> None:
    gate: InOrderDelivery[str] = InOrderDelivery()
    gate.sought("p", 110)
    gate.new_fetch()
    assert gate.admit("p", 139) == (Admission.READ_AGAIN, 110)
    # the rest of that batch was fetched before the re-read
    assert gate.admit("p", 140) == (Admission.DROP, 110)
    gate.new_fetch()
    assert gate.admit("p", 110) == (Admission.DELIVER, 110)


def test_records_before_the_expected_one_are_dropped() -> None:
    gate: InOrderDelivery[str] = InOrderDelivery()
    gate.sought("p", 5)
    gate.new_fetch()
    assert gate.admit("p", 4)[0] is Admission.DROP
    assert gate.admit("p", 5)[0] is Admission.DELIVER


def test_a_gap_the_re_read_confirms_is_absent_from_the_log() -> None:
    gate: InOrderDelivery[str] = InOrderDelivery()
    gate.sought("p", 3)
    gate.new_fetch()
    assert gate.admit("p", 7)[0] is Admission.READ_AGAIN
    gate.new_fetch()
    assert gate.admit("p", 7) == (Admission.DELIVER_AFTER_GAP, 3)
    assert gate.admit("p", 8)[0] is Admission.DELIVER


def test_a_different_first_record_after_the_re_read_reads_again() -> None:
    gate: InOrderDelivery[str] = InOrderDelivery()
    gate.sought("p", 3)
    gate.new_fetch()
    assert gate.admit("p", 9)[0] is Admission.READ_AGAIN
    gate.new_fetch()
    assert gate.admit("p", 5)[0] is Admission.READ_AGAIN
    gate.new_fetch()
    assert gate.admit("p", 5)[0] is Admission.DELIVER_AFTER_GAP


def test_partitions_are_gated_apart_and_forgotten_on_revocation() -> None:
    gate: InOrderDelivery[str] = InOrderDelivery()
    gate.sought("a", 0)
    gate.sought("b", 50)
    gate.new_fetch()
    assert gate.admit("a", 2)[0] is Admission.READ_AGAIN
    assert gate.admit("b", 50)[0] is Admission.DELIVER
    gate.forget(["a"])
    assert gate.expected("a") is None
    assert gate.admit("a", 2)[0] is Admission.DELIVER  # never sought: nothing to compare


def test_a_seek_starts_over() -> None:
    gate: InOrderDelivery[str] = InOrderDelivery()
    gate.sought("p", 0)
    gate.new_fetch()
    gate.admit("p", 0)
    gate.admit("p", 1)
    gate.sought("p", 1)  # read again from 1 (a rebalance, or a lost record)
    assert gate.admit("p", 1)[0] is Admission.DELIVER


@dataclass
class FakePartition:
    """One partition as a consumer fetches it: a log with absent offsets, a position, and
    Faust's faults — batches dropped, the rest of a batch delivered after a seek."""

    present: list[int]
    position: int = 0
    delivered: list[int] = field(default_factory=list)

    def fetch(self, size: int) -> list[int]:
        batch = [o for o in self.present if o >= self.position][:size]
        if batch:
            self.position = batch[-1] + 1
        return batch


@given(
    absent=st.sets(st.integers(0, 60), max_size=15),
    sizes=st.lists(st.integers(1, 8), min_size=1, max_size=200),
    faults=st.lists(st.sampled_from(["none", "drop", "stale"]), max_size=200),
)
def test_every_present_record_is_delivered_once_in_order(
    absent: set[int], sizes: list[int], faults: list[str]
) -> None:
    log = FakePartition([o for o in range(61) if o not in absent])
    gate: InOrderDelivery[str] = InOrderDelivery()
    gate.sought("p", 0)
    stale: list[int] = []
    just_read_again = False
    for i in range(400):
        size = sizes[i % len(sizes)]
        # Faust's faults strike a batch fetched before a seek, never the re-read after one
        # (streams.delivery): the partition was paused for a rebalance, which seeks afresh.
        fault = faults[i] if i < len(faults) and not just_read_again else "none"
        batch = log.fetch(size)
        # Faust dropped it; the position moved. (Only a later record shows records left
        # out: the log's last ones are the commit's watch, streams.commits.LostRecords.)
        later = log.position <= log.present[-1]
        if fault == "drop" and later:
            continue
        if fault == "stale" and batch and later:  # delivered after a later fetch
            stale, batch = batch, stale
        gate.new_fetch()
        just_read_again = just_read_again and not batch
        for offset in batch:
            admission, expected = gate.admit("p", offset)
            if admission in (Admission.DELIVER, Admission.DELIVER_AFTER_GAP):
                log.delivered.append(offset)
            elif admission is Admission.READ_AGAIN:
                log.position = expected
                just_read_again = True
                break
    assert log.delivered == sorted(set(log.delivered))  # in order, never twice
    assert log.delivered == log.present[: len(log.delivered)]  # none left out
    assert len(log.delivered) == len(log.present)  # and, the faults over, all of them
