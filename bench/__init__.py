"""Benchmarks behind `make bench`: every `bench_<noun>.py` module's `run(report)`."""

from fairfollow.actor import system_actor

# Ledger rows name who acted in the one actor format (``login (sys-…)`` for the platform).
BENCH_ACTOR = system_actor("bench")
