"""The plan view's thresholds and bar arithmetic (tui.widgets.plan_metrics), without a screen."""

from __future__ import annotations

from tui.core.plan import Plan, PlanNode
from tui.widgets.plan_metrics import (
    MetricScale,
    access_level,
    actual_is_approximate,
    bar_cells,
    estimate_text,
    factor_level,
    metric_fraction,
    rows_text,
    share_level,
)


def test_share_thresholds_are_strictly_greater() -> None:
    assert [share_level(v) for v in (None, 0.0, 0.10, 0.1001, 0.50, 0.5001, 0.90, 0.9001, 1.0)] == [
        0,
        0,
        0,
        1,
        1,
        2,
        2,
        3,
        3,
    ]


def test_factor_thresholds() -> None:
    assert [factor_level(v) for v in (None, 1.0, 10.0, 10.5, 100.0, 101.0, 1000.0, 1001.0)] == [
        0,
        0,
        0,
        1,
        1,
        2,
        2,
        3,
    ]


def test_access_types_as_workbench_colours_them() -> None:
    # Workbench Visual Explain: Full Table Scan and Full Index Scan red, Index Range Scan and subquery
    # lookups orange, Fulltext yellow, key lookups and Index Merge green, constants blue (cheap here).
    assert access_level("ALL") == access_level("index") == 3
    assert access_level("range") == access_level("unique_subquery") == access_level("index_subquery") == 2
    assert access_level("fulltext") == 1
    assert access_level("ref") == access_level("eq_ref") == access_level("ref_or_null") == -1
    assert access_level("index_merge") == access_level("const") == access_level("system") == -1
    assert access_level(None) == access_level("filter") == 0


def test_bars_have_eighth_cell_resolution() -> None:
    assert bar_cells(1.0, 10) == ("██████████", 10)
    assert bar_cells(0.5, 10) == ("█████     ", 5)
    assert bar_cells(0.0125, 10) == ("▏         ", 1)  # 1/8 of a cell
    assert bar_cells(0.0001, 10)[0].startswith("▏")  # tiny but not zero stays visible
    assert bar_cells(None, 4) == ("    ", 0)


def test_rows_and_estimates_text() -> None:
    node = PlanNode("Index Scan", rows_estimated=1, rows_actual=3, loops=5, estimate_factor=3.0)
    node.estimate_direction = "under"
    assert actual_is_approximate(node)
    assert rows_text(node.rows_actual, actual_is_approximate(node)) == "~3"
    assert estimate_text(node) == "3.0×↑"
    node.rows_actual = 2.5  # PostgreSQL 18 prints fractional per-loop rows: exact, no "~"
    assert not actual_is_approximate(node)
    assert rows_text(2.5) == "2.50"
    assert rows_text(1234567) == "1,234,567"
    node.estimate_factor = 1.0
    assert estimate_text(node) == ""


def test_fractions_per_metric() -> None:
    child = PlanNode("Seq Scan", cost=80.0, time_inclusive_ms=30.0, time_exclusive_ms=30.0)
    child.cost_exclusive = 80.0
    child.time_share = 0.3
    child.rows_actual_total = 500
    child.buffers_exclusive = {"shared_hit": 30, "shared_read": 10}
    child.estimate_factor = 100.0
    root = PlanNode("Sort", cost=100.0, time_inclusive_ms=100.0, time_exclusive_ms=70.0, children=[child])
    root.cost_exclusive = 20.0
    root.time_share = 0.7
    root.rows_actual_total = 1000
    root.buffers_exclusive = {"temp_read": 60}
    plan = Plan(
        engine="postgresql", format="postgresql-json", root=root, analyzed=True, execution_time_ms=100.0
    )
    scale = MetricScale.of(plan)
    assert metric_fraction(child, "time", scale, True) == 0.3
    assert metric_fraction(child, "cost", scale, True) == 0.8
    assert metric_fraction(child, "rows", scale, True) == 0.5
    assert metric_fraction(child, "buffers", scale, True) == 0.4  # 40 of 100 blocks
    assert abs(metric_fraction(child, "estimate", scale, True) - 2 / 3) < 1e-9  # log10(100) / 3
    assert metric_fraction(root, "estimate", scale, True) is None
