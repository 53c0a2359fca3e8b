"""The plan diff: nodes matched by position, operation and relation; cost and row deltas."""

from __future__ import annotations

from tests.unit.test_advisor_support import pg_plan, scan
from tui.advisor.plan_diff import diff_plans, diff_rows, render_plan_diff_markdown, render_plan_diff_text


def _before():  # type: ignore[no-untyped-def]
    seq = scan(
        Filter="(customer_id = 42)", **{"Total Cost": 4137.0, "Plan Rows": 9, "Parent Relationship": "Outer"}
    )
    sort = {
        "Node Type": "Sort",
        "Total Cost": 4137.2,
        "Plan Rows": 9,
        "Plan Width": 8,
        "Sort Key": ["created_at"],
        "Parent Relationship": "Outer",
        "Plans": [seq],
    }
    return pg_plan(
        {"Node Type": "Limit", "Total Cost": 4137.3, "Plan Rows": 9, "Plan Width": 8, "Plans": [sort]}
    )


def _after():  # type: ignore[no-untyped-def]
    ix = scan(
        "Index Scan",
        **{
            "Index Name": "<1>btree_orders_customer_id",
            "Total Cost": 8.45,
            "Plan Rows": 9,
            "Parent Relationship": "Outer",
        },
    )
    return pg_plan({"Node Type": "Limit", "Total Cost": 8.5, "Plan Rows": 9, "Plan Width": 8, "Plans": [ix]})


def test_diff_pairs_nodes_and_reports_deltas() -> None:
    diff = diff_plans(_before(), _after())
    assert diff.cost_before == 4137.3 and diff.cost_after == 8.5
    assert round(diff.cost_ratio or 0, 1) == 486.7  # 4,137.3 / 8.5
    assert diff.summary() == {"same": 0, "changed": 2, "added": 0, "removed": 1}
    limit, scan_change, removed = diff.nodes
    assert limit.status == "changed" and limit.cost_delta == 8.5 - 4137.3
    # The Seq Scan on shop.orders became an Index Scan on shop.orders one level up: paired by relation.
    assert scan_change.before is not None and scan_change.before.operation == "Seq Scan"
    assert scan_change.after is not None and scan_change.after.operation == "Index Scan"
    assert "operation Seq Scan → Index Scan" in scan_change.changes
    assert "index none → <1>btree_orders_customer_id" in scan_change.changes
    assert removed.status == "removed" and removed.before is not None and removed.before.operation == "Sort"


def test_identical_plans_have_no_changes() -> None:
    diff = diff_plans(_before(), _before())
    assert diff.changed() == [] and diff.summary()["same"] == 3


def test_renderings() -> None:
    diff = diff_plans(_before(), _after())
    text = render_plan_diff_text(diff)
    assert text.startswith("Estimated cost 4,137.30 → 8.50 (487× lower)")
    assert "Nodes: 2 changed, 0 added, 1 removed, 0 unchanged." in text
    rows = diff_rows(diff)
    assert rows[2][0] == "-" and rows[2][1].strip() == "Sort"
    md = render_plan_diff_markdown(diff)
    assert "| ~ | Limit | Limit | 4,137.30 → 8.50 | 9 → 9 |" in md
