"""ivex's benchmarks: scripts that print figures and ratios measured in one run."""

from streams.engine import select_build

# The benchmarks' entry point: choose the engine build before any bench imports it.
select_build()
