"""What every harness in bench/ shares: sequential timing, medians and p95, ratios against the
run's own baseline, and the JSON report (printed, and written under bench/results/ with --out)."""

from __future__ import annotations

import json
import os
import platform
import statistics
import time
from collections.abc import Awaitable, Callable


async def timed(calls: int, make_call: Callable[[], Awaitable[object]]) -> list[float]:
    latencies = []
    for _ in range(calls):
        started = time.perf_counter()
        await make_call()
        latencies.append(time.perf_counter() - started)
    return latencies


def summary(latencies: list[float]) -> dict[str, float]:
    ordered = sorted(latencies)
    return {"median_ms": statistics.median(ordered) * 1000, "p95_ms": ordered[int(len(ordered) * 0.95)] * 1000}


def ratios(results: dict[str, dict[str, float]], baseline: str) -> dict[str, float]:
    """Each measured kind's median over the baseline's median (same run, same machine)."""
    base = results[baseline]["median_ms"]
    return {kind: round(result["median_ms"] / base, 2) for kind, result in results.items() if kind != baseline}


def machine() -> str:
    return f"{platform.machine()} {os.cpu_count()} cores, Python {platform.python_version()}"


def report(results: dict[str, object], out: str | None) -> None:
    text = json.dumps(results, indent=2)
    print(text)
    if out:
        with open(out, "w") as file:
            file.write(text + "\n")
