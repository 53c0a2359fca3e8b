"""parse_mysql_plan over the recorded MySQL/MariaDB outputs in tests/fixtures/plans (sources in
SOURCES.md): tree shape, node count and numbers, each computed by hand from the fixture text."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tui.core.errors import PlanInputError
from tui.plans.mysql import access_colour, parse_mysql_plan, sniff_mysql_format
from tui.plans.mysql_common import strip_end_markers

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "plans"


def load(name: str):
    return parse_mysql_plan((FIXTURES / name).read_text(encoding="utf-8"))


def labels(plan) -> list[str]:
    return [node.label for node in plan.nodes()]


# -- MySQL EXPLAIN FORMAT=JSON, version 1 ---------------------------------------------------------------


def test_v1_range_scan_from_the_manual() -> None:
    plan = load("mysql-v1-range-scan.json")
    assert (plan.engine, plan.format, plan.analyzed) == ("mysql", "mysql-json-v1", False)
    assert labels(plan) == ["Query block #1", "Index range scan on country using PRIMARY"]
    table = plan.root.children[0]
    assert table.access_type == "range"
    assert table.rows_estimated == 17
    assert table.cost == pytest.approx(1.97 + 1.70)
    assert table.filter == "(`world`.`country`.`Code` like 'A%')"
    assert table.extra["used_key_parts"] == ["Code"]
    assert table.extra["filtered"] == "100.00"  # verbatim: MySQL prints it as a string
    assert plan.total_cost == pytest.approx(3.67)
    assert [n.node_id for n in plan.nodes()] == [1, 2]


def test_v1_nested_loop_with_hash_join_buffer() -> None:
    plan = load("mysql-v1-semijoin-nested-loop.json")
    assert labels(plan) == [
        "Query block #1",
        "Nested loop",
        "Full table scan on t1",
        "Full table scan on t2",
    ]
    loop = plan.root.children[0]
    t1, t2 = loop.children
    assert loop.cost == pytest.approx(1.90)  # prefix_cost of the last table
    assert t1.cost == pytest.approx(1.10 + 0.10)
    assert t2.cost == pytest.approx(0.60 + 0.10)
    assert t2.extra["using_join_buffer"] == "hash join"
    assert t2.extra["first_match"] == "t1"
    assert (t1.access_type, t1.rows_estimated, t2.rows_estimated) == ("ALL", 7, 2)
    assert access_colour(t1.access_type) == "red"


def test_v1_end_markers_are_stripped_outside_strings_only() -> None:
    text = (FIXTURES / "mysql-v1-attached-subqueries.json").read_text(encoding="utf-8")
    assert "/* cost_info */" in text
    plan = parse_mysql_plan(text)
    assert labels(plan) == [
        "Query block #1",
        "Full table scan on t1",
        "Query block #3: no matching row in const table",
        "Query block #2",
        "Full table scan on t2",
    ]
    t1 = plan.root.children[0]
    # The comment inside the condition string belongs to the data and survives.
    assert "/* select#2 */ select `test`.`t2`.`i`" in (t1.filter or "")
    sub3, sub2 = t1.children
    assert (sub3.role, sub2.role) == ("Subquery", "Subquery")
    assert sub2.subplan_name == "attached_subqueries"
    assert sub2.extra["subquery"] == {"dependent": True, "cacheable": False}
    assert sub2.children[0].extra["filtered"] == "50.00"
    assert strip_end_markers('{"a": "/* x */"} /* a */') == '{"a": "/* x */"} '


def test_v1_five_levels_of_materialized_derived_tables() -> None:
    plan = load("mysql-v1-derived-materialized.json")
    nodes = list(plan.nodes())
    assert len(nodes) == 16
    tables = [n.object for n in nodes if n.access_type]
    assert tables == ["a4", "a3", "a2", "t2", "a1", "t1"]
    assert [n.operation for n in nodes].count("Materialize") == 4
    a1 = next(n for n in nodes if n.object == "a1")
    assert a1.extra["using_join_buffer"] == "hash join"
    # a1's own cost (2.59 + 1.40) plus its materialization (query_cost 1.20)
    assert a1.cost == pytest.approx(2.59 + 1.40 + 1.20)
    assert a1.cost_exclusive == pytest.approx(2.59 + 1.40)
    assert plan.total_cost == pytest.approx(4.07)


def test_v1_union_with_filesort() -> None:
    plan = load("mysql-v1-union-filesort.json")
    union = plan.root.children[0]
    assert union.operation == "Union result (filesort) (temporary table)"
    assert union.object == "<union1,2>"
    assert [c.role for c in union.children] == ["Union member", "Union member"]
    assert [c.operation for c in union.children] == ["Query block #1", "Query block #2"]
    assert union.cost == pytest.approx(1.20 + 0.70)
    assert len(list(plan.nodes())) == 6


def test_v1_grouping_with_temporary_table_and_group_by_subqueries() -> None:
    plan = load("mysql-v1-group-by-subqueries.json")
    group = plan.root.children[0]
    assert group.operation == "Group by (temporary table)"
    assert group.extra["using_temporary_table"] is True
    assert [c.label for c in group.children] == [
        "Full table scan on t1",
        "Query block #3",
        "Query block #2",
    ]
    assert [c.subplan_name for c in group.children[1:]] == ["group_by_subqueries"] * 2
    assert len(list(plan.nodes())) == 7


# -- MySQL version 2 JSON and EXPLAIN ANALYZE FORMAT=JSON ----------------------------------------------


def test_v2_range_scan() -> None:
    plan = load("mysql-v2-range-scan.json")
    assert (plan.format, plan.analyzed) == ("mysql-json-v2", False)
    assert labels(plan) == ["Filter", "Index range scan on country using PRIMARY"]
    scan = plan.root.children[0]
    assert scan.access_type == "range"
    assert scan.extra["index_access_type"] == "index_range_scan"
    assert plan.root.filter == "(country.`Code` like 'A%')"
    assert plan.total_cost == pytest.approx(3.668778400708174)
    assert plan.query is not None and plan.query.startswith("/* select#1 */ select")


@pytest.mark.parametrize(
    ("name", "root_last", "scan_last", "rows"),
    [
        ("mysql-analyze-json-v2.json", 0.020957, 0.018502, 17.0),
        ("mysql-analyze-json-v2-flat.json", 0.038189, 0.034214, 3.0),
    ],
)
def test_v2_analyze(name: str, root_last: float, scan_last: float, rows: float) -> None:
    plan = load(name)
    assert (plan.format, plan.analyzed) == ("mysql-json-v2", True)
    root, scan = plan.root, plan.root.children[0]
    assert len(list(plan.nodes())) == 2
    assert root.time_inclusive_ms == pytest.approx(root_last)  # last-row time × 1 loop
    assert scan.time_inclusive_ms == pytest.approx(scan_last)
    assert root.time_exclusive_ms == pytest.approx(root_last - scan_last)
    assert (root.rows_actual, root.loops, scan.rows_estimated) == (rows, 1.0, rows)
    assert scan.access_type == "range"
    assert plan.execution_time_ms == pytest.approx(root_last)
    assert root.estimate_factor == 1.0


# -- MySQL FORMAT=TREE and EXPLAIN ANALYZE text ----------------------------------------------------------


def test_tree_range_scan() -> None:
    plan = load("mysql-tree-range-scan.txt")
    assert (plan.format, plan.analyzed) == ("mysql-tree", False)
    assert labels(plan) == ["Filter", "Index range scan on country using PRIMARY"]
    assert plan.root.filter == "(country.`Code` like 'A%')"
    assert (plan.root.cost, plan.root.rows_estimated) == (3.67, 17.0)
    assert plan.root.children[0].access_type == "range"


def test_tree_projection_subquery_gets_a_query_root() -> None:
    plan = load("mysql-tree-projection-subquery.txt")
    assert plan.root.operation == "Query" and plan.root.extra["synthetic"] is True
    assert [c.label for c in plan.root.children] == [
        "Table scan on t1",
        "Select #2 (subquery in projection; dependent)",
    ]
    assert plan.root.children[1].role == "Subquery"
    assert len(list(plan.nodes())) == 6  # five lines + the synthetic root


def test_tree_nested_subqueries_one_node_per_line() -> None:
    plan = load("mysql-tree-nested-subqueries.txt")
    assert len(list(plan.nodes())) == 8
    deepest = [n for n, depth in plan.root.walk_with_depth() if depth == 5]
    assert [n.label for n in deepest] == ["Index range scan on ii"]
    assert deepest[0].access_type == "range"
    assert plan.root.children[0].label == "Covering index scan on t1 using PRIMARY"
    assert plan.root.children[0].access_type == "index"


def test_tree_distinct_join() -> None:
    plan = load("mysql-tree-distinct-join.txt")
    assert labels(plan) == [
        "Table scan on <temporary>",
        "Temporary table with deduplication",
        "Nested loop inner join",
        "Table scan on t1",
        "Limit",
        "Filter",
        "Index lookup on t2 using a",
    ]
    lookup = list(plan.nodes())[-1]
    assert (lookup.access_type, lookup.rows_estimated) == ("ref", 5.0)
    assert list(plan.nodes())[5].rows_estimated == 1.67


def test_analyze_hash_join_with_wrapped_lines() -> None:
    plan = load("mysql-analyze-hash-join.txt")
    assert (plan.format, plan.analyzed) == ("mysql-analyze", True)
    assert labels(plan) == ["Inner hash join", "Table scan on t2", "Hash", "Table scan on t1"]
    join, t2, heading, _t1 = plan.nodes()
    assert join.extra["join_algorithm"] == "hash"
    assert (join.cost, join.rows_estimated, join.rows_actual) == (3.5, 5.0, 1.0)
    assert t2.time_inclusive_ms == pytest.approx(0.0221)
    assert heading.time_inclusive_ms == pytest.approx(0.0534)  # a heading takes its child's time
    assert join.time_exclusive_ms == pytest.approx(0.131 - 0.0221 - 0.0534)
    assert join.estimate_factor == pytest.approx(5.0) and join.estimate_direction == "over"


def test_analyze_loops_multiply_per_loop_figures() -> None:
    plan = load("mysql-analyze-sakila.txt")
    nodes = list(plan.nodes())
    assert len(nodes) == 6
    temp_scan, aggregate, join, staff, filter_, lookup = nodes
    assert filter_.time_inclusive_ms == pytest.approx(22.767 * 2)
    assert lookup.time_inclusive_ms == pytest.approx(19.988 * 2)
    assert filter_.time_exclusive_ms == pytest.approx(22.767 * 2 - 19.988 * 2)
    assert filter_.rows_actual_total == 2844 * 2
    assert lookup.object == "payment" and lookup.index == "idx_fk_staff_id"
    assert join.time_exclusive_ms == pytest.approx(46.135 - 0.051 - 45.534)
    assert aggregate.time_exclusive_ms == pytest.approx(58.104 - 46.135)
    assert temp_scan.time_exclusive_ms == 0.0  # the temp-table scan reports less than what filled it
    assert plan.execution_time_ms == pytest.approx(58.104)
    assert filter_.estimate_factor == pytest.approx(2844 / 894)
    assert filter_.estimate_direction == "under"
    assert staff.access_type == "ALL"


def test_tree_numbers_in_engineering_notation_and_never_executed() -> None:
    text = (
        "-> Nested loop inner join  (cost=1.2e+6 rows=1e+6) (actual time=0.5..2e+3 rows=1e+6 loops=1)\n"
        "    -> Table scan on a  (cost=0.25..250e-6 rows=1) (actual time=719e-6..938e-6 rows=1.01 loops=634000)\n"
        "    -> Index lookup on b using ix (x=a.x)  (cost=0.35 rows=1) (never executed)\n"
    )
    plan = parse_mysql_plan(text)
    join, scan, lookup = plan.nodes()
    assert (join.cost, join.rows_estimated, join.rows_actual) == (1.2e6, 1e6, 1e6)
    assert (scan.startup_cost, scan.cost) == (0.25, 250e-6)
    assert scan.time_inclusive_ms == pytest.approx(938e-6 * 634000)
    assert scan.rows_actual_total == pytest.approx(1.01 * 634000)
    assert lookup.never_executed and lookup.loops == 0


# -- MariaDB ------------------------------------------------------------------------------------------


def test_mariadb_analyze_kb_example() -> None:
    plan = load("mariadb-analyze-subquery.json")
    assert (plan.engine, plan.format, plan.analyzed) == ("mariadb", "mariadb-analyze", True)
    assert labels(plan) == [
        "Query block #1",
        "Full index scan on customer using i_c_nationkey",
        "Query block #2",
        "Non-unique key lookup on orders using i_o_custkey",
    ]
    block1, customer, block2, orders = plan.nodes()
    assert block2.role == "Subquery" and block2.loops == 150000
    assert orders.rows_actual_total == 10 * 150000  # r_rows is per loop
    assert orders.time_inclusive_ms == 39208  # r_total_time_ms is already a total
    assert block2.time_exclusive_ms == pytest.approx(39531 - 39208)
    assert block1.time_exclusive_ms == pytest.approx(39872 - 270.3 - 39531)
    assert customer.extra["r_filtered"] == 60.691
    assert plan.execution_time_ms == 39872
    assert orders.time_share == pytest.approx(39208 / 39872)


def test_mariadb_block_nested_loop_times() -> None:
    plan = load("mariadb-analyze-bnl.json")
    block, loop, c, bnl, o = plan.nodes()
    assert bnl.operation == "Block nested loop join" and bnl.extra["join_type"] == "BNL"
    assert bnl.filter == "o.`status` = c.`name`"
    assert c.time_inclusive_ms == pytest.approx(0.164836398 + 0.075060415)
    assert o.time_inclusive_ms == pytest.approx(1.662117874 + 0.369312437)
    assert bnl.time_exclusive_ms == pytest.approx(141.9334038 + 228.5158386)
    assert loop.time_inclusive_ms == pytest.approx(
        0.164836398 + 0.075060415 + 141.9334038 + 228.5158386 + 1.662117874 + 0.369312437
    )
    assert block.time_inclusive_ms == pytest.approx(372.7237651)
    assert plan.planning_time_ms == pytest.approx(0.125798571)
    assert c.extra["possible_keys"] == ["ix_country"] and c.index is None


def test_mariadb_filesort_over_temporary_table_reports_only_the_sort() -> None:
    plan = load("mariadb-analyze-filesort-temporary.json")
    assert labels(plan) == [
        "Query block #1",
        "Filesort",
        "Temporary table",
        "Nested loop",
        "Full table scan on o",
        "Unique key lookup on c using PRIMARY",
    ]
    filesort = plan.root.children[0]
    tables = 2.255558958 + 1.047970814 + 4.130065851 + 2.683362252
    assert filesort.time_exclusive_ms == pytest.approx(0.127040729)
    assert filesort.time_inclusive_ms == pytest.approx(tables + 0.127040729)
    assert plan.root.time_inclusive_ms == pytest.approx(10.27118584)


def test_mariadb_filesort_over_a_table_includes_the_table() -> None:
    plan = load("mariadb-analyze-read-sorted-file.json")
    filesort = next(n for n in plan.nodes() if n.operation == "Filesort")
    table = filesort.children[0]
    assert filesort.time_inclusive_ms == pytest.approx(table.time_inclusive_ms)
    # the sort's 2.139727705 ms is below the table's 1.46499538 + 0.680552437 (timer overhead):
    # the larger figure counts, the sort adds nothing of its own
    assert table.time_inclusive_ms == pytest.approx(1.46499538 + 0.680552437)
    assert filesort.time_exclusive_ms == 0.0
    assert next(n for n in plan.nodes() if n.operation == "Read sorted file").rows_actual == 3


def test_mariadb_expression_cache_and_semijoin_and_union_and_derived() -> None:
    cache = load("mariadb-analyze-expression-cache.json")
    assert [n.operation for n in cache.nodes()] == [
        "Query block #1",
        "Nested loop",
        "Full table scan",
        "Expression cache",
        "Query block #2",
        "Nested loop",
        "Full table scan",
    ]
    inner = list(cache.nodes())[-1]
    assert inner.loops == 2000 and inner.rows_actual_total == 20000 * 2000
    semi = load("mariadb-analyze-semijoin-materialized.json")
    assert len(list(semi.nodes())) == 8
    assert [n.object for n in semi.nodes() if n.access_type] == ["c", "<subquery2>", "o"]
    union = load("mariadb-analyze-union.json")
    assert union.root.children[0].rows_actual == 403
    assert len(list(union.nodes())) == 8
    derived = load("mariadb-explain-derived.json")
    assert (derived.format, derived.analyzed) == ("mariadb-json", False)
    assert len(list(derived.nodes())) == 10


def test_flavor_hint_and_labels() -> None:
    text = (FIXTURES / "mariadb-explain-derived.json").read_text()
    assert parse_mysql_plan(text, flavor="mysql").engine == "mysql"
    assert parse_mysql_plan("EXPLAIN: " + text).engine == "mariadb"
    analyze = (FIXTURES / "mariadb-analyze-bnl.json").read_text()
    assert parse_mysql_plan("ANALYZE: " + analyze).format == "mariadb-analyze"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("mysql-v1-range-scan.json", "mysql-json-v1"),
        ("mysql-v2-range-scan.json", "mysql-json-v2"),
        ("mysql-analyze-json-v2-flat.json", "mysql-json-v2"),
        ("mysql-tree-range-scan.txt", "mysql-tree"),
        ("mysql-analyze-hash-join.txt", "mysql-tree"),
        ("mariadb-analyze-bnl.json", "mariadb-json"),
        ("postgres-nested-loop.json", None),
        ("mongodb-ixscan-fetch.json", None),
    ],
)
def test_sniff(name: str, expected: str | None) -> None:
    assert sniff_mysql_format((FIXTURES / name).read_text()) == expected


# -- hostile input ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "hello",
        "{",
        "[]",
        "{}",
        '{"query_block": 1}',
        '{"query_block": {"table": []}}',
        '{"query_block": {"nested_loop": {}}}',
        '{"query_plan": {"inputs": []}}',
        '{"query_plan": {"operation": "x", "inputs": [1]}}',
        "   continuation before any iterator",
        json.dumps({"Plan": {"Node Type": "Seq Scan"}}),
        "[" * 100_000 + "]" * 100_000,
        '{"query_block": ' * 5000 + "1" + "}" * 5000,
        "-> a\n" + "".join("    " * i + "-> x\n" for i in range(1, 600)),
    ],
)
def test_unreadable_input_raises_plan_input_error(text: str) -> None:
    with pytest.raises(PlanInputError):
        parse_mysql_plan(text)


def test_deep_but_legal_json_is_refused_cleanly() -> None:
    inner = '{"select_id": 1, "table": {"table_name": "t", "materialized_from_subquery": '
    text = '{"query_block": ' + inner * 300 + "{}" + "}}" * 300 + "}"
    with pytest.raises(PlanInputError):
        parse_mysql_plan(text)


# -- what the mysql client prints around a plan -------------------------------------------------------

BORDERED_TREE = """mysql> EXPLAIN SELECT Name FROM country WHERE Code LIKE 'A%';
+--------------------------------------------------------------------------------------------------------------+
| EXPLAIN                                                                                                      |
+--------------------------------------------------------------------------------------------------------------+
| -> Filter: (country.`Code` like 'A%')  (cost=3.67 rows=17)
    -> Index range scan on country using PRIMARY over ('A' <= Code <= 'A????????')  (cost=3.67 rows=17)  |
+--------------------------------------------------------------------------------------------------------------+
1 row in set, 1 warning (0.00 sec)
"""


def test_tree_inside_the_mysql_clients_table_border() -> None:
    # The MySQL 9.5 manual's EXPLAIN example, as the mysql client prints it.
    plan = parse_mysql_plan(BORDERED_TREE)
    assert labels(plan) == ["Filter", "Index range scan on country using PRIMARY"]
    assert [n.cost for n in plan.nodes()] == [3.67, 3.67]


def test_json_inside_the_mysql_clients_table_border() -> None:
    body = (FIXTURES / "mysql-v1-range-scan.json").read_text().rstrip("\n")
    lines = body.split("\n")
    lines[0] = "| " + lines[0]
    lines[-1] = lines[-1] + " " * 70 + "|"
    text = "+" + "-" * 78 + "+\n| EXPLAIN" + " " * 70 + "|\n+" + "-" * 78 + "+\n" + "\n".join(lines)
    text += "\n+" + "-" * 78 + "+\n1 row in set, 1 warning (0.00 sec)\n"
    plan = parse_mysql_plan(text)
    assert labels(plan) == ["Query block #1", "Index range scan on country using PRIMARY"]


def test_vertical_output_label() -> None:
    text = (
        "*************************** 1. row ***************************\nEXPLAIN: "
        + (FIXTURES / "mysql-v2-range-scan.json").read_text()
    )
    assert parse_mysql_plan(text).format == "mysql-json-v2"
