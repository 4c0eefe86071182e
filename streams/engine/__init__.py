"""The case engine: plain Python, no Kafka, no clock (SPEC §5)."""
