"""Plan rules on plans a live PostgreSQL produces: each defect is provoked with session settings, the
advisor's finding is checked against the plan's own numbers, its DDL is run in the same session, and
the statement is explained again to see the defect gone."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest

from tests.live import LiveServer, db_name
from tui.advisor.api import advise_plan
from tui.advisor.context import PlanContext
from tui.advisor.rules import pg_plan_misestimate, pg_plan_overheads, pg_plan_spill, pg_plan_workers
from tui.core.finding import Finding
from tui.core.plan import Plan
from tui.plans.postgres import parse_postgres_plan

pytestmark = pytest.mark.live_pg

SCHEMA = """
CREATE TABLE items (id int PRIMARY KEY, grp int NOT NULL, descr text NOT NULL, a int, b int)
    WITH (autovacuum_enabled = false);
INSERT INTO items SELECT g, g % 1000, md5(g::text), g % 100, g % 100 FROM generate_series(1, 50000) g;
CREATE INDEX items_grp_idx ON items (grp);
CREATE TABLE tags (item_id int NOT NULL, tag text NOT NULL) WITH (autovacuum_enabled = false);
INSERT INTO tags SELECT g, 't' || (g % 50) FROM generate_series(1, 5000) g;
ANALYZE items; ANALYZE tags;
"""


@pytest.fixture
def conn(pg_server: LiveServer, pg_scratch: str) -> Iterator[psycopg.Connection[Any]]:
    pg_server.execute(SCHEMA, db_name(pg_scratch))
    with psycopg.connect(pg_scratch, autocommit=True) as connection:
        yield connection


def explain(conn: psycopg.Connection[Any], sql: str, *, analyze: bool = True) -> Plan:
    options = (
        "ANALYZE, BUFFERS, SETTINGS, VERBOSE, FORMAT JSON" if analyze else "SETTINGS, VERBOSE, FORMAT JSON"
    )
    value = conn.execute(f"EXPLAIN ({options}) {sql}").fetchone()[0]  # type: ignore[index]
    return parse_postgres_plan(value if isinstance(value, str) else json.dumps(value))


def run_ddl(conn: psycopg.Connection[Any], finding: Finding) -> None:
    for statement in finding.ddl:
        conn.execute(statement)  # type: ignore[arg-type]


def only(findings: list[Finding], rule: str) -> Finding:
    matching = [f for f in findings if f.rule == rule]
    assert len(matching) == 1, [f.rule for f in findings]
    return matching[0]


def test_sort_spill_work_mem_from_the_spill_removes_the_spill(conn: psycopg.Connection[Any]) -> None:
    conn.execute("SET work_mem = '64kB'")
    sql = "SELECT id, descr FROM items ORDER BY descr"
    plan = explain(conn, sql)
    sort = next(n for n in plan.nodes() if n.operation == "Sort")
    assert sort.extra["Sort Space Type"] == "Disk"
    f = only(advise_plan(plan, query=sql), "pg.sort-spill")
    used = sort.extra["Sort Space Used"]
    assert f.evidence["sort_space_used_kb"] == used
    assert f.evidence["work_mem_current_kb"] == 64  # from the plan's SETTINGS
    assert f.evidence["work_mem_needed_kb"] == used * 2
    target = f.evidence["work_mem_recommended_kb"]
    assert target >= used * 2 and target & (target - 1) == 0  # a power of two
    run_ddl(conn, f)
    after = explain(conn, sql)
    assert next(n for n in after.nodes() if n.operation == "Sort").extra["Sort Space Type"] == "Memory"
    assert pg_plan_spill.check_spills(PlanContext.build(after)) == []


def test_estimated_sort_spill_agrees_with_the_executed_sort(conn: psycopg.Connection[Any]) -> None:
    conn.execute("SET work_mem = '64kB'")
    sql = "SELECT id, descr FROM items ORDER BY descr"
    f = only(advise_plan(explain(conn, sql, analyze=False), query=sql), "pg.sort-spill")
    assert "(estimated)" in f.title and f.evidence["work_mem_current_kb"] == 64
    # the executed sort does spill, as the planner's byte count said
    assert (
        next(n for n in explain(conn, sql).nodes() if n.operation == "Sort").extra["Sort Space Type"]
        == "Disk"
    )
    run_ddl(conn, f)
    assert [
        x for x in advise_plan(explain(conn, sql, analyze=False), query=sql) if x.rule == "pg.sort-spill"
    ] == []
    sort = next(n for n in explain(conn, sql).nodes() if n.operation == "Sort")
    assert sort.extra["Sort Space Type"] == "Memory"


def test_hash_batches_sized_work_mem_gives_one_batch(conn: psycopg.Connection[Any]) -> None:
    conn.execute("SET work_mem = '64kB'; SET enable_mergejoin = off; SET enable_nestloop = off")
    sql = "SELECT i.id, t.tag FROM items i JOIN tags t ON t.item_id = i.id"
    plan = explain(conn, sql)
    hashes = [n for n in plan.nodes() if n.operation == "Hash" and n.extra.get("Hash Batches", 1) > 1]
    assert hashes, "the server did not batch the hash at 64kB"
    f = only(advise_plan(plan, query=sql), "pg.hash-spill")
    node = hashes[0]
    assert f.evidence["batches"] == node.extra["Hash Batches"]
    assert f.evidence["hash_memory_needed_kb"] == node.extra["Peak Memory Usage"] * node.extra["Hash Batches"]
    run_ddl(conn, f)
    after = explain(conn, sql)
    assert all(n.extra.get("Hash Batches", 1) == 1 for n in after.nodes() if n.operation == "Hash")


def test_lossy_bitmap_work_mem_makes_it_exact(conn: psycopg.Connection[Any]) -> None:
    # The bitmap of 64kB holds about 1,000 page entries; this table has about 3,000 pages.
    conn.execute(
        "CREATE TABLE wide WITH (autovacuum_enabled = false) AS "
        "SELECT g AS id, g % 1000 AS grp, md5(g::text) || md5((g + 1)::text) AS descr FROM generate_series(1, 200000) g"
    )
    conn.execute("CREATE INDEX wide_grp_idx ON wide (grp)")
    conn.execute("VACUUM ANALYZE wide")
    conn.execute(
        "SET work_mem = '64kB'; SET enable_seqscan = off; SET enable_indexscan = off; "
        "SET max_parallel_workers_per_gather = 0"
    )
    sql = "SELECT count(descr) FROM wide WHERE grp < 900"
    plan = explain(conn, sql)
    heap = next(n for n in plan.nodes() if n.operation == "Bitmap Heap Scan")
    assert heap.extra.get("Lossy Heap Blocks", 0) > 0
    f = only(advise_plan(plan, query=sql), "pg.lossy-bitmap")
    assert f.evidence["lossy_heap_blocks"] == heap.extra["Lossy Heap Blocks"]
    run_ddl(conn, f)
    after = explain(conn, sql)
    assert (
        next(n for n in after.nodes() if n.operation == "Bitmap Heap Scan").extra.get("Lossy Heap Blocks", 0)
        == 0
    )


def test_heap_fetches_vacuum_clears_them(conn: psycopg.Connection[Any]) -> None:
    conn.execute("SET enable_seqscan = off; SET enable_bitmapscan = off")
    sql = "SELECT grp FROM items WHERE grp < 500"
    plan = explain(conn, sql)
    ios = next(n for n in plan.nodes() if n.operation == "Index Only Scan")
    assert ios.extra["Heap Fetches"] > 0  # never vacuumed: the visibility map is empty
    f = only(advise_plan(plan, query=sql), "pg.heap-fetches")
    assert f.evidence["heap_fetches"] == ios.extra["Heap Fetches"]
    assert f.ddl == ["VACUUM (ANALYZE) public.items;"]
    run_ddl(conn, f)
    after = explain(conn, sql)
    assert next(n for n in after.nodes() if n.operation == "Index Only Scan").extra["Heap Fetches"] == 0


def test_workers_not_launched_live(conn: psycopg.Connection[Any]) -> None:
    conn.execute(
        "SET max_parallel_workers = 0; SET parallel_setup_cost = 0; SET parallel_tuple_cost = 0; "
        "SET min_parallel_table_scan_size = 0; SET max_parallel_workers_per_gather = 2"
    )
    plan = explain(conn, "SELECT count(*) FROM items WHERE descr LIKE 'a%'")
    [f] = pg_plan_workers.check(PlanContext.build(plan))
    assert f.evidence["workers_launched"] == 0 and f.evidence["workers_planned"] >= 1
    assert "max_parallel_workers = 0" in f.recommendation


def test_jit_overhead_live(conn: psycopg.Connection[Any]) -> None:
    conn.execute(
        "SET jit = on; SET jit_above_cost = 0; SET jit_inline_above_cost = 0; SET jit_optimize_above_cost = 0"
    )
    plan = explain(conn, "SELECT sum(a) FROM items WHERE id < 10")
    assert plan.jit and plan.jit["total_ms"]
    [f] = pg_plan_overheads.check_jit(PlanContext.build(plan))
    assert f.evidence["jit_ms"] == round(plan.jit["total_ms"], 3)
    conn.execute(f.ddl[0])
    assert explain(conn, "SELECT sum(a) FROM items WHERE id < 10").jit is None


def test_correlated_columns_get_extended_statistics_that_fix_the_estimate(
    conn: psycopg.Connection[Any],
) -> None:
    sql = "SELECT id FROM items WHERE a = 1 AND b = 1"
    plan = explain(conn, sql)
    scan = next(n for n in plan.nodes() if n.extra.get("Relation Name") == "items")
    assert scan.rows_actual == 500 and scan.estimate_factor and scan.estimate_factor >= 10
    [f] = pg_plan_misestimate.check(PlanContext.build(plan))
    assert f.ddl[0].startswith(
        "CREATE STATISTICS IF NOT EXISTS public.items_a_b_stats (dependencies, ndistinct)"
    )
    run_ddl(conn, f)
    after = explain(conn, sql)
    assert pg_plan_misestimate.check(PlanContext.build(after)) == []


def test_nested_loop_inner_seq_scan_gets_the_join_key_index(conn: psycopg.Connection[Any]) -> None:
    conn.execute("SET enable_hashjoin = off; SET enable_mergejoin = off; SET enable_material = off")
    sql = "SELECT i.id, t.tag FROM items i JOIN tags t ON t.item_id = i.a WHERE i.id <= 2000"
    plan = explain(conn, sql)
    loop = plan.root if plan.root.operation == "Nested Loop" else plan.root.children[0]
    assert loop.operation == "Nested Loop" and loop.children[1].extra["Relation Name"] == "tags"
    f = only(advise_plan(plan, query=sql), "pg.nested-loop-inner")
    assert f.evidence["loops"] == loop.children[1].loops == 2_000
    assert f.ddl == ["CREATE INDEX CONCURRENTLY tags_item_id_idx ON public.tags (item_id);"]
    run_ddl(conn, f)
    after = explain(conn, sql)
    assert any(n.index == "tags_item_id_idx" for n in after.nodes())


def test_large_result_live(conn: psycopg.Connection[Any]) -> None:
    plan = explain(conn, "SELECT id FROM items")
    f = only(advise_plan(plan), "pg.large-result-no-limit")
    assert f.evidence["rows_returned"] == 50_000
    assert [x.rule for x in advise_plan(explain(conn, "SELECT id FROM items LIMIT 100"))] == []
