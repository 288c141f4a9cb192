"""Shared helpers for the benchmarks: machine facts, percentiles, JSON results."""

from __future__ import annotations

import json
import os
import platform
import shutil
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).parent / "results"


def machine() -> dict[str, Any]:
    return {
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }


def percentiles(samples: list[float]) -> dict[str, float]:
    """Median, p90, p99 and max of samples (same unit as given)."""
    ordered = sorted(samples)
    if not ordered:
        return {"n": 0}

    def pick(q: float) -> float:
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]

    return {
        "n": len(ordered),
        "median": statistics.median(ordered),
        "p90": pick(0.90),
        "p99": pick(0.99),
        "max": ordered[-1],
    }


def write_result(name: str, data: dict[str, Any]) -> Path:
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps({"machine": machine(), **data}, indent=2) + "\n")
    return path


def cached(directory: Path, what: str, make: Callable[[Path], float]) -> Path:
    """``directory`` made once by ``make`` (which returns the seconds it took, kept in
    ``done``), then reused: a directory left half made is made anew."""
    if (directory / "done").exists():
        print(f"reusing the generated {what} in {directory}")
        return directory
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(parents=True)
    seconds = make(directory)
    (directory / "done").write_text(json.dumps({"generate_s": round(seconds, 1)}))
    return directory
