"""Build (once) the large database the scale benchmarks run on.

Database ``dbscope_bench_big`` on the local PostgreSQL (``--dsn`` to change the server):
- schema ``wide``: 10,000 tables of 10 columns with 2 indexes each (a primary key and one secondary);
- schema ``parts``: table ``events`` range-partitioned into 2,000 partitions.
Tables are created server-side in batches (one DO block per batch, each its own transaction), so the
lock table never has to hold every object at once. Re-running is a no-op unless ``--rebuild``.

    python benchmarks/big_catalog.py [--dsn postgresql:///postgres] [--rebuild]
"""

from __future__ import annotations

import argparse
import time

from _common import psql

DB = "dbscope_bench_big"
TABLES = 10_000
PARTITIONS = 2_000
BATCH = 500


def database_url(admin_dsn: str, db: str = DB) -> str:
    base, _, query = admin_dsn.partition("?")
    base = base.rsplit("/", 1)[0]
    return f"{base}/{db}" + (f"?{query}" if query else "")


def ready(url: str) -> bool:
    try:
        counts = psql(
            "SELECT (SELECT count(*) FROM pg_tables WHERE schemaname = 'wide'), "
            "(SELECT count(*) FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhparent "
            "WHERE c.relname = 'events')",
            url,
        ).strip()
    except Exception:
        return False
    return counts == f"{TABLES}|{PARTITIONS}"


def build(admin_dsn: str, rebuild: bool) -> str:
    url = database_url(admin_dsn)
    if not rebuild and ready(url):
        print(f"{DB} is ready ({TABLES:,} tables, {PARTITIONS:,} partitions)")
        return url
    started = time.perf_counter()
    psql(f"DROP DATABASE IF EXISTS {DB}", admin_dsn)
    psql(f"CREATE DATABASE {DB}", admin_dsn)
    psql("CREATE SCHEMA wide; CREATE SCHEMA parts", url)
    for first in range(1, TABLES + 1, BATCH):
        last = min(first + BATCH - 1, TABLES)
        psql(
            f"""
            DO $$
            BEGIN
              FOR i IN {first}..{last} LOOP
                EXECUTE format(
                  'CREATE TABLE wide.t%s (id bigint PRIMARY KEY, a int, b int, c text, d text, e numeric,
                     f timestamptz, g boolean, h jsonb, k bigint)', lpad(i::text, 5, '0'));
                EXECUTE format('CREATE INDEX t%s_a_b ON wide.t%s (a, b)', lpad(i::text, 5, '0'),
                               lpad(i::text, 5, '0'));
              END LOOP;
            END $$;
            """,
            url,
        )
        print(f"  tables {last:,}/{TABLES:,}", flush=True)
    psql(
        "CREATE TABLE parts.events (id bigint, at date NOT NULL, kind int, payload text) PARTITION BY RANGE (at)",
        url,
    )
    for first in range(0, PARTITIONS, BATCH):
        last = min(first + BATCH, PARTITIONS) - 1
        psql(
            f"""
            DO $$
            BEGIN
              FOR i IN {first}..{last} LOOP
                EXECUTE format('CREATE TABLE parts.events_%s PARTITION OF parts.events '
                               'FOR VALUES FROM (%L) TO (%L)', lpad(i::text, 4, '0'),
                               date '2020-01-01' + i, date '2020-01-01' + i + 1);
              END LOOP;
            END $$;
            """,
            url,
        )
    psql(
        "INSERT INTO parts.events SELECT g, date '2020-01-01' + (g % 2000), g % 7, 'x' "
        "FROM generate_series(1, 20000) g",
        url,
    )
    psql("ANALYZE", url)
    print(f"built {DB} in {time.perf_counter() - started:.0f} s")
    return url


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--dsn", default="postgresql:///postgres", help="admin connection (default: local socket)"
    )
    parser.add_argument("--rebuild", action="store_true")
    args = parser.parse_args()
    print(build(args.dsn, args.rebuild))


if __name__ == "__main__":
    main()
