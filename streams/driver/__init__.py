"""The Faust-independent half of the streams worker: ingest routing, the internal wire
formats, the table-backed stores, the per-partition engine and lifecycle drivers, and the
response ingest.

Everything here is plain Python over mappings and bytes, so it is unit-tested without
Kafka; :mod:`streams.app` only wires it to Faust agents and tables.
"""
