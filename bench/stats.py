"""Percentiles for the benchmarks (nearest rank, so p95 is a latency that really happened)."""

from __future__ import annotations


def pct(values: list[float], p: float) -> float:
    """The p-th percentile of `values` by nearest rank; NaN for no values."""
    values = sorted(values)
    return values[min(len(values) - 1, round(p / 100 * (len(values) - 1)))] if values else float("nan")
