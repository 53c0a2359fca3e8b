"""Switching without restarting, on live servers: from a PostgreSQL profile to a MariaDB one and back
(the old session closed on the server, the panes and status bar reset), a URL that fails to connect
(the current session stays), and a MariaDB database switch."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from tests.live import LiveServer, db_name
from tests.tui.app_support import wait_until
from tests.tui.workbench_support import history_of, make_app, notifications, run_in_editor, settle, started
from tui.config import Profile, Settings
from tui.screens.picker import PickerModal
from tui.screens.prompts import UrlModal
from tui.widgets.status_bar import StatusBar

pytestmark = [pytest.mark.live_pg, pytest.mark.live_mysql]


def _dbscope_backends(pg_server: LiveServer, database: str) -> int:
    rows = pg_server.execute(
        f"SELECT count(*) FROM pg_stat_activity WHERE application_name = 'dbscope' AND datname = '{database}'"
    )
    return int(rows[0][0])


async def _pick(pilot, app, text: str) -> None:  # type: ignore[no-untyped-def]
    await wait_until(pilot, lambda: isinstance(app.screen, PickerModal), "the picker")
    await pilot.press(*text, "enter")


async def test_switch_profiles_pg_to_mariadb_and_back(
    pg_scratch: str, mysql_scratch: str, pg_server: LiveServer, mysql_server: LiveServer
) -> None:
    pg_server.execute("CREATE TABLE pg_only (id int)", db_name(pg_scratch))
    mysql_server.execute("CREATE TABLE maria_only (id INT)", db_name(mysql_scratch))
    settings = Settings(
        profiles={"pgdb": Profile("pgdb", pg_scratch), "maria": Profile("maria", mysql_scratch)}
    )
    app = make_app(settings.connection_spec("pgdb"), settings=settings)
    async with app.run_test(size=(160, 48), notifications=True) as pilot:
        await started(pilot, app)
        screen = app.main_screen
        await run_in_editor(pilot, app, "SELECT count(*) FROM pg_only", key="ctrl+e")
        await run_in_editor(pilot, app, "SELECT count(*) FROM pg_only")
        assert screen.plan_view.plan is not None
        old_adapter = app.adapter
        assert _dbscope_backends(pg_server, db_name(pg_scratch)) >= 1

        screen.schema_pane.tree.focus()
        await pilot.press("c")
        picker = app.screen
        assert isinstance(picker, PickerModal)
        assert picker.choices == ["maria", "pgdb", "enter a URL…"] and picker.current == "pgdb"
        await pilot.press(*"maria", "enter")
        await wait_until(pilot, lambda: screen.status.engine == "mariadb", "the MariaDB session")
        await settle(pilot, app)
        assert app.adapter is not old_adapter and app.spec is not None and app.spec.engine == "mysql"
        status = screen.query_one(StatusBar).render().plain
        assert "MariaDB" in status and "READ-ONLY" in status and db_name(mysql_scratch) in status
        tree = screen.schema_pane.tree
        await wait_until(
            pilot,
            lambda: any(
                n.data is not None and n.data.name == db_name(mysql_scratch) for n in tree.root.children
            ),
            "the MariaDB databases in the tree",
        )
        assert screen.plan_view.plan is None and screen.results_grid.page.columns == []
        assert screen.query_editor.engine == "mysql"
        # The PostgreSQL session is closed on the server, not just forgotten.
        await wait_until(
            pilot, lambda: _dbscope_backends(pg_server, db_name(pg_scratch)) == 0, "the old backends to go"
        )
        await run_in_editor(pilot, app, "SELECT count(*) FROM maria_only")
        assert screen.results_grid.page.rows == [(0,)]
        assert history_of(app)[0].query == "SELECT count(*) FROM maria_only"

        # A URL that cannot connect: an error naming it, and the MariaDB session stays usable.
        current = app.adapter
        screen.schema_pane.tree.focus()
        await pilot.press("c")
        await _pick(pilot, app, "enter a URL")
        await wait_until(pilot, lambda: isinstance(app.screen, UrlModal), "the URL prompt")
        await pilot.press(*"postgresql://nobody@127.0.0.1:1/nothing", "enter")
        await wait_until(
            pilot, lambda: any("127.0.0.1" in text for text in notifications(app)), "the connection error"
        )
        await settle(pilot, app)
        assert app.adapter is current and screen.status.connected and screen.status.engine == "mariadb"
        await run_in_editor(pilot, app, "SELECT 41 + 1")
        assert screen.results_grid.page.rows == [(42,)]

        # And back to PostgreSQL by profile name.
        screen.schema_pane.tree.focus()
        await pilot.press("c")
        await _pick(pilot, app, "pgdb")
        await wait_until(pilot, lambda: screen.status.engine == "postgresql", "PostgreSQL again")
        await settle(pilot, app)
        await run_in_editor(pilot, app, "SELECT count(*) FROM pg_only")
        assert screen.results_grid.page.rows == [(0,)]


async def test_palette_offers_the_profile_switch(pg_scratch: str) -> None:
    settings = Settings(profiles={"pgdb": Profile("pgdb", pg_scratch)})
    app = make_app(settings.connection_spec("pgdb"), settings=settings)
    async with app.run_test(size=(160, 48)) as pilot:
        await started(pilot, app)
        await pilot.press("ctrl+p")
        await pilot.press(*"connection: switch server")
        from textual.command import CommandPalette

        palette = app.screen
        assert isinstance(palette, CommandPalette)
        await wait_until(
            pilot,
            lambda: any("switch server" in str(o.prompt) for o in palette.query_one("CommandList").options),  # type: ignore[attr-defined]
            "the palette hit",
        )
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, PickerModal), "the profile picker")
        assert app.screen.choices == ["pgdb", "enter a URL…"]  # type: ignore[attr-defined]


@pytest.fixture
def other_mysql_database(mysql_server: LiveServer) -> Iterator[str]:
    name = f"dbscope_sw_{uuid.uuid4().hex[:8]}"
    for _url in mysql_server.scratch_database(name):
        mysql_server.execute("CREATE TABLE thing (id INT); INSERT INTO thing VALUES (1), (2)", name)
        yield name


async def test_mariadb_database_switch(mysql_scratch: str, other_mysql_database: str) -> None:
    other = other_mysql_database
    app = make_app(mysql_scratch)
    async with app.run_test(size=(160, 48)) as pilot:
        await started(pilot, app)
        screen = app.main_screen
        await run_in_editor(pilot, app, "SELECT DATABASE()")
        assert screen.results_grid.page.rows == [(db_name(mysql_scratch),)]
        screen.schema_pane.tree.focus()
        await pilot.press("d")
        await _pick(pilot, app, other)
        await wait_until(
            pilot,
            lambda: app.adapter is not None and app.adapter.server.database == other,  # type: ignore[union-attr]
            "the switch",
        )
        await settle(pilot, app)
        assert other in screen.status.where
        assert screen.results_grid.page.columns == []
        await run_in_editor(pilot, app, "SELECT count(*) FROM thing")  # unqualified: the new database
        assert screen.results_grid.page.rows == [(2,)]
        assert history_of(app)[0].database == other
