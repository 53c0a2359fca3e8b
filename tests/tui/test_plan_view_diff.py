"""PlanDiffView: before/after plans side by side with changed nodes and cost/row deltas; the diff of a
Verification's plans; snapshot. Plans are PostgreSQL JSON written in the engine's shape."""

from __future__ import annotations

import json
from typing import Any

from textual.app import App, ComposeResult
from textual.widgets import Static

from tui.core.finding import Verification
from tui.core.plan import Plan
from tui.plans.detect import parse_plan
from tui.widgets.plan_diff_view import PlanDiffView, diff_from_verification


def plan(node: dict[str, Any]) -> Plan:
    return parse_plan(json.dumps([{"Plan": node, "Planning Time": 0.2}]))


def scan(kind: str, cost: float, rows: int, **extra: Any) -> dict[str, Any]:
    return {
        "Node Type": kind,
        "Relation Name": "orders",
        "Schema": "shop",
        "Alias": "orders",
        "Startup Cost": 0.0,
        "Total Cost": cost,
        "Plan Rows": rows,
        "Plan Width": 40,
        **extra,
    }


BEFORE = plan(
    {
        "Node Type": "Sort",
        "Startup Cost": 1800.0,
        "Total Cost": 1810.5,
        "Plan Rows": 120,
        "Plan Width": 40,
        "Sort Key": ["ts"],
        "Plans": [
            scan("Seq Scan", 1693.0, 120, **{"Parent Relationship": "Outer", "Filter": "(customer_id = 42)"})
        ],
    }
)
AFTER = plan(
    {
        "Node Type": "Sort",
        "Startup Cost": 20.1,
        "Total Cost": 20.4,
        "Plan Rows": 120,
        "Plan Width": 40,
        "Sort Key": ["ts"],
        "Plans": [
            scan(
                "Index Scan",
                19.8,
                120,
                **{
                    "Parent Relationship": "Outer",
                    "Index Name": "orders_customer_id_idx",
                    "Scan Direction": "Forward",
                },
            )
        ],
    }
)


class DiffHost(App[None]):
    def compose(self) -> ComposeResult:
        yield PlanDiffView(BEFORE, AFTER, id="diff")


def text_of(widget: Static) -> list[str]:
    return [strip.text.rstrip() for strip in widget.render_lines(widget.region.reset_offset)]


async def test_side_by_side_rows_and_deltas() -> None:
    app = DiffHost()
    async with app.run_test(size=(140, 20)) as pilot:
        await pilot.pause()
        view = app.query_one(PlanDiffView)
        # The advisor's diff counts a cost change as a change: both nodes are "changed".
        assert [c.status for c in view.diff.nodes] == ["changed", "changed"]
        headline = "\n".join(text_of(app.query_one("#diff-headline", Static)))
        # 1,810.5 / 20.4 = 88.75 → "89× lower"
        assert "Estimated cost 1,810.50 → 20.40 (89× lower)" in headline
        assert "2 changed (~), 0 added (+), 0 removed (-), 0 unchanged" in headline
        lines = text_of(app.query_one("#diff-table", Static))
        sort_line = next(line for line in lines if "Sort" in line)
        assert "1,810.50 → 20.40 (−1,790.10)" in sort_line
        assert sort_line.lstrip().startswith("~")
        changed = next(line for line in lines if "Seq Scan" in line)
        assert changed.lstrip().startswith("~")
        assert "Seq Scan on shop.orders" in changed and "Index Scan on shop.orders" in changed
        assert "1,693.00 → 19.80 (−1,673.20)" in changed
        assert "120 → 120" in changed
        below = "\n".join(lines[lines.index(changed) + 1 :])
        assert "operation Seq Scan → Index Scan" in below


def test_diff_from_verification() -> None:
    verification = Verification(
        method="hypopg", before=1810.5, after=20.4, detail={"plan_before": BEFORE, "plan_after": AFTER}
    )
    diff = diff_from_verification(verification)
    assert diff is not None and diff.cost_before == 1810.5 and diff.cost_after == 20.4
    assert diff_from_verification(Verification(method="hypopg", before=1.0, after=0.5)) is None
    assert diff_from_verification(None) is None


def test_snapshot_plan_diff(snap_compare) -> None:
    assert snap_compare(DiffHost(), terminal_size=(120, 12))
