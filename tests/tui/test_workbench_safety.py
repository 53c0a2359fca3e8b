"""Safety through every UI path, on live PostgreSQL and MariaDB (issue 9 in the app).

Default (read-only) session: INSERT / UPDATE / DELETE / TRUNCATE / DROP attempted through the editor's
run, EXPLAIN, EXPLAIN ANALYZE with the confirmation accepted, a re-run from the history and EXPLAIN from
the Top tab leave the rows as they were, the refusal is shown, and the READ-ONLY badge is on.
--read-write session: every path that would execute a write asks first, naming the statement; declining
runs nothing; accepting runs it (so the confirmation is what stands in the way)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from textual.widgets import DataTable, TextArea

from tests.live import LiveServer, db_name
from tests.tui.app_support import wait_until
from tests.tui.workbench_support import (
    history_for,
    history_of,
    make_app,
    notifications,
    results_footer,
    run_in_editor,
    settle,
    started,
    type_statement,
)
from tui.core.connspec import parse_url
from tui.core.session import StatementStat
from tui.screens.confirm import ConfirmModal
from tui.screens.prompts import ValuesModal
from tui.widgets.status_bar import StatusBar


@dataclass
class Target:
    engine: str
    url: str
    state: Callable[[], tuple[Any, ...]]  # (row count, sum, table exists) read on the server
    statements: list[str]
    # (normalized text as the server keeps it, with values filled in: "" when none are asked, None when
    # the statement has no plan and the app says so without sending anything)
    digests: list[tuple[str, str | None]]
    escape: str  # a statement that tries to turn the session's read-only mode off first


PG_SETUP = "CREATE TABLE acct (id int PRIMARY KEY, v int); INSERT INTO acct SELECT g, g FROM generate_series(1, 20) g;"
MARIA_SETUP = "CREATE TABLE acct (id INT PRIMARY KEY, v INT) ENGINE=InnoDB; INSERT INTO acct SELECT seq, seq FROM seq_1_to_20;"
INITIAL = (20, 210, True)


def _pg_target(server: LiveServer, url: str) -> Target:
    database = db_name(url)
    server.execute(PG_SETUP, database)

    def state() -> tuple[Any, ...]:
        exists = server.execute("SELECT to_regclass('public.acct') IS NOT NULL", database)[0][0]
        if not exists:
            return (None, None, False)
        count, total = server.execute("SELECT count(*), sum(v) FROM acct", database)[0]
        return (int(count), int(total), True)

    return Target(
        "postgresql",
        url,
        state,
        [
            "INSERT INTO acct VALUES (100, 1)",
            "UPDATE acct SET v = 0",
            "DELETE FROM acct",
            "TRUNCATE acct",
            "DROP TABLE acct",
        ],
        [  # pg_stat_statements keeps $n: the adapter explains them with a generic plan, no values asked
            ("INSERT INTO acct VALUES ($1, $2)", ""),
            ("UPDATE acct SET v = $1", ""),
            ("DELETE FROM acct WHERE id > $1", ""),
            ("TRUNCATE acct", None),
            ("DROP TABLE acct", None),
        ],
        "SET default_transaction_read_only = off",
    )


def _maria_target(server: LiveServer, url: str) -> Target:
    database = db_name(url)
    server.execute(MARIA_SETUP, database)

    def state() -> tuple[Any, ...]:
        exists = server.execute(
            f"SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = '{database}' "
            "AND TABLE_NAME = 'acct'"
        )[0][0]
        if not exists:
            return (None, None, False)
        count, total = server.execute("SELECT COUNT(*), SUM(v) FROM acct", database)[0]
        return (int(count), int(total), True)

    return Target(
        "mariadb",
        url,
        state,
        [
            "INSERT INTO acct VALUES (100, 1)",
            "UPDATE acct SET v = 0",
            "DELETE FROM acct",
            "TRUNCATE TABLE acct",
            "DROP TABLE acct",
        ],
        [  # performance_schema digests keep ?: the user is asked for values
            ("INSERT INTO `acct` VALUES (...)", "INSERT INTO `acct` VALUES (100, 1)"),
            ("UPDATE `acct` SET `v` = ?", "UPDATE `acct` SET `v` = 0"),
            ("DELETE FROM `acct` WHERE `id` > ?", "DELETE FROM `acct` WHERE `id` > 0"),
            ("TRUNCATE TABLE `acct`", None),
            ("DROP TABLE `acct`", None),
        ],
        "SET SESSION TRANSACTION READ WRITE",
    )


@pytest.fixture(params=["postgresql", "mariadb"])
def target(request: pytest.FixtureRequest) -> Target:
    if request.param == "postgresql":
        request.applymarker(pytest.mark.live_pg)
        return _pg_target(request.getfixturevalue("pg_server"), request.getfixturevalue("pg_scratch"))
    request.applymarker(pytest.mark.live_mysql)
    return _maria_target(request.getfixturevalue("mysql_server"), request.getfixturevalue("mysql_scratch"))


def _refused(text: str) -> bool:
    lowered = text.lower()
    return "read-only" in lowered or "read only" in lowered


async def _attempt(pilot, app, statement: str, key: str, *, confirm: bool | None = None) -> str:  # type: ignore[no-untyped-def]
    """Type ``statement``, press ``key``; answer a confirmation with ``confirm``; return the status of
    the history entry written (the outcome)."""
    before = len(history_of(app))
    await run_in_editor(pilot, app, statement, key=key)
    if confirm is not None:
        assert isinstance(app.screen, ConfirmModal), f"no confirmation for {statement!r} ({key})"
        assert statement in app.screen.detail
        await pilot.press("y" if confirm else "n")
        if confirm:
            await wait_until(pilot, lambda: len(history_of(app)) > before, f"the outcome of {statement!r}")
        await settle(pilot, app)
    assert app.screen is app.main_screen
    entries = history_of(app)
    return entries[0].status if len(entries) > before else "(not run)"


async def _top_explain(pilot, app, target: Target) -> list[str]:  # type: ignore[no-untyped-def]
    """Explain each normalized statement from the Top tab (values typed when the server kept `?`); a
    statement without a plan is named as such and nothing is sent. Returns the history statuses."""
    screen = app.main_screen
    screen.query_editor.set_insert_mode(False)
    screen.schema_pane.tree.focus()
    await pilot.press("t")
    await settle(pilot, app)
    top = screen.query_one("#top-statements")
    statuses = []
    for text, filled in target.digests:
        # Neither shared server keeps statement statistics, so the rows are the server's own format.
        top.show_statements(
            [StatementStat(text, calls=3, total_time_ms=9.0, mean_time_ms=3.0, rows=0)], target.engine
        )
        top.query_one(DataTable).focus()
        before = len(history_of(app))

        def explained(before: int = before) -> bool:
            return len(history_of(app)) > before

        await pilot.press("e")
        if filled is None:
            await settle(pilot, app)
            assert not explained() and app.screen is screen, text
            said = f"{text.split()[0].upper()} statements have no plan"
            assert any(t.startswith("Nothing to explain") and said in t for t in notifications(app))
            continue
        await wait_until(pilot, lambda: explained() or isinstance(app.screen, ValuesModal), f"e on {text!r}")
        if filled:
            assert isinstance(app.screen, ValuesModal), f"no values asked for {text!r}"
            assert app.screen.text == text  # prefilled with the statement as the server kept it
            app.screen.query_one(TextArea).load_text(filled)
            await pilot.press("ctrl+e")
        await wait_until(pilot, explained, f"the explain of {text!r}")
        await settle(pilot, app)
        statuses.append(history_of(app)[0].status)
        screen.centre.active = "top"
    return statuses


async def test_read_only_session_refuses_every_write_on_every_path(target: Target) -> None:
    app = make_app(target.url)
    attempts = 0
    async with app.run_test(size=(160, 48), notifications=True) as pilot:
        await started(pilot, app)
        screen = app.main_screen
        assert "READ-ONLY" in screen.query_one(StatusBar).render().plain
        await _attempt(pilot, app, target.escape, "ctrl+r")  # whatever it answers, writes stay refused
        for statement in target.statements:
            # 1. run from the editor: the server (or the adapter, before it) refuses, and says so
            status = await _attempt(pilot, app, statement, "ctrl+r")
            attempts += 1
            assert status.startswith("error:") and _refused(status), (statement, status)
            assert _refused(results_footer(app)), results_footer(app)
            assert any(_refused(text) for text in notifications(app))
            # 2. EXPLAIN: plans it (or fails to parse it) without executing it
            await _attempt(pilot, app, statement, "ctrl+e")
            attempts += 1
            # 3. EXPLAIN ANALYZE: refused at once in a read-only session, never asked first
            status = await _attempt(pilot, app, statement, "f6")
            attempts += 1
            assert status.startswith("error:") and _refused(status), (statement, status)
            assert target.state() == INITIAL, statement
            assert "READ-ONLY" in screen.query_one(StatusBar).render().plain

        # 4. re-run from the history: each statement's run entry, ctrl+r
        await pilot.press("escape", "h")
        await settle(pilot, app)
        table = screen.query_one("#history-view").query_one(DataTable)
        for statement in target.statements:
            entries = history_of(app)
            row = next(i for i, e in enumerate(entries) if e.query == statement and e.kind == "run")
            screen.centre.active = "history"
            table.focus()
            table.move_cursor(row=row)
            await pilot.pause()
            await pilot.press("ctrl+r")
            count = len(entries)
            await wait_until(pilot, lambda count=count: len(history_of(app)) > count, f"re-run {statement!r}")
            await settle(pilot, app)
            attempts += 1
            status = history_of(app)[0].status
            assert history_of(app)[0].query == statement and _refused(status), (statement, status)
            assert _refused(results_footer(app))

        # 5. EXPLAIN from the Top tab
        await _top_explain(pilot, app, target)
        attempts += len(target.digests)
        assert target.state() == INITIAL
    assert attempts == 25


async def test_read_write_session_asks_naming_the_statement(target: Target) -> None:
    spec = parse_url(target.url)
    spec.read_write = True
    for statement in target.statements:  # earlier runs, so the history offers them for ctrl+r
        history_for(spec).record(statement, rows=0, kind="run", database=db_name(target.url))
    app = make_app(spec)
    async with app.run_test(size=(160, 48), notifications=True) as pilot:
        await started(pilot, app)
        screen = app.main_screen
        assert "READ-WRITE" in screen.query_one(StatusBar).render().plain
        for statement in target.statements:
            assert await _attempt(pilot, app, statement, "ctrl+r", confirm=False) == "(not run)"
            assert await _attempt(pilot, app, statement, "f6", confirm=False) == "(not run)"
        assert target.state() == INITIAL

        await pilot.press("escape", "h")
        await settle(pilot, app)
        table = screen.query_one("#history-view").query_one(DataTable)
        assert table.row_count == len(target.statements)
        for row, statement in enumerate(reversed(target.statements)):
            screen.centre.active = "history"
            table.focus()
            table.move_cursor(row=row)
            await pilot.press("ctrl+r")
            await wait_until(
                pilot, lambda: isinstance(app.screen, ConfirmModal), f"the confirmation of {statement!r}"
            )
            assert statement in app.screen.detail  # type: ignore[attr-defined]
            await pilot.press("n")
            await settle(pilot, app)
        assert len(history_of(app)) == len(target.statements)  # nothing ran, nothing recorded
        assert target.state() == INITIAL

        # EXPLAIN (without ANALYZE) from the Top tab executes nothing, so it asks nothing.
        await _top_explain(pilot, app, target)
        assert target.state() == INITIAL

        # Accepting is what lets a write through.
        status = await _attempt(pilot, app, "DELETE FROM acct WHERE id = 1", "ctrl+r", confirm=True)
        assert status == "ok"
        assert target.state() == (19, 209, True)
        await type_statement(pilot, app, "SELECT 1")  # leave the editor in a plain state
