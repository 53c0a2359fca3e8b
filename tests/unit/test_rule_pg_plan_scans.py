"""Plan rules about scans: pg.seq-scan-selective, pg.index-filter-removal, pg.heap-fetches,
pg.nested-loop-inner — one firing and one non-firing case each, numbers computed by hand."""

from __future__ import annotations

from pathlib import Path

from tests.unit.test_advisor_support import analyzed, col, facts, index, pg_plan, plan_ctx, scan, table
from tui.advisor.rules import pg_plan_heap_fetches, pg_plan_index_filter, pg_plan_nested_loop, pg_plan_seqscan
from tui.plans.postgres import parse_postgres_plan

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "plans"


def _orders(*indexes):  # type: ignore[no-untyped-def]
    return facts(
        table(
            "orders",
            [
                col("id"),
                col("customer_id", n_distinct=20_000),
                col("status", "text", n_distinct=2),
                col("total", "numeric"),
            ],
            indexes=list(indexes),
            rows=200_000,
        )
    )


def _seq_plan(removed: int, returned: int, total_ms: float = 24.0, execution_ms: float = 25.0):  # type: ignore[no-untyped-def]
    return pg_plan(
        scan(
            Filter="(customer_id = 42)", **analyzed(returned, total_ms, **{"Rows Removed by Filter": removed})
        ),
        execution_ms=execution_ms,
    )


def test_seq_scan_selective_fires_with_hand_computed_numbers_and_ddl() -> None:
    plan = _seq_plan(199_991, 9)
    [f] = pg_plan_seqscan.check(plan_ctx(plan, _orders()))
    assert f.rule == "pg.seq-scan-selective" and f.object == "shop.orders"
    assert f.evidence["rows_read"] == 200_000 and f.evidence["rows_returned"] == 9
    assert f.evidence["selectivity_pct"] == 0.0045  # 9 / 200,000 × 100
    assert f.evidence["time_share_pct"] == 96.0  # 24 ms of 25 ms
    assert f.severity == "critical"  # ≥ 99 % removed and ≥ 50 % of the time
    assert f.ddl == ["CREATE INDEX CONCURRENTLY orders_customer_id_idx ON shop.orders (customer_id);"]
    assert f.rollback == ["DROP INDEX CONCURRENTLY IF EXISTS shop.orders_customer_id_idx;"]
    assert "200,000 rows to return 9" in f.message


def test_seq_scan_selective_silent_when_filter_keeps_most_rows_or_table_is_small() -> None:
    assert pg_plan_seqscan.check(plan_ctx(_seq_plan(1_000, 9_000), _orders())) == []
    assert pg_plan_seqscan.check(plan_ctx(_seq_plan(499, 1), _orders())) == []  # 500 rows read < 1,000


def test_seq_scan_selective_names_an_existing_index_instead_of_duplicating_it() -> None:
    [f] = pg_plan_seqscan.check(
        plan_ctx(_seq_plan(199_991, 9), _orders(index("orders_cust_idx", "customer_id")))
    )
    assert f.ddl == []
    assert "orders_cust_idx already leads with (customer_id)" in f.recommendation


def test_seq_scan_without_facts_still_gives_runnable_ddl_with_a_caveat() -> None:
    [f] = pg_plan_seqscan.check(plan_ctx(_seq_plan(199_991, 9)))
    assert f.ddl == ["CREATE INDEX CONCURRENTLY orders_customer_id_idx ON shop.orders (customer_id);"]
    assert "existing indexes are unknown" in f.recommendation


def test_seq_scan_estimated_without_analyze_uses_the_table_size() -> None:
    plan = pg_plan(scan(Filter="(customer_id = 42)", **{"Plan Rows": 10, "Total Cost": 4137.0}))
    [f] = pg_plan_seqscan.check(plan_ctx(plan, _orders()))
    assert f.evidence["selectivity_pct"] == 0.005  # 10 / 200,000 × 100
    assert f.severity == "warning" and "(estimated)" in f.title


def _index_scan(removed: int, returned: int):  # type: ignore[no-untyped-def]
    node = scan(
        "Index Scan",
        **{
            "Index Name": "orders_status_idx",
            "Index Cond": "(status = 'open'::text)",
            "Filter": "(customer_id = 42)",
        },
        **analyzed(returned, 6.0, **{"Rows Removed by Filter": removed}),
    )
    return pg_plan(node, execution_ms=6.2)


def test_index_filter_removal_fires_and_orders_columns_by_selectivity() -> None:
    [f] = pg_plan_index_filter.check(
        plan_ctx(_index_scan(2_000, 0), _orders(index("orders_status_idx", "status")))
    )
    assert f.rule == "pg.index-filter-removal" and f.severity == "warning"
    assert f.evidence["rows_fetched"] == 2_000 and f.evidence["removed_pct"] == 100.0
    # customer_id (20,000 distinct) before status (2 distinct): most selective equality first.
    assert f.ddl == [
        "CREATE INDEX CONCURRENTLY orders_customer_id_status_idx ON shop.orders (customer_id, status);"
    ]


def test_index_filter_removal_silent_at_100_rows_or_less() -> None:
    assert pg_plan_index_filter.check(plan_ctx(_index_scan(100, 0), _orders())) == []


def test_heap_fetches_fire_with_ratio_and_vacuum() -> None:
    node = scan(
        "Index Only Scan", **{"Index Name": "orders_pkey", "Heap Fetches": 4_000}, **analyzed(5_000, 3.0)
    )
    [f] = pg_plan_heap_fetches.check(plan_ctx(pg_plan(node, execution_ms=3.1)))
    assert f.evidence["heap_fetch_pct"] == 80.0 and f.severity == "warning"
    assert f.ddl == ["VACUUM (ANALYZE) shop.orders;"]


def test_heap_fetches_silent_when_visibility_map_is_current() -> None:
    node = scan("Index Only Scan", **{"Index Name": "orders_pkey", "Heap Fetches": 0}, **analyzed(5_000, 3.0))
    assert pg_plan_heap_fetches.check(plan_ctx(pg_plan(node, execution_ms=3.1))) == []


def test_nested_loop_inner_fires_with_loops_time_share_and_join_key_index() -> None:
    outer = scan(relation="customers", **{"Parent Relationship": "Outer"}, **analyzed(2_000, 2.0))
    inner = scan(
        relation="orders",
        Alias="o",
        Filter="(o.customer_id = customers.id)",
        **{"Parent Relationship": "Inner"},
        **analyzed(1, 0.05, loops=2_000, **{"Rows Removed by Filter": 199_999}),
    )
    root = {
        "Node Type": "Nested Loop",
        "Join Type": "Inner",
        "Total Cost": 5e6,
        "Plan Rows": 10,
        "Plan Width": 8,
        "Plans": [outer, inner],
        **analyzed(2_000, 110.0),
    }
    plan = pg_plan(root, execution_ms=120.0)
    findings = pg_plan_nested_loop.check(plan_ctx(plan, _orders()))
    [f] = findings
    assert f.evidence["loops"] == 2_000
    assert f.evidence["inner_time_ms"] == 100.0  # 0.05 ms × 2,000 loops
    assert f.evidence["time_share_pct"] == 83.33  # 100 of 120 ms
    assert f.severity == "warning"
    assert f.ddl == ["CREATE INDEX CONCURRENTLY orders_customer_id_idx ON shop.orders (customer_id);"]


def test_nested_loop_with_few_loops_is_silent() -> None:
    plan = parse_postgres_plan((FIXTURES / "postgres-nested-loop.json").read_text())
    assert pg_plan_nested_loop.check(plan_ctx(plan)) == []  # 5 loops
