"""Codec and model costs per record on one core: encode, decode, decode with resolution,
model_validate. Run: ``.venv/bin/python -m bench.codec_bench [--records 50000]``."""

from __future__ import annotations

import argparse
import gc
import os
import time
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from io import BytesIO
from typing import Any

from fastavro import schemaless_writer

from ivex.codec import MAGIC, Codec, shipped
from ivex.models import BirthRecorded

CITIES = ("620200", "620300", "620600", "620700", "620900")


def births(n: int) -> list[dict[str, Any]]:
    """``n`` varied, valid BirthRecorded datums."""
    base = datetime(2025, 1, 1, tzinfo=UTC)
    out = []
    for i in range(n):
        at = base + timedelta(minutes=i)
        out.append(
            {
                "event_id": uuid.UUID(int=i + 1),
                "record_id": f"B-2025-{i:06d}",
                "action": "RECORD",
                "source_city": CITIES[i % 5],
                "recorded_at": at,
                "mother_ref": f"{i:064x}",
                "mother_hukou_city": CITIES[(i + 1) % 5],
                "birth_date": date(2024, 12, 1) + timedelta(days=i % 30),
                "child_sex": ("MALE", "FEMALE")[i % 2],
                "birth_order": 1 + i % 3,
                "plurality": 1,
                "gestational_weeks": 37 + i % 5,
                "delivery_place": "HOSPITAL",
                "facility_code": f"H{CITIES[i % 5]}001",
                "certificate_no": f"P62{i:08d}",
                "source_system": None,
            }
        )
    return out


def timed(label: str, n: int, fn: Callable[[], object], repeat: int = 3) -> None:
    """Run ``fn`` (it loops over ``n`` records) ``repeat`` times; print the best run's
    µs/record and records/s (the best, because on a shared machine noise only adds)."""
    runs = []
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - start)
    elapsed = min(runs)
    print(f"{label:<34} {elapsed / n * 1e6:8.2f} µs/record {n / elapsed:>10,.0f} records/s")


def main() -> None:
    """Measure and print."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, default=50_000)
    n = parser.parse_args().records
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core
    codec = Codec()
    datums = births(n)
    v1 = shipped().get("BirthRecorded", 1)
    v1_datums = [{k: v for k, v in d.items() if k != "source_system"} for d in datums]

    def write_v1(d: dict[str, Any]) -> bytes:
        out = BytesIO()
        out.write(MAGIC + v1.fingerprint)
        schemaless_writer(out, v1.parsed, d)
        return out.getvalue()

    values = [codec.encode("BirthRecorded", d) for d in datums]
    old_values = [write_v1(d) for d in v1_datums]
    context = {"cities": CITIES}
    gc.freeze()  # the inputs are long-lived; keep the collector from rescanning them
    print(f"{n:,} BirthRecorded records, ~{sum(map(len, values)) // n} bytes each, one core")
    timed("encode (v2)", n, lambda: [codec.encode("BirthRecorded", d) for d in datums])
    timed("decode, same schema (v2→v2)", n, lambda: [codec.decode(v) for v in values])
    timed("decode with resolution (v1→v2)", n, lambda: [codec.decode(v) for v in old_values])
    timed(
        "BirthRecorded.model_validate",
        n,
        lambda: [BirthRecorded.model_validate(d, context=context) for d in datums],
    )
    timed(
        "decode → validate → dump → encode",
        n,
        lambda: [
            codec.encode(
                "BirthRecorded",
                BirthRecorded.model_validate(codec.decode(v).datum, context=context).model_dump(),
            )
            for v in values
        ],
    )


if __name__ == "__main__":
    main()
