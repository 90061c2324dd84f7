"""Benchmarks: `python -m bench.<name>` prints the figures reported in the issues."""
