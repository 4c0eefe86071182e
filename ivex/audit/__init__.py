"""The operators' audit toolkit: replay, explain, completeness and dead letters.

An application-level package (like :mod:`ivex.demo`): it may use :mod:`streams` for the
engine's view of deadlines and rules; the core modules never import it.
"""
