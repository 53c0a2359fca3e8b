"""Plans produced by the live PostgreSQL server, parsed and checked: node counts equal the engine's,
exclusive times add up, loops/parallel/CTE/InitPlan/SubPlan arithmetic matches the raw fields, spills
and lossy bitmaps are seen; the TEXT format gives the same tree; ``dbscope explain`` end to end."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest

from tests.live import LiveServer, db_name
from tui.cli import main
from tui.core.plan import Plan, PlanNode
from tui.plans.detect import parse_plan
from tui.plans.postgres import parse_postgres_plan
from tui.plans.postgres_text import parse_postgres_text

pytestmark = pytest.mark.live_pg

SCHEMA = """
CREATE TABLE big (id int PRIMARY KEY, k int NOT NULL, v text NOT NULL);
INSERT INTO big SELECT g, g % 1000, md5(g::text) FROM generate_series(1, 200000) g;
CREATE INDEX big_k ON big (k);
CREATE TABLE small (id int PRIMARY KEY, name text NOT NULL);
INSERT INTO small SELECT g, md5(g::text) FROM generate_series(1, 1000) g;
CREATE TABLE parted (id int NOT NULL, k int NOT NULL) PARTITION BY RANGE (id);
DO $$ BEGIN
  FOR i IN 0..299 LOOP
    EXECUTE format('CREATE TABLE parted_%s PARTITION OF parted FOR VALUES FROM (%s) TO (%s)', i, i * 100, (i + 1) * 100);
  END LOOP;
END $$;
INSERT INTO parted SELECT g, g % 7 FROM generate_series(0, 29999) g;
CREATE TABLE victims (id int PRIMARY KEY, note text);
INSERT INTO victims SELECT g, 'row ' || g FROM generate_series(1, 100) g;
"""
SERIAL = ("SET max_parallel_workers_per_gather = 0",)
PARALLEL = (
    "SET max_parallel_workers_per_gather = 2",
    "SET parallel_setup_cost = 0",
    "SET parallel_tuple_cost = 0",
    "SET min_parallel_table_scan_size = 0",
)


@pytest.fixture(scope="module")
def db(pg_server: LiveServer) -> Iterator[str]:
    """A database of our own for this module (created once, dropped at the end)."""
    for url in pg_server.scratch_database(f"dbscope_plans_{uuid.uuid4().hex[:8]}"):
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(SCHEMA)  # type: ignore[arg-type]
            conn.execute("VACUUM ANALYZE")  # stable plans: fresh statistics and an all-visible map
        yield url


def explain(url: str, sql: str, sets: tuple[str, ...] = SERIAL, options: str = "ANALYZE, BUFFERS") -> Any:
    """Run EXPLAIN (… FORMAT JSON) after the SETs on one connection; the decoded JSON psycopg returns."""
    with psycopg.connect(url, autocommit=True) as conn:
        for statement in sets:
            conn.execute(statement)  # type: ignore[arg-type]
        row = conn.execute(f"EXPLAIN ({options}, FORMAT JSON) {sql}").fetchone()  # type: ignore[arg-type]
    assert row is not None
    return row[0]


def explain_text(
    url: str, sql: str, sets: tuple[str, ...] = SERIAL, options: str = "ANALYZE, BUFFERS"
) -> str:
    with psycopg.connect(url, autocommit=True) as conn:
        for statement in sets:
            conn.execute(statement)  # type: ignore[arg-type]
        rows = conn.execute(f"EXPLAIN ({options}) {sql}").fetchall()  # type: ignore[arg-type]
    return "\n".join(r[0] for r in rows)


def scalar(url: str, sql: str) -> Any:
    with psycopg.connect(url) as conn:
        row = conn.execute(sql).fetchone()  # type: ignore[arg-type]
    assert row is not None
    return row[0]


def count_node_types(value: Any) -> int:
    count, stack = 0, [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            count += "Node Type" in item
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return count


def parsed(raw: Any) -> Plan:
    """Parse the decoded JSON and the JSON text: both ways must give the same tree."""
    plan = parse_postgres_plan(raw)
    again = parse_plan(json.dumps(raw, indent=2))
    assert [n.time_exclusive_ms for n in again.nodes()] == [n.time_exclusive_ms for n in plan.nodes()]
    assert len(list(plan.nodes())) == count_node_types(raw)
    return plan


def find(plan: Plan, operation: str) -> PlanNode:
    return next(n for n in plan.nodes() if n.operation == operation)


def exclusive_sum(plan: Plan) -> float:
    return sum(n.time_exclusive_ms or 0.0 for n in plan.nodes())


def assert_adds_up(plan: Plan) -> None:
    """Non-parallel plan: Σ exclusive = the root's inclusive time ≈ the execution time."""
    assert plan.execution_time_ms is not None and plan.root.time_inclusive_ms is not None
    assert exclusive_sum(plan) == pytest.approx(plan.root.time_inclusive_ms, abs=1e-3)
    # Execution Time also holds executor start-up and shut-down, outside every node: a small margin,
    # and a wider one for sub-millisecond plans on a loaded machine.
    assert exclusive_sum(plan) == pytest.approx(plan.execution_time_ms, rel=0.2, abs=1.0)


def children_time(node: PlanNode) -> float:
    return sum(c.time_inclusive_ms or 0 for c in node.children if c.role not in ("InitPlan", "CTE"))


def test_parallel_seq_scan(db: str) -> None:
    raw = explain(db, "SELECT count(*) FROM big WHERE v LIKE 'a%'", PARALLEL)
    plan = parsed(raw)
    assert [n.operation for n in plan.nodes()] == [
        "Finalize Aggregate",
        "Gather",
        "Partial Aggregate",
        "Parallel Seq Scan",
    ]
    gather, scan = find(plan, "Gather"), find(plan, "Parallel Seq Scan")
    assert gather.workers_planned == 2
    launched = gather.workers_launched
    assert launched is not None and 0 <= launched <= 2
    assert scan.loops == launched + 1  # the leader participates
    # per-process average × loops ÷ processes
    att = scan.extra["Actual Total Time"]
    assert scan.time_inclusive_ms == pytest.approx(att * scan.loops / (launched + 1), abs=1e-6)
    # rows per loop × loops is the total the scan returned (per-loop counts are rounded before PG18)
    matching = scalar(db, "SELECT count(*) FROM big WHERE v LIKE 'a%'")
    assert abs(scan.rows_actual_total - matching) <= scan.loops
    assert (
        scan.rows_removed is not None
        and abs(scan.rows_removed + scan.rows_actual_total - 200_000) <= 2 * scan.loops
    )
    assert exclusive_sum(plan) == pytest.approx(plan.root.time_inclusive_ms, abs=1e-3)


def test_nested_loop_inner_side_loops(db: str) -> None:
    sets = (*SERIAL, "SET enable_hashjoin = off", "SET enable_mergejoin = off")
    plan = parsed(explain(db, "SELECT * FROM small s JOIN big b ON b.id = s.id WHERE s.id <= 50", sets))
    loop = plan.root
    assert loop.operation == "Nested Loop"
    outer, inner = loop.children
    assert (outer.role, inner.role) == ("Outer", "Inner")
    assert (inner.object, inner.index) == ("big", "big_pkey")
    assert outer.rows_actual_total == 50
    assert inner.loops == 50 and inner.rows_actual == 1 and inner.rows_actual_total == 50
    assert inner.time_inclusive_ms == pytest.approx(inner.extra["Actual Total Time"] * 50, abs=1e-6)
    assert loop.time_exclusive_ms == pytest.approx(
        max(0.0, loop.time_inclusive_ms - outer.time_inclusive_ms - inner.time_inclusive_ms), abs=1e-6
    )
    assert_adds_up(plan)


def test_hash_join(db: str) -> None:
    plan = parsed(explain(db, "SELECT count(*) FROM big b JOIN small s ON s.name = b.v"))
    join = find(plan, "Hash Join")
    hash_node = find(plan, "Hash")
    assert hash_node in join.children and hash_node.role == "Inner"
    assert hash_node.extra["Hash Batches"] == 1
    assert join.rows_actual == 1000
    assert join.buffers_exclusive["shared_hit"] + join.buffers_exclusive.get("shared_read", 0) == 0
    assert_adds_up(plan)


def test_merge_join(db: str) -> None:
    sets = (*SERIAL, "SET enable_hashjoin = off", "SET enable_nestloop = off")
    plan = parsed(explain(db, "SELECT count(*) FROM big b JOIN small s ON s.id = b.id", sets))
    join = find(plan, "Merge Join")
    assert join.rows_actual == 1000
    assert_adds_up(plan)


def test_sort_spills_to_disk(db: str) -> None:
    plan = parsed(explain(db, "SELECT * FROM big ORDER BY v", (*SERIAL, "SET work_mem = '64kB'")))
    sort = plan.root
    assert sort.operation == "Sort"
    assert sort.extra["Sort Space Type"] == "Disk" and sort.extra["Sort Method"].startswith("external")
    assert sort.buffers["temp_written"] > 0
    assert sort.buffers_exclusive["temp_written"] == sort.buffers["temp_written"]  # the scan wrote none
    assert sort.rows_actual == 200_000
    assert plan.hottest() is sort
    assert_adds_up(plan)


def test_lossy_bitmap_heap_scan(db: str) -> None:
    sets = (*SERIAL, "SET work_mem = '64kB'", "SET enable_seqscan = off", "SET enable_indexscan = off")
    plan = parsed(explain(db, "SELECT count(*) FROM big WHERE k < 500", sets))
    heap = find(plan, "Bitmap Heap Scan")
    index = find(plan, "Bitmap Index Scan")
    assert index.index == "big_k" and index.object is None and heap.object == "big"
    assert heap.extra["Lossy Heap Blocks"] > 0
    assert heap.rows_removed == heap.extra["Rows Removed by Index Recheck"] * heap.loops > 0
    assert heap.rows_actual_total == 100_000
    assert_adds_up(plan)


def test_exact_bitmap_heap_scan(db: str) -> None:
    sets = (*SERIAL, "SET enable_seqscan = off", "SET enable_indexscan = off")
    plan = parsed(explain(db, "SELECT * FROM big WHERE k = 5", sets))
    assert [n.operation for n in plan.nodes()] == ["Bitmap Heap Scan", "Bitmap Index Scan"]
    assert plan.root.extra["Exact Heap Blocks"] > 0 and plan.root.rows_actual == 200
    assert_adds_up(plan)


def test_materialized_cte_referenced_twice(db: str) -> None:
    sql = (
        "WITH c AS MATERIALIZED (SELECT k, count(*) AS n FROM big GROUP BY k) "
        "SELECT * FROM c a JOIN c b ON a.k = b.k + 1"
    )
    plan = parsed(explain(db, sql))
    ctes = [n for n in plan.nodes() if n.role == "CTE"]
    assert len(ctes) == 1 and ctes[0].subplan_name == "CTE c"
    cte = ctes[0]
    scans = [n for n in plan.nodes() if n.operation == "CTE Scan"]
    assert len(scans) == 2 and {s.object for s in scans} == {"c"}
    total = sum(s.time_inclusive_ms for s in scans)  # type: ignore[misc]
    for scan in scans:  # the CTE's time leaves the scans in proportion to their own time
        share = cte.time_inclusive_ms * scan.time_inclusive_ms / total  # type: ignore[operator]
        expected = max(0.0, scan.time_inclusive_ms - children_time(scan) - share)  # type: ignore[operator]
        assert scan.time_exclusive_ms == pytest.approx(expected, abs=1e-5)
    # clamping at zero can only add time: never less than the root's inclusive time
    assert exclusive_sum(plan) >= plan.root.time_inclusive_ms - 1e-3  # type: ignore[operator]
    assert exclusive_sum(plan) == pytest.approx(plan.execution_time_ms, rel=0.2, abs=1.0)


def test_initplan(db: str) -> None:
    plan = parsed(explain(db, "SELECT * FROM small WHERE id = (SELECT max(id) FROM small)"))
    root = plan.root
    initplans = [n for n in plan.nodes() if n.role == "InitPlan"]
    assert len(initplans) >= 1
    top_init = next(n for n in root.children if n.role == "InitPlan")
    assert top_init.subplan_name and top_init.subplan_name.startswith("InitPlan")
    # the root's Index Cond references the InitPlan's output: its time comes off the root
    assert root.time_exclusive_ms == pytest.approx(
        max(0.0, root.time_inclusive_ms - children_time(root) - top_init.time_inclusive_ms), abs=1e-6
    )
    assert "Index Only Scan Backward" in [n.operation for n in plan.nodes()]
    assert_adds_up(plan)


def test_subplan(db: str) -> None:
    sql = "SELECT id, (SELECT count(*) FROM big b WHERE b.k = s.id) FROM small s WHERE s.id <= 20"
    plan = parsed(explain(db, sql))
    sub = next(n for n in plan.nodes() if n.role == "SubPlan")
    assert sub.loops == 20 and sub.subplan_name == "SubPlan 1"
    assert sub.time_inclusive_ms == pytest.approx(sub.extra["Actual Total Time"] * 20, abs=1e-6)
    inner = sub.children[0]
    assert inner.loops == 20 and inner.rows_actual_total == 20 * 200
    root = plan.root
    assert root.time_exclusive_ms == pytest.approx(
        max(0.0, root.time_inclusive_ms - children_time(root)), abs=1e-6
    )
    assert_adds_up(plan)


def test_partitioned_append_with_300_children(db: str) -> None:
    raw = explain(db, "SELECT count(*) FROM parted WHERE k = 1")
    plan = parsed(raw)
    append = find(plan, "Append")
    assert len(append.children) == 300
    assert {c.role for c in append.children} == {"Member"}
    assert len(list(plan.nodes())) == 302 == count_node_types(raw)
    matching = scalar(db, "SELECT count(*) FROM parted WHERE k = 1")
    assert sum(c.rows_actual_total for c in append.children) == matching  # type: ignore[misc]
    assert sum(c.rows_removed for c in append.children) == 30_000 - matching  # type: ignore[misc]
    # executor start-up over 300 partitions is outside every node: compare with the root, not Execution Time
    assert exclusive_sum(plan) == pytest.approx(plan.root.time_inclusive_ms, abs=1e-3)


def test_timing_off_and_estimates_only(db: str) -> None:
    plan = parsed(explain(db, "SELECT * FROM big WHERE k = 5", options="ANALYZE, TIMING OFF, BUFFERS"))
    assert plan.analyzed and plan.root.time_inclusive_ms is None and plan.root.rows_actual_total == 200
    estimated = parsed(explain(db, "SELECT * FROM big WHERE k = 5", options="COSTS"))
    assert (
        not estimated.analyzed
        and estimated.root.rows_actual is None
        and estimated.root.cost_exclusive is not None
    )


def test_settings_and_verbose(db: str) -> None:
    plan = parsed(
        explain(
            db,
            "SELECT * FROM small WHERE id < 5",
            (*SERIAL, "SET work_mem = '5MB'"),
            "ANALYZE, VERBOSE, SETTINGS",
        )
    )
    assert plan.settings["work_mem"] == "5MB" and plan.settings["max_parallel_workers_per_gather"] == "0"
    assert plan.root.object == "public.small" and plan.root.extra["Output"] == ["id", "name"]


TEXT_QUERIES = [
    (
        (*SERIAL, "SET enable_hashjoin = off", "SET enable_mergejoin = off"),
        "SELECT * FROM small s JOIN big b ON b.id = s.id WHERE s.id <= 50",
    ),
    (
        SERIAL,
        "WITH c AS MATERIALIZED (SELECT k, count(*) AS n FROM big GROUP BY k) SELECT * FROM c a JOIN c b ON a.k = b.k + 1",
    ),
    (SERIAL, "SELECT * FROM small WHERE id = (SELECT max(id) FROM small)"),
    (SERIAL, "SELECT id, (SELECT count(*) FROM big b WHERE b.k = s.id) FROM small s WHERE s.id <= 20"),
    (
        (*SERIAL, "SET work_mem = '64kB'", "SET enable_seqscan = off", "SET enable_indexscan = off"),
        "SELECT count(*) FROM big WHERE k < 500",
    ),
    ((*SERIAL, "SET work_mem = '64kB'"), "SELECT * FROM big ORDER BY v LIMIT 10"),
    (SERIAL, "SELECT k, count(*) FROM big GROUP BY k HAVING count(*) > 1 ORDER BY 2 DESC"),
]


@pytest.mark.parametrize(("sets", "sql"), TEXT_QUERIES, ids=range(len(TEXT_QUERIES)))
def test_text_format_gives_the_same_tree(db: str, sets: tuple[str, ...], sql: str) -> None:
    options = "ANALYZE, BUFFERS, VERBOSE"
    from_json = parsed(explain(db, sql, sets, options))
    from_text = parse_postgres_text(explain_text(db, sql, sets, options))

    def shape(plan: Plan) -> list[tuple[Any, ...]]:
        return [
            (
                n.operation,
                n.object,
                n.index,
                n.role,
                n.subplan_name,
                n.rows_estimated,
                n.cost,
                n.loops,
                n.rows_actual,
            )
            for n in plan.nodes()
        ]

    assert shape(from_text) == shape(from_json)
    assert from_text.root.time_inclusive_ms is not None and from_text.execution_time_ms is not None
    assert exclusive_sum(from_text) >= from_text.root.time_inclusive_ms - 1e-3


# -- dbscope explain, end to end --------------------------------------------------------------------------
def cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_explain_json(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = cli(capsys, "explain", db, "SELECT * FROM big WHERE k = 5", "--format", "json")
    assert code == 0, err
    document = json.loads(out)
    assert list(document) == ["engine", "plan", "findings", "warnings", "detection"]
    assert document["engine"] == "postgresql" and document["warnings"] == []
    assert document["plan"]["rows_actual"] is None and document["plan"]["cost"] > 0


def test_cli_explain_analyze(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = cli(
        capsys, "explain", db, "SELECT * FROM big WHERE k = 5", "--analyze", "--format", "json"
    )
    assert code == 0, err
    root = json.loads(out)["plan"]
    assert root["rows_actual"] == 200 and root["loops"] == 1
    assert root["time_inclusive_ms"] >= root["time_exclusive_ms"] >= 0
    code, out, _ = cli(capsys, "explain", db, "SELECT count(*) FROM big", "--analyze")
    assert code == 0 and out.startswith("PostgreSQL plan (postgresql-json, analyzed)") and "#0 " in out


def test_cli_explain_analyze_of_a_delete_needs_yes(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    statement = "DELETE FROM victims WHERE id <= 60"
    code, out, err = cli(capsys, "explain", db, statement, "--analyze")
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and statement in err and "--yes" in err
    assert scalar(db, "SELECT count(*) FROM victims") == 100


def test_cli_explain_analyze_of_a_delete_is_rolled_back(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    statement = "DELETE FROM victims WHERE id <= 60"
    code, out, err = cli(
        capsys, "explain", db, statement, "--analyze", "--yes", "--read-write", "--format", "json"
    )
    assert code == 0, err
    root = json.loads(out)["plan"]
    assert root["operation"] == "Delete" and root["object"] == "public.victims"
    assert root["children"][0]["rows_actual"] == 60  # the DELETE really ran…
    assert scalar(db, "SELECT count(*) FROM victims") == 100  # …and was rolled back


def test_cli_explain_analyze_write_in_read_only_session(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = cli(capsys, "explain", db, "DELETE FROM victims", "--analyze", "--yes")
    assert code == 3 and err.count("\n") == 1 and "--read-write" in err
    assert scalar(db, "SELECT count(*) FROM victims") == 100


def test_cli_explain_errors_are_one_line(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = cli(capsys, "explain", db, "SELECT * FROM no_such_table")
    assert code == 3 and err.count("\n") == 1 and "no_such_table" in err
    code, _, err = cli(capsys, "explain", "postgresql://root:s3cret@127.0.0.1:1/x", "SELECT 1")
    assert code == 3 and err.count("\n") == 1 and "s3cret" not in err
    code, _, err = cli(capsys, "explain", db, "   ")
    assert code == 2 and "empty" in err


def test_cli_advise_json(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = cli(capsys, "advise", db, "--format", "json")
    assert code == 0, err
    document = json.loads(out)
    assert list(document) == ["engine", "findings"] and document["engine"] == "postgresql"
    for finding in document["findings"]:
        assert list(finding) == [
            "rule",
            "severity",
            "object",
            "title",
            "message",
            "evidence",
            "ddl",
            "verification",
        ]


def test_cli_top(db: str, workload_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    # No pg_stat_statements in this database (whatever the server preloads): one clear line, exit 3.
    code, out, err = cli(capsys, "top", db, "--format", "json", "--limit", "5")
    assert code == 3 and out == "" and err.count("\n") == 1 and "Traceback" not in err
    assert "CREATE EXTENSION pg_stat_statements" in err, err
    # A database that keeps them: the JSON document, capped at the limit.
    code, out, err = cli(capsys, "top", workload_url, "--format", "json", "--limit", "5")
    assert code == 0, err
    document = json.loads(out)
    assert list(document) == ["engine", "statements"] and 0 < len(document["statements"]) <= 5


def test_cli_advise_markdown(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = cli(capsys, "advise", db, "--format", "markdown")
    assert code == 0, err
    assert out.startswith("# ") and db_name(db) in out.splitlines()[0]


@pytest.fixture(scope="module")
def workload_url(pgss_cluster: Any) -> str:
    """A database on a cluster that preloads pg_stat_statements, with a small recorded workload: one
    statement on a table that still exists, one on a table dropped since."""
    with psycopg.connect(pgss_cluster.url(), autocommit=True) as conn:
        conn.execute("DROP DATABASE IF EXISTS plans_top")
        conn.execute("CREATE DATABASE plans_top")
    url: str = pgss_cluster.url("plans_top")
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CREATE EXTENSION pg_stat_statements")
        conn.execute("CREATE TABLE t AS SELECT g AS id, g % 100 AS k FROM generate_series(1, 50000) g")
        conn.execute("CREATE TABLE gone (id int)")
        conn.execute("ANALYZE")
        conn.execute("SELECT pg_stat_statements_reset()")
        for i in range(12):
            conn.execute("SELECT count(*) FROM t WHERE k = %s", (i,))
        for _ in range(5):
            conn.execute("SELECT count(*) FROM gone")
        conn.execute("DROP TABLE gone")
    return url


def test_cli_top_with_explain(workload_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = cli(capsys, "top", workload_url, "--explain", "--sort", "calls", "--format", "json")
    assert code == 0, err
    document = json.loads(out)
    assert list(document) == ["engine", "statements"] and document["engine"] == "postgresql"
    by_query = {s["query"]: s for s in document["statements"]}
    on_t = next(s for q, s in by_query.items() if "FROM t WHERE k = $1" in q)
    assert on_t["calls"] == 12 and "error" not in on_t and isinstance(on_t["findings"], list)
    on_gone = next(s for q, s in by_query.items() if "FROM gone" in q)
    assert on_gone["calls"] == 5 and on_gone["findings"] == []
    assert "gone" in on_gone["error"] and "\n" not in on_gone["error"]  # reported per statement
    code, out, err = cli(capsys, "top", workload_url, "--explain", "--sort", "calls")
    assert code == 0, err
    assert "top statements by calls" in out and "could not explain it" in out
