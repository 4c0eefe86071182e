"""The demo federation end to end: ``ivex demo`` (the README's first command)."""
