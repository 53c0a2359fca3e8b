"""Query-rule DDL on a live server: each suggested index (expression, trigram, OR branch, seq-scan
filter) is built for real and the statement it was suggested for must then use it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

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

SCHEMA = """
CREATE EXTENSION pg_trgm;
CREATE TABLE users (
    id int PRIMARY KEY, email text NOT NULL, note text NOT NULL, city text NOT NULL, score int NOT NULL
);
INSERT INTO users SELECT g, 'User' || g || '@Example.org', md5(g::text), 'c' || (g % 500), g % 1000
    FROM generate_series(1, 50000) g;
CREATE INDEX users_email_idx ON users (email);
"""


@pytest.fixture
def db(pg_server: LiveServer, pg_scratch: str) -> str:
    pg_server.execute(SCHEMA, db_name(pg_scratch))
    pg_server.execute("VACUUM ANALYZE users", db_name(pg_scratch))
    return pg_scratch


@pytest.fixture
def adapter(db: str) -> Iterator[PostgresAdapter]:
    connected = PostgresAdapter(parse_url(db))
    connected.connect()
    yield connected
    connected.close()


def findings_for(adapter: PostgresAdapter, query: str) -> list[Finding]:
    plan = parse_postgres_plan(adapter.explain(query, analyze=True).text)
    return advise_plan(plan, query=query, adapter=adapter, facts=adapter.schema_facts())


def build_and_explain(db: str, statements: list[str], query: str) -> Plan:
    with psycopg.connect(db, autocommit=True) as conn:
        for statement in statements:
            conn.execute(statement)  # type: ignore[arg-type]
        value: Any = conn.execute(f"EXPLAIN (FORMAT JSON) {query}").fetchone()[0]  # type: ignore[index]
    return parse_postgres_plan(value if isinstance(value, str) else json.dumps(value))


def index_names(statements: list[str]) -> list[str]:
    return [s.split(" ON ")[0].split()[-1] for s in statements if s.startswith("CREATE INDEX")]


def uses(plan: Plan, names: list[str]) -> bool:
    return any(n.index in names for n in plan.nodes())


def test_expression_index_is_used(db: str, adapter: PostgresAdapter) -> None:
    query = "SELECT id FROM users WHERE lower(email) = 'user77@example.org'"
    [f] = [f for f in findings_for(adapter, query) if f.rule == "pg.function-on-indexed-column"]
    assert f.ddl == ["CREATE INDEX CONCURRENTLY users_lower_email_idx ON public.users ((LOWER(email)));"]
    assert uses(build_and_explain(db, f.ddl, query), ["users_lower_email_idx"])


def test_trigram_index_is_used_for_a_leading_wildcard(db: str, adapter: PostgresAdapter) -> None:
    query = "SELECT id FROM users WHERE note LIKE '%abcd%'"
    [f] = [f for f in findings_for(adapter, query) if f.rule == "pg.leading-wildcard-like"]
    assert f.ddl == [
        "CREATE INDEX CONCURRENTLY users_note_trgm_idx ON public.users USING gin (note gin_trgm_ops);"
    ]
    assert "pg_trgm is installed" in f.recommendation
    assert uses(build_and_explain(db, f.ddl, query), ["users_note_trgm_idx"])


def test_or_branch_index_gives_a_bitmap_or(db: str, adapter: PostgresAdapter) -> None:
    query = "SELECT id FROM users WHERE email = 'User5@Example.org' OR city = 'c7'"
    [f] = [f for f in findings_for(adapter, query) if f.rule == "sql.or-across-columns"]
    assert f.ddl == ["CREATE INDEX CONCURRENTLY users_city_idx ON public.users (city);"]
    plan = build_and_explain(db, f.ddl, query)
    assert any(n.operation == "BitmapOr" for n in plan.nodes()) and uses(plan, ["users_city_idx"])


def test_seq_scan_filter_index_without_hypopg_is_used(db: str, adapter: PostgresAdapter) -> None:
    assert not adapter.capabilities.hypothetical_indexes
    query = "SELECT id, email FROM users WHERE score = 7 AND city = 'c7'"
    [f] = [f for f in findings_for(adapter, query) if f.rule == "pg.seq-scan-selective"]
    assert f.verification is None and "Not verified" in f.recommendation
    # city has 500 distinct values, score 1,000: score leads
    assert f.ddl == ["CREATE INDEX CONCURRENTLY users_score_city_idx ON public.users (score, city);"]
    assert uses(build_and_explain(db, f.ddl, query), index_names(f.ddl))
