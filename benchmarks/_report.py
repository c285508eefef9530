"""Shared printing for the benchmark scripts: median and 95th percentile in milliseconds."""

import statistics


def report(name: str, values_ms: list[float]) -> None:
    values = sorted(values_ms)
    p95 = values[int(0.95 * (len(values) - 1))]
    print(f"{name}: median {statistics.median(values):.1f} ms, p95 {p95:.1f} ms over {len(values)} runs")


def ratio(name: str, whole_ms: list[float], bare_ms: list[float]) -> None:
    """Print how many times bare inference the whole update takes (medians)."""
    whole, bare = statistics.median(whole_ms), statistics.median(bare_ms)
    print(f"{name}: whole update / bare inference = {whole:.1f} ms / {bare:.1f} ms = {whole / bare:.1f}×")
