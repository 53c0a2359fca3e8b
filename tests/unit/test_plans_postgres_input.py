"""What users paste: psql frames, `+` continuation markers, expanded mode, CSV quoting, a prompt line
before the JSON — and the clear PlanInputError for everything that is not a plan. Also the TEXT format."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tui.core.errors import PlanInputError
from tui.plans.postgres import parse_postgres_plan
from tui.plans.postgres_text import node_fields, parse_postgres_text, split_balanced

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "plans"
NESTED = (FIXTURES / "postgres-nested-loop.json").read_text(encoding="utf-8")


def psql_aligned(json_text: str) -> str:
    """The JSON as psql's default aligned format prints it: header, rule, `+` markers, row count."""
    lines = json_text.strip("\n").split("\n")
    width = max(len(line) for line in lines)
    out = [" QUERY PLAN ".center(width + 2), "-" * (width + 2)]
    for i, line in enumerate(lines):
        last = i == len(lines) - 1
        out.append(" " + (line if last else line.ljust(width) + "+"))
    out.append("(1 row)")
    return "\n\n  " + "\n".join(out) + "\n\n"


def psql_expanded(json_text: str) -> str:
    lines = json_text.strip("\n").split("\n")
    width = max(len(line) for line in lines)
    out = ["-[ RECORD 1 ]" + "-" * 20]
    for i, line in enumerate(lines):
        prefix = "QUERY PLAN | " if i == 0 else "           | "
        out.append(prefix + (line if i == len(lines) - 1 else line.ljust(width) + "+"))
    return "\n".join(out) + "\n"


def shape(text_or_data: object) -> list[tuple[str, float | None, float | None]]:
    plan = parse_postgres_plan(text_or_data)
    return [(n.operation, n.time_exclusive_ms, n.cost) for n in plan.nodes()]


EXPECTED = shape(json.loads(NESTED))


@pytest.mark.parametrize(
    "variant",
    [
        pytest.param(NESTED, id="raw-array"),
        pytest.param(json.dumps(json.loads(NESTED)[0]), id="object"),
        pytest.param(json.dumps(json.loads(NESTED)), id="one-line"),
        pytest.param(psql_aligned(NESTED), id="psql-aligned"),
        pytest.param("QUERY PLAN\n" + NESTED + "(1 row)\n", id="psql-unaligned"),
        pytest.param(psql_expanded(NESTED), id="psql-expanded"),
        pytest.param('"' + NESTED.strip().replace('"', '""') + '"', id="csv-quoted"),
        pytest.param("test=# EXPLAIN (ANALYZE, FORMAT JSON) SELECT 1;\n" + NESTED, id="prompt-before"),
        pytest.param(NESTED.replace("\n", "\r\n"), id="crlf"),
        pytest.param("\ufeff" + NESTED, id="bom"),
    ],
)
def test_input_forms_parse_to_the_same_plan(variant: str) -> None:
    assert shape(variant) == EXPECTED


def test_real_psql_capture_with_plus_markers() -> None:
    text = (FIXTURES / "postgres15-cte-initplan-subplan.psql.txt").read_text()
    assert text.lstrip().startswith("QUERY PLAN") and "+\n" in text
    assert len(list(parse_postgres_plan(text).nodes())) == 8


def test_raw_text_keyword() -> None:
    assert [n.operation for n in parse_postgres_plan(None, raw_text=NESTED).nodes()] == [
        e[0] for e in EXPECTED
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (NESTED[: len(NESTED) // 2], "the input looks truncated"),
        ('[{"Plan": {"Node Type": "Seq', "the input looks truncated"),
        (
            '{"a": 1}',
            "JSON parsed but it has no 'Plan' key: this is not PostgreSQL EXPLAIN (FORMAT JSON) output",
        ),
        ("[]", "empty array"),
        ("[1, 2]", "an array whose first element is a number"),
        ('"Plan"', "it is a string"),
        ('{"Plan": 3}', "'Plan' value is not a JSON object"),
        ('{"Plan": {"Plans": []}}', "Plan has no 'Node Type'"),
        (
            '{"Plan": {"Node Type": "Sort", "Plans": [{"Node Type": "Seq Scan"}, 7]}}',
            "Plan → Plans[1] is not a JSON object",
        ),
        (
            '{"Plan": {"Node Type": "Sort", "Plans": [{"Node Type": "Hash", "Plans": [{}]}]}}',
            "Plan → Plans[0] → Plans[0] has no 'Node Type'",
        ),
        ('{"Plan": {"Node Type": "Sort", "Plans": "x"}}', "'Plans' of Plan is not an array"),
        ('{"Plan": {"Node Type": "Sort"}} trailing', "unexpected text after the end of the JSON value"),
        ("", "the input is empty"),
        ("   \n  ", "the input is empty"),
        ("hello world", "line 1, column 1: expected a JSON value"),
        ("[" * 100_000, "nested too deeply"),
    ],
)
def test_errors_say_what_is_wrong(text: str, expected: str) -> None:
    with pytest.raises(PlanInputError) as info:
        parse_postgres_plan(text)
    assert expected in info.value.message
    assert "\n" not in info.value.one_line()


def test_error_line_and_column_point_into_the_users_input() -> None:
    broken = psql_aligned(NESTED).replace('"Plan Rows": 5,', '"Plan Rows": 5', 1)
    with pytest.raises(PlanInputError) as info:
        parse_postgres_plan(broken)
    line_no = next(i for i, line in enumerate(broken.split("\n"), 1) if '"Plan Rows": 5 ' in line)
    assert info.value.message.startswith(f"line {line_no + 1}, column ")
    assert "expected ','" in info.value.message
    assert "truncated" not in info.value.message


# -- TEXT format ---------------------------------------------------------------------------------------
def test_text_fixture_matches_the_json_of_the_same_query() -> None:
    """The same statement explained twice by PostgreSQL 15 (text and JSON): identical structure,
    estimates and loops; the text's own timings give the same kind of arithmetic."""
    text_plan = parse_postgres_text((FIXTURES / "postgres15-cte-initplan-subplan.text.txt").read_text())
    json_plan = parse_postgres_plan((FIXTURES / "postgres15-cte-initplan-subplan.psql.txt").read_text())
    assert text_plan.format == "postgresql-text"

    def structure(plan: object) -> list[tuple[object, ...]]:
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
            for n in plan.nodes()  # type: ignore[attr-defined]
        ]

    assert structure(text_plan) == structure(json_plan)
    root = text_plan.root
    # text timings: root 0.084; CTE 0.015 over scans 0.084 / 0.018 / 0.008 (Σ 0.110); InitPlans 0.026 + 0.012
    assert root.time_exclusive_ms == pytest.approx(0.084 - 0.015 * 0.084 / 0.110 - 0.026 - 0.012, abs=1e-6)
    assert (text_plan.planning_time_ms, text_plan.execution_time_ms) == (0.148, 0.165)
    assert text_plan.header["Planning"] == {"Shared Hit Blocks": 6}
    scan = list(text_plan.nodes())[6]
    assert scan.rows_removed == 5 and scan.filter == "(x_2.g > $2)"
    assert root.extra["Output"] == ["$1", "$3", "x.g", "(SubPlan 5)"]


TEXT_PLAN = """
                                      QUERY PLAN
-------------------------------------------------------------------------------------------
 Sort  (cost=10.50..10.75 rows=100 width=8) (actual time=1.500..1.600 rows=90 loops=1)
   Sort Key: t.a, (lower(t.b))
   Sort Method: external merge  Disk: 1648kB
   Buffers: shared hit=10 read=5, temp read=608 written=666
   I/O Timings: shared read=0.250, temp read=0.100 write=0.200
   ->  Hash Left Join  (cost=1.00..8.00 rows=100 width=8) (actual time=0.100..1.000 rows=90 loops=1)
         Hash Cond: (t.id = u.id)
         Buffers: shared hit=10 read=5
         ->  Gather  (cost=0.00..5.00 rows=100 width=8) (actual time=0.050..0.700 rows=90 loops=1)
               Workers Planned: 2
               Workers Launched: 2
               ->  Parallel Seq Scan on public.t t  (cost=0.00..4.00 rows=42 width=8) (actual time=0.010..0.400 rows=30 loops=3)
                     Filter: (a > 1)
                     Rows Removed by Filter: 3
                     Worker 0:  actual time=0.020..0.300 rows=28 loops=1
                       Buffers: shared hit=4
         ->  Hash  (cost=0.50..0.50 rows=10 width=4) (actual time=0.050..0.050 rows=10 loops=1)
               Buckets: 1024 (originally 512)  Batches: 2 (originally 1)  Memory Usage: 9kB
               ->  Index Only Scan Backward using u_pkey on u  (cost=0.15..0.50 rows=10 width=4) (never executed)
                     Heap Fetches: 0
 Planning:
   Buffers: shared hit=6
 Planning Time: 0.148 ms
 Trigger fk_check for constraint t_fk on t: time=0.500 calls=2
 JIT:
   Functions: 4
   Options: Inlining false, Optimization false, Expressions true, Deforming true
   Timing: Generation 0.500 ms (Deform 0.100 ms), Inlining 0.000 ms, Optimization 0.200 ms, Emission 1.000 ms, Total 1.700 ms
 Execution Time: 2.000 ms
(20 rows)
"""


def test_text_plan_details() -> None:
    plan = parse_postgres_text(TEXT_PLAN)
    sort, join, gather, scan, hash_node, ios = plan.nodes()
    assert [n.operation for n in plan.nodes()] == [
        "Sort",
        "Hash Left Join",
        "Gather",
        "Parallel Seq Scan",
        "Hash",
        "Index Only Scan Backward",
    ]
    assert sort.extra["Sort Key"] == ["t.a", "(lower(t.b))"]
    assert (sort.extra["Sort Method"], sort.extra["Sort Space Type"], sort.extra["Sort Space Used"]) == (
        "external merge",
        "Disk",
        1648,
    )
    assert sort.buffers == {
        "shared_hit": 10,
        "shared_read": 5,
        "temp_read": 608,
        "temp_written": 666,
        "shared_io_read_ms": 0.25,
        "temp_io_read_ms": 0.1,
        "temp_io_write_ms": 0.2,
        "io_read_ms": 0.25,
    }
    assert sort.buffers_exclusive["temp_written"] == 666 and sort.buffers_exclusive["shared_hit"] == 0
    assert (join.role, gather.role, scan.role, hash_node.role, ios.role) == (
        "Outer",
        "Outer",
        "Outer",
        "Inner",
        "Outer",
    )
    assert scan.object == "public.t" and scan.extra["Alias"] == "t"
    assert scan.rows_removed == 9  # 3 per loop × 3 loops
    assert scan.time_inclusive_ms == pytest.approx(0.4)  # 0.4 × 3 loops ÷ (2 workers + leader)
    assert gather.time_exclusive_ms == pytest.approx(0.3)  # 0.7 − 0.4
    assert join.time_exclusive_ms == pytest.approx(0.25)  # 1.0 − 0.7 − 0.05
    assert scan.extra["Workers"] == [
        {
            "Worker Number": 0,
            "Actual Startup Time": 0.02,
            "Actual Total Time": 0.3,
            "Actual Rows": 28,
            "Actual Loops": 1,
            "Shared Hit Blocks": 4,
        }
    ]
    assert hash_node.extra["Hash Buckets"] == 1024 and hash_node.extra["Original Hash Buckets"] == 512
    assert hash_node.extra["Hash Batches"] == 2 and hash_node.extra["Original Hash Batches"] == 1
    assert hash_node.extra["Peak Memory Usage"] == 9
    assert ios.never_executed and ios.index == "u_pkey" and ios.object == "u"
    assert ios.extra["Scan Direction"] == "Backward"
    assert (plan.planning_time_ms, plan.execution_time_ms) == (0.148, 2.0)
    assert plan.triggers == [
        {"name": "fk_check", "constraint": "t_fk", "relation": "t", "time_ms": 0.5, "calls": 2}
    ]
    assert plan.jit is not None and plan.jit["functions"] == 4
    assert plan.jit["timing"]["Generation"] == 0.5 and plan.jit["total_ms"] == 1.7
    assert plan.jit["options"]["Expressions"] is True
    # 1.6 − 1.0 = 0.6 ms for the Sort itself
    assert sort.time_exclusive_ms == pytest.approx(0.6)


def test_text_parallel_under_gather() -> None:
    text = """Gather  (cost=0.00..10.00 rows=100 width=4) (actual time=0.5..6.0 rows=300 loops=1)
  Workers Planned: 2
  Workers Launched: 2
  ->  Parallel Seq Scan on t  (cost=0.00..8.00 rows=42 width=4) (actual time=0.1..3.0 rows=100 loops=3)
Planning Time: 0.1 ms
Execution Time: 6.5 ms"""
    plan = parse_postgres_text(text)
    gather, scan = plan.nodes()
    assert (gather.workers_planned, gather.workers_launched) == (2, 2)
    assert scan.time_inclusive_ms == pytest.approx(3.0)  # 3.0 × 3 loops ÷ 3 processes
    assert gather.time_exclusive_ms == pytest.approx(3.0)


def test_text_pg16_initplan_and_costs_off() -> None:
    text = """Seq Scan on t (actual rows=1 loops=1)
  Filter: (a = (InitPlan 1).col1)
  InitPlan 1
    ->  Aggregate (actual rows=1 loops=1)
          ->  Seq Scan on t t_1 (actual rows=3.50 loops=2)"""
    plan = parse_postgres_text(text)
    root, agg, inner = plan.nodes()
    assert (agg.role, agg.subplan_name) == ("InitPlan", "InitPlan 1")
    assert inner.rows_actual == 3.5 and inner.rows_actual_total == 7.0
    assert root.cost is None and root.time_inclusive_ms is None and plan.analyzed


def test_text_estimates_only() -> None:
    text = """Nested Loop Anti Join  (cost=0.29..20.00 rows=1 width=4)
  ->  Seq Scan on a  (cost=0.00..1.10 rows=10 width=4)
  ->  Index Only Scan using b_pkey on b  (cost=0.29..1.50 rows=1 width=4)
        Index Cond: (id = a.id)"""
    plan = parse_postgres_text(text)
    loop, _a, b = plan.nodes()
    assert loop.operation == "Nested Loop Anti Join" and not plan.analyzed
    assert loop.cost_exclusive == pytest.approx(20.0 - 1.10 - 1.50)
    assert b.index_condition == "(id = a.id)"


def test_text_not_a_plan() -> None:
    with pytest.raises(PlanInputError, match="no plan node found"):
        parse_postgres_text("Planning Time: 1 ms")


@pytest.mark.parametrize(
    ("title", "fields"),
    [
        (
            "Seq Scan on public.orders o",
            {"Node Type": "Seq Scan", "Relation Name": "orders", "Schema": "public", "Alias": "o"},
        ),
        (
            "Bitmap Index Scan on orders_status_idx",
            {"Node Type": "Bitmap Index Scan", "Index Name": "orders_status_idx"},
        ),
        (
            "Partial HashAggregate",
            {"Node Type": "Aggregate", "Strategy": "Hashed", "Partial Mode": "Partial"},
        ),
        ("Merge Right Join", {"Node Type": "Merge Join", "Join Type": "Right"}),
        ("Delete on t", {"Node Type": "ModifyTable", "Operation": "Delete", "Relation Name": "t"}),
        ("CTE Scan on x x_1", {"Node Type": "CTE Scan", "CTE Name": "x", "Alias": "x_1"}),
        ("HashSetOp Intersect All", {"Node Type": "SetOp", "Strategy": "Hashed", "Command": "Intersect All"}),
        (
            "Custom Scan (Citus Adaptive)",
            {"Node Type": "Custom Scan", "Custom Plan Provider": "Citus Adaptive"},
        ),
    ],
)
def test_text_titles(title: str, fields: dict[str, object]) -> None:
    parsed = node_fields(title)
    for key, value in fields.items():
        assert parsed[key] == value


def test_split_balanced() -> None:
    assert split_balanced("a, f(b, c), 'x,y', d") == ["a", "f(b, c)", "'x,y'", "d"]


def test_text_header_sections_pg17() -> None:
    text = """Result  (cost=0.00..0.01 rows=1 width=4) (actual time=0.001..0.001 rows=1 loops=1)
Planning:
  Buffers: shared hit=3
  Memory: used=10kB  allocated=16kB
Planning Time: 0.100 ms
Serialization: time=0.012 ms  output=1kB  format=text
Execution Time: 0.050 ms"""
    plan = parse_postgres_text(text)
    assert plan.header["Planning"] == {"Shared Hit Blocks": 3, "Memory Used": 10, "Memory Allocated": 16}
    assert plan.header["Serialization"] == {"Time": 0.012, "Output Volume": 1, "Format": "text"}
    assert plan.root.time_share == pytest.approx(0.001 / 0.050)
