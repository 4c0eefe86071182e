"""Audit of the logs: tamper evidence by hash chain (:mod:`ivex.audit.chain`)."""
