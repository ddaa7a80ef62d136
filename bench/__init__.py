"""Benchmarks behind `make bench`: every `bench_<noun>.py` module's `run(report)`."""
