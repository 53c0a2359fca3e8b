"""Plan rules about estimates, memory and overheads: pg.misestimate, pg.sort-spill, pg.hash-spill,
pg.temp-blocks-written, pg.lossy-bitmap, pg.workers-not-launched, pg.jit-overhead, pg.planning-time,
pg.large-result-no-limit, pg.cache-misses — one firing and one non-firing case each."""

from __future__ import annotations

from pathlib import Path

from tests.unit.test_advisor_support import analyzed, col, facts, pg_plan, plan_ctx, scan, table
from tui.advisor.rules import (
    pg_plan_buffers,
    pg_plan_large_result,
    pg_plan_lossy_bitmap,
    pg_plan_misestimate,
    pg_plan_overheads,
    pg_plan_spill,
    pg_plan_workers,
)
from tui.advisor.rules.pg_plan_top_n_sort import top_n_sorts
from tui.plans.postgres import parse_postgres_plan

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "plans"


def fixture(name: str):  # type: ignore[no-untyped-def]
    return parse_postgres_plan((FIXTURES / name).read_text())


def _facts():  # type: ignore[no-untyped-def]
    return facts(table("orders", [col("a"), col("b"), col("c", "text")]))


# -- misestimate ------------------------------------------------------------------------------------


def test_misestimate_multi_column_filter_gets_extended_statistics() -> None:
    node = scan(Filter="((a = 1) AND (b = 2))", **{"Plan Rows": 10}, **analyzed(5_000, 4.0))
    [f] = pg_plan_misestimate.check(plan_ctx(pg_plan(node, execution_ms=5.0), _facts()))
    assert f.rule == "pg.misestimate" and f.severity == "warning"  # 500× is ≥ 100×, < 1000×
    assert f.evidence["estimate_factor"] == 500.0
    assert f.ddl == [
        "CREATE STATISTICS IF NOT EXISTS shop.orders_a_b_stats (dependencies, ndistinct) ON a, b FROM shop.orders;",
        "ANALYZE shop.orders;",
    ]
    assert f.rollback[0] == "DROP STATISTICS IF EXISTS shop.orders_a_b_stats;"


def test_misestimate_single_column_raises_statistics_target_and_is_critical_at_1000x() -> None:
    node = scan(Filter="(c = 'x'::text)", **{"Plan Rows": 1}, **analyzed(2_000, 4.0))
    [f] = pg_plan_misestimate.check(plan_ctx(pg_plan(node, execution_ms=5.0), _facts()))
    assert f.severity == "critical" and f.evidence["estimate_factor"] == 2_000.0
    assert f.ddl == ["ALTER TABLE shop.orders ALTER COLUMN c SET STATISTICS 1000;", "ANALYZE shop.orders;"]
    assert f.rollback[0] == "ALTER TABLE shop.orders ALTER COLUMN c SET STATISTICS -1;"


def test_misestimate_reports_the_source_node_not_its_parents() -> None:
    child = scan(
        Filter="(a = 1)", **{"Plan Rows": 10, "Parent Relationship": "Outer"}, **analyzed(5_000, 4.0)
    )
    parent = {
        "Node Type": "Sort",
        "Total Cost": 200.0,
        "Plan Rows": 10,
        "Plan Width": 8,
        "Sort Key": ["a"],
        "Plans": [child],
        **analyzed(5_000, 6.0),
    }
    findings = pg_plan_misestimate.check(plan_ctx(pg_plan(parent, execution_ms=7.0), _facts()))
    assert [f.node_id for f in findings] == [1]


def test_misestimate_below_10x_or_on_tiny_counts_is_silent() -> None:
    within = scan(Filter="(a = 1)", **{"Plan Rows": 1_000}, **analyzed(5_000, 4.0))  # 5×
    tiny = scan(Filter="(a = 1)", **{"Plan Rows": 1}, **analyzed(50, 4.0))  # 50×, but 50 rows
    assert pg_plan_misestimate.check(plan_ctx(pg_plan(within, execution_ms=5.0))) == []
    assert pg_plan_misestimate.check(plan_ctx(pg_plan(tiny, execution_ms=5.0))) == []


# -- spills -----------------------------------------------------------------------------------------


def test_sort_spill_fixture_sizes_work_mem_from_the_spill() -> None:
    [f] = pg_plan_spill.check_spills(plan_ctx(fixture("postgres-sort-disk-spill.json")))
    assert f.rule == "pg.sort-spill"
    assert f.evidence["sort_space_used_kb"] == 1_648
    assert f.evidence["work_mem_needed_kb"] == 3_296  # 1,648 kB × 2
    assert f.evidence["work_mem_recommended_kb"] == 4_096  # next power of two
    assert f.ddl == ["SET work_mem = '4MB';"] and f.rollback == ["RESET work_mem;"]
    assert "1,648 kB on disk × 2" in f.recommendation and "= 3,296 kB" in f.recommendation


def test_sort_spill_goes_above_the_current_work_mem() -> None:
    node = {
        "Node Type": "Sort",
        "Total Cost": 10.0,
        "Plan Rows": 1,
        "Plan Width": 8,
        "Sort Key": ["a"],
        "Sort Method": "external merge",
        "Sort Space Used": 1648,
        "Sort Space Type": "Disk",
        **analyzed(1, 5.0),
    }
    plan = pg_plan(node, execution_ms=6.0, Settings={"work_mem": "4MB"})
    [f] = pg_plan_spill.check_spills(plan_ctx(plan))
    assert f.evidence["work_mem_current_kb"] == 4_096 and f.ddl == ["SET work_mem = '8MB';"]


def test_in_memory_sort_is_silent() -> None:
    node = {
        "Node Type": "Sort",
        "Total Cost": 10.0,
        "Plan Rows": 1,
        "Plan Width": 8,
        "Sort Key": ["a"],
        "Sort Method": "quicksort",
        "Sort Space Used": 25,
        "Sort Space Type": "Memory",
        **analyzed(1, 5.0),
    }
    assert pg_plan_spill.check_spills(plan_ctx(pg_plan(node, execution_ms=6.0))) == []


def test_hash_batches_size_work_mem_with_hash_mem_multiplier() -> None:
    node = {
        "Node Type": "Hash",
        "Total Cost": 10.0,
        "Plan Rows": 1,
        "Plan Width": 8,
        "Hash Buckets": 65536,
        "Original Hash Buckets": 65536,
        "Hash Batches": 4,
        "Original Hash Batches": 1,
        "Peak Memory Usage": 3000,
        **analyzed(100_000, 40.0),
    }
    [f] = pg_plan_spill.check_spills(plan_ctx(pg_plan(node, execution_ms=50.0)))
    assert f.rule == "pg.hash-spill"
    assert f.evidence["hash_memory_needed_kb"] == 12_000  # 3,000 kB × 4 batches
    assert f.evidence["work_mem_recommended_kb"] == 8_192  # 12,000 ÷ 2.0 = 6,000 → 8 MB
    assert f.ddl == ["SET work_mem = '8MB';"]


def test_hash_aggregate_disk_usage_fires_and_single_batch_hash_is_silent() -> None:
    agg = {
        "Node Type": "Aggregate",
        "Strategy": "Hashed",
        "Total Cost": 10.0,
        "Plan Rows": 1,
        "Plan Width": 8,
        "HashAgg Batches": 5,
        "Peak Memory Usage": 4145,
        "Disk Usage": 12000,
        **analyzed(10, 40.0),
    }
    [f] = pg_plan_spill.check_spills(plan_ctx(pg_plan(agg, execution_ms=50.0)))
    assert f.evidence["hash_memory_needed_kb"] == 16_145 and f.ddl == ["SET work_mem = '8MB';"]
    one = {
        "Node Type": "Hash",
        "Total Cost": 10.0,
        "Plan Rows": 1,
        "Plan Width": 8,
        "Hash Batches": 1,
        "Original Hash Batches": 1,
        "Peak Memory Usage": 3000,
        **analyzed(100, 1.0),
    }
    assert pg_plan_spill.check_spills(plan_ctx(pg_plan(one, execution_ms=2.0))) == []


def test_temp_blocks_written_outside_a_sort_or_hash() -> None:
    node = {
        "Node Type": "Materialize",
        "Total Cost": 10.0,
        "Plan Rows": 1,
        "Plan Width": 8,
        "Temp Written Blocks": 100,
        "Temp Read Blocks": 100,
        **analyzed(10, 4.0),
    }
    [f] = pg_plan_spill.check_temp(plan_ctx(pg_plan(node, execution_ms=5.0)))
    assert f.evidence["temp_written_blocks"] == 100
    assert f.evidence["work_mem_recommended_kb"] == 2_048  # 100 × 8 kB × 2 = 1,600 kB → 2 MB


def test_temp_blocks_of_a_sort_spill_are_not_reported_twice() -> None:
    assert pg_plan_spill.check_temp(plan_ctx(fixture("postgres-sort-disk-spill.json"))) == []


# -- lossy bitmap -----------------------------------------------------------------------------------


def _bitmap(lossy: int):  # type: ignore[no-untyped-def]
    child = {
        "Node Type": "Bitmap Index Scan",
        "Index Name": "orders_a_idx",
        "Parent Relationship": "Outer",
        "Total Cost": 5.0,
        "Plan Rows": 1,
        "Plan Width": 0,
        "Index Cond": "(a < 100)",
        **analyzed(0, 1.0),
    }
    node = scan(
        "Bitmap Heap Scan",
        **{
            "Recheck Cond": "(a < 100)",
            "Rows Removed by Index Recheck": 50_000,
            "Exact Heap Blocks": 1000,
            "Lossy Heap Blocks": lossy,
            "Plans": [child],
        },
        **analyzed(90_000, 30.0),
    )
    return pg_plan(node, execution_ms=31.0)


def test_lossy_bitmap_sizes_work_mem_from_pages() -> None:
    [f] = pg_plan_lossy_bitmap.check(plan_ctx(_bitmap(9_000)))
    # (1,000 + 9,000) pages × 64 bytes × 2 = 1,280,000 bytes = 1,250 kB → 2,048 kB
    assert f.evidence["work_mem_recommended_kb"] == 2_048 and f.ddl == ["SET work_mem = '2MB';"]
    assert f.severity == "warning" and f.evidence["rows_removed_by_recheck"] == 50_000


def test_exact_bitmap_is_silent() -> None:
    assert pg_plan_lossy_bitmap.check(plan_ctx(_bitmap(0))) == []


# -- workers, JIT, planning -----------------------------------------------------------------------


def test_workers_not_launched() -> None:
    child = scan(
        "Seq Scan", **{"Parallel Aware": True, "Parent Relationship": "Outer"}, **analyzed(100, 10.0)
    )
    gather = {
        "Node Type": "Gather",
        "Total Cost": 10.0,
        "Plan Rows": 1,
        "Plan Width": 8,
        "Workers Planned": 2,
        "Workers Launched": 0,
        "Single Copy": False,
        "Plans": [child],
        **analyzed(100, 11.0),
    }
    [f] = pg_plan_workers.check(
        plan_ctx(pg_plan(gather, execution_ms=12.0, Settings={"max_parallel_workers": "0"}))
    )
    assert (
        f.severity == "warning" and f.evidence["workers_planned"] == 2 and f.evidence["workers_launched"] == 0
    )
    assert "max_parallel_workers = 0" in f.recommendation


def test_workers_all_launched_is_silent() -> None:
    assert pg_plan_workers.check(plan_ctx(fixture("postgres-parallel-seq-scan.json"))) == []


def _jit(total: float):  # type: ignore[no-untyped-def]
    jit = {
        "Functions": 10,
        "Options": {"Inlining": False, "Optimization": False, "Expressions": True, "Deforming": True},
        "Timing": {"Generation": 1.0, "Inlining": 0.0, "Optimization": 2.0, "Emission": 3.0, "Total": total},
    }
    return pg_plan(scan(**analyzed(10, 40.0)), execution_ms=100.0, JIT=jit)


def test_jit_overhead_fires_above_10_percent() -> None:
    [f] = pg_plan_overheads.check_jit(plan_ctx(_jit(50.0)))
    assert f.evidence["jit_share_pct"] == 50.0 and f.severity == "warning" and f.ddl == ["SET jit = off;"]


def test_jit_below_10_percent_is_silent() -> None:
    assert pg_plan_overheads.check_jit(plan_ctx(_jit(5.0))) == []


def test_planning_time_dominating() -> None:
    [f] = pg_plan_overheads.check_planning(
        plan_ctx(pg_plan(scan(**analyzed(1, 1.0)), execution_ms=2.0, planning_ms=10.0))
    )
    assert f.evidence["planning_factor"] == 5.0


def test_planning_under_one_millisecond_is_silent() -> None:
    # nested-loop fixture: planning 0.243 ms > execution 0.030 ms, but below the 1 ms floor
    assert pg_plan_overheads.check_planning(plan_ctx(fixture("postgres-nested-loop.json"))) == []


# -- large result, cache ----------------------------------------------------------------------------


def test_large_result_without_limit() -> None:
    [f] = pg_plan_large_result.check(plan_ctx(fixture("postgres-sort-disk-spill.json")))
    assert f.evidence["rows_returned"] == 50_000 and f.severity == "info"


def test_limited_or_small_results_are_silent() -> None:
    limit = {
        "Node Type": "Limit",
        "Total Cost": 1.0,
        "Plan Rows": 20_000,
        "Plan Width": 8,
        "Plans": [scan(**{"Parent Relationship": "Outer"}, **analyzed(20_000, 5.0))],
        **analyzed(20_000, 6.0),
    }
    assert pg_plan_large_result.check(plan_ctx(pg_plan(limit, execution_ms=7.0))) == []
    assert pg_plan_large_result.check(plan_ctx(fixture("postgres-nested-loop.json"))) == []


def test_cache_misses_fire_on_mostly_read_blocks() -> None:
    node = scan(**{"Shared Hit Blocks": 100, "Shared Read Blocks": 5_000}, **analyzed(10, 40.0))
    [f] = pg_plan_buffers.check(plan_ctx(pg_plan(node, execution_ms=41.0)))
    assert f.evidence["shared_read_blocks"] == 5_000
    assert f.evidence["hit_ratio_pct"] == 1.96  # 100 / 5,100
    assert f.severity == "warning"


def test_cached_plan_is_silent() -> None:
    assert pg_plan_buffers.check(plan_ctx(fixture("postgres-sort-disk-spill.json"))) == []


def test_overestimate_under_a_limit_is_not_a_misestimate() -> None:
    child = scan(**{"Plan Rows": 50_000, "Parent Relationship": "Outer"}, **analyzed(100, 0.5))
    limit = {
        "Node Type": "Limit",
        "Total Cost": 1.0,
        "Plan Rows": 100,
        "Plan Width": 8,
        "Plans": [child],
        **analyzed(100, 0.6),
    }
    assert pg_plan_misestimate.check(plan_ctx(pg_plan(limit, execution_ms=0.7))) == []
    # an underestimate below a Limit is still an error of the planner
    child["Plan Rows"], child["Actual Rows"] = 10, 5_000
    limit["Actual Rows"] = 5_000
    assert len(pg_plan_misestimate.check(plan_ctx(pg_plan(limit, execution_ms=0.7)))) == 1


def _estimated_sort(rows: int, width: int = 30, **above: object):  # type: ignore[no-untyped-def]
    sort = {
        "Node Type": "Sort",
        "Startup Cost": 59220.38,
        "Total Cost": 60060.57,
        "Plan Rows": rows,
        "Plan Width": width,
        "Sort Key": ["o.created_at DESC", "oi.product_id"],
        "Plans": [scan(**{"Parent Relationship": "Outer", "Plan Rows": rows, "Total Cost": 20328.35})],
    }
    return pg_plan(sort, **above)  # type: ignore[arg-type]


def test_estimated_sort_spill_uses_the_planners_own_byte_count() -> None:
    schema = _facts()
    schema.settings["work_mem"] = "4096"  # kB, as pg_settings gives it
    [f] = pg_plan_spill.check_spills(plan_ctx(_estimated_sort(336_075), schema))
    assert f.rule == "pg.sort-spill" and "(estimated)" in f.title
    # 336,075 rows × (MAXALIGN(30) = 32 + 24) bytes = 18,820,200 bytes = 18,379 kB > 4,096 kB
    assert f.evidence["sort_input_estimated_kb"] == 18_379
    assert f.evidence["work_mem_needed_kb"] == 36_758  # × 2
    assert f.evidence["work_mem_recommended_kb"] == 65_536 and f.ddl == ["SET work_mem = '64MB';"]
    assert f.rollback == ["RESET work_mem;"]
    # the sort's own cost (60,060.57 − 20,328.35) is 66.2 % of the plan's: a warning
    assert f.severity == "warning" and f.evidence["cost_share_pct"] == 66.15


def test_estimated_sort_within_work_mem_or_bounded_by_a_limit_is_silent() -> None:
    schema = _facts()
    schema.settings["work_mem"] = "4096"
    # 70,000 × 56 bytes = 3,828 kB ≤ 4,096 kB
    assert pg_plan_spill.check_spills(plan_ctx(_estimated_sort(70_000), schema)) == []
    assert pg_plan_spill.check_spills(plan_ctx(_estimated_sort(336_075))) == []  # work_mem unknown
    sort = {
        "Node Type": "Sort",
        "Parent Relationship": "Outer",
        "Startup Cost": 59220.38,
        "Total Cost": 60060.57,
        "Plan Rows": 336_075,
        "Plan Width": 30,
        "Sort Key": ["o.created_at DESC"],
        "Plans": [scan(**{"Parent Relationship": "Outer", "Plan Rows": 336_075})],
    }
    limit = {"Node Type": "Limit", "Startup Cost": 1.0, "Total Cost": 2.0, "Plan Rows": 20, "Plan Width": 30}
    limited = pg_plan({**limit, "Plans": [sort]})
    assert len(top_n_sorts(limited)) == 1
    assert pg_plan_spill.check_spills(plan_ctx(limited, schema)) == []  # a top-N heapsort is bounded
