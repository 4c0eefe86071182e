"""The batch runtime: the drivers of :mod:`streams.driver` in a plain consumer loop.

No Faust: one librdkafka consumer and producer per worker (:mod:`streams.runtime.loop`),
tables in memory with changelog topics (:mod:`streams.runtime.table`), the stages and
their topics (:mod:`streams.runtime.topology`). Each poll is one batch for every stage:
one flush and one commit per batch, where the Faust app paid its per-record stream,
table and producer machinery (bench/RESULTS.md, issue 13).
"""
