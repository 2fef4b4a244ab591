"""Benchmarks: each module has run() -> dict and prints its own figures; `python -m bench` runs them all."""
