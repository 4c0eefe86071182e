"""Sex-ratio-at-birth monitoring (docs/srb.md): plain Python, no Kafka, no clock.

- :mod:`streams.srb.wilson` — the Wilson score interval mapped to the SRB scale;
- :mod:`streams.srb.status` — the monitoring status of a count of births;
- :mod:`streams.srb.tally` — MALE/FEMALE counts per city, month and birth-order bucket,
  kept by record so that corrections move a count and voids remove it;
- :mod:`streams.srb.reports` — :class:`~ivex.models.SexRatioReport` of every cell, for
  the month and the rolling 12 months, per city and for the federation pooled.
"""
