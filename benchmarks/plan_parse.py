"""Benchmark: parse a real plan of more than 5,000 nodes (budget ≤ 100 ms).

The plan is produced by the local PostgreSQL on the big benchmark database (big_catalog.py): an
EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) of a UNION ALL that reads the 2,000-partition table three times
(one Append with 6,000 scans). The JSON text is cached in benchmarks/.work/. Parsing goes through the
same entry point as `dbscope plan` (auto-detection included).

    python benchmarks/plan_parse.py [--runs 15]
"""

from __future__ import annotations

import argparse
import os
import time

from _common import WORK, Sample, psql, record
from big_catalog import build

QUERY = (
    "SELECT count(*) FROM (SELECT id FROM parts.events UNION ALL SELECT id FROM parts.events "
    "UNION ALL SELECT id FROM parts.events) s"
)


def plan_text(dsn: str) -> str:
    cache = WORK / "plan-6000.json"
    if cache.exists():
        return cache.read_text()
    url = build(dsn, rebuild=False)
    text = psql(
        f"SET max_parallel_workers_per_gather = 0; EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) {QUERY}", url
    )
    WORK.mkdir(exist_ok=True)
    cache.write_text(text)
    return text


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--dsn", default="postgresql:///postgres")
    args = parser.parse_args()
    load = os.getloadavg()[0]
    text = plan_text(args.dsn)
    from tui.plans import parse_plan

    plan = parse_plan(text)  # warm-up (imports) outside the timing
    nodes = sum(1 for _ in plan.nodes())
    times = []
    for _ in range(args.runs):
        started = time.perf_counter()
        parse_plan(text)
        times.append(time.perf_counter() - started)
    sample = Sample(times)
    verdict = "met" if sample.median <= 0.100 else "MISSED"
    print(
        f"{nodes:,} nodes, {len(text) / 1e6:.1f} MB of JSON: {sample.describe('ms', 1000, 1)} — target ≤ 100 ms {verdict}"
    )
    record(
        "plan-parse",
        "Plan parse (5,000+ nodes)",
        [
            f"- 1-minute load average at the start: {load:.2f}.",
            f"- Plan: EXPLAIN (ANALYZE, BUFFERS) of a 6,000-scan Append, {nodes:,} nodes, {len(text) / 1e6:.1f} MB JSON.",
            f"- `parse_plan` (detection + parse + derived metrics): {sample.describe('ms', 1000, 1)}.",
            f"- Target ≤ 100 ms: **{verdict}**.",
        ],
    )


if __name__ == "__main__":
    main()
