"""ivex — Inter-regional Vital-Event eXchange.

The shared core: models, codec, configuration, identity and the command line.
"""

__version__ = "0.1.0"
