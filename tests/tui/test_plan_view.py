"""PlanView in a small host app, on the recorded PostgreSQL and MySQL plans (tests/fixtures/plans).

Numbers asserted here were computed by hand from the fixtures:
- postgres-sort-disk-spill.json: execution 26.219 ms; Sort total 25.116 ms, its Seq Scan 2.33 ms →
  Sort self time 22.786 ms = 86.9 % (orange, > 50 %), Seq Scan 8.9 %. Costs: Sort 7,949.76 total,
  Seq Scan 821.57 → Sort self cost 7,128.19 = 89.7 %, Seq Scan 10.3 % (yellow, > 10 %). Buffers:
  Sort exclusive 3 shared hit + 608 temp read + 666 temp written = 1,277 of 1,597 = 80.0 %.
- postgres-parallel-seq-scan.json: execution 5.863 ms; Gather 5.816 ms minus Partial Aggregate
  0.019 ms × 3 loops ÷ 3 processes = 5.797 ms = 98.9 % → the hottest node; Partial Aggregate and the
  Parallel Seq Scan run 3 loops, so their per-loop actual rows show as ~1 and ~167.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from textual.app import App, ComposeResult
from textual.widgets import Input, Static, TextArea

from tui.core.finding import Finding
from tui.core.plan import Plan
from tui.plans.detect import parse_plan
from tui.widgets.node_detail import NodeDetail
from tui.widgets.plan_tree import PlanTree
from tui.widgets.plan_view import PlanView

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "plans"


def load(name: str) -> Plan:
    return parse_plan((FIXTURES / name).read_text(encoding="utf-8"))


class PlanHost(App[None]):
    def __init__(self, plan: Plan | None = None, findings: list[Finding] | None = None) -> None:
        super().__init__()
        self._plan = plan
        self._findings = findings or []
        self.messages: list[Any] = []

    def compose(self) -> ComposeResult:
        yield PlanView(id="plan")

    def on_mount(self) -> None:
        view = self.query_one(PlanView)
        if self._plan is not None:
            view.show_plan(self._plan, self._findings)
        view.tree.focus()

    def on_plan_view_node_selected(self, message: PlanView.NodeSelected) -> None:
        self.messages.append(message)

    def on_plan_view_plan_opened(self, message: PlanView.PlanOpened) -> None:
        self.messages.append(message)

    def on_plan_view_open_failed(self, message: PlanView.OpenFailed) -> None:
        self.messages.append(message)


def row_line(tree: PlanTree, operation: str) -> str:
    """The rendered text of the visible row whose node has ``operation``."""
    for row, node in enumerate(tree.visible_nodes):
        if node.operation == operation:
            return tree._row_strip(tree._visible[row], False, tree.size.width).text
    raise AssertionError(f"{operation} not visible")


def segment_style(tree: PlanTree, operation: str, needle: str):
    for row, node in enumerate(tree.visible_nodes):
        if node.operation == operation:
            for segment in tree._row_strip(tree._visible[row], False, tree.size.width):
                if needle in segment.text:
                    return segment.style
    raise AssertionError(f"{needle!r} not on the {operation} row")


def detail(view: PlanView) -> dict[str, str]:
    return {label: value for _section, label, value in view.query_one(NodeDetail).rows}


async def test_jump_to_hottest_node_and_read_its_detail() -> None:
    app = PlanHost(load("postgres-parallel-seq-scan.json"))
    async with app.run_test(size=(160, 30)) as pilot:
        await pilot.pause()
        view = app.query_one(PlanView)
        assert view.selected_node is not None and view.selected_node.operation == "Finalize Aggregate"
        await pilot.press("h")
        await pilot.pause()
        node = view.selected_node
        assert node is not None and node.operation == "Gather"
        facts = detail(view)
        assert facts["time exclusive"] == "5.8 ms"
        assert facts["share of total time"] == "98.9 %"
        assert facts["workers launched"] == "2 of 2 planned"
        assert facts["Workers Launched"] == "2"  # engine field, verbatim
        line = row_line(view.tree, "Gather")
        assert "● Gather" in line and "98.9 %" in line and "█████████▉" in line  # 98.9 % of 10 cells
        assert segment_style(view.tree, "Gather", "98.9 %").color == view.tree._style("level-3").color
        assert "~1" in row_line(view.tree, "Partial Aggregate")
        assert "~167" in row_line(view.tree, "Parallel Seq Scan")
        selected = [m.node.operation for m in app.messages if isinstance(m, PlanView.NodeSelected)]
        assert selected[0] == "Finalize Aggregate" and selected[-1] == "Gather"
        rendered = str(view.query_one("#node-detail-body", Static).render())
        assert "98.9 %" in rendered and "Engine fields (verbatim)" in rendered


async def test_header_shows_planning_execution_and_settings() -> None:
    app = PlanHost(load("postgres-parallel-seq-scan.json"))
    async with app.run_test(size=(160, 30)) as pilot:
        await pilot.pause()
        header = str(app.query_one("#plan-header", Static).render())
        assert "PostgreSQL EXPLAIN ANALYZE" in header
        assert "planning 0.105 ms" in header and "execution 5.9 ms" in header
        assert "nodes 4" in header
        assert "parallel_setup_cost=0" in header


async def test_metric_switch_changes_the_bars() -> None:
    app = PlanHost(load("postgres-sort-disk-spill.json"))
    async with app.run_test(size=(160, 30)) as pilot:
        await pilot.pause()
        view = app.query_one(PlanView)
        tree = view.tree
        assert view.metric == "time"
        sort = row_line(tree, "Sort")
        assert "22.8 ms" in sort and "86.9 %" in sort
        assert "8.9 %" in row_line(tree, "Seq Scan")
        assert segment_style(tree, "Sort", "86.9 %").color == tree._style("level-2").color
        await pilot.press("m")
        assert view.metric == "rows"
        assert "██████████" in row_line(tree, "Sort")  # 50,000 of the largest 50,000 rows
        await pilot.press("m")
        assert view.metric == "cost"
        assert "89.7 %" in row_line(tree, "Sort")
        seq = row_line(tree, "Seq Scan")
        assert "821.57" in seq or "821.6" in seq
        assert "10.3 %" in seq
        assert segment_style(tree, "Seq Scan", "10.3 %").color == tree._style("level-1").color
        await pilot.press("m")
        assert view.metric == "buffers"
        sort = row_line(tree, "Sort")
        assert "1,277" in sort and "80.0 %" in sort
        await pilot.press("m")
        assert view.metric == "estimate"
        await pilot.press("m")
        assert view.metric == "time"


async def test_each_new_plan_gets_its_own_default_metric_until_the_user_picks_one() -> None:
    """EXPLAIN (costs only) then EXPLAIN ANALYZE: the second shows time, as a DBA pressing `E` expects;
    a metric picked with `m` stays for later plans that have its data."""
    estimated = parse_plan(
        '[{"Plan": {"Node Type": "Seq Scan", "Relation Name": "t", "Alias": "t", "Startup Cost": 0.0,'
        ' "Total Cost": 35.5, "Plan Rows": 2550, "Plan Width": 4}}]'
    )
    app = PlanHost(estimated)
    async with app.run_test(size=(160, 30)) as pilot:
        await pilot.pause()
        view = app.query_one(PlanView)
        assert view.metric == "cost"
        view.show_plan(load("postgres-sort-disk-spill.json"), [])
        await pilot.pause()
        assert view.metric == "time"
        await pilot.press("m")
        assert view.metric == "rows"
        view.show_plan(load("postgres-parallel-seq-scan.json"), [])
        await pilot.pause()
        assert view.metric == "rows"


async def test_raw_view_toggles() -> None:
    plan = load("postgres-sort-disk-spill.json")
    app = PlanHost(plan)
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        view = app.query_one(PlanView)
        await pilot.press("v")
        await pilot.pause()
        assert view.raw_visible
        raw = view.query_one("#plan-raw", TextArea)
        assert raw.display and raw.has_focus
        assert json.loads(raw.text) == plan.raw
        assert not view.query_one("#plan-body").display
        await pilot.press("v")
        await pilot.pause()
        assert not view.raw_visible and view.tree.has_focus


async def test_open_file_errors_are_shown(tmp_path: Path) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text('{"Plan": {"Node Type": ', encoding="utf-8")
    app = PlanHost(load("postgres-sort-disk-spill.json"))
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        view = app.query_one(PlanView)
        await pilot.press("o")
        await pilot.pause()
        prompt = view.query_one("#plan-open-input", Input)
        assert prompt.has_focus
        prompt.value = str(broken)
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        error = str(view.query_one("#plan-open-error", Static).render())
        assert error.startswith("Not a plan:")
        failed = [m for m in app.messages if isinstance(m, PlanView.OpenFailed)]
        assert failed and failed[-1].path == broken and failed[-1].error == error
        assert view.plan is not None and view.plan.root.operation == "Sort"  # the old plan stays
        prompt.value = str(tmp_path / "missing.json")
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        error = str(view.query_one("#plan-open-error", Static).render())
        assert "missing.json does not exist" in error
        await pilot.press("escape")
        await pilot.pause()
        assert not view.has_class("-opening") and view.tree.has_focus


async def test_open_file_shows_the_plan() -> None:
    app = PlanHost()
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        view = app.query_one(PlanView)
        assert view.plan is None
        assert "No plan yet" in str(view.query_one("#plan-header", Static).render())
        await pilot.press("o")
        view.query_one("#plan-open-input", Input).value = str(FIXTURES / "postgres-nested-loop.json")
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        opened = [m for m in app.messages if isinstance(m, PlanView.PlanOpened)]
        assert len(opened) == 1 and opened[0].plan is view.plan
        assert view.plan is not None and view.plan.root.operation == "Nested Loop"
        assert [n.operation for n in view.tree.visible_nodes] == ["Nested Loop", "Seq Scan", "Index Scan"]
        assert not view.has_class("-opening")


async def test_folding_keys() -> None:
    app = PlanHost(load("postgres-parallel-seq-scan.json"))
    async with app.run_test(size=(160, 30)) as pilot:
        await pilot.pause()
        view = app.query_one(PlanView)
        ops = lambda: [n.operation for n in view.tree.visible_nodes]  # noqa: E731
        full = ["Finalize Aggregate", "Gather", "Partial Aggregate", "Parallel Seq Scan"]
        assert ops() == full
        await pilot.press("minus")
        assert ops() == ["Finalize Aggregate", "Gather"]
        await pilot.press("plus")
        assert ops() == full
        await pilot.press("down", "left")  # on Gather: fold it
        assert ops() == ["Finalize Aggregate", "Gather"]
        await pilot.press("right")  # unfold
        assert ops() == full
        await pilot.press("right")  # move into the first child
        assert view.selected_node is not None and view.selected_node.operation == "Partial Aggregate"
        await pilot.press("left")  # Partial Aggregate is open: fold it
        assert ops() == ["Finalize Aggregate", "Gather", "Partial Aggregate"]
        await pilot.press("left")  # already folded: go to the parent
        assert view.selected_node is not None and view.selected_node.operation == "Gather"
        await pilot.press("minus")
        view.select_node(view.plan.root.children[0].children[0].children[0])  # type: ignore[union-attr]
        assert ops() == full and view.selected_node.operation == "Parallel Seq Scan"


async def test_findings_mark_their_nodes() -> None:
    plan = load("postgres-sort-disk-spill.json")
    sort = plan.root
    finding = Finding(
        rule="pg.sort-spill",
        severity="critical",
        object="public.items",
        title="Sort spilled to disk",
        message="The sort wrote 666 temp blocks.",
        node_id=sort.node_id,
    )
    app = PlanHost(plan)
    async with app.run_test(size=(160, 30)) as pilot:
        await pilot.pause()
        view = app.query_one(PlanView)
        assert " !" not in row_line(view.tree, "Sort")
        view.set_findings([finding])
        await pilot.pause()
        assert " !" in row_line(view.tree, "Sort")
        assert " !" not in row_line(view.tree, "Seq Scan")
        assert detail(view)["critical"] == "Sort spilled to disk"


async def test_mysql_access_types_are_coloured() -> None:
    app = PlanHost(load("mysql-v1-semijoin-nested-loop.json"))
    async with app.run_test(size=(160, 30)) as pilot:
        await pilot.pause()
        tree = app.query_one(PlanView).tree
        assert tree.metric == "cost"  # not analyzed: cost is the default metric
        line = row_line(tree, "Full table scan")
        assert "[ALL]" in line
        assert segment_style(tree, "Full table scan", "[ALL]").color == tree._style("level-3").color


def test_snapshot_plan_view(snap_compare) -> None:
    async def run_before(pilot) -> None:
        await pilot.press("h")
        await pilot.pause()

    assert snap_compare(
        PlanHost(load("postgres-parallel-seq-scan.json")), terminal_size=(150, 24), run_before=run_before
    )
