"""`make bench`: throughput and latency of the hot endpoints (see docs/bench.md)."""
