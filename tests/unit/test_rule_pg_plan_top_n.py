"""pg.top-n-sort-without-index on hand-built plans: Limit → [Gather Merge] → Sort → full scan, with the
numbers computed by hand (the shapes are those PostgreSQL 15 prints for the demo's dashboard query)."""

from __future__ import annotations

from typing import Any

from tests.unit.test_advisor_support import analyzed, col, facts, index, pg_plan, plan_ctx, scan, table
from tui.advisor.rules import pg_plan_top_n_sort
from tui.advisor.rules.pg_plan_top_n_sort import check, sort_columns, top_n_sorts
from tui.core.plan import Plan


def _orders(*indexes: Any, rows: int = 200_000):  # type: ignore[no-untyped-def]
    return facts(
        table(
            "orders",
            [col("id"), col("status", "text", n_distinct=3), col("created_at", "timestamptz")],
            indexes=[index("orders_status_created_at_idx", "status", "created_at"), *indexes],
            rows=rows,
        )
    )


def _sort(child: dict[str, Any], keys: list[str], **fields: Any) -> dict[str, Any]:
    return {
        "Node Type": "Sort",
        "Parent Relationship": "Outer",
        "Startup Cost": 6391.79,
        "Total Cost": 6600.13,
        "Plan Rows": 83333,
        "Plan Width": 39,
        "Sort Key": keys,
        "Plans": [child],
        **fields,
    }


def _limit(child: dict[str, Any], rows: int = 20, **fields: Any) -> dict[str, Any]:
    return {
        "Node Type": "Limit",
        "Startup Cost": 7391.82,
        "Total Cost": 7394.15,
        "Plan Rows": rows,
        "Plan Width": 39,
        "Plans": [child],
        **fields,
    }


def _analyzed_plan(
    *, rows: int = 200_000, limit: int = 20, keys: list[str] | None = None, **scan_fields: Any
) -> Plan:
    """Limit → Sort (top-N heapsort) → Seq Scan, 30 ms of a 32 ms execution in the sort and its scan."""
    seq = scan(
        "Seq Scan",
        **{"Parent Relationship": "Outer", "Plan Rows": rows, "Total Cost": 4174.33},
        **analyzed(rows, 12.0),
        **scan_fields,
    )
    sort = _sort(
        seq,
        keys or ["orders.created_at DESC"],
        **{"Sort Method": "top-N heapsort", "Sort Space Used": 27, "Sort Space Type": "Memory"},
        **analyzed(limit, 30.0),
    )
    return pg_plan(_limit(sort, limit, **analyzed(limit, 30.1)), execution_ms=32.0)


def test_fires_on_an_analyzed_top_n_heapsort_with_hand_computed_numbers() -> None:
    plan = _analyzed_plan()
    [f] = check(plan_ctx(plan, _orders()))
    assert f.rule == "pg.top-n-sort-without-index" and f.object == "shop.orders"
    assert f.evidence["rows_read"] == 200_000 and f.evidence["rows_returned"] == 20
    assert f.evidence["kept_pct"] == 0.01  # 20 / 200,000 × 100
    assert f.evidence["time_share_pct"] == 93.75  # 30 ms of 32 ms
    assert f.severity == "critical"  # ≥ 99 % thrown away and ≥ 50 % of the time
    assert f.ddl == ["CREATE INDEX CONCURRENTLY orders_created_at_idx ON shop.orders (created_at DESC);"]
    assert f.rollback == ["DROP INDEX CONCURRENTLY IF EXISTS shop.orders_created_at_idx;"]
    assert "read 200,000 rows" in f.message and "top-N heapsort" in f.message
    assert f.impact == 30.0  # the sort's inclusive time


def test_impact_is_weighted_by_calls() -> None:
    [f] = check(plan_ctx(_analyzed_plan(), _orders(), calls=1_000))
    assert f.impact == 30.0 * 1_000


def test_parallel_estimate_without_facts_uses_the_parallel_divisor() -> None:
    parallel = scan(
        "Seq Scan", **{"Parallel Aware": True, "Parent Relationship": "Outer", "Plan Rows": 83333}
    )
    gather = {
        "Node Type": "Gather Merge",
        "Parent Relationship": "Outer",
        "Startup Cost": 7391.82,
        "Total Cost": 30685.0,
        "Plan Rows": 199999,
        "Plan Width": 39,
        "Workers Planned": 2,
        "Plans": [_sort(parallel, ["created_at DESC"])],
    }
    plan = pg_plan(_limit(gather))
    [shape] = top_n_sorts(plan)
    assert shape.scan.operation == "Parallel Seq Scan"
    [f] = check(plan_ctx(plan))
    # 2 workers: divisor 2 + (1 − 0.3 × 2) = 2.4 → 83,333 × 2.4 rows
    assert f.evidence["rows_read"] == 83_333 * 2.4
    assert f.severity == "warning"  # not analyzed
    assert f.ddl == ["CREATE INDEX CONCURRENTLY orders_created_at_idx ON shop.orders (created_at DESC);"]
    assert "existing indexes are unknown" in f.recommendation
    # with facts the table's row count is used instead
    [g] = check(plan_ctx(plan, _orders()))
    assert g.evidence["rows_read"] == 200_000 and "(table statistics)" in g.message


def test_filter_equality_column_goes_first_then_the_sort_key() -> None:
    plan = _analyzed_plan(
        keys=["orders.created_at DESC NULLS LAST"],
        Filter="(orders.status = 'shipped'::text)",
        **{"Rows Removed by Filter": 0},
    )
    ctx = plan_ctx(plan, facts(table("orders", [col("status", "text"), col("created_at", "timestamptz")])))
    [f] = check(ctx)
    assert f.ddl == [
        "CREATE INDEX CONCURRENTLY orders_status_created_at_idx ON shop.orders (status, created_at DESC NULLS LAST);"
    ]
    assert "Equality → Sort → Range" in f.recommendation


def test_existing_index_in_either_direction_is_named_instead_of_duplicated() -> None:
    [f] = check(plan_ctx(_analyzed_plan(), _orders(index("orders_created_idx", "created_at"))))
    assert f.ddl == [] and "orders_created_idx" in f.recommendation
    # an index with NULLS LAST on DESC does not give DESC (NULLS FIRST) order either way
    odd = index(
        "orders_created_nl",
        "created_at",
        definition="CREATE INDEX orders_created_nl ON shop.orders USING btree (created_at DESC NULLS LAST)",
    )
    [g] = check(plan_ctx(_analyzed_plan(), _orders(odd)))
    assert g.ddl and "(created_at DESC)" in g.ddl[0]


def test_expression_sort_key_gets_no_ddl() -> None:
    [f] = check(plan_ctx(_analyzed_plan(keys=["(lower(orders.status))"]), _orders()))
    assert f.ddl == [] and "expression" in f.recommendation


def test_silent_on_small_tables_large_limits_and_other_shapes() -> None:
    assert check(plan_ctx(_analyzed_plan(rows=5_000), _orders(rows=5_000))) == []  # < 10,000 rows read
    assert check(plan_ctx(_analyzed_plan(limit=5_000), _orders())) == []  # 40× < 100×
    index_scan = scan("Index Scan", **{"Parent Relationship": "Outer", "Index Name": "orders_created_idx"})
    assert check(plan_ctx(pg_plan(_limit(index_scan)), _orders())) == []  # no sort at all
    join = {
        "Node Type": "Hash Join",
        "Parent Relationship": "Outer",
        "Startup Cost": 1.0,
        "Total Cost": 9000.0,
        "Plan Rows": 200000,
        "Plan Width": 8,
        "Plans": [scan(**{"Parent Relationship": "Outer", "Plan Rows": 200000}), scan(relation="items")],
    }
    assert check(plan_ctx(pg_plan(_limit(_sort(join, ["orders.created_at DESC"]))), _orders())) == []


def test_sort_columns_accept_only_plain_columns_of_the_scanned_relation() -> None:
    plan = _analyzed_plan(keys=['o."Created At" DESC', "o.id"], Alias="o")
    [shape] = top_n_sorts(plan)
    assert sort_columns(shape.sort, shape.scan) == [("Created At", True, None), ("id", False, None)]
    other = _analyzed_plan(keys=["c.created_at"], Alias="o")
    [shape] = top_n_sorts(other)
    assert sort_columns(shape.sort, shape.scan) is None
    assert pg_plan_top_n_sort.RULES[0].id == "pg.top-n-sort-without-index"
