"""The knobs of one worker process, for either runtime (:mod:`streams.runtime`, the
default, or the Faust app of :mod:`streams.app`)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Final, Literal

DEFAULT_APP_ID: Final = "ivex-case-engine"
DEFAULT_DATA_DIR: Final = Path(".ivex") / "streams"
#: The runtimes a worker can run on.
Runtime = Literal["batch", "faust"]


@dataclass(frozen=True)
class WorkerOptions:
    """Knobs of one worker process; the defaults suit tests and a single host."""

    app_id: str = DEFAULT_APP_ID
    #: ``batch``: the plain consumer loop of :mod:`streams.runtime` (state in memory,
    #: restored from the changelogs); ``faust``: the Faust app (RocksDB tables).
    runtime: Runtime = "batch"
    #: The Faust runtime's local table stores (the batch runtime keeps none).
    data_dir: Path | None = None
    #: None disables Faust's web server (several workers on one host need no ports).
    web_port: int | None = None
    store: str = "rocksdb://"
    #: Kafka's minimum; a killed worker's partitions move on after this long.
    session_timeout_s: float = 6.0
    heartbeat_interval_s: float = 1.0
    #: The agents take at most this many events per batch (one table write per changed
    #: state and one wait for the producer's acknowledgements per batch) …
    batch_max: int = 1000
    #: … or what arrived within this many seconds (the latency a batch can add per hop).
    #: With pipelined acknowledgements 0.05 s does more per CPU-second than 0.01 s
    #: (larger batches, fewer state writes; bench/RESULTS.md). The batch runtime waits
    #: this long only for a first record, then takes whatever was fetched with it.
    batch_within_s: float = 0.05
    #: The batch runtime takes up to this many records per poll (over every stage: one
    #: batch, committed once Kafka acknowledged all it sent).
    poll_max: int = 10000
    #: … and at most about this many kilobytes of them (librdkafka's prefetch queue): 16 MB
    #: is 80,000 city records or about 65,000 events in the ingest's envelopes, a batch of
    #: about a second. Memory for speed: 4 MB took 1,575 MiB and 85.5 s for a million
    #: events, 16 MB 2,100 MiB and 59.2 s (bench/RESULTS.md).
    prefetch_kbytes: int = 16384
    #: Batches whose outputs may be unacknowledged at once: a worker takes its next batch
    #: without waiting for Kafka's acknowledgements of the previous ones (batches are
    #: still committed strictly in order, each after its outputs); with this many out it
    #: waits for the oldest.
    batches_in_flight: int = 8
