"""The operators' audit toolkit: replay, explain, completeness, dead letters, and tamper
evidence by hash chain (:mod:`ivex.audit.chain`).

An application-level package (like :mod:`ivex.demo`): it may use :mod:`streams` for the
engine's view of deadlines and rules; the core modules never import it.
"""
