"""Benchmark: `dbscope advise` on the 10,000-table database (targets: ≤ 5 s, and at most 2× the time of
the catalog queries it needs when they run alone through psql — the physical floor).

The catalog queries are captured from the adapter itself (every statement it sends, with its
parameters bound), written to benchmarks/.work/advise-queries.sql and run with
`psql -f … -o /dev/null`, so the floor is exactly the same SQL.

    python benchmarks/advise_big.py [--runs 5]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from _common import WORK, Sample, record
from big_catalog import build


def capture_queries(url: str) -> list[str]:
    import psycopg

    from tui.adapters.postgres import PostgresAdapter
    from tui.core.connspec import parse_url

    adapter = PostgresAdapter(parse_url(url))
    adapter.connect()
    captured: list[str] = []
    original = adapter._fetch
    with psycopg.connect(url) as conn:
        cursor = psycopg.ClientCursor(conn)

        def recording(sql: str, params: Any = None) -> list[dict[str, Any]]:
            captured.append(cursor.mogrify(sql, params) if params is not None else sql)
            return original(sql, params)

        adapter._fetch = recording  # type: ignore[method-assign]
        adapter.schema_facts(None)
    adapter.close()
    return captured


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--dsn", default="postgresql:///postgres")
    args = parser.parse_args()
    url = build(args.dsn, rebuild=False)
    dbscope = str(Path(sys.executable).with_name("dbscope"))
    ours = []
    findings = 0
    for _ in range(args.runs):
        started = time.perf_counter()
        out = subprocess.run(
            [dbscope, "advise", url, "--format", "json"], capture_output=True, text=True, check=True
        )
        ours.append(time.perf_counter() - started)
        findings = out.stdout.count('"rule"')
    queries = capture_queries(url)
    WORK.mkdir(exist_ok=True)
    script = WORK / "advise-queries.sql"
    script.write_text(";\n".join(q.strip().rstrip(";") for q in queries) + ";\n")
    floor = []
    for _ in range(args.runs):
        started = time.perf_counter()
        subprocess.run(["psql", "-X", "-q", "-d", url, "-f", str(script), "-o", "/dev/null"], check=True)
        floor.append(time.perf_counter() - started)
    a, f = Sample(ours), Sample(floor)
    ratio = a.median / f.median
    met_time = "met" if a.median <= 5 else "MISSED"
    met_ratio = "met" if ratio <= 2 else "MISSED"
    lines = [
        f"- `dbscope advise` (whole process, JSON out, {findings} findings): {a.describe()} — target ≤ 5 s: **{met_time}**.",
        f"- The same {len(queries)} catalog queries through `psql -f`: {f.describe()}.",
        f"- Ratio dbscope / psql floor: {ratio:.2f} — target ≤ 2: **{met_ratio}**.",
    ]
    print("\n".join(lines))
    record("advise", "Advise on 10,000 tables", lines)


if __name__ == "__main__":
    main()
