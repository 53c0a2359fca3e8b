"""The plan tree in a narrow pane (an 80-column terminal gives it about 50 cells): number columns make
room for the labels before a label is cut (share, loops, estimate error, estimated and actual rows go
first, then the bar shrinks, then it goes; the metric's value stays), and a label that still does not
fit shortens its operation before "on object", whose full text the node detail shows.

Label widths asserted here are counted from the fixtures: postgres-parallel-seq-scan.json's widest
label is "      └── Parallel Seq Scan on joecap.t_items" (45 cells); postgres-sort-disk-spill.json's
is "└── Seq Scan on public.items" plus the root's "▾ ● Sort" (both under 28 cells)."""

from __future__ import annotations

from rich.cells import cell_len

from tests.tui.test_plan_view import PlanHost, load, row_line
from tui.core.finding import Finding
from tui.widgets.node_detail import NodeDetail
from tui.widgets.plan_tree import MIN_LABEL, NARROW_BAR_WIDTH, PlanTree
from tui.widgets.plan_view import PlanView

VARIED = (
    "postgres-parallel-seq-scan.json",  # depth 3, loops, the hottest node's ●
    "postgres-never-executed.json",  # " (never executed)"
    "mysql-v1-semijoin-nested-loop.json",  # MySQL access types " [ALL]"
    "mariadb-analyze-subquery.json",  # "using index"
    "mongodb-sharded-mixed-index.json",  # deep MongoDB stages
)


def drawn_widest(tree: PlanTree) -> int:
    return max(
        sum(cell_len(s.text) for s in tree._label_segments(i, node)) for i, node in enumerate(tree._pnodes)
    )


async def test_the_widest_label_is_counted_as_drawn() -> None:
    app = PlanHost()
    async with app.run_test(size=(120, 30)) as pilot:
        view = app.query_one(PlanView)
        for name in VARIED:
            plan = load(name)
            view.show_plan(plan)
            await pilot.pause()
            assert view.tree._label_need == drawn_widest(view.tree), name
            # A finding's " !" widens its node's label; the count follows set_findings.
            deepest = max(plan.nodes(), key=lambda n: cell_len(n.operation + (n.object or "")))
            before = view.tree._label_need
            view.set_findings(
                [Finding("r", "warning", deepest.object or "", "t", "m", node_id=deepest.node_id)]
            )
            await pilot.pause()
            assert view.tree._label_need == drawn_widest(view.tree) >= before, name


def labels(tree: PlanTree) -> list[str]:
    return [
        node.operation
        + (f" on {node.object}" if node.object else "")
        + (f" using {node.index}" if node.index else "")
        for node in tree.visible_nodes
    ]


async def test_columns_make_room_until_every_label_is_whole() -> None:
    plan = load("postgres-parallel-seq-scan.json")
    app = PlanHost(plan)
    async with app.run_test(size=(58, 24)) as pilot:
        await pilot.pause()
        tree = app.query_one(PlanView).tree
        assert tree._label_need == 45
        # 58 cells: only the value column leaves 47 for the labels.
        assert tree.column_keys == ["value"]
        for node, label in zip(tree.visible_nodes, labels(tree), strict=True):
            line = row_line(tree, node.operation)
            assert label in line and "…" not in line, line

        await pilot.resize_terminal(64, 24)
        await pilot.pause()
        # 64 cells: a 5-cell bar fits beside the value with every label whole.
        assert tree.column_keys == ["value", "bar"]
        assert [c.width for c in tree._columns if c.key == "bar"] == [NARROW_BAR_WIDTH]
        assert "█████" in row_line(tree, "Gather")  # 98.9 % of 5 cells
        for node, label in zip(tree.visible_nodes, labels(tree), strict=True):
            assert label in row_line(tree, node.operation)

        await pilot.resize_terminal(150, 24)
        await pilot.pause()
        # Wide: everything but the share column, which alone would have cut the widest label.
        assert tree.column_keys == ["estimated", "actual", "loops", "error", "value", "bar"]
        assert "█████████▉" in row_line(tree, "Gather")
        await pilot.resize_terminal(180, 24)
        await pilot.pause()
        assert tree.column_keys == ["estimated", "actual", "loops", "error", "value", "bar", "share"]


async def test_short_labels_keep_every_column() -> None:
    app = PlanHost(load("postgres-sort-disk-spill.json"))
    async with app.run_test(size=(150, 24)) as pilot:
        await pilot.pause()
        tree = app.query_one(PlanView).tree
        assert tree._label_need <= MIN_LABEL
        assert tree.column_keys == ["estimated", "actual", "loops", "error", "value", "bar", "share"]


async def test_a_label_that_cannot_fit_shortens_its_operation_not_its_object() -> None:
    plan = load("postgres-parallel-seq-scan.json")
    app = PlanHost(plan)
    async with app.run_test(size=(50, 24)) as pilot:
        await pilot.pause()
        view = app.query_one(PlanView)
        tree = view.tree
        assert tree.column_keys == ["value"] and tree._label_width == 39
        line = row_line(tree, "Parallel Seq Scan")
        # 45 cells in 39: the operation gives up 6 cells ("Parallel S…"), the object stays whole.
        assert line.startswith("      └── Parallel S… on joecap.t_items"), line
        # The node detail has the full text.
        scan = next(n for n in plan.nodes() if n.operation == "Parallel Seq Scan")
        view.select_node(scan)
        await pilot.pause()
        rows = {label: value for _s, label, value in view.query_one(NodeDetail).rows}
        assert rows["operation"] == "Parallel Seq Scan" and rows["object"] == "joecap.t_items"


async def test_node_detail_wraps_long_values_under_their_column() -> None:
    """A long filter wraps with a hanging indent; no line is wider than the pane (a wider one would
    be wrapped again by the widget, back at the left edge), with or without the scrollbar."""
    plan = load("postgres-nested-loop.json")
    app = PlanHost(plan)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        view = app.query_one(PlanView)
        detail = view.query_one(NodeDetail)
        for node in plan.nodes():
            detail.clear()
            await pilot.pause()
            assert detail.max_scroll_y == 0  # no scrollbar: the text is laid out at the full width
            detail.show_node(plan, node)
            await pilot.pause()
            assert detail.max_scroll_y > 0  # then the scrollbar appears
            body = detail.query_one("#node-detail-body")
            lines = str(body.render()).split("\n")
            width = detail.scrollable_content_region.width
            assert all(cell_len(line) <= width for line in lines), (node.operation, width)
