"""Index suggestions verified with HypoPG on a live server, and the path without it.

With HypoPG: the suggestion carries the planner's cost before and after a hypothetical index (the
numbers re-measured here), the plans and their diff; it is made only above Dexter's bar; no real
index is created while advising. Then the suggested DDL is run for real, and the plan it was suggested
for must use the new index. Without HypoPG: the same suggestion says "estimated, not verified"."""

from __future__ import annotations

import json
from collections.abc import Iterator

import psycopg
import pytest

from tests.live import LiveServer, db_name
from tui.adapters.postgres import PostgresAdapter
from tui.advisor.api import advise_plan, advise_query
from tui.advisor.plan_diff import PlanDiff, render_plan_diff_text
from tui.advisor.voice import NOT_VERIFIED, render_finding_text, verification_text
from tui.core.connspec import parse_url
from tui.core.finding import Finding
from tui.plans.postgres import parse_postgres_plan

pytestmark = pytest.mark.live_pg

SCHEMA = """
CREATE SCHEMA shop;
CREATE TABLE shop.orders (
    id bigserial PRIMARY KEY,
    customer_id int NOT NULL,
    status text NOT NULL,
    created_at timestamptz NOT NULL,
    total numeric NOT NULL
);
INSERT INTO shop.orders (customer_id, status, created_at, total)
    SELECT 1 + g % 5000, CASE WHEN g % 50 = 0 THEN 'open' ELSE 'done' END,
           timestamptz '2024-01-01' + g * interval '1 minute', g % 500
    FROM generate_series(1, 100000) g;
CREATE INDEX orders_status_idx ON shop.orders (status);
CREATE TABLE shop.tiny (id int PRIMARY KEY, code int NOT NULL);
INSERT INTO shop.tiny SELECT g, g % 10 FROM generate_series(1, 50) g;
ANALYZE;
"""
QUERY = "SELECT id, total FROM shop.orders WHERE customer_id = 42 AND status = 'open' ORDER BY created_at DESC LIMIT 10"


def dbname(url: str) -> str:
    return db_name(url)


@pytest.fixture
def shop(pg_server: LiveServer, pg_scratch: str) -> str:
    pg_server.execute(SCHEMA, dbname(pg_scratch))
    return pg_scratch


@pytest.fixture
def hypo(pg_server: LiveServer, shop: str) -> str:
    pg_server.execute("CREATE EXTENSION hypopg", dbname(shop))
    return shop


@pytest.fixture
def adapter(shop: str) -> Iterator[PostgresAdapter]:
    connected = PostgresAdapter(parse_url(shop))
    connected.connect()
    yield connected
    connected.close()


def suggestion(findings: list[Finding]) -> Finding:
    [f] = [f for f in findings if f.ddl and f.ddl[0].startswith("CREATE INDEX")]
    return f


def plain_cost(url: str, sql: str, hypothetical: str | None = None) -> float:
    with psycopg.connect(url) as conn:
        if hypothetical:
            conn.execute("SELECT hypopg_create_index(%s)", (hypothetical,))
        value = conn.execute(f"EXPLAIN (FORMAT JSON) {sql}").fetchone()[0]  # type: ignore[index]
        conn.rollback()
    doc = value if isinstance(value, list) else json.loads(value)
    return float(doc[0]["Plan"]["Total Cost"])


def index_count(pg_server: LiveServer, url: str) -> int:
    return pg_server.execute("SELECT count(*) FROM pg_indexes WHERE schemaname = 'shop'", dbname(url))[0][0]


def test_verified_suggestion_then_real_index_is_used(hypo: str, pg_server: LiveServer) -> None:
    adapter = PostgresAdapter(parse_url(hypo))
    adapter.connect()
    try:
        assert adapter.capabilities.hypothetical_indexes
        facts = adapter.schema_facts()
        plan = parse_postgres_plan(adapter.explain(QUERY, analyze=True).text)
        before_indexes = index_count(pg_server, hypo)
        f = suggestion(advise_plan(plan, query=QUERY, adapter=adapter, facts=facts))
        assert index_count(pg_server, hypo) == before_indexes  # advising never builds an index
    finally:
        adapter.close()
    # customer_id (5,000 distinct) before status (2 distinct), then the ORDER BY column in its direction.
    assert f.ddl == [
        "CREATE INDEX CONCURRENTLY orders_customer_id_status_created_at_idx "
        "ON shop.orders (customer_id, status, created_at DESC);"
    ]
    ver = f.verification
    assert ver is not None and ver.method == "hypopg"
    assert ver.before == round(plain_cost(hypo, QUERY), 2)
    assert ver.after == round(
        plain_cost(hypo, QUERY, "CREATE INDEX ON shop.orders (customer_id, status, created_at DESC)"), 2
    )
    assert ver.before >= 100 and ver.after <= ver.before * 0.5  # Dexter's bar
    assert f.evidence["cost_before"] == ver.before and f.evidence["cost_after"] == ver.after
    diff = ver.detail["diff"]
    assert isinstance(diff, PlanDiff) and diff.changed()
    assert any("btree" in (n.after.index or "") for n in diff.nodes if n.after is not None)
    assert "Verified with a hypothetical index (HypoPG)" in render_finding_text(f)
    assert "→" in render_plan_diff_text(diff)
    assert f.to_json()["verification"] == {"method": "hypopg", "before": ver.before, "after": ver.after}

    with psycopg.connect(hypo, autocommit=True) as conn:
        for statement in f.ddl:
            conn.execute(statement)  # type: ignore[arg-type]
        value = conn.execute(f"EXPLAIN (FORMAT JSON) {QUERY}").fetchone()[0]  # type: ignore[index]
    after = parse_postgres_plan(value if isinstance(value, str) else json.dumps(value))
    assert any(n.index == "orders_customer_id_status_created_at_idx" for n in after.nodes())


def test_suggestion_already_covered_is_not_repeated(hypo: str, pg_server: LiveServer) -> None:
    pg_server.execute(
        "CREATE INDEX orders_cst ON shop.orders (customer_id, status, created_at)", dbname(hypo)
    )
    adapter = PostgresAdapter(parse_url(hypo))
    adapter.connect()
    try:
        findings = advise_query(QUERY, adapter=adapter, facts=adapter.schema_facts())
    finally:
        adapter.close()
    assert [f for f in findings if f.rule == "pg.index-suggestion"] == []


def test_below_the_cost_floor_nothing_is_suggested(hypo: str) -> None:
    adapter = PostgresAdapter(parse_url(hypo))
    adapter.connect()
    try:
        findings = advise_query(
            "SELECT id FROM shop.tiny WHERE code = 3", adapter=adapter, facts=adapter.schema_facts()
        )
    finally:
        adapter.close()
    assert [f for f in findings if f.rule == "pg.index-suggestion"] == []


def test_without_hypopg_the_suggestion_is_estimated_not_verified(adapter: PostgresAdapter) -> None:
    assert not adapter.capabilities.hypothetical_indexes
    facts = adapter.schema_facts()
    plan = parse_postgres_plan(adapter.explain(QUERY, analyze=True).text)
    f = suggestion(advise_plan(plan, query=QUERY, adapter=adapter, facts=facts))
    assert f.verification is None
    assert verification_text(f) == NOT_VERIFIED
    assert adapter.capabilities.hypothetical_indexes.reason in f.recommendation
    assert f.to_json()["verification"] is None
    assert NOT_VERIFIED in render_finding_text(f)


def test_verify_off_skips_hypopg(hypo: str) -> None:
    adapter = PostgresAdapter(parse_url(hypo))
    adapter.connect()
    try:
        plan = parse_postgres_plan(adapter.explain(QUERY, analyze=True).text)
        f = suggestion(
            advise_plan(plan, query=QUERY, adapter=adapter, facts=adapter.schema_facts(), verify=False)
        )
    finally:
        adapter.close()
    assert f.verification is None and "verification was turned off" in f.recommendation
