"""pg_stat_statements through the adapter, on a throwaway cluster that preloads it."""

from __future__ import annotations

import psycopg
import pytest

from tests.clusters import Cluster
from tui.adapters.postgres import PostgresAdapter
from tui.core.connspec import parse_url
from tui.core.errors import QueryError


@pytest.fixture(scope="module")
def workload_url(pgss_cluster: Cluster) -> str:
    with psycopg.connect(pgss_cluster.url(), autocommit=True) as conn:
        conn.execute("DROP DATABASE IF EXISTS top_test")
        conn.execute("CREATE DATABASE top_test")
    url = pgss_cluster.url("top_test")
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CREATE EXTENSION pg_stat_statements")
        conn.execute("CREATE TABLE t AS SELECT g AS id, g % 100 AS k FROM generate_series(1, 50000) g")
        conn.execute("SELECT pg_stat_statements_reset()")
        for i in range(30):
            conn.execute("SELECT count(*) FROM t WHERE k = %s", (i,))
        for _ in range(3):
            conn.execute("SELECT sum(id) FROM t a, generate_series(1, 20) g")
    return url


def test_top_statements_sorted_by_each_key(workload_url: str) -> None:
    adapter = PostgresAdapter(parse_url(workload_url))
    adapter.connect()
    try:
        assert adapter.capabilities.statement_stats.available
        by_calls = adapter.top_statements(limit=5, sort="calls")
        assert by_calls[0].calls == 30 and "$1" in by_calls[0].query
        by_total = adapter.top_statements(limit=5, sort="total")
        assert "generate_series" in by_total[0].query and by_total[0].calls == 3
        assert by_total[0].total_time_ms >= by_total[-1].total_time_ms
        stat = by_total[0]
        assert stat.mean_time_ms == pytest.approx(stat.total_time_ms / stat.calls, rel=1e-6)
        assert stat.rows == 3 and stat.shared_blks_hit is not None
        # a normalized statement explains with a generic plan (PostgreSQL 16+) or PREPARE (older)
        plan = adapter.explain(by_calls[0].query)
        assert '"Relation Name": "t"' in plan.text
    finally:
        adapter.close()


def test_dbscope_catalog_queries_stay_out_of_top(workload_url: str) -> None:
    adapter = PostgresAdapter(parse_url(workload_url))
    adapter.connect()
    try:
        adapter.schema_facts("public")  # dozens of catalog queries, some slower than the workload's
        statements = adapter.top_statements(limit=500, sort="calls")
        assert not [s.query for s in statements if "pg_catalog" in s.query or "dbscope" in s.query]
        assert any("generate_series" in s.query for s in statements)
        with psycopg.connect(workload_url) as conn:  # they are counted, only not listed
            own = conn.execute(
                "SELECT count(*) FROM pg_stat_statements WHERE query LIKE '/* dbscope */%'"
            ).fetchone()
        assert own is not None and own[0] > 5
    finally:
        adapter.close()


def test_missing_extension_says_how_to_enable(pgss_cluster: Cluster) -> None:
    adapter = PostgresAdapter(parse_url(pgss_cluster.url("postgres")))
    adapter.connect()
    try:
        cap = adapter.capabilities.statement_stats
        assert not cap.available and "CREATE EXTENSION pg_stat_statements" in cap.reason
        with pytest.raises(QueryError, match="CREATE EXTENSION pg_stat_statements"):
            adapter.top_statements()
    finally:
        adapter.close()


def test_generic_plans_survive_a_failed_explain(workload_url: str) -> None:
    """A failing explain must not break the next normalized statement's generic plan (the PREPARE
    path before PostgreSQL 16 once deallocated the driver's own prepared statements)."""
    adapter = PostgresAdapter(parse_url(workload_url))
    adapter.connect()
    try:
        for _ in range(7):  # more than psycopg's default auto-prepare threshold
            adapter.explain("SELECT * FROM t WHERE k = $1")
        with pytest.raises(QueryError):
            adapter.explain("SELECT * FROM missing_table WHERE id = $1")
        for _ in range(3):
            assert '"Relation Name": "t"' in adapter.explain("SELECT * FROM t WHERE id = $1").text
            assert adapter.run("SELECT count(*) FROM t").rows == [(50000,)]
    finally:
        adapter.close()


def test_hypothetical_index_on_a_normalized_statement(workload_url: str) -> None:
    """A top statement keeps `$1`: HypoPG verification explains it as a generic plan (GENERIC_PLAN on
    16+, PREPARE + force_generic_plan before), then leaves no hypothetical index and no prepared
    statement behind — also after a failure."""
    with psycopg.connect(workload_url, autocommit=True) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS hypopg")
    adapter = PostgresAdapter(parse_url(workload_url))
    adapter.connect()
    try:
        assert adapter.capabilities.hypothetical_indexes.available
        query = "SELECT count(*) FROM t WHERE k = $1"
        with_index = adapter.hypothetical_explain(query, ["CREATE INDEX CONCURRENTLY ON t (k);"])
        assert "Index" in with_index.text and '"Relation Name": "t"' in with_index.text
        plain = adapter.explain(query)
        assert "Seq Scan" in plain.text and "Index" not in plain.text  # the hypothetical index is gone
        with pytest.raises(QueryError):
            adapter.hypothetical_explain(
                "SELECT * FROM missing_table WHERE id = $1", ["CREATE INDEX ON t (k)"]
            )
        assert "Index" in adapter.hypothetical_explain(query, ["CREATE INDEX ON t (k)"]).text
        assert adapter.run("SELECT count(*) FROM t").rows == [(50000,)]
    finally:
        adapter.close()


def test_generic_plan_types_the_parameters_nothing_types(workload_url: str) -> None:
    """Before PostgreSQL 16 the generic plan comes from PREPARE: a parameter nothing in the statement
    types (``$2 IS NULL``, a bare ``SELECT $1``, as ORMs and pg_stat_statements produce) is declared
    text, the others keep their inferred types; the plan is generic (it has the $n, not a value), the
    session is left with no prepared statement and no open transaction."""
    adapter = PostgresAdapter(parse_url(workload_url))
    adapter.connect()
    try:
        plan = adapter.explain("SELECT * FROM t WHERE k = $1 OR $2 IS NULL")
        assert '"Relation Name": "t"' in plan.text and "$1" in plan.text and "$2" in plan.text
        assert adapter.explain("SELECT $1, $2 + 1 FROM t WHERE id = $3").text
        rows = adapter.run("SELECT count(*) FROM pg_prepared_statements").rows
        assert rows == [(0,)]
        # A parameter typed two ways has no generic plan: the error names it (the UI then asks values).
        with pytest.raises(QueryError, match=r"parameter \$1"):
            adapter.explain("INSERT INTO t (id, k) VALUES ($1, $1::text)")
        assert adapter.run("SELECT count(*) FROM t").rows == [(50000,)]
    finally:
        adapter.close()
