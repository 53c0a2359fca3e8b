"""The cancel key during a long statement stops the work on the server — checked in pg_stat_activity
and in MariaDB's processlist, not only in the UI — and the UI says "cancelled" instead of hanging.

The statements sleep for 30 s; the tests wait (polling, up to 10 s) for the server to show them gone,
far less than they would run uncancelled. How fast that happens belongs to the benchmarks."""

from __future__ import annotations

import pytest

from tests.live import LiveServer, db_name
from tests.tui.app_support import wait_until
from tests.tui.workbench_support import (
    history_of,
    make_app,
    notifications,
    results_footer,
    settle,
    started,
    type_statement,
)

GONE_WITHIN_S = 10.0


def _pg_active(pg_server: LiveServer, database: str) -> int:
    # A capped SELECT runs as FETCH from a server-side cursor: match the sleep, not the text.
    rows = pg_server.execute(
        "SELECT count(*) FROM pg_stat_activity WHERE state = 'active' AND pid <> pg_backend_pid() "
        f"AND datname = '{database}' AND wait_event = 'PgSleep'"
    )
    return int(rows[0][0])


def _maria_running(mysql_server: LiveServer) -> int:
    rows = mysql_server.execute(
        "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE ID <> CONNECTION_ID() "
        "AND COMMAND = 'Query' AND INFO LIKE 'SELECT SLEEP(30)%'"
    )
    return int(rows[0][0])


async def _cancel_and_check(pilot, app, running, label: str) -> None:  # type: ignore[no-untyped-def]
    await wait_until(pilot, lambda: running() == 1, f"{label} running on the server")
    # The status bar shows the running work (it polls the workers a few times a second).
    await wait_until(pilot, lambda: "running the statement" in app.main_screen.status.work, "the status")
    await pilot.press("ctrl+g")
    await wait_until(pilot, lambda: running() == 0, f"{label} gone from the server", timeout=GONE_WITHIN_S)
    await wait_until(pilot, lambda: bool(history_of(app)), "the history entry")
    await settle(pilot, app)
    screen = app.main_screen
    assert screen.centre.active == "results"
    assert results_footer(app).startswith("cancelled"), results_footer(app)
    assert any(text.startswith("Cancelled") for text in notifications(app)), notifications(app)
    entry = history_of(app)[0]
    assert (entry.kind, entry.status) == ("run", "cancelled")
    # The session is still usable afterwards.
    await type_statement(pilot, app, "SELECT 7")
    await pilot.press("ctrl+r")
    await wait_until(pilot, lambda: screen.results_grid.page.rows == [(7,)], "the next statement")


@pytest.mark.live_pg
async def test_cancel_pg_sleep_reaches_the_server(pg_scratch: str, pg_server: LiveServer) -> None:
    app = make_app(pg_scratch)
    async with app.run_test(size=(160, 48), notifications=True) as pilot:
        await started(pilot, app)
        await type_statement(pilot, app, "SELECT pg_sleep(30)")
        await pilot.press("ctrl+r")
        await _cancel_and_check(pilot, app, lambda: _pg_active(pg_server, db_name(pg_scratch)), "pg_sleep")


@pytest.mark.live_mysql
async def test_cancel_mariadb_sleep_reaches_the_server(mysql_scratch: str, mysql_server: LiveServer) -> None:
    app = make_app(mysql_scratch)
    async with app.run_test(size=(160, 48), notifications=True) as pilot:
        await started(pilot, app)
        await type_statement(pilot, app, "SELECT SLEEP(30)")
        await pilot.press("ctrl+r")
        await _cancel_and_check(pilot, app, lambda: _maria_running(mysql_server), "SLEEP")
