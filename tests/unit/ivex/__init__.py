"""Unit tests of the ivex package (core and application)."""
