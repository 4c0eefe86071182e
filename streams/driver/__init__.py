"""The Faust-independent half of the streams worker: ingest routing, the internal wire
format, the table-backed woman store and the per-partition engine driver.

Everything here is plain Python over mappings and bytes, so it is unit-tested without
Kafka; :mod:`streams.app` only wires it to Faust agents and tables.
"""
