"""Benchmark: SQLAlchemy 2 Inspector bulk reflection (``get_multi_*``) against dbscope's own bulk catalog
path, on the same throwaway databases, PostgreSQL and MariaDB.

Builds ``dbscope_bench_reflect`` on each server: N tables (default 2,000) of 10 columns, each with a
primary key, a second index on (parent_id, a) — a UNIQUE constraint on even tables, a plain index on
odd ones —, a CHECK constraint and a foreign key to the previous table (ON DELETE CASCADE). Then, each
measurement in a fresh interpreter (so neither side inherits the other's frozen or collected objects),
connections open and the dialect initialised before the clock starts:

- SQLAlchemy: ``inspect(conn).get_multi_columns / get_multi_indexes / get_multi_pk_constraint /
  get_multi_foreign_keys / get_multi_unique_constraints / get_multi_check_constraints(schema=...)`` on
  a fresh Inspector (postgresql+psycopg, mysql+pymysql);
- dbscope: the schema-wide ObjectDetail loader ``dbscope advise`` uses — PostgreSQL
  ``PostgresAdapter.schema_facts(schema)`` (pg_catalog.load_details with its two side connections,
  plus sequences and server facts) and ``pg_catalog.load_details`` on one connection; MariaDB
  ``mysql_catalog.load_details`` through the adapter. Both carry more than the six reflections
  (statistics, sizes, triggers, partitions, usage), so the comparison is conservative for dbscope.

Also the import of SQLAlchemy and its dialect alone (driver already imported), which is what using it
would add to a process. Runs are interleaved (A, B, A, B…); the databases are dropped at the end
unless ``--keep``.

    python benchmarks/reflection.py [--runs 5] [--tables 2000] [--keep] [--skip-mysql]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from typing import Any

from _common import ROOT, Sample, psql, record

DB = "dbscope_bench_reflect"
SCHEMA = "refl"
PG_ADMIN = "postgresql:///postgres"
MYSQL = {"host": "127.0.0.1", "port": 3306, "user": "root", "password": ""}
BATCH = 250

# -- building -------------------------------------------------------------------------------------


def pg_url(admin: str = PG_ADMIN) -> str:
    base, _, query = admin.partition("?")
    return base.rsplit("/", 1)[0] + f"/{DB}" + (f"?{query}" if query else "")


def pg_ready(tables: int) -> bool:
    try:
        count = psql(f"SELECT count(*) FROM pg_tables WHERE schemaname = '{SCHEMA}'", pg_url()).strip()
    except Exception:
        return False
    return count == str(tables)


def build_pg(tables: int, reuse: bool) -> str:
    url = pg_url()
    if reuse and pg_ready(tables):
        return url
    psql(f"DROP DATABASE IF EXISTS {DB}", PG_ADMIN)
    psql(f"CREATE DATABASE {DB}", PG_ADMIN)
    psql(f"CREATE SCHEMA {SCHEMA}", url)
    for first in range(1, tables + 1, BATCH):
        last = min(first + BATCH - 1, tables)
        psql(
            f"""
            DO $$
            DECLARE t text; p text;
            BEGIN
              FOR i IN {first}..{last} LOOP
                t := 't' || lpad(i::text, 5, '0');
                p := 't' || lpad((i - 1)::text, 5, '0');
                EXECUTE format(
                  'CREATE TABLE {SCHEMA}.%I (id bigint PRIMARY KEY, parent_id bigint %s, '
                  'a int NOT NULL DEFAULT 0 CONSTRAINT %I CHECK (a >= 0), b int, c text, d varchar(40), '
                  'e numeric(12,2), f timestamptz DEFAULT now(), g boolean, h jsonb)',
                  t, CASE WHEN i > 1 THEN format('REFERENCES {SCHEMA}.%I (id) ON DELETE CASCADE', p)
                          ELSE '' END,
                  t || '_a_check');
                IF i % 2 = 0 THEN
                  EXECUTE format('ALTER TABLE {SCHEMA}.%I ADD CONSTRAINT %I UNIQUE (parent_id, a)',
                                 t, t || '_parent_a_key');
                ELSE
                  EXECUTE format('CREATE INDEX %I ON {SCHEMA}.%I (parent_id, a)', t || '_parent_a', t);
                END IF;
              END LOOP;
            END $$;
            """,
            url,
        )
    psql("ANALYZE", url)
    return url


def _mysql(database: str | None = None) -> Any:
    import pymysql

    return pymysql.connect(**MYSQL, database=database, autocommit=True)


def build_mysql(tables: int, reuse: bool) -> None:
    conn = _mysql()
    with conn.cursor() as cur:
        cur.execute("SELECT count(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = %s", (DB,))
        if reuse and cur.fetchone()[0] == tables:
            conn.close()
            return
        cur.execute(f"DROP DATABASE IF EXISTS {DB}")
        cur.execute(f"CREATE DATABASE {DB}")
        cur.execute(f"USE {DB}")
        for i in range(1, tables + 1):
            t, p = f"t{i:05d}", f"t{i - 1:05d}"
            fk = f", CONSTRAINT {t}_parent_fk FOREIGN KEY (parent_id) REFERENCES {p} (id) ON DELETE CASCADE"
            second = f"UNIQUE KEY {t}_parent_a_key" if i % 2 == 0 else f"KEY {t}_parent_a"
            cur.execute(
                f"CREATE TABLE {t} (id bigint PRIMARY KEY, parent_id bigint, a int NOT NULL DEFAULT 0, "
                "b int, c text, d varchar(40), e decimal(12,2), f timestamp NULL DEFAULT current_timestamp(), "
                f"g boolean, h json, {second} (parent_id, a), CONSTRAINT {t}_a_check CHECK (a >= 0)"
                + (fk if i > 1 else "")
                + ") ENGINE=InnoDB"
            )
    conn.close()


def drop_all(mysql: bool) -> None:
    psql(f"DROP DATABASE IF EXISTS {DB} WITH (FORCE)", PG_ADMIN)
    if mysql:
        conn = _mysql()
        with conn.cursor() as cur:
            cur.execute(f"DROP DATABASE IF EXISTS {DB}")
        conn.close()


# -- one measurement, in a child interpreter ------------------------------------------------------


def child(kind: str) -> dict[str, Any]:
    """Run one measurement in this (fresh) process; return seconds and what was read."""
    if kind.startswith("pg-"):
        import psycopg  # noqa: F401 - the driver is loaded before any clock starts
    else:
        import pymysql  # noqa: F401
    if kind in ("pg-sqlalchemy", "mysql-sqlalchemy", "pg-hybrid", "mysql-hybrid"):
        from sqlalchemy import create_engine, inspect

        if kind.startswith("pg-"):
            engine, schema = create_engine(f"postgresql+psycopg:///{DB}"), SCHEMA
        else:
            engine, schema = create_engine(f"mysql+pymysql://root@127.0.0.1:3306/{DB}"), DB
        started = time.perf_counter()
        with engine.connect() as conn:
            connected = time.perf_counter()
            insp = inspect(conn)
            columns = insp.get_multi_columns(schema=schema)
            t_columns = time.perf_counter()
            indexes = insp.get_multi_indexes(schema=schema)
            pks = insp.get_multi_pk_constraint(schema=schema)
            fks = insp.get_multi_foreign_keys(schema=schema)
            uniques = insp.get_multi_unique_constraints(schema=schema)
            checks = insp.get_multi_check_constraints(schema=schema)
            if kind.endswith("-hybrid"):
                statistics(kind, conn.connection.dbapi_connection)
            done = time.perf_counter()
        engine.dispose()
        return {
            "seconds": done - connected,
            "first_call": t_columns - connected,
            "connect": connected - started,
            "tables": len(columns),
            "columns": sum(len(v) for v in columns.values()),
            "indexes": sum(len(v) for v in indexes.values())
            + sum(1 for v in pks.values() if v["constrained_columns"]),
            "foreign_keys": sum(len(v) for v in fks.values()),
            "uniques": sum(len(v) for v in uniques.values()),
            "checks": sum(len(v) for v in checks.values()),
        }
    from tui.core.connspec import parse_url

    if kind in ("pg-dbscope", "pg-dbscope-one"):
        from tui.adapters import pg_catalog
        from tui.adapters.postgres import PostgresAdapter

        adapter = PostgresAdapter(parse_url(pg_url()))
        adapter.connect()
        started = time.perf_counter()
        if kind == "pg-dbscope":
            details = adapter.schema_facts(SCHEMA).tables
        else:
            details = pg_catalog.load_details(adapter._fetch, [SCHEMA], DB)
        done = time.perf_counter()
        adapter.close()
    else:
        from tui.adapters.mysql import MySQLAdapter

        adapter = MySQLAdapter(parse_url(f"mysql://root@127.0.0.1:3306/{DB}"))
        adapter.connect()
        started = time.perf_counter()
        details = adapter._details(DB, None)
        done = time.perf_counter()
        adapter.close()
    return {
        "seconds": done - started,
        "tables": len(details),
        "columns": sum(len(d.columns) for d in details),
        "indexes": sum(len(d.indexes) for d in details),
        "foreign_keys": sum(len(d.foreign_keys) for d in details),
        "uniques": sum(1 for d in details for c in d.constraints if c.kind == "unique"),
        "checks": sum(1 for d in details for c in d.constraints if c.kind == "check"),
    }


def statistics(kind: str, dbapi_conn: Any) -> None:
    """What the catalog needs beyond the six reflections, which a SQLAlchemy-based loader would still
    read with plain SQL: PostgreSQL — dbscope's own relation query (pg_stat_user_tables, pg_statio,
    sizes, partition bounds, view text) and index query (sizes, scans, validity); MariaDB — TABLES
    (engine, sizes, DATA_FREE), STATISTICS (CARDINALITY, IGNORED) and mysql.innodb_index_stats."""
    if kind == "pg-hybrid":
        from psycopg.rows import dict_row

        from tui.adapters import pg_catalog

        def fetch(sql: str, params: Any = None) -> list[dict[str, Any]]:
            with dbapi_conn.cursor(row_factory=dict_row) as cur:
                cur.execute(sql, params)
                return cur.fetchall()

        where, params = pg_catalog._scope([SCHEMA])
        pg_catalog._relations(fetch, where, params)
        pg_catalog._indexes(fetch, where, params)
        return
    with dbapi_conn.cursor() as cur:
        for sql in (
            "SELECT * FROM information_schema.TABLES WHERE TABLE_SCHEMA = %s",
            "SELECT * FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = %s",
            "SELECT table_name, index_name, stat_value FROM mysql.innodb_index_stats "
            "WHERE database_name = %s AND stat_name = 'size'",
        ):
            cur.execute(sql, (DB,))
            cur.fetchall()


def run_child(kind: str) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, __file__, "--child", kind],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def import_cost(dialect: str, runs: int) -> Sample:
    """Seconds to import SQLAlchemy and one dialect in a process whose driver is already imported."""
    driver, module = (
        ("psycopg", "sqlalchemy.dialects.postgresql.psycopg")
        if dialect == "pg"
        else ("pymysql", "sqlalchemy.dialects.mysql.pymysql")
    )
    code = (
        f"import time, {driver}, importlib; t = time.perf_counter(); import sqlalchemy; "
        f"importlib.import_module('{module}'); print(time.perf_counter() - t)"
    )
    values = []
    for _ in range(runs):
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
        values.append(float(out.stdout.strip()))
    return Sample(values)


def facts_line(label: str, r: dict[str, Any]) -> str:
    return (
        f"{label} read {r['tables']:,} tables, {r['columns']:,} columns, {r['indexes']:,} indexes (PK "
        f"included), {r['foreign_keys']:,} FKs, {r['uniques']:,} unique and {r['checks']:,} check constraints"
    )


def compare(
    engine: str, kinds: list[tuple[str, str]], runs: int
) -> tuple[dict[str, Sample], dict[str, dict[str, Any]]]:
    samples: dict[str, list[float]] = {k: [] for k, _ in kinds}
    last: dict[str, dict[str, Any]] = {}
    extra: dict[str, list[float]] = {"first_call": [], "connect": []}
    for _ in range(runs):
        for kind, _ in kinds:
            result = run_child(kind)
            samples[kind].append(result["seconds"])
            last[kind] = result
            if kind.endswith("-sqlalchemy"):
                extra["first_call"].append(result["first_call"])
                extra["connect"].append(result["connect"])
            print(f"  {engine} {kind}: {result['seconds']:.3f} s", flush=True)
    out = {k: Sample(v) for k, v in samples.items()}
    out.update({k: Sample(v) for k, v in extra.items() if v})
    return out, last


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--tables", type=int, default=2000)
    parser.add_argument("--keep", action="store_true", help="keep the databases (and reuse them next time)")
    parser.add_argument("--skip-mysql", action="store_true")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child)))
        return
    load = os.getloadavg()[0]
    lines = [f"- 1-minute load average at the start: {load:.2f}."]
    try:
        started = time.perf_counter()
        build_pg(args.tables, args.keep)
        print(
            f"PostgreSQL: {args.tables:,} tables built in {time.perf_counter() - started:.1f} s", flush=True
        )
        pg, pg_last = compare(
            "pg",
            [
                ("pg-sqlalchemy", "SQLAlchemy"),
                ("pg-hybrid", "SQLAlchemy + statistics SQL"),
                ("pg-dbscope", "dbscope schema_facts"),
                ("pg-dbscope-one", "dbscope load_details, one connection"),
            ],
            args.runs,
        )
        pg_import = import_cost("pg", args.runs)
        sa, ours, one = pg["pg-sqlalchemy"], pg["pg-dbscope"], pg["pg-dbscope-one"]
        lines += [
            f"- Data: {args.tables:,} tables × 10 columns, PK + one more index (UNIQUE constraint or plain), "
            "a CHECK and a FK each; every measurement in a fresh interpreter, connection open.",
            "",
            "PostgreSQL 15 (unix socket):",
            f"- SQLAlchemy {_sa_version()} `get_multi_columns/indexes/pk_constraint/foreign_keys/"
            f"unique_constraints/check_constraints`: {sa.describe()}; of which `get_multi_columns` "
            f"{pg['first_call'].describe()}; first connect + dialect initialise {pg['connect'].describe()}.",
            f"- SQLAlchemy's six plus the statistics queries a SQLAlchemy-based loader would still "
            f"need (dbscope's relation and index queries: pg_stat_*, sizes, scans): "
            f"{pg['pg-hybrid'].describe()}.",
            f"- dbscope `schema_facts` (what `dbscope advise` runs: load_details with 2 side connections, "
            f"plus statistics, sizes, triggers, sequences, server facts): {ours.describe()}.",
            f"- dbscope `pg_catalog.load_details`, one connection: {one.describe()}.",
            f"- Ratio SQLAlchemy / dbscope schema_facts: {sa.median / ours.median:.2f}; "
            f"SQLAlchemy + statistics / schema_facts: {pg['pg-hybrid'].median / ours.median:.2f}; "
            f"SQLAlchemy + statistics / load_details on one connection: "
            f"{pg['pg-hybrid'].median / one.median:.2f}.",
            f"- Import of sqlalchemy + postgresql.psycopg dialect (psycopg already imported): "
            f"{pg_import.describe(unit='ms', scale=1000, digits=0)}.",
            f"- {facts_line('SQLAlchemy', pg_last['pg-sqlalchemy'])}; "
            f"{facts_line('dbscope', pg_last['pg-dbscope'])}.",
        ]
        if not args.skip_mysql:
            started = time.perf_counter()
            build_mysql(args.tables, args.keep)
            print(
                f"MariaDB: {args.tables:,} tables built in {time.perf_counter() - started:.1f} s", flush=True
            )
            my, my_last = compare(
                "mysql",
                [
                    ("mysql-sqlalchemy", "SQLAlchemy"),
                    ("mysql-hybrid", "SQLAlchemy + statistics SQL"),
                    ("mysql-dbscope", "dbscope"),
                ],
                args.runs,
            )
            my_import = import_cost("mysql", args.runs)
            sa, ours = my["mysql-sqlalchemy"], my["mysql-dbscope"]
            lines += [
                "",
                f"MariaDB {_mariadb_version()} (127.0.0.1:3306):",
                f"- SQLAlchemy `get_multi_*` (the same six; the MySQL dialect reflects table by table from "
                f"SHOW CREATE TABLE): {sa.describe()}; of which `get_multi_columns` "
                f"{my['first_call'].describe()}; first connect + dialect initialise {my['connect'].describe()}.",
                f"- SQLAlchemy's six plus the statistics a SQLAlchemy-based loader would still read "
                f"(TABLES, STATISTICS for CARDINALITY/IGNORED, innodb_index_stats): "
                f"{my['mysql-hybrid'].describe()}.",
                f"- dbscope `mysql_catalog.load_details` (information_schema in bulk, plus sizes, "
                f"partitions, triggers): {ours.describe()}.",
                f"- Ratio SQLAlchemy / dbscope: {sa.median / ours.median:.2f}; SQLAlchemy + statistics / "
                f"dbscope: {my['mysql-hybrid'].median / ours.median:.2f}.",
                f"- Import of sqlalchemy + mysql.pymysql dialect (pymysql already imported): "
                f"{my_import.describe(unit='ms', scale=1000, digits=0)}.",
                f"- {facts_line('SQLAlchemy', my_last['mysql-sqlalchemy'])}; "
                f"{facts_line('dbscope', my_last['mysql-dbscope'])} (MariaDB adds a json_valid() "
                "CHECK to every JSON column, inside the column's definition, where SQLAlchemy's "
                "SHOW CREATE TABLE parser does not look).",
            ]
    finally:
        if not args.keep:
            drop_all(mysql=not args.skip_mysql)
    print("\n".join(lines))
    record(
        "reflection",
        f"Catalog: SQLAlchemy get_multi_* reflection vs dbscope's bulk SQL ({args.tables:,} tables)",
        lines,
    )


def _sa_version() -> str:
    import sqlalchemy

    return sqlalchemy.__version__


def _mariadb_version() -> str:
    conn = _mysql()
    with conn.cursor() as cur:
        cur.execute("SELECT version()")
        version = str(cur.fetchone()[0])
    conn.close()
    return version.split("-")[0]


if __name__ == "__main__":
    main()
