"""Pilot tests of the workbench on live PostgreSQL: a capped result paged through, the history recorded,
searched, opened and re-run, the Top tab explaining why it is empty, and a database switch that resets
the plan, the advisor and the results."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import psycopg
import pytest
from textual.widgets import DataTable, Input

from tests.clusters import Cluster
from tests.live import LiveServer, db_name
from tests.tui.app_support import wait_until
from tests.tui.workbench_support import (
    history_of,
    make_app,
    results_footer,
    run_in_editor,
    settle,
    started,
)

pytestmark = pytest.mark.live_pg

BIG_ROWS = 100_000


@pytest.fixture(scope="module")
def big_url(pg_server: LiveServer) -> Iterator[str]:
    name = f"dbscope_wb_{uuid.uuid4().hex[:8]}"
    for url in pg_server.scratch_database(name):
        pg_server.execute(
            f"CREATE TABLE big AS SELECT g AS id, md5(g::text) AS label FROM generate_series(1, {BIG_ROWS}) g;"
            "CREATE TABLE small (id int PRIMARY KEY, note text);"
            "INSERT INTO small VALUES (1, 'one'), (2, 'two'), (3, NULL);",
            name,
        )
        yield url


async def test_capped_result_pages_through_1000_of_100000(big_url: str) -> None:
    app = make_app(big_url)
    async with app.run_test(size=(160, 48)) as pilot:
        await started(pilot, app)
        await run_in_editor(pilot, app, "SELECT id, label FROM big ORDER BY id")
        screen = app.main_screen
        grid = screen.results_grid
        assert screen.centre.active == "results"
        assert len(grid.page.rows) == 1000 and grid.page.truncated
        assert grid.page.rows[0][0] == 1 and grid.page.rows[-1][0] == 1000
        footer = results_footer(app)
        assert footer.startswith("1,000 rows (capped — more on the server)"), footer
        grid.focus()
        table = grid.table
        await pilot.press("pagedown")
        assert table.cursor[0] > 0
        first_page = table.cursor[0]
        await pilot.press("pagedown", "pagedown")
        assert table.cursor[0] > first_page
        await pilot.press("G")  # the last fetched row: the 1,000th, not the 100,000th
        assert table.cursor[0] == 999
        assert "row 1,000, id" in results_footer(app)
        entry = history_of(app)[0]
        assert (entry.kind, entry.rows, entry.status) == ("run", 1000, "ok")
        assert entry.query == "SELECT id, label FROM big ORDER BY id"


async def test_history_recorded_searched_opened_and_rerun(big_url: str) -> None:
    app = make_app(big_url)
    async with app.run_test(size=(160, 48)) as pilot:
        await started(pilot, app)
        await run_in_editor(pilot, app, "SELECT note FROM small ORDER BY id")
        await run_in_editor(pilot, app, "SELECT count(*) FROM big", key="ctrl+r")
        await run_in_editor(pilot, app, "SELECT id FROM small WHERE id = 2", key="ctrl+e")
        await run_in_editor(pilot, app, "SELECT * FROM no_such_table")
        entries = history_of(app)
        assert [(e.kind, e.rows) for e in entries] == [
            ("run", None),
            ("explain", None),
            ("run", 1),
            ("run", 3),
        ]
        assert entries[0].status.startswith("error: ") and "no_such_table" in entries[0].status
        assert all(e.status == "ok" for e in entries[1:])
        assert entries[3].database == db_name(big_url)
        assert all(e.duration_ms is not None and e.duration_ms >= 0 for e in entries)

        await pilot.press("escape")  # the editor to NORMAL mode, so `h` reaches the screen
        await pilot.press("h")
        await settle(pilot, app)
        screen = app.main_screen
        assert screen.centre.active == "history"
        view = screen.query_one("#history-view")
        table = view.query_one(DataTable)
        assert table.row_count == 4
        assert app.focused is table
        await pilot.press("slash")
        assert isinstance(app.focused, Input)
        await pilot.press(*"count big")
        await pilot.pause()
        assert table.row_count == 1
        await pilot.press("enter")  # to the table
        assert app.focused is table
        await pilot.press("ctrl+r")  # re-run count(*): a fifth entry, and the result shown
        await wait_until(pilot, lambda: len(history_of(app)) == 5, "the re-run")
        await settle(pilot, app)
        assert screen.centre.active == "results"
        assert screen.results_grid.page.rows == [(100_000,)]
        assert table.row_count == 2  # the view follows the history, the search still applied

        await pilot.press("h")
        await settle(pilot, app)
        table.focus()
        table.move_cursor(row=0)
        await pilot.press("enter")  # open it in the editor, after what is there
        await pilot.pause()
        assert screen.centre.active == "query"
        editor = screen.query_editor
        assert editor.text.endswith(";\n\nSELECT count(*) FROM big")
        assert editor.current_statement() == "SELECT count(*) FROM big"


async def top_summary(url: str) -> str:
    app = make_app(url)
    async with app.run_test(size=(160, 48)) as pilot:
        await started(pilot, app)
        await pilot.press("t")
        await settle(pilot, app)
        screen = app.main_screen
        assert screen.centre.active == "top"
        return str(screen.query_one("#top-summary").render())


async def test_top_tab_says_how_to_enable_statement_statistics(plain_cluster: Cluster) -> None:
    # A server that does not preload the library: the reason names both steps.
    summary = await top_summary(plain_cluster.url())
    assert "shared_preload_libraries" in summary and "CREATE EXTENSION pg_stat_statements" in summary


async def test_top_tab_on_a_preloading_server_asks_only_for_the_extension(pgss_cluster: Cluster) -> None:
    # The common production setting: preloaded, but not created in this database.
    name = f"dbscope_nopgss_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(pgss_cluster.url(), autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    try:
        summary = await top_summary(pgss_cluster.url(name))
        assert "CREATE EXTENSION pg_stat_statements" in summary and "shared_preload_libraries" not in summary
    finally:
        with psycopg.connect(pgss_cluster.url(), autocommit=True) as conn:
            conn.execute(f"DROP DATABASE {name} WITH (FORCE)")


@pytest.fixture
def other_database(pg_server: LiveServer) -> Iterator[str]:
    name = f"dbscope_wb2_{uuid.uuid4().hex[:8]}"
    for _url in pg_server.scratch_database(name):
        pg_server.execute("CREATE TABLE elsewhere (id int);", name)
        yield name


async def test_database_switch_resets_the_workbench(big_url: str, other_database: str) -> None:
    other = other_database
    app = make_app(big_url)
    async with app.run_test(size=(160, 48)) as pilot:
        await started(pilot, app)
        screen = app.main_screen
        await run_in_editor(pilot, app, "SELECT id FROM small WHERE id = 1", key="ctrl+e")
        await run_in_editor(pilot, app, "SELECT id FROM small")
        assert screen.plan_view.plan is not None and screen.results_grid.page.rows
        await pilot.press("escape", "h")
        await settle(pilot, app)
        assert screen.query_one("#history-view").query_one(DataTable).row_count == 2
        screen.schema_pane.tree.focus()
        await pilot.press("d")
        from tui.screens.picker import PickerModal

        await wait_until(pilot, lambda: isinstance(app.screen, PickerModal), "the database picker")
        await pilot.press(*other, "enter")
        await wait_until(
            pilot,
            lambda: app.adapter is not None and app.adapter.server.database == other,  # type: ignore[union-attr]
            "the switch",
        )
        await settle(pilot, app)
        assert screen.plan_view.plan is None
        assert screen.results_grid.page.rows == [] and screen.results_grid.page.columns == []
        assert screen.advisor_panel.findings == []
        # The history is per database: the new one starts empty, and what runs there lands there.
        assert screen.query_one("#history-view").query_one(DataTable).row_count == 0
        await run_in_editor(pilot, app, "SELECT count(*) FROM elsewhere")
        assert [e.database for e in history_of(app)] == [other]
        assert screen.results_grid.page.rows == [(0,)]
