"""A seeded simulator of the federation's vital events, and the requests it must yield.

``ivex simulate`` writes the connectors' input files for every member city plus
``truth.jsonl``: the assistance requests a correct case engine raises from them.
Nothing here imports the case engine: the truth is computed independently.
"""
