"""Benchmarks: `make bench` runs them and writes bench/results/ and docs/performance.md."""
