"""The PostgreSQL JSON parser on the recorded fixtures: every derived number is checked against the
arithmetic done by hand from the fixture's own fields (written next to each assertion)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tui.core.plan import Plan, PlanNode
from tui.plans.postgres import operation_name, parse_postgres_plan

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "plans"
PG_FIXTURES = sorted(
    p.name
    for p in FIXTURES.iterdir()
    if p.name.startswith("postgres") and p.name.endswith((".json", ".psql.txt"))
)


def load(name: str) -> Plan:
    return parse_postgres_plan((FIXTURES / name).read_text(encoding="utf-8"))


def nodes(plan: Plan) -> list[PlanNode]:
    return list(plan.nodes())


def count_node_types(value: Any) -> int:
    """How many plan nodes the engine printed: the number of "Node Type" keys in the JSON."""
    count, stack = 0, [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            count += "Node Type" in item
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return count


@pytest.mark.parametrize("name", PG_FIXTURES)
def test_every_fixture_parses_one_node_per_engine_node(name: str) -> None:
    plan = load(name)
    assert plan.engine == "postgresql"
    assert len(nodes(plan)) == count_node_types(plan.raw)
    assert [n.node_id for n in nodes(plan)] == list(range(len(nodes(plan))))  # pre-order from 0
    for node in nodes(plan):
        assert "Plans" not in node.extra
        assert node.extra["Node Type"]  # every engine field kept verbatim
        if node.time_exclusive_ms is not None:
            assert node.time_exclusive_ms >= 0
        if node.cost_exclusive is not None:
            assert node.cost_exclusive >= 0


def test_pev2_fixture_list_is_not_empty() -> None:
    assert len(PG_FIXTURES) >= 8


def test_nested_loop_fixture() -> None:
    plan = load("postgres-nested-loop.json")
    root, outer, inner = nodes(plan)
    assert plan.analyzed and plan.format == "postgresql-json"
    assert (plan.planning_time_ms, plan.execution_time_ms) == (0.243, 0.030)
    assert plan.settings == {"search_path": "joecap", "enable_hashjoin": "off", "enable_mergejoin": "off"}
    assert plan.header["Planning"]["Shared Hit Blocks"] == 141
    assert plan.triggers == []
    assert plan.total_cost == 30.52

    assert root.operation == "Nested Loop" and root.role is None
    assert (outer.operation, outer.object, outer.role) == ("Seq Scan", "joecap.t_small", "Outer")
    assert (inner.operation, inner.object, inner.index, inner.role) == (
        "Index Scan",
        "joecap.t_items",
        "t_items_pkey",
        "Inner",
    )
    # inner side: Actual Total Time 0.001 per loop × 5 loops = 0.005 ms; rows 0 × 5 = 0
    assert inner.loops == 5
    assert inner.time_inclusive_ms == pytest.approx(0.005)
    assert inner.rows_actual_total == 0
    assert inner.rows_removed == 0  # Rows Removed by Index Recheck 0 × 5
    # actual 0 per loop is taken as 1 row against 1 estimated: no misestimate, and no division by zero
    assert inner.estimate_factor == 1.0 and inner.estimate_direction is None
    # root: 0.014 − (0.005 × 1 + 0.001 × 5) = 0.004 ms; share 0.004 / 0.030
    assert root.time_inclusive_ms == pytest.approx(0.014)
    assert root.time_exclusive_ms == pytest.approx(0.004)
    assert root.time_share == pytest.approx(0.004 / 0.030)
    # rows: 2 actual vs 5 estimated → 5 / 2 = 2.5, over-estimated
    assert root.estimate_factor == pytest.approx(2.5) and root.estimate_direction == "over"
    # cost: 30.52 − 1.05 − 5.89 = 23.58
    assert root.cost_exclusive == pytest.approx(23.58)
    assert outer.cost_exclusive == pytest.approx(1.05)
    # buffers: shared hit 13 inclusive, 13 − 1 − 12 = 0 exclusive
    assert root.buffers["shared_hit"] == 13 and root.buffers_exclusive["shared_hit"] == 0
    assert inner.buffers_exclusive["shared_hit"] == 12
    assert root.buffers["wal_records"] == 0
    assert plan.hottest() in (outer, inner)  # 0.005 ms each, the most of any node


def test_parallel_fixture_divides_by_processes() -> None:
    plan = load("postgres-parallel-seq-scan.json")
    final, gather, partial, scan = nodes(plan)
    assert [n.operation for n in nodes(plan)] == [
        "Finalize Aggregate",
        "Gather",
        "Partial Aggregate",
        "Parallel Seq Scan",
    ]
    assert (gather.workers_planned, gather.workers_launched) == (2, 2)
    # under the Gather: time × loops ÷ (2 launched + 1 leader): 0.019 × 3 / 3 and 0.011 × 3 / 3
    assert partial.time_inclusive_ms == pytest.approx(0.019)
    assert scan.time_inclusive_ms == pytest.approx(0.011)
    # exclusive: 5.828 − 5.816 = 0.012; 5.816 − 0.019 = 5.797; 0.019 − 0.011 = 0.008; 0.011
    assert final.time_exclusive_ms == pytest.approx(0.012)
    assert gather.time_exclusive_ms == pytest.approx(5.797)
    assert partial.time_exclusive_ms == pytest.approx(0.008)
    assert scan.time_exclusive_ms == pytest.approx(0.011)
    assert gather.time_share == pytest.approx(5.797 / 5.863)
    assert plan.hottest() is gather
    # rows: 167 per process × 3 loops = 501; estimate 208 per process → 208 / 167 over
    assert scan.rows_actual_total == 501
    assert scan.estimate_factor == pytest.approx(208 / 167) and scan.estimate_direction == "over"
    # Gather: 3 actual vs 2 estimated → 1.5 under
    assert gather.estimate_factor == pytest.approx(1.5) and gather.estimate_direction == "under"
    assert len(scan.extra["Workers"]) == 2
    # exclusive sum telescopes to the root's inclusive time
    assert sum(n.time_exclusive_ms or 0 for n in nodes(plan)) == pytest.approx(5.828)


def test_pg18_fractional_rows() -> None:
    plan = load("postgres-pg18-parallel-fractional-rows.json")
    _final, gather, _partial, scan = nodes(plan)
    assert scan.rows_actual == 167.0 and isinstance(scan.rows_actual, float)
    assert scan.rows_actual_total == pytest.approx(501.0)  # 167.00 × 3
    assert gather.rows_actual == 3.0
    # 7.782 − 7.769 = 0.013; 7.769 − 0.078 × 3 / 3 = 7.691; 0.078 − 0.065 = 0.013; 0.065
    assert [n.time_exclusive_ms for n in nodes(plan)] == pytest.approx([0.013, 7.691, 0.013, 0.065])
    assert scan.buffers["wal_buffers_full"] == 0
    assert scan.extra["Disabled"] is False
    assert plan.execution_time_ms == 7.847


def test_sort_spill_fixture() -> None:
    plan = load("postgres-sort-disk-spill.json")
    sort, scan = nodes(plan)
    assert sort.extra["Sort Method"] == "external merge" and sort.extra["Sort Space Type"] == "Disk"
    # 25.116 − 2.330 = 22.786 ms
    assert sort.time_exclusive_ms == pytest.approx(22.786)
    assert sort.time_share == pytest.approx(22.786 / 26.219)
    # temp I/O belongs to the Sort alone (child 0); shared hit 323 − 320 = 3
    assert sort.buffers_exclusive["temp_written"] == 666 and sort.buffers_exclusive["temp_read"] == 608
    assert sort.buffers_exclusive["shared_hit"] == 3
    # 7949.76 − 821.57 = 7128.19
    assert sort.cost_exclusive == pytest.approx(7128.19)
    # 50,157 estimated vs 50,000 actual → 1.00314 over
    assert sort.estimate_factor == pytest.approx(50157 / 50000) and sort.estimate_direction == "over"
    assert scan.object == "public.items"
    assert plan.hottest() is sort


def test_hashagg_spill_fixture() -> None:
    plan = load("postgres-hashagg-spill.json")
    agg, _scan = nodes(plan)
    assert agg.operation == "HashAggregate"
    assert agg.extra["HashAgg Batches"] == 85 and agg.extra["Disk Usage"] == 1880
    assert agg.time_exclusive_ms == pytest.approx(18.597 - 1.824)
    assert agg.buffers_exclusive["temp_written"] == 707
    assert agg.cost_exclusive == pytest.approx(11930.56 - 821.57)
    assert plan.settings["work_mem"] == "64kB"


def test_never_executed_fixture() -> None:
    plan = load("postgres-never-executed.json")
    loop, index_scan, seq_scan = nodes(plan)
    assert seq_scan.never_executed and seq_scan.loops == 0
    assert seq_scan.estimate_factor is None and seq_scan.estimate_direction is None
    # JSON prints 0.000 for a node that never ran; text prints no time: both are "no time" (issue 18).
    assert seq_scan.time_inclusive_ms is None and seq_scan.time_exclusive_ms is None
    assert not index_scan.never_executed and not loop.never_executed
    # 0.006 − 0.002 × 1 − 0.000 × 0 = 0.004
    assert loop.time_exclusive_ms == pytest.approx(0.004)
    assert loop.filter == "(i.cat = c.id)"  # the Join Filter
    assert loop.rows_removed == 0
    assert index_scan.index_condition == "(i.id < 0)"


def test_modify_table_and_triggers_fixture() -> None:
    plan = load("postgres-insert-triggers.json")
    insert, _result = nodes(plan)
    assert insert.operation == "Insert" and insert.object == "public.trg_child"
    assert insert.label == "Insert on public.trg_child"
    assert insert.time_exclusive_ms == pytest.approx(0.207 - 0.001)
    assert plan.execution_time_ms == 1.833
    assert plan.triggers == [
        {
            "name": "RI_ConstraintTrigger_c_16505",
            "constraint": "trg_child_pid_fkey",
            "relation": "trg_child",
            "time_ms": 0.698,
            "calls": 1,
        },
        {"name": "mytrig", "constraint": None, "relation": "trg_child", "time_ms": 0.881, "calls": 1},
    ]
    assert insert.estimate_factor == 1.0  # 0 rows estimated, 0 returned


def test_cte_initplan_subplan_fixture() -> None:
    """PostgreSQL 15 output (psql-framed, with `+` markers) of a query with a MATERIALIZED CTE read
    three times, two InitPlans (one nested), and a SubPlan executed 100 times."""
    plan = load("postgres15-cte-initplan-subplan.psql.txt")
    ns = nodes(plan)
    assert [(n.operation, n.role, n.subplan_name) for n in ns] == [
        ("CTE Scan", None, None),
        ("Function Scan", "CTE", "CTE x"),
        ("Aggregate", "InitPlan", "InitPlan 2 (returns $1)"),
        ("CTE Scan", "Outer", None),
        ("Aggregate", "InitPlan", "InitPlan 4 (returns $3)"),
        ("Result", "InitPlan", "InitPlan 3 (returns $2)"),
        ("CTE Scan", "Outer", None),
        ("Result", "SubPlan", "SubPlan 5"),
    ]
    root, cte, init2, scan1, init4, _init3, scan2, subplan = ns
    assert subplan.loops == 100 and subplan.rows_actual_total == 100
    # CTE x took 0.016 ms; its three CTE Scans have inclusive 0.085, 0.014 and 0.008 (Σ 0.107):
    # each loses 0.016 × its share. InitPlans 2 and 4 ($1, $3) are referenced by the root's Output,
    # so the root also loses 0.022 + 0.013. SubPlan 5 (0.000 × 100) is subtracted from its parent.
    assert root.time_exclusive_ms == pytest.approx(0.085 - 0.016 * 0.085 / 0.107 - 0.022 - 0.013, abs=1e-6)
    assert scan1.time_exclusive_ms == pytest.approx(0.014 - 0.016 * 0.014 / 0.107, abs=1e-6)
    assert scan2.time_exclusive_ms == pytest.approx(0.008 - 0.016 * 0.008 / 0.107, abs=1e-6)
    # InitPlans are not subtracted from the node they hang under (Aggregate 0.013 − scan 0.008)
    assert init4.time_exclusive_ms == pytest.approx(0.005)
    assert init2.time_exclusive_ms == pytest.approx(0.022 - 0.014)
    assert cte.time_exclusive_ms == pytest.approx(0.016)
    # every millisecond is attributed once: Σ exclusive = the root's inclusive time
    assert sum(n.time_exclusive_ms or 0 for n in ns) == pytest.approx(0.085, abs=1e-5)
    # rows removed by the filter on the CTE scan: 5 × 1 loop; estimate 33 vs 95 actual
    assert scan2.rows_removed == 5 and scan2.filter == "(x_2.g > $2)"
    assert scan2.estimate_factor == pytest.approx(95 / 33) and scan2.estimate_direction == "under"
    # cost: 8.86 − (2.26 + 2.35 + 0.01) — the CTE's cost is not part of the consumer's
    assert root.cost_exclusive == pytest.approx(8.86 - 2.26 - 2.35 - 0.01)
    assert plan.execution_time_ms == 0.2 and plan.planning_time_ms == 0.149


def _node(node_type: str, total: float, loops: int = 1, **extra: Any) -> dict[str, Any]:
    return {
        "Node Type": node_type,
        "Actual Total Time": total,
        "Actual Loops": loops,
        "Actual Rows": 1,
        "Plan Rows": 1,
        **extra,
    }


def test_initplan_under_result_is_subtracted_once() -> None:
    """PEV2: a Result evaluates its InitPlans itself, so they are subtracted there (and nowhere else)."""
    data = {
        "Plan": _node(
            "Result",
            1.0,
            **{
                "One-Time Filter": "($0 > 0)",
                "Plans": [
                    _node(
                        "Seq Scan",
                        0.7,
                        **{"Parent Relationship": "InitPlan", "Subplan Name": "InitPlan 1 (returns $0)"},
                    )
                ],
            },
        ),
        "Execution Time": 1.0,
    }
    root, init = nodes(parse_postgres_plan(data))
    assert root.time_exclusive_ms == pytest.approx(0.3)  # 1.0 − 0.7, not 1.0 − 0.7 − 0.7
    assert init.time_exclusive_ms == pytest.approx(0.7)


def test_initplan_pg16_naming_and_deepest_consumer() -> None:
    """PG16+ names InitPlans "InitPlan 1" and references them as (InitPlan 1).col1; the time goes off
    the deepest node that references it, not off ancestors that only pass the value through."""
    scan = _node("Seq Scan", 2.0, Filter="(a = (InitPlan 1).col1)")
    init = _node("Aggregate", 0.5, **{"Parent Relationship": "InitPlan", "Subplan Name": "InitPlan 1"})
    sort = _node(
        "Sort", 3.0, Output=["(InitPlan 1).col1"], Plans=[init, {**scan, "Parent Relationship": "Outer"}]
    )
    plan = parse_postgres_plan([{"Plan": sort, "Execution Time": 3.1}])
    sort_n, init_n, scan_n = nodes(plan)
    assert sort_n.time_exclusive_ms == pytest.approx(1.0)  # 3.0 − 2.0 (the InitPlan child is not subtracted)
    assert scan_n.time_exclusive_ms == pytest.approx(1.5)  # 2.0 − 0.5
    assert sum(n.time_exclusive_ms or 0 for n in (sort_n, init_n, scan_n)) == pytest.approx(3.0)


def test_initplan_without_printed_reference_falls_back_to_parent() -> None:
    init = _node(
        "Aggregate", 0.4, **{"Parent Relationship": "InitPlan", "Subplan Name": "InitPlan 1 (returns $0)"}
    )
    plan = parse_postgres_plan({"Plan": _node("Index Scan", 1.0, Plans=[init])})
    root, _ = nodes(plan)
    assert root.time_exclusive_ms == pytest.approx(0.6)


def test_initplan_reference_does_not_match_longer_numbers() -> None:
    init = _node(
        "Result", 0.4, **{"Parent Relationship": "InitPlan", "Subplan Name": "InitPlan 1 (returns $1)"}
    )
    other = _node("Seq Scan", 1.0, Filter="(a = $10)", **{"Parent Relationship": "Outer"})
    plan = parse_postgres_plan({"Plan": _node("Nested Loop", 2.0, Plans=[init, other])})
    loop, _, scan = nodes(plan)
    assert scan.time_exclusive_ms == pytest.approx(1.0)  # $10 is not $1
    assert loop.time_exclusive_ms == pytest.approx(2.0 - 1.0 - 0.4)  # fallback: the parent


def test_subplan_loops_are_subtracted_from_parent() -> None:
    sub = _node("Index Scan", 0.01, 200, **{"Parent Relationship": "SubPlan", "Subplan Name": "SubPlan 1"})
    plan = parse_postgres_plan({"Plan": _node("Seq Scan", 5.0, Plans=[sub])})
    root, sub_n = nodes(plan)
    assert sub_n.time_inclusive_ms == pytest.approx(2.0)  # 0.01 × 200
    assert root.time_exclusive_ms == pytest.approx(3.0)


def test_initplan_and_subplan_under_gather_are_not_divided() -> None:
    sub = _node("Result", 0.01, 30, **{"Parent Relationship": "SubPlan", "Subplan Name": "SubPlan 1"})
    scan = _node(
        "Seq Scan", 4.0, 3, **{"Parallel Aware": True, "Parent Relationship": "Outer", "Plans": [sub]}
    )
    gather = _node("Gather", 5.0, **{"Workers Planned": 4, "Workers Launched": 2, "Plans": [scan]})
    plan = parse_postgres_plan({"Plan": gather})
    g, s, sp = nodes(plan)
    assert s.time_inclusive_ms == pytest.approx(4.0 * 3 / 3)
    assert sp.time_inclusive_ms == pytest.approx(0.01 * 30)  # SubPlans start over: no division
    assert s.time_exclusive_ms == pytest.approx(4.0 - 0.3)
    assert (g.workers_planned, g.workers_launched) == (4, 2)


def test_workers_launched_zero_means_leader_only() -> None:
    scan = _node("Seq Scan", 4.0, 1, **{"Parallel Aware": True, "Parent Relationship": "Outer"})
    gather = _node("Gather", 5.0, **{"Workers Planned": 2, "Workers Launched": 0, "Plans": [scan]})
    _, s = nodes(parse_postgres_plan({"Plan": gather}))
    assert s.time_inclusive_ms == pytest.approx(4.0)


def test_cte_time_split_between_two_scans() -> None:
    cte = _node("Seq Scan", 3.0, **{"Parent Relationship": "InitPlan", "Subplan Name": "CTE c"})
    a = _node("CTE Scan", 3.0, **{"CTE Name": "c", "Parent Relationship": "Outer"})
    b = _node("CTE Scan", 1.0, **{"CTE Name": "c", "Parent Relationship": "Inner"})
    plan = parse_postgres_plan(
        {"Plan": _node("Hash Join", 5.0, **{"Join Type": "Inner", "Plans": [cte, a, b]})}
    )
    join, cte_n, a_n, b_n = nodes(plan)
    assert cte_n.role == "CTE"
    assert join.time_exclusive_ms == pytest.approx(1.0)  # 5 − 3 − 1 (the CTE is not a child's time)
    assert a_n.time_exclusive_ms == pytest.approx(3.0 - 3.0 * 3 / 4)
    assert b_n.time_exclusive_ms == pytest.approx(1.0 - 3.0 * 1 / 4)
    assert sum(n.time_exclusive_ms or 0 for n in nodes(plan)) == pytest.approx(5.0)


def test_buffers_exclusive_skips_subplans_and_normalises_io_timing() -> None:
    sub = {
        "Node Type": "Result",
        "Parent Relationship": "SubPlan",
        "Subplan Name": "SubPlan 1",
        "Shared Hit Blocks": 40,
    }
    child = {
        "Node Type": "Seq Scan",
        "Parent Relationship": "Outer",
        "Shared Hit Blocks": 10,
        "Shared Read Blocks": 5,
        "Shared I/O Read Time": 1.5,
        "Local I/O Read Time": 0.25,
        "Temp I/O Write Time": 0.5,
    }
    root = {
        "Node Type": "Sort",
        "Shared Hit Blocks": 100,
        "Shared Read Blocks": 5,
        "Shared I/O Read Time": 2.0,
        "Local I/O Read Time": 0.25,
        "Temp I/O Write Time": 3.0,
        "Plans": [child, sub],
    }
    r, c, _ = nodes(parse_postgres_plan({"Plan": root}))
    assert r.buffers_exclusive["shared_hit"] == 90  # 100 − 10 (the SubPlan's 40 stay)
    assert r.buffers_exclusive["shared_read"] == 0
    # PG17 splits shared/local I/O time; io_read_ms is their sum in every version
    assert r.buffers["io_read_ms"] == pytest.approx(2.25) and c.buffers["io_read_ms"] == pytest.approx(1.75)
    assert r.buffers_exclusive["io_read_ms"] == pytest.approx(0.5)
    assert r.buffers_exclusive["temp_io_write_ms"] == pytest.approx(2.5)
    old = parse_postgres_plan(
        {"Plan": {"Node Type": "Seq Scan", "I/O Read Time": 7.5, "I/O Write Time": 0.5}}
    )
    assert old.root.buffers["io_read_ms"] == 7.5 and old.root.buffers["io_write_ms"] == 0.5


def test_rows_removed_totals_over_loops() -> None:
    node = {
        "Node Type": "Bitmap Heap Scan",
        "Actual Rows": 10,
        "Actual Loops": 4,
        "Plan Rows": 10,
        "Rows Removed by Filter": 3,
        "Rows Removed by Index Recheck": 7,
    }
    plan = parse_postgres_plan({"Plan": node})
    assert plan.root.rows_removed == (3 + 7) * 4
    assert plan.root.rows_actual_total == 40


def test_estimate_factor_edge_cases() -> None:
    def factor(actual: float, planned: float) -> tuple[float | None, str | None]:
        root = parse_postgres_plan(
            {
                "Plan": {
                    "Node Type": "Seq Scan",
                    "Actual Rows": actual,
                    "Actual Loops": 1,
                    "Plan Rows": planned,
                }
            }
        ).root
        return root.estimate_factor, root.estimate_direction

    assert factor(1000, 10) == (100.0, "under")
    assert factor(10, 1000) == (100.0, "over")
    assert factor(0, 5000) == (5000.0, "over")  # zero actual rows: taken as one row, finite
    assert factor(0, 0) == (1.0, None)
    assert factor(0.5, 1) == (2.0, "over")  # PG18 fractional per-loop rows


def test_timing_off_keeps_rows_without_times() -> None:
    plan = parse_postgres_plan(
        {
            "Plan": {"Node Type": "Seq Scan", "Actual Rows": 5, "Actual Loops": 2, "Plan Rows": 5},
            "Execution Time": 1.0,
        }
    )
    assert plan.analyzed
    assert (
        plan.root.time_inclusive_ms is None
        and plan.root.time_exclusive_ms is None
        and plan.root.time_share is None
    )
    assert plan.root.rows_actual_total == 10


def test_estimates_only_plan() -> None:
    plan = load("postgres-nested-loop.json")  # sanity: analyzed
    assert plan.analyzed
    data = json.loads((FIXTURES / "postgres-nested-loop.json").read_text())
    for node in (data[0]["Plan"], *data[0]["Plan"]["Plans"]):
        for key in [k for k in node if k.startswith("Actual")]:
            del node[key]
    del data[0]["Execution Time"]
    estimated = parse_postgres_plan(data)
    assert not estimated.analyzed
    assert all(n.time_inclusive_ms is None and n.estimate_factor is None for n in estimated.nodes())
    assert estimated.hottest() is estimated.root  # by exclusive cost: 23.58 vs 1.05 and 5.89


@pytest.mark.parametrize(
    ("raw", "name"),
    [
        (
            {"Node Type": "Aggregate", "Strategy": "Hashed", "Partial Mode": "Partial"},
            "Partial HashAggregate",
        ),
        (
            {"Node Type": "Aggregate", "Strategy": "Sorted", "Partial Mode": "Finalize"},
            "Finalize GroupAggregate",
        ),
        ({"Node Type": "Aggregate", "Strategy": "Mixed"}, "MixedAggregate"),
        ({"Node Type": "Aggregate", "Strategy": "Plain", "Partial Mode": "Simple"}, "Aggregate"),
        ({"Node Type": "Hash Join", "Join Type": "Left"}, "Hash Left Join"),
        ({"Node Type": "Hash Join", "Join Type": "Inner"}, "Hash Join"),
        ({"Node Type": "Hash Join", "Join Type": "Right Anti"}, "Hash Right Anti Join"),
        ({"Node Type": "Nested Loop", "Join Type": "Inner"}, "Nested Loop"),
        ({"Node Type": "Nested Loop", "Join Type": "Semi"}, "Nested Loop Semi Join"),
        ({"Node Type": "Merge Join", "Join Type": "Full"}, "Merge Full Join"),
        ({"Node Type": "ModifyTable", "Operation": "Delete"}, "Delete"),
        ({"Node Type": "Seq Scan", "Parallel Aware": True}, "Parallel Seq Scan"),
        ({"Node Type": "Index Only Scan", "Scan Direction": "Backward"}, "Index Only Scan Backward"),
        ({"Node Type": "Foreign Scan", "Async Capable": True}, "Async Foreign Scan"),
        ({"Node Type": "SetOp", "Strategy": "Hashed", "Command": "Except"}, "HashSetOp Except"),
        (
            {"Node Type": "Custom Scan", "Custom Plan Provider": "Citus Adaptive"},
            "Custom Scan (Citus Adaptive)",
        ),
    ],
)
def test_operation_names_as_pev2_builds_them(raw: dict[str, Any], name: str) -> None:
    assert operation_name(raw) == name


def test_delete_label_names_the_table() -> None:
    plan = parse_postgres_plan(
        {
            "Plan": {
                "Node Type": "ModifyTable",
                "Operation": "Delete",
                "Relation Name": "t",
                "Schema": "public",
            }
        }
    )
    assert plan.root.label == "Delete on public.t"


def test_header_jit_serialization_query_text() -> None:
    top = {
        "Query Text": "SELECT 1",
        "Plan": {
            "Node Type": "Result",
            "Actual Total Time": 0.5,
            "Actual Loops": 1,
            "Actual Rows": 1,
            "Plan Rows": 1,
        },
        "Planning": {"Shared Hit Blocks": 3, "Memory Used": 10, "Memory Allocated": 16},
        "Planning Time": 0.1,
        "Serialization": {"Time": 0.02, "Output Volume": 1, "Format": "text"},
        "JIT": {
            "Functions": 4,
            "Options": {"Inlining": False, "Optimization": False, "Expressions": True, "Deforming": True},
            "Timing": {"Generation": {"Deform": 0.1, "Total": 0.6}, "Inlining": 0.0, "Total": 2.5},
        },
        "Execution Time": 3.0,
        "Query Identifier": -123456789,
    }
    plan = parse_postgres_plan(top)
    assert plan.query == "SELECT 1"
    assert plan.jit == {
        "functions": 4,
        "options": {"Inlining": False, "Optimization": False, "Expressions": True, "Deforming": True},
        "timing": {"Generation": 0.6, "Inlining": 0.0, "Total": 2.5},
        "total_ms": 2.5,
    }
    assert plan.header["Serialization"]["Format"] == "text"
    assert plan.header["Query Identifier"] == -123456789
    assert plan.root.time_share == pytest.approx(0.5 / 3.0)


def test_several_statements_keep_the_first_with_a_warning() -> None:
    one = {"Plan": {"Node Type": "Result"}}
    two = {"Plan": {"Node Type": "Seq Scan"}}
    plan = parse_postgres_plan([one, two])
    assert plan.root.operation == "Result"
    assert "2 plans" in plan.warnings[0]
