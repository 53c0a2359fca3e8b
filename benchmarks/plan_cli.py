"""Benchmark: ``dbscope plan FILE`` from the shell (issue 18: ≤ 150 ms on a typical plan), measured beside
a bare ``python -c pass`` in the same run, alternating, in fresh interpreters (bytecode already cached:
one warm-up run each). Also counts the modules the plan path imports (SQLAlchemy, drivers, sqlglot and
Textual must be absent).

    python benchmarks/plan_cli.py [--runs 15]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time

from _common import ROOT, Sample, record

PLANS = {
    "JSON (nested loop)": ROOT / "tests/fixtures/plans/postgres-nested-loop.json",
    "psql text, unicode border 2": ROOT / "tests/fixtures/plans/psql-frames/text-unicode-border2.txt",
    "YAML in psql's frame": ROOT / "tests/fixtures/plans/psql-frames/yaml-aligned.txt",
}
HEAVY = ("sqlalchemy", "psycopg", "pymysql", "pymongo", "sqlglot", "textual")


def _time(argv: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=15)
    runs = parser.parse_args().runs
    baseline = [sys.executable, "-c", "pass"]
    lines = []
    for label, path in PLANS.items():
        command = [sys.executable, "-m", "tui", "plan", str(path)]
        _time(baseline), _time(command)
        bare, plan = Sample([]), Sample([])
        for _ in range(runs):
            bare.values.append(_time(baseline))
            plan.values.append(_time(command))
        lines.append(
            f"- {label}: `dbscope plan` {plan.describe('ms', 1000, 0)}; `python -c pass` "
            f"{bare.describe('ms', 1000, 0)}; difference of medians {(plan.median - bare.median) * 1000:.0f} ms."
        )
    probe = (
        "import sys, runpy; sys.argv=['dbscope','plan',sys.argv[1]]\n"
        "try:\n    runpy.run_module('tui', run_name='__main__')\nexcept SystemExit:\n    pass\n"
        f"print('HEAVY=' + ','.join(m for m in {HEAVY!r} if m in sys.modules), file=sys.stderr)"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe, str(PLANS["JSON (nested loop)"])],
        capture_output=True,
        text=True,
        check=True,
    )
    heavy = next((line[6:] for line in result.stderr.splitlines() if line.startswith("HEAVY=")), "")
    lines.append(f"- Heavy modules imported by the plan path: {heavy or 'none'}.")
    for line in lines:
        print(line)
    record("plan-cli", "dbscope plan from the shell (issue 18: ≤ 150 ms)", lines)


if __name__ == "__main__":
    main()
