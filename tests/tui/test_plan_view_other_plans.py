"""PlanView: MongoDB's rejected and candidate plans are reachable with ``p`` — on an explain mongosh
printed (MongoDB documentation, one classic rejected plan beside an SBE winning plan) and on the
hand-written classic explain with a rejected plan and an allPlansExecution entry."""

from __future__ import annotations

from pathlib import Path

from textual.app import App, ComposeResult
from textual.widgets import Static

from tui.core.finding import Finding
from tui.core.plan import Plan
from tui.plans.detect import parse_plan
from tui.widgets.plan_view import PlanView

MONGO = Path(__file__).resolve().parents[1] / "fixtures" / "mongo"
PLANS = Path(__file__).resolve().parents[1] / "fixtures" / "plans"


def load(path: Path) -> Plan:
    return parse_plan(path.read_text(encoding="utf-8"))


class Host(App[None]):
    def __init__(self, plan: Plan, findings: list[Finding]) -> None:
        super().__init__()
        self._plan, self._findings = plan, findings

    def compose(self) -> ComposeResult:
        yield PlanView(id="plan")

    def on_mount(self) -> None:
        view = self.query_one(PlanView)
        view.show_plan(self._plan, self._findings)
        view.tree.focus()


def header(app: App[None]) -> str:
    return str(app.query_one("#plan-header", Static).render())


async def test_p_cycles_rejected_and_candidate_plans_then_back() -> None:
    plan = load(MONGO / "synthetic" / "classic-sort-disk-rejected.json")
    finding = Finding("mongo.sort-spill", "critical", "shop.orders", "Sort spilled", "…", node_id=1)
    app = Host(plan, [finding])
    async with app.run_test(size=(140, 30)) as pilot:
        view = app.query_one(PlanView)
        assert "Other plans 1 rejected, 1 candidate (trial run) — p shows them in turn" in header(app)
        await pilot.press("p")
        shown = view.shown_plan
        assert shown is not plan and shown.header["variant"] == "rejected plan 1 of 1"
        assert view.tree.plan is shown and view.plan is plan
        assert [n.index for n in shown.root.walk()] == [None, None, "total_1"]  # the rejected IXSCAN
        assert "rejected plan 1 of 1: the planner did not choose it" in header(app)
        assert "Other plans" not in header(app)
        await pilot.press("p")
        assert view.shown_plan.header["variant"] == "candidate plan 1 of 1"
        assert view.shown_plan.root.rows_actual == 101  # partial statistics from the trial run
        await pilot.press("p")
        assert view.shown_plan is plan and view.tree.plan is plan
        assert "Other plans" in header(app)


async def test_recorded_mongosh_explain_with_a_rejected_plan() -> None:
    plan = load(MONGO / "docs" / "explain-sbe-group-queryplanner.mongosh")
    app = Host(plan, [])
    async with app.run_test(size=(140, 30)) as pilot:
        view = app.query_one(PlanView)
        assert "Other plans 1 rejected — p shows them in turn" in header(app)
        await pilot.press("p")
        shown = view.shown_plan
        assert shown.header["variant"] == "rejected plan 1 of 1"
        # SBE won with imdb.rating_1_year_1 under a GROUP; the classic plan on imdb.rating_1_rated_1 lost
        assert [n.index for n in plan.root.walk() if n.operation == "IXSCAN"] == ["imdb.rating_1_year_1"]
        assert [(n.operation, n.index) for n in shown.root.walk()] == [
            ("PROJECTION_DEFAULT", None),
            ("FETCH", None),
            ("IXSCAN", "imdb.rating_1_rated_1"),
        ]


async def test_plans_without_alternatives_say_so() -> None:
    plan = load(PLANS / "mongodb-ixscan-fetch.json")
    app = Host(plan, [])
    async with app.run_test(size=(140, 30)) as pilot:
        view = app.query_one(PlanView)
        assert "Other plans" not in header(app)
        await pilot.press("p")
        assert view.shown_plan is plan
