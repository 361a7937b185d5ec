"""Benchmarks for Hồ Sơ: synthetic population, loader and latency runs (never in tests)."""
