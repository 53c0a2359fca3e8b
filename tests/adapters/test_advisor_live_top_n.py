"""pg.top-n-sort-without-index on live PostgreSQL plans: the dashboard query (ORDER BY … DESC LIMIT 20)
is planned as Limit → Sort (top-N heapsort) → Seq Scan; the advisor verifies the sort-key index with
HypoPG, the DDL is run for real, and the same statement then reads the index and stops."""

from __future__ import annotations

import json
from collections.abc import Iterator

import psycopg
import pytest

from tests.live import LiveServer, db_name
from tui.adapters.postgres import PostgresAdapter
from tui.advisor.api import advise_plan
from tui.core.connspec import parse_url
from tui.core.finding import Finding
from tui.core.plan import Plan
from tui.plans.postgres import parse_postgres_plan

pytestmark = pytest.mark.live_pg

RULE = "pg.top-n-sort-without-index"
SCHEMA = """
CREATE SCHEMA shop;
CREATE TABLE shop.orders (
    id bigint PRIMARY KEY,
    customer_id int NOT NULL,
    status text NOT NULL,
    total numeric NOT NULL,
    created_at timestamptz NOT NULL
);
INSERT INTO shop.orders
    SELECT g, 1 + g % 5000, CASE WHEN g % 100 = 0 THEN 'open' ELSE 'done' END, g % 500,
           timestamptz '2024-01-01' + (g * 7919 % 100000) * interval '1 minute'
    FROM generate_series(1, 100000) g;
CREATE INDEX orders_status_idx ON shop.orders (status);
ANALYZE shop.orders;
"""
DASHBOARD = (
    "SELECT id, customer_id, status, total, created_at FROM shop.orders ORDER BY created_at DESC LIMIT 20"
)


@pytest.fixture
def shop(pg_server: LiveServer, pg_scratch: str) -> str:
    pg_server.execute(SCHEMA, db_name(pg_scratch))
    return pg_scratch


@pytest.fixture
def adapter(shop: str) -> Iterator[PostgresAdapter]:
    connected = PostgresAdapter(parse_url(shop))
    connected.connect()
    yield connected
    connected.close()


def _plan(url: str, sql: str) -> Plan:
    with psycopg.connect(url) as conn:
        value = conn.execute(f"EXPLAIN (ANALYZE, VERBOSE, FORMAT JSON) {sql}").fetchone()[0]  # type: ignore[index]
    return parse_postgres_plan(value if isinstance(value, str) else json.dumps(value))


def _only(findings: list[Finding]) -> Finding:
    matching = [f for f in findings if f.rule == RULE]
    assert len(matching) == 1, [f.rule for f in findings]
    return matching[0]


def _run(url: str, statements: list[str]) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        for statement in statements:
            conn.execute(statement)  # type: ignore[arg-type]


def test_verified_with_hypopg_then_the_real_index_ends_the_sort(
    shop: str, pg_server: LiveServer, adapter: PostgresAdapter
) -> None:
    pg_server.execute("CREATE EXTENSION hypopg", db_name(shop))
    adapter.close()
    adapter.connect()  # capabilities are read at connect time
    plan = _plan(shop, DASHBOARD)
    sort = next(n for n in plan.nodes() if n.operation == "Sort")
    assert sort.extra["Sort Method"] == "top-N heapsort"
    f = _only(advise_plan(plan, query=DASHBOARD, adapter=adapter))
    assert f.evidence["rows_read"] == 100_000 and f.evidence["rows_returned"] == 20
    assert f.ddl == ["CREATE INDEX CONCURRENTLY orders_created_at_idx ON shop.orders (created_at DESC);"]
    assert f.rollback == ["DROP INDEX CONCURRENTLY IF EXISTS shop.orders_created_at_idx;"]
    ver = f.verification
    assert ver is not None and ver.method == "hypopg"
    assert ver.after <= ver.before * 0.5  # Dexter's bar
    assert f.evidence["cost_before"] == ver.before and f.evidence["cost_after"] == ver.after
    # no real index was built while advising
    assert pg_server.execute("SELECT count(*) FROM pg_indexes WHERE schemaname = 'shop'", db_name(shop)) == [
        (2,)
    ]

    _run(shop, f.ddl)
    after = _plan(shop, DASHBOARD)
    assert any(n.index == "orders_created_at_idx" for n in after.nodes())
    assert not any(n.operation == "Sort" for n in after.nodes())
    assert [x for x in advise_plan(after, query=DASHBOARD, adapter=adapter) if x.rule == RULE] == []
    _run(shop, f.rollback)
    assert pg_server.execute("SELECT count(*) FROM pg_indexes WHERE schemaname = 'shop'", db_name(shop)) == [
        (2,)
    ]


def test_without_hypopg_estimated_with_the_equality_column_first(shop: str, adapter: PostgresAdapter) -> None:
    sql = "SELECT id, total FROM shop.orders WHERE customer_id = 42 ORDER BY created_at DESC LIMIT 5"
    plan = _plan(shop, sql)
    # the scan finding (customer_id filter) and the top-N finding are about the same table: one of them
    # carries the index; the ESR candidate is (customer_id, created_at DESC)
    findings = advise_plan(plan, query=sql, adapter=adapter)
    with_ddl = [f for f in findings if f.ddl]
    assert [f.ddl for f in with_ddl] == [
        [
            "CREATE INDEX CONCURRENTLY orders_customer_id_created_at_idx ON shop.orders (customer_id, created_at DESC);"
        ]
    ]
    assert with_ddl[0].verification is None and "Not verified" in with_ddl[0].recommendation
    _run(shop, with_ddl[0].ddl)
    after = _plan(shop, sql)
    assert any(n.index == "orders_customer_id_created_at_idx" for n in after.nodes())
    assert not any(n.operation == "Sort" for n in after.nodes())


def test_silent_when_an_index_already_returns_the_order(
    shop: str, pg_server: LiveServer, adapter: PostgresAdapter
) -> None:
    pg_server.execute("CREATE INDEX orders_created_idx ON shop.orders (created_at)", db_name(shop))
    plan = _plan(shop, DASHBOARD)
    assert any(n.index == "orders_created_idx" for n in plan.nodes())  # read backwards
    findings = advise_plan(plan, query=DASHBOARD, adapter=adapter)
    assert [f for f in findings if f.rule == RULE or f.ddl] == []
