"""Benchmark: `dbscope advise` on the 10,000-table database (targets: ≤ 5 s, and at most 2× the time of
the catalog queries it needs when they run alone through psql — the physical floor).

The catalog queries are captured from the adapter itself (every statement it sends, with its
parameters bound, on every connection), written to benchmarks/.work/advise-queries.sql and run with
`psql -f … -o /dev/null` one after the other, so the floor is exactly the same SQL. (dbscope runs
the index and column queries on two extra connections while it reads the rest, so it can come under
that floor.)

    python benchmarks/advise_big.py [--runs 5]
"""

from __future__ import annotations

import argparse
import os
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
        side_fetch = adapter._side_fetch

        def side_recording(connection: Any) -> Any:
            inner = side_fetch(connection)

            def fetch(sql: str, params: Any = None) -> list[dict[str, Any]]:
                captured.append(cursor.mogrify(sql, params) if params is not None else sql)
                return inner(sql, params)

            return fetch

        # The indexes and columns are read on extra connections (in threads): capture those too.
        adapter._side_fetch = side_recording  # type: ignore[method-assign]
        adapter.schema_facts(None)
    adapter.close()
    return captured


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--dsn", default="postgresql:///postgres")
    args = parser.parse_args()
    url = build(args.dsn, rebuild=False)
    load = os.getloadavg()[0]
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
        f"- 1-minute load average at the start: {load:.2f}.",
        f"- `dbscope advise` (whole process, JSON out, {findings} findings): {a.describe()} — target ≤ 5 s: **{met_time}**.",
        f"- The same {len(queries)} catalog queries through `psql -f`: {f.describe()}.",
        f"- Ratio dbscope / psql floor: {ratio:.2f} — target ≤ 2: **{met_ratio}**.",
    ]
    print("\n".join(lines))
    record("advise", "Advise on 10,000 tables", lines)


if __name__ == "__main__":
    main()
