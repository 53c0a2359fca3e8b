"""`?`/F1 on every pane, on a live PostgreSQL database, at 80×24 and 160×48: the help names the focused
pane, describes it, and lists the pane's own keys (each with its binding id, each key really bound to
that id), then the keys that work everywhere. Panes: schema tree, object detail, query editor, results
grid, plan tree, node detail, advisor panel, top statements, history and the plan diff. Also: a key
remapped from the config file shows as remapped, and an id from before the scope.action naming still
remaps its key and is named for renaming."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path

import pytest
from textual.widgets import DataTable

from tests.live import LiveServer
from tests.tui.app_support import SHOP_SQL, wait_until
from tui.app import DbscopeApp
from tui.config import Settings
from tui.core.connspec import parse_url
from tui.plans.detect import parse_plan
from tui.screens.help import HelpContent, HelpScreen
from tui.screens.main import MainScreen
from tui.widgets.advisor_panel import AdvisorPanel
from tui.widgets.detail_pane import DetailPane
from tui.widgets.node_detail import NodeDetail
from tui.widgets.plan_diff_view import PlanDiffScreen, PlanDiffView
from tui.widgets.plan_view import PlanView
from tui.widgets.query_editor import QueryEditor
from tui.widgets.results_grid import ResultsGrid
from tui.widgets.schema_tree import SchemaPane, SchemaTree

pytestmark = pytest.mark.live_pg
PLANS = Path(__file__).resolve().parent.parent / "fixtures" / "plans"


@pytest.fixture(scope="module")
def shop_url(pg_server: LiveServer) -> Iterator[str]:
    name = f"dbscope_pane_help_{uuid.uuid4().hex[:8]}"
    for url in pg_server.scratch_database(name):
        pg_server.execute(SHOP_SQL, name)
        yield url


async def ready(pilot, app: DbscopeApp) -> MainScreen:  # type: ignore[no-untyped-def]
    main = app.main_screen
    tree = main.query_one(SchemaTree)
    await wait_until(
        pilot,
        lambda: main.status.connected and bool(tree.root.children) and tree.root.children[0].data is not None,
        "the roots",
    )
    await wait_until(pilot, lambda: bool(main.query(PlanView)), "the centre panes")
    return main


async def help_of(pilot, app: DbscopeApp) -> HelpContent:  # type: ignore[no-untyped-def]
    """Press F1, read the help, check what every pane's help must have, close it."""
    await pilot.press("f1")
    await wait_until(pilot, lambda: isinstance(app.screen, HelpScreen), "the help screen")
    screen = app.screen
    assert isinstance(screen, HelpScreen)
    content = screen.content
    assert content.description.strip() and content.pane
    bound = {b.id for _key, active in screen.active_bindings.items() for b in [active.binding]}
    for row in [*content.pane_keys, *content.global_keys]:
        assert row.binding_id and row.description and row.keys, row
    # the rows name the ids of the bindings active under the help (the screen below it)
    under = app.screen_stack[-2]
    active = {active.binding.id for active in under.active_bindings.values()}
    assert {row.binding_id for row in content.pane_keys} <= active, (content.pane, content.pane_keys)
    assert "help.close" in bound
    # The body fits the terminal and nothing in it is wider than the screen.
    body = screen.query_one("#help-body")
    assert body.region.right <= app.size.width and body.region.bottom <= app.size.height
    await pilot.press("escape")
    await wait_until(pilot, lambda: not isinstance(app.screen, HelpScreen), "the help to close")
    return content


def ids(rows: list) -> set[str]:  # type: ignore[type-arg]
    return {row.binding_id for row in rows}


# Each pane: how to focus it, the title the help shows, words of its description, its own key ids.
Step = Callable[[object, MainScreen], Awaitable[None]]


async def focus_tree(pilot, main: MainScreen) -> None:  # type: ignore[no-untyped-def]
    main.schema_pane.tree.focus()
    await pilot.pause()


async def focus_detail(pilot, main: MainScreen) -> None:  # type: ignore[no-untyped-def]
    tree = main.schema_pane.tree
    shop = next(n for n in tree.root.children if n.data is not None and n.data.name == "shop")
    tree.move_cursor(shop)
    tree.focus()
    await pilot.press("space")
    await wait_until(pilot, lambda: bool(shop.children) and shop.children[0].data is not None, "shop")
    orders = next(n for n in shop.children if n.data is not None and n.data.name == "orders")
    tree.move_cursor(orders)
    await pilot.press("enter")
    detail = main.query_one(DetailPane)
    await wait_until(pilot, lambda: detail.detail is not None, "the detail")
    await pilot.press("1")
    await wait_until(
        pilot, lambda: main.focused is not None and detail in main.focused.ancestors, "detail focus"
    )


async def focus_editor(pilot, main: MainScreen) -> None:  # type: ignore[no-untyped-def]
    await pilot.press("2")
    await wait_until(pilot, lambda: isinstance(main.focused, QueryEditor), "the editor")
    await pilot.press("escape")  # normal mode: F1 works in both, ? only here


async def focus_results(pilot, main: MainScreen) -> None:  # type: ignore[no-untyped-def]
    editor = main.query_one(QueryEditor)
    editor.load_text("SELECT 6 * 7 AS answer;")
    editor.focus()
    await pilot.press("ctrl+r")
    grid = main.query_one(ResultsGrid)
    await wait_until(pilot, lambda: bool(grid.page.rows) and grid in main.focused.ancestors, "the results")  # type: ignore[union-attr]


async def focus_plan(pilot, main: MainScreen) -> None:  # type: ignore[no-untyped-def]
    await pilot.press("3")
    view = main.query_one(PlanView)
    view.open_path(PLANS / "mariadb-analyze-bnl.json")
    await wait_until(pilot, lambda: view.plan is not None, "the plan")
    panel = main.query_one(AdvisorPanel)
    await wait_until(pilot, lambda: panel.context_label.startswith("plan file"), "the findings")
    view.tree.focus()
    await pilot.pause()


async def focus_node_detail(pilot, main: MainScreen) -> None:  # type: ignore[no-untyped-def]
    main.query_one(PlanView).tree.focus()
    await pilot.press("n")
    assert isinstance(main.focused, NodeDetail)


async def focus_advisor(pilot, main: MainScreen) -> None:  # type: ignore[no-untyped-def]
    if main.query_one("#advisor").has_class("-hidden"):
        await pilot.press("a")
    else:
        main.focus_pane(main.query_one("#advisor"))
    await pilot.pause()
    assert main.focused is not None and main.query_one("#advisor") in main.focused.ancestors_with_self


async def focus_top(pilot, main: MainScreen) -> None:  # type: ignore[no-untyped-def]
    await pilot.press("t")
    await wait_until(
        pilot, lambda: isinstance(main.focused, DataTable) and main.centre.active == "top", "top"
    )


async def focus_history(pilot, main: MainScreen) -> None:  # type: ignore[no-untyped-def]
    await pilot.press("h")
    await wait_until(
        pilot, lambda: isinstance(main.focused, DataTable) and main.centre.active == "history", "history"
    )


PANES: list[tuple[str, Step, str, str, set[str]]] = [
    ("tree", focus_tree, "Schema tree", "filter", {"tree.open", "tree.down", "tree.up"}),
    ("detail", focus_detail, "Object detail", "DDL", {"detail.copy_ddl", "detail.next_tab", "detail.down"}),
    ("editor", focus_editor, "Query editor", "statement", {"editor.run", "editor.explain"}),
    ("results", focus_results, "Results grid", "capped", {"results.copy_cell", "results.export_csv"}),
    ("plan", focus_plan, "Plan view", "hottest", {"plan.hottest", "plan.metric", "plan.toggle", "plan.down"}),
    ("node", focus_node_detail, "Plan node detail", "verbatim", {"plan.node_detail", "plan.hottest"}),
    ("advisor", focus_advisor, "Advisor", "DDL", {"advisor.copy_ddl", "advisor.next", "advisor.save_ddl"}),
    ("top", focus_top, "Top statements", "pg_stat_statements", {"top.open", "top.explain", "top.sort"}),
    ("history", focus_history, "History", "searches", {"history.open", "history.rerun", "history.search"}),
]


@pytest.mark.parametrize("size", [(80, 24), (160, 48)], ids=lambda s: f"{s[0]}x{s[1]}")
async def test_help_of_every_pane(shop_url: str, size: tuple[int, int]) -> None:
    app = DbscopeApp(spec=parse_url(shop_url), settings=Settings(), watch_terminal=False)
    async with app.run_test(size=size) as pilot:
        main = await ready(pilot, app)
        for name, focus, title, word, own in PANES:
            await focus(pilot, main)
            content = await help_of(pilot, app)
            assert content.pane == title, (name, content.pane)
            assert word.lower() in content.description.lower(), (name, content.description)
            assert own <= ids(content.pane_keys), (name, own - ids(content.pane_keys))
            # the keys that work everywhere are listed under them, never as the pane's
            assert {"app.help", "app.quit"} <= ids(content.global_keys), name
            assert not any(i.startswith("app.") for i in ids(content.pane_keys)), name

        # The plan diff, a modal of its own (the advisor's d on a verified finding opens it).
        before = parse_plan((PLANS / "postgres-sort-disk-spill.json").read_text(encoding="utf-8"))
        after = parse_plan((PLANS / "postgres-hashagg-spill.json").read_text(encoding="utf-8"))
        from tui.advisor.plan_diff import diff_plans

        await app.push_screen(PlanDiffScreen(diff_plans(before, after)))
        await wait_until(pilot, lambda: isinstance(app.focused, PlanDiffView), "the plan diff")
        content = await help_of(pilot, app)
        assert content.pane == "Plan diff" and "before" in content.description
        assert "plan_diff.close" in ids(content.global_keys)
        await pilot.press("escape")
        assert not isinstance(app.screen, PlanDiffScreen)


async def test_legacy_and_dotted_ids_remap_keys(shop_url: str) -> None:
    keys = {"filter": "f", "plan.hottest": "H", "app.advisor": "ctrl+a"}
    app = DbscopeApp(spec=parse_url(shop_url), settings=Settings(keys=keys), watch_terminal=False)
    async with app.run_test(size=(160, 48), notifications=True) as pilot:
        main = await ready(pilot, app)
        await wait_until(
            pilot,
            lambda: any("filter → app.filter" in str(n.message) for n in app._notifications),
            "the renamed-id notice",
        )
        assert not any("Unknown binding" in str(n.message) for n in app._notifications)
        await pilot.press("f")
        assert main.query_one(SchemaPane).filtering  # the old id still remaps
        await pilot.press("escape")
        content = await help_of(pilot, app)
        everywhere = {row.binding_id: row for row in content.global_keys}
        assert everywhere["app.filter"].keys == "f" and everywhere["app.filter"].remapped
        assert everywhere["app.advisor"].keys == "ctrl+a" and everywhere["app.advisor"].remapped
        advisor = main.query_one("#advisor")
        assert not advisor.has_class("-hidden")
        await pilot.press("ctrl+a")
        assert advisor.has_class("-hidden")
