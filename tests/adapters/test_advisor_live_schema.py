"""Schema advice on live databases: a schema seeded with known defects (each must be found, with the
server's own numbers), one with weird identifiers (every DDL must run as printed), and a clean,
well-indexed schema on which no warning may appear. Every DDL and rollback the advisor emits is
executed on the scratch database."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import psycopg
import pytest

from tests.live import LiveServer, db_name
from tui.adapters.postgres import PostgresAdapter
from tui.advisor.api import advise_plan, advise_schema
from tui.advisor.ddl import migration_script
from tui.core.connspec import parse_url
from tui.core.finding import Finding
from tui.core.session import SchemaFacts
from tui.plans.postgres import parse_postgres_plan

pytestmark = pytest.mark.live_pg

DEFECTS = """
CREATE SCHEMA shop;
CREATE TABLE shop.customers (id serial PRIMARY KEY, email text NOT NULL, name text);
CREATE TABLE shop.orders (
    id bigserial PRIMARY KEY,
    customer_id int NOT NULL REFERENCES shop.customers (id),
    status text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    n int NOT NULL
);
INSERT INTO shop.customers (email, name) SELECT 'u' || g || '@x.org', 'n' || g FROM generate_series(1, 2000) g;
INSERT INTO shop.orders (customer_id, status, n)
    SELECT 1 + g % 2000, CASE WHEN g % 100 = 0 THEN 'open' ELSE 'done' END, g FROM generate_series(1, 20000) g;
CREATE INDEX orders_status_idx ON shop.orders (status);
CREATE INDEX orders_status_dup ON shop.orders (status);
CREATE INDEX orders_status_created_idx ON shop.orders (status, created_at);
CREATE TABLE shop.audit_log (at timestamptz NOT NULL DEFAULT now(), msg text);
INSERT INTO shop.audit_log (msg) SELECT 'm' || g FROM generate_series(1, 500) g;
CREATE TABLE shop.churn (id int PRIMARY KEY, v text) WITH (autovacuum_enabled = false);
INSERT INTO shop.churn SELECT g, 'v' FROM generate_series(1, 40000) g;
SELECT setval('shop.customers_id_seq', 1800000000);
"""
# An index build that fails on one row leaves an invalid index behind (the row with n = 5 divides by 0).
INVALID = "CREATE INDEX CONCURRENTLY orders_inverse_idx ON shop.orders ((1 / (n - 5)))"


def dbname(url: str) -> str:
    return db_name(url)


def facts_of(url: str) -> tuple[SchemaFacts, PostgresAdapter]:
    adapter = PostgresAdapter(parse_url(url))
    adapter.connect()
    return adapter.schema_facts(), adapter


@pytest.fixture
def defects(pg_server: LiveServer, pg_scratch: str) -> Iterator[str]:
    db = dbname(pg_scratch)
    pg_server.execute(DEFECTS, db)
    with pytest.raises(psycopg.errors.DivisionByZero):
        pg_server.execute(INVALID, db)
    pg_server.execute("DELETE FROM shop.churn WHERE id % 2 = 0", db)
    pg_server.execute("ANALYZE", db)
    yield pg_scratch


def by_rule(findings: list[Finding]) -> dict[str, list[Finding]]:
    out: dict[str, list[Finding]] = {}
    for f in findings:
        out.setdefault(f.rule, []).append(f)
    return out


def execute_all(url: str, statements: list[str]) -> None:
    """Each statement on its own, in autocommit (CONCURRENTLY and VACUUM refuse transactions)."""
    with psycopg.connect(url, autocommit=True) as conn:
        for statement in statements:
            if statement.lstrip().startswith("--"):
                continue
            conn.execute(statement)  # type: ignore[arg-type]


def test_every_seeded_defect_is_found_with_server_numbers(defects: str, pg_server: LiveServer) -> None:
    facts, adapter = facts_of(defects)
    try:
        found = by_rule(advise_schema(facts))
    finally:
        adapter.close()
    db = dbname(defects)
    [fk] = found["pg.fk-without-index"]
    assert fk.object == "shop.orders" and fk.evidence["table_rows"] == 20_000
    assert fk.evidence["referenced_table_rows"] == 2_000
    [dup] = found["pg.duplicate-index"]
    sizes = dict(
        pg_server.execute(
            "SELECT relname, pg_relation_size(oid) FROM pg_class WHERE relname IN ('orders_status_idx', 'orders_status_dup')",
            db,
        )
    )
    dropped = dup.ddl[0].split()[-1].rstrip(";").split(".")[-1]
    assert dup.evidence["size_bytes"] == sizes[dropped]
    [redundant] = found["pg.redundant-index"]
    assert "orders_status_created_idx" in redundant.message
    [nopk] = found["pg.table-without-primary-key"]
    assert nopk.object == "shop.audit_log" and nopk.evidence["table_rows"] == 500
    [invalid] = found["pg.invalid-index"]
    assert "orders_inverse_idx" in invalid.message
    [seq] = found["pg.sequence-exhaustion"]
    assert seq.evidence["last_value"] == 1_800_000_000 and seq.evidence["max_value"] == 2_147_483_647
    assert seq.evidence["used_pct"] == 83.82
    [dead] = found["pg.dead-tuples"]
    assert dead.object == "shop.churn" and dead.evidence["dead_rows"] == 20_000
    assert dead.evidence["live_rows"] == 20_000 and dead.evidence["dead_pct"] == 50.0
    assert dead.severity == "critical"
    # The statistics of a database created seconds ago (its window starts there: tests.live) are too
    # young to call an index unused.
    [window] = found["pg.unused-index-window"]
    assert window.evidence["stats_age_days"] < 7 and "pg.unused-index" not in found


def test_every_ddl_and_rollback_runs_and_fixes_the_defects(defects: str, pg_server: LiveServer) -> None:
    facts, adapter = facts_of(defects)
    try:
        findings = advise_schema(facts)
    finally:
        adapter.close()
    # The invalid index failed on the row with n = 5; the DBA removes the cause first, as the finding says.
    pg_server.execute("DELETE FROM shop.orders WHERE n = 5", dbname(defects))
    for f in findings:
        execute_all(defects, f.ddl)
    after_facts, adapter = facts_of(defects)
    try:
        after = by_rule(advise_schema(after_facts))
    finally:
        adapter.close()
    for rule in (
        "pg.fk-without-index",
        "pg.duplicate-index",
        "pg.redundant-index",
        "pg.table-without-primary-key",
        "pg.invalid-index",
        "pg.sequence-exhaustion",
        "pg.dead-tuples",
    ):
        assert rule not in after, (rule, [f.message for f in after.get(rule, [])])
    # Every change is reversible with the rollback the finding printed (newest first).
    for f in reversed(findings):
        execute_all(defects, [line for undo in reversed(f.rollback) for line in undo.split("\n")])


def test_migration_script_runs_as_one_psql_script(defects: str, pg_server: LiveServer) -> None:
    facts, adapter = facts_of(defects)
    try:
        findings = advise_schema(facts)
    finally:
        adapter.close()
    pg_server.execute("DELETE FROM shop.orders WHERE n = 5", dbname(defects))
    script = migration_script(findings)
    # psql would send it statement by statement; the transaction blocks and CONCURRENTLY lines must too.
    from tui.core.sqltext import split_statements

    execute_all(defects, [s.text for s in split_statements(script)])
    assert "BEGIN;" in script and "CONCURRENTLY" in script


WEIRD = '''
CREATE SCHEMA "Weird Schema";
CREATE TABLE "Weird Schema"."Users" ("ID" serial PRIMARY KEY, "E-Mail" text NOT NULL);
CREATE TABLE "Weird Schema"."Order Items" (
    "Item ID" bigserial PRIMARY KEY,
    "User Id" int NOT NULL REFERENCES "Weird Schema"."Users" ("ID"),
    "select" int NOT NULL,
    "naïve ünïcode" text,
    "quote""d" text
);
INSERT INTO "Weird Schema"."Users" ("E-Mail") SELECT 'u' || g FROM generate_series(1, 3000) g;
INSERT INTO "Weird Schema"."Order Items" ("User Id", "select", "naïve ünïcode", "quote""d")
    SELECT 1 + g % 3000, g % 7, 'x' || g, 'q' || g FROM generate_series(1, 30000) g;
CREATE INDEX "Sel Idx" ON "Weird Schema"."Order Items" ("select");
CREATE INDEX "Sel ""Dup""" ON "Weird Schema"."Order Items" ("select");
CREATE TABLE "Weird Schema"."Ünïcode Täble" ("Wert" text);
SELECT setval('"Weird Schema"."Users_ID_seq"', 2000000000);
ANALYZE;
'''


def test_weird_identifiers_every_ddl_runs_as_printed(pg_server: LiveServer, pg_scratch: str) -> None:
    pg_server.execute(WEIRD, dbname(pg_scratch))
    pg_server.execute("CREATE EXTENSION hypopg", dbname(pg_scratch))  # the hypothetical index is quoted too
    facts, adapter = facts_of(pg_scratch)
    try:
        findings = advise_schema(facts)
        query = """SELECT "Item ID" FROM "Weird Schema"."Order Items" WHERE "quote""d" = 'q77' AND "naïve ünïcode" = 'x77'"""
        plan = parse_postgres_plan(adapter.explain(query, analyze=True).text)
        plan_findings = advise_plan(plan, query=query, adapter=adapter, facts=facts)
    finally:
        adapter.close()
    rules = {f.rule for f in findings}
    assert {
        "pg.fk-without-index",
        "pg.duplicate-index",
        "pg.table-without-primary-key",
        "pg.sequence-exhaustion",
    } <= rules
    seq_scan = [f for f in plan_findings if f.rule == "pg.seq-scan-selective"]
    assert seq_scan and seq_scan[0].ddl, [f.rule for f in plan_findings]
    assert seq_scan[0].verification is not None and seq_scan[0].verification.method == "hypopg"
    # both columns are unique (n_distinct -1): the query's own order is kept
    assert seq_scan[0].ddl[0].endswith(' ON "Weird Schema"."Order Items" ("quote""d", "naïve ünïcode");')
    statements = [s for f in findings + plan_findings for s in f.ddl if not s.startswith("SET ")]
    assert any('"Weird Schema"."Order Items"' in s for s in statements)
    execute_all(pg_scratch, statements)
    for f in reversed(findings + plan_findings):
        execute_all(pg_scratch, [line for undo in reversed(f.rollback) for line in undo.split("\n")])


CLEAN = """
CREATE SCHEMA app;
CREATE TABLE app.customers (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, email text NOT NULL UNIQUE);
CREATE TABLE app.orders (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    customer_id bigint NOT NULL REFERENCES app.customers (id) ON DELETE CASCADE,
    status text NOT NULL CHECK (status IN ('new', 'paid')),
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX orders_customer_created_idx ON app.orders (customer_id, created_at);
INSERT INTO app.customers (email) SELECT 'c' || g || '@x.org' FROM generate_series(1, 2000) g;
INSERT INTO app.orders (customer_id, status) SELECT 1 + g % 2000, 'new' FROM generate_series(1, 20000) g;
"""

CLEAN_QUERIES = (
    "SELECT id, status FROM app.orders WHERE customer_id = 42 ORDER BY created_at DESC LIMIT 10",
    "SELECT c.email, o.id FROM app.customers c JOIN app.orders o ON o.customer_id = c.id WHERE c.id = 7",
    "SELECT email FROM app.customers WHERE email = 'c5@x.org'",
)


def test_clean_schema_gets_no_warning(pg_server: LiveServer, pg_scratch: str) -> None:
    db = dbname(pg_scratch)
    pg_server.execute(CLEAN, db)
    pg_server.execute("VACUUM ANALYZE", db)
    facts, adapter = facts_of(pg_scratch)
    try:
        findings = advise_schema(facts)
        for query in CLEAN_QUERIES:
            adapter.run(query)  # warm the cache, as a running application has it
            plan = parse_postgres_plan(adapter.explain(query, analyze=True).text)
            findings += advise_plan(plan, query=query, adapter=adapter, facts=facts)
    finally:
        adapter.close()
    serious = [(f.rule, f.object, f.message) for f in findings if f.severity != "info"]
    assert serious == []


def _unused(findings: list[Finding]) -> list[Any]:
    return [f for f in findings if f.rule == "pg.unused-index"]


def test_unused_index_on_a_long_window_from_live_facts(pg_server: LiveServer, pg_scratch: str) -> None:
    db = dbname(pg_scratch)
    pg_server.execute(CLEAN + "CREATE INDEX orders_status_idx ON app.orders (status);", db)
    facts, adapter = facts_of(pg_scratch)
    adapter.close()
    assert facts.stats_age_days is not None and facts.stats_age_days < 7
    assert _unused(advise_schema(facts)) == []
    # The same live facts judged as if they covered 30 days: only the plain, never-scanned index qualifies
    # (the primary keys, the unique email index and the FK's index are never candidates).
    facts.stats_age_days = 30.0
    [f] = _unused(advise_schema(facts))
    assert "orders_status_idx" in f.message
    size = pg_server.execute("SELECT pg_relation_size('app.orders_status_idx')", db)[0][0]
    assert f.evidence["size_bytes"] == size
    execute_all(pg_scratch, f.ddl)
    execute_all(pg_scratch, f.rollback)
    assert (
        pg_server.execute("SELECT count(*) FROM pg_indexes WHERE indexname = 'orders_status_idx'", db)[0][0]
        == 1
    )


def _with_avg_width(facts: SchemaFacts, url: str) -> SchemaFacts:
    """Fill Column.avg_width from pg_stats (the adapter does not read it yet; see the advisor's report)."""
    with psycopg.connect(url) as conn:
        rows = conn.execute("SELECT schemaname, tablename, attname, avg_width FROM pg_stats").fetchall()
    widths = {(r[0], r[1], r[2]): r[3] for r in rows}
    for t in facts.tables:
        for c in t.columns:
            c.avg_width = widths.get((t.node.schema, t.node.name, c.name))
    return facts


def test_bloat_estimate_on_a_live_table_and_vacuum_full_removes_it(
    pg_server: LiveServer, pg_scratch: str
) -> None:
    db = dbname(pg_scratch)
    pg_server.execute(
        "CREATE TABLE roomy (id int PRIMARY KEY, v text NOT NULL) WITH (autovacuum_enabled = false);"
        "INSERT INTO roomy SELECT g, md5(g::text) FROM generate_series(1, 100000) g;"
        "DELETE FROM roomy WHERE id % 10 <> 0;",
        db,
    )
    pg_server.execute("VACUUM ANALYZE roomy", db)  # frees the space inside the table, keeps the pages
    facts, adapter = facts_of(pg_scratch)
    adapter.close()
    [f] = [x for x in advise_schema(_with_avg_width(facts, pg_scratch)) if x.rule == "pg.table-bloat"]
    pages = pg_server.execute("SELECT relpages FROM pg_class WHERE relname = 'roomy'", db)[0][0]
    assert f.evidence["pages"] == pages
    assert f.evidence["bloat_pct"] > 80  # 90 % of the rows were deleted
    assert f.ddl == ["VACUUM (FULL, ANALYZE) public.roomy;"]
    execute_all(pg_scratch, f.ddl)
    facts, adapter = facts_of(pg_scratch)
    adapter.close()
    assert [x for x in advise_schema(_with_avg_width(facts, pg_scratch)) if x.rule == "pg.table-bloat"] == []
