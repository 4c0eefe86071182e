"""Source and sink connectors: file drop, HTTP ingest, PostgreSQL outbox, case-table sinks."""
