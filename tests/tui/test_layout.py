"""Layout from 80×24 to wide, on a live PostgreSQL database: the footer never cuts a key (the pane's
own keys stay, the keys that work everywhere give way first), `z` gives any pane the whole screen, the
advisor drawn over the centre on a narrow terminal closes when the focus goes elsewhere (so the
focused pane is never hidden), and the narrow-pane fallbacks of the workbench widgets show their text
whole (top statements' reason, the highlighted history statement, the results line)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from textual.app import App, ComposeResult
from textual.widget import Widget
from textual.widgets import DataTable, Static
from textual.widgets._footer import FooterKey

from tests.live import LiveServer
from tests.tui.app_support import SHOP_SQL, wait_until
from tui.app import DbscopeApp
from tui.config import Settings
from tui.core.connspec import parse_url
from tui.core.session import ResultPage
from tui.history import QueryHistory
from tui.screens.main import MainScreen
from tui.widgets.advisor_panel import AdvisorPanel
from tui.widgets.footer import FittedFooter
from tui.widgets.history_view import HistoryView
from tui.widgets.plan_view import PlanView
from tui.widgets.results_grid import ResultsGrid
from tui.widgets.schema_tree import SchemaTree
from tui.widgets.top_statements import TopStatements

PLAN_FILE = Path(__file__).resolve().parent.parent / "fixtures" / "plans" / "mariadb-analyze-bnl.json"
SIZES = ((80, 24), (100, 30), (120, 40), (160, 48))


@pytest.fixture(scope="module")
def shop_url(pg_server: LiveServer) -> Iterator[str]:
    name = f"dbscope_layout_{uuid.uuid4().hex[:8]}"
    for url in pg_server.scratch_database(name):
        pg_server.execute(SHOP_SQL, name)
        yield url


def make_app(url: str) -> DbscopeApp:
    return DbscopeApp(spec=parse_url(url), settings=Settings(), watch_terminal=False)


async def ready(pilot, app: DbscopeApp) -> MainScreen:  # type: ignore[no-untyped-def]
    main = app.main_screen
    tree = main.query_one(SchemaTree)
    await wait_until(
        pilot,
        lambda: main.status.connected and bool(tree.root.children) and tree.root.children[0].data is not None,
        "the roots",
    )
    await wait_until(pilot, lambda: bool(main.query(PlanView)), "the centre panes")
    await wait_until(pilot, lambda: bool(main.query(FooterKey)), "the footer's keys")
    return main


async def open_plan(pilot, main: MainScreen) -> PlanView:  # type: ignore[no-untyped-def]
    await pilot.press("3")
    view = main.query_one(PlanView)
    view.open_path(PLAN_FILE)
    await wait_until(pilot, lambda: view.plan is not None, "the plan file")
    panel = main.query_one(AdvisorPanel)
    await wait_until(pilot, lambda: panel.context_label.startswith("plan file"), "the plan's findings")
    view.tree.focus()
    await pilot.pause()
    return view


def footer_keys(main: MainScreen) -> list[FooterKey]:
    return list(main.query_one(FittedFooter).query(FooterKey))


def assert_footer_fits(main: MainScreen, width: int) -> list[str]:
    """Every key of the footer lies whole inside the terminal and left of the palette key; returns
    the descriptions shown."""
    keys = footer_keys(main)
    palette = [k for k in keys if k.has_class("-command-palette")]
    assert len(palette) == 1 and palette[0].region.right <= width
    for key in keys:
        if key is not palette[0]:
            assert key.region.right <= palette[0].region.x, (key.description, key.region, palette[0].region)
    return [k.description for k in keys if k is not palette[0]]


@pytest.mark.live_pg
@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
async def test_footer_keys_fit_and_the_panes_own_keys_stay(shop_url: str, size: tuple[int, int]) -> None:
    app = make_app(shop_url)
    async with app.run_test(size=size) as pilot:
        main = await ready(pilot, app)
        shown = assert_footer_fits(main, size[0])
        assert "Open" in shown  # the tree's own key
        await open_plan(pilot, main)
        await pilot.pause()
        shown = assert_footer_fits(main, size[0])
        # The plan view's own keys stay; at 80 columns the keys that work everywhere give way.
        assert {"Fold", "Metric", "Hottest", "Open file", "Node detail"} <= set(shown), shown
        if size[0] == 80:
            assert "Top" not in shown and "Advisor" not in shown
        if size[0] >= 160:
            assert {"Filter", "Explain", "Advisor", "Top"} <= set(shown)
        # The footer recomposes when the terminal narrows.
        await pilot.resize_terminal(80, 24)
        await pilot.pause()
        await pilot.pause()
        assert_footer_fits(main, 80)


def full_screen(widget: Widget, size: tuple[int, int]) -> bool:
    """The widget spans the terminal's width and every line but the footer's."""
    region = widget.region
    return region.x == 0 and region.y == 0 and region.width == size[0] and region.height == size[1] - 1


@pytest.mark.live_pg
@pytest.mark.parametrize("size", [(80, 24), (160, 48)], ids=lambda s: f"{s[0]}x{s[1]}")
async def test_zoom_gives_each_pane_the_whole_screen(shop_url: str, size: tuple[int, int]) -> None:
    app = make_app(shop_url)
    async with app.run_test(size=size) as pilot:
        main = await ready(pilot, app)
        await open_plan(pilot, main)
        advisor = main.query_one("#advisor")
        panes = {
            "tree": (main.schema_pane.tree, main.schema_pane.tree),
            "plan": (main.query_one(PlanView).tree, main.centre),
            "advisor": (main.query_one(AdvisorPanel), advisor),
        }
        for name, (focus, pane) in panes.items():
            if name == "advisor" and advisor.has_class("-hidden"):
                await pilot.press("a")  # 80 columns: the advisor opens over the centre
            focus.focus()
            await pilot.pause()
            await pilot.press("z")
            await pilot.pause()
            maximized = main.maximized
            assert maximized is not None and (maximized is pane or maximized in pane.ancestors_with_self), (
                name
            )
            assert full_screen(maximized, size), (name, maximized.region)
            assert main.query_one(FittedFooter).region.y == size[1] - 1  # the footer stays
            await pilot.press("z")
            await pilot.pause()
            assert main.maximized is None, name


@pytest.mark.live_pg
async def test_narrow_advisor_overlay_closes_when_the_focus_leaves_it(shop_url: str) -> None:
    app = make_app(shop_url)
    async with app.run_test(size=(80, 24)) as pilot:
        main = await ready(pilot, app)
        await open_plan(pilot, main)
        advisor = main.query_one("#advisor")
        for leave in ("2", "t", "tab", "1"):
            if app.focused is not None and app.focused.id == "query-editor":
                await pilot.press("escape")  # the editor types letters until its normal mode
            await pilot.press("a")
            await pilot.pause()
            assert main.has_class("-advisor-overlay") and not advisor.has_class("-hidden"), leave
            assert app.focused is not None and advisor in app.focused.ancestors_with_self, leave
            await pilot.press(leave)
            await pilot.pause()
            await pilot.pause()
            assert not main.has_class("-advisor-overlay") and advisor.has_class("-hidden"), leave
            focused = app.focused
            assert focused is not None and focused.region.width > 0, leave
            # nothing is drawn over the focused widget
            assert not advisor.region.overlaps(focused.region), leave
        # on a wide terminal the advisor is a column beside the centre and stays when the focus moves
        await pilot.resize_terminal(160, 48)
        await pilot.pause()
        await pilot.pause()
        assert not advisor.has_class("-hidden") and not main.has_class("-advisor-overlay")
        await pilot.press("2")
        await pilot.pause()
        assert not advisor.has_class("-hidden")


@pytest.mark.live_pg
async def test_node_detail_is_reachable_with_n(shop_url: str) -> None:
    app = make_app(shop_url)
    async with app.run_test(size=(80, 24)) as pilot:
        main = await ready(pilot, app)
        view = await open_plan(pilot, main)
        detail = view.query_one("#plan-detail")
        await pilot.press("n")
        assert app.focused is detail
        await pilot.press("n")
        assert app.focused is view.tree


# -- narrow-pane fallbacks of the workbench widgets (small host apps) -----------------------------


class Host(App[None]):
    def __init__(self, widget: Widget) -> None:
        super().__init__()
        self.widget = widget
        self.opened: list[HistoryView.Open] = []

    def compose(self) -> ComposeResult:
        yield self.widget

    def on_history_view_open(self, message: HistoryView.Open) -> None:
        self.opened.append(message)


def shows_whole(static: Static) -> bool:
    """The Static's text needs no more lines than it has on screen."""
    needed = static.get_content_height(static.size, static.app.size, static.content_region.width)
    return static.content_region.height >= needed


PG_REASON = (
    "pg_stat_statements is not enabled: set shared_preload_libraries = 'pg_stat_statements' in "
    "postgresql.conf, restart, then CREATE EXTENSION pg_stat_statements; in this database"
)


async def test_top_statements_reason_is_whole_in_a_narrow_pane() -> None:
    widget = TopStatements()
    async with Host(widget).run_test(size=(52, 24)) as pilot:
        widget.show_unavailable(PG_REASON)
        await pilot.pause()
        summary = widget.query_one("#top-summary", Static)
        assert summary.content_region.height > 4  # more than the statistics summary's four lines
        assert shows_whole(summary)


async def test_history_shows_the_highlighted_statement_whole(tmp_path: Path) -> None:
    history = QueryHistory(tmp_path / "h.jsonl")
    long = "SELECT o.id, o.status FROM shop.orders o JOIN shop.customers c ON c.id = o.customer_id WHERE c.email = $1"
    history.record("SELECT 1", duration_ms=1.0, rows=1)
    history.record(long, duration_ms=12.5, rows=3)
    view = HistoryView(history)
    async with Host(view).run_test(size=(52, 24)) as pilot:
        table = view.query_one(DataTable)
        table.focus()
        await pilot.pause()
        shown = view.query_one("#history-selected", Static)
        assert str(shown.render()).replace("\n", " ").split() == long.split()  # newest first
        assert shows_whole(shown)
        await pilot.press("down")
        assert str(shown.render()) == "SELECT 1"
        # enter in the table opens the statement; in the search box it only moves to the table
        app = view.app
        await pilot.press("enter")
        await pilot.pause()
        assert [m.entry.query for m in app.opened] == ["SELECT 1"]  # type: ignore[attr-defined]
        view.action_focus_search()
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        assert len(app.opened) == 1 and app.focused is table  # type: ignore[attr-defined]


async def test_results_line_is_whole_in_a_narrow_pane() -> None:
    rows = [(i, f"name {i}") for i in range(50)]
    page = ResultPage(
        columns=["n", "name"], column_types=["int", "text"], rows=rows, truncated=True, elapsed_ms=12.0
    )
    grid = ResultsGrid()
    async with Host(grid).run_test(size=(52, 24)) as pilot:
        grid.show_page(page)
        await pilot.pause()
        line = grid.query_one("#results-footer", Static)
        text = str(line.render())
        assert "(capped — more on the server)" in text and "row 1, n" in text
        assert shows_whole(line)


@pytest.mark.live_pg
@pytest.mark.parametrize(
    ("width", "wide"),
    [(80, False), (100, False), (120, False), (139, False), (140, True), (160, True), (200, True)],
)
async def test_the_centre_is_never_squeezed_by_the_side_columns(
    shop_url: str, width: int, wide: bool
) -> None:
    """The advisor gets a column of its own only where the centre keeps more room than an 80-column
    terminal gives it; below that it opens over the centre."""
    app = make_app(shop_url)
    async with app.run_test(size=(width, 40)) as pilot:
        main = await ready(pilot, app)
        await pilot.pause()
        assert main.has_class("-wide") is wide and main.has_class("-narrow") is not wide
        advisor = main.query_one("#advisor")
        assert (not advisor.has_class("-hidden")) is wide
        assert main.centre.region.width >= 52, main.centre.region  # what 80 columns leave it
        assert main.centre.region.right <= (advisor.region.x if wide else width)
