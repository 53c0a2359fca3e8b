"""Shared helpers of the benchmark scripts: timing statistics, the machine's description, and writing
each script's section of benchmarks/RESULTS.md (between ``<!-- NAME -->`` markers, so scripts never
overwrite each other's numbers)."""

from __future__ import annotations

import os
import platform
import re
import statistics
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "RESULTS.md"
WORK = HERE / ".work"  # scratch files (ignored by git)
ROOT = HERE.parent


@dataclass
class Sample:
    values: list[float]

    @property
    def median(self) -> float:
        return statistics.median(self.values)

    @property
    def spread(self) -> tuple[float, float]:
        return min(self.values), max(self.values)

    def describe(self, unit: str = "s", scale: float = 1.0, digits: int = 2) -> str:
        lo, hi = self.spread
        return (
            f"median {self.median * scale:.{digits}f} {unit} "
            f"(min {lo * scale:.{digits}f}, max {hi * scale:.{digits}f}, n={len(self.values)})"
        )


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        import textual

        textual_version = textual.__version__
    except Exception:  # textual may be absent in a headless benchmark venv
        textual_version = "n/a"
    return (
        f"{platform.node()} · {os.cpu_count()} cores · {cpu} · Python {platform.python_version()} · "
        f"Textual {textual_version} · {platform.platform(terse=True)}"
    )


def load_average() -> str:
    """The machine's 1/5/15-minute load averages (other work on a 2-core box moves every number)."""
    try:
        return " / ".join(f"{value:.2f}" for value in os.getloadavg())
    except OSError:
        return "unknown"


def record(section: str, title: str, lines: Sequence[str]) -> None:
    """Replace (or append) ``section`` in RESULTS.md with a dated block of ``lines``."""
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    block = "\n".join(
        [
            f"<!-- {section} -->",
            f"## {title}",
            "",
            f"_Measured {stamp} on {machine()}; load average (1/5/15 min) when written: {load_average()}._",
            "",
            *lines,
            f"<!-- /{section} -->",
        ]
    )
    text = (
        RESULTS.read_text()
        if RESULTS.exists()
        else "# Benchmark results\n\nEach section below is written by its script in benchmarks/; do not edit by hand.\n"
    )
    pattern = re.compile(rf"<!-- {re.escape(section)} -->.*?<!-- /{re.escape(section)} -->", re.S)
    text = (
        pattern.sub(lambda _: block, text) if pattern.search(text) else text.rstrip() + "\n\n" + block + "\n"
    )
    RESULTS.write_text(text)
    print(f"\n[{section}] written to {RESULTS.relative_to(ROOT)}")


def psql(sql: str, dsn: str, *, quiet: bool = True) -> str:
    cmd = ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", dsn, "-At", "-c", sql]
    result = subprocess.run(cmd, capture_output=True, text=True, check=True)
    return result.stdout if quiet else result.stdout + result.stderr


def python() -> str:
    return sys.executable
