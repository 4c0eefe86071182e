"""The operators' audit of the live exchange: parallel re-derivation, diff and repair.

:mod:`streams.rederive` runs the pure engine and lifecycle over the log;
:mod:`streams.audit.shares` splits that across processes and merges the shares;
:mod:`streams.audit.diff` compares the result with the requests and notices topics;
:mod:`streams.audit.repair` re-publishes what the live system lost.
"""
