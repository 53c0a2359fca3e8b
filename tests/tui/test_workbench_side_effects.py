"""Side effects a read-only transaction lets through, attempted through the app on live PostgreSQL and
MariaDB: the editor's run, EXPLAIN ANALYZE with the confirmation accepted, and a re-run from the history
are all refused in the default session, naming the statement, and the server is left as it was (a
backend the test started is still sleeping, no file, no lock, no large object, the global setting
unchanged). In a --read-write session the same statement asks first, naming it; declining runs nothing."""

from __future__ import annotations

import contextlib
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import psycopg
import pymysql
import pytest
from textual.widgets import DataTable

from tests.live import LiveServer, db_name
from tests.tui.app_support import wait_until
from tests.tui.workbench_support import history_of, make_app, results_footer, run_in_editor, settle, started
from tui.core.connspec import parse_url
from tui.screens.confirm import ConfirmModal
from tui.widgets.status_bar import StatusBar


@dataclass
class Target:
    url: str
    statements: list[str]  # each has a side effect the server's read-only mode does not stop
    state: Callable[[], tuple[Any, ...]]  # read on the server by the test's own connection


def _sleeping_victim(connect: Callable[[], Any], run: Callable[[Any], None]) -> tuple[Any, threading.Thread]:
    conn = connect()
    thread = threading.Thread(target=lambda: run(conn), daemon=True)
    thread.start()
    return conn, thread


def _pg_target(server: LiveServer, url: str) -> Iterator[Target]:
    database = db_name(url)
    server.execute("CREATE TABLE t (id int); INSERT INTO t VALUES (1)", database)
    tag = f"dbscope_ui_{uuid.uuid4().hex[:8]}"

    def sleep(conn: Any) -> None:
        with contextlib.suppress(psycopg.Error):
            conn.execute("SELECT pg_sleep(300)")

    victim, thread = _sleeping_victim(
        lambda: psycopg.connect(url, autocommit=True, application_name=tag), sleep
    )
    pid = victim.info.backend_pid

    def state() -> tuple[Any, ...]:
        return server.execute(
            f"SELECT (SELECT state || ':' || query_start::text FROM pg_stat_activity WHERE pid = {pid}), "
            "(SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'), "
            "(SELECT count(*) FROM pg_largeobject_metadata), "
            f"(pg_stat_file('/tmp/{tag}_program', true)).size, (pg_stat_file('/tmp/{tag}_copy', true)).size",
            database,
        )[0]

    deadline = time.monotonic() + 10
    while not str(state()[0]).startswith("active:"):
        assert time.monotonic() < deadline, "the victim never started sleeping"
        time.sleep(0.05)
    try:
        yield Target(
            url,
            [
                f"SELECT pg_terminate_backend({pid})",
                f"SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE application_name = '{tag}'",
                "SELECT pg_advisory_lock(7)",
                "SELECT lo_from_bytea(0, 'x')",
                f"COPY (SELECT 1) TO PROGRAM 'touch /tmp/{tag}_program'",
                f"COPY t TO '/tmp/{tag}_copy'",
            ],
            state,
        )
    finally:
        server.execute(f"SELECT pg_terminate_backend({pid})")
        thread.join(timeout=10)
        victim.close()


def _maria_target(server: LiveServer, url: str) -> Iterator[Target]:
    database = db_name(url)
    server.execute("CREATE TABLE t (id INT) ENGINE=InnoDB; INSERT INTO t VALUES (1)", database)
    tag = f"dbscope_ui_{uuid.uuid4().hex[:8]}"

    def sleep(conn: Any) -> None:
        with contextlib.suppress(pymysql.Error), conn.cursor() as cur:
            cur.execute(f"SELECT SLEEP(300) AS {tag}")

    victim, thread = _sleeping_victim(
        lambda: pymysql.connect(**server.mysql_kwargs(), autocommit=True), sleep
    )
    thread_id = victim.thread_id()

    def state() -> tuple[Any, ...]:
        return (
            server.execute(
                f"SELECT COMMAND, INFO FROM information_schema.PROCESSLIST WHERE ID = {thread_id}"
            ),
            server.execute(
                f"SELECT IS_USED_LOCK('{tag}'), @@GLOBAL.max_connections, LOAD_FILE('/tmp/{tag}_dump') IS NULL"
            )[0],
        )

    deadline = time.monotonic() + 10
    while not state()[0] or state()[0][0][0] != "Query":
        assert time.monotonic() < deadline, "the victim never started sleeping"
        time.sleep(0.05)
    try:
        yield Target(
            url,
            [
                f"KILL {thread_id}",
                f"KILL QUERY {thread_id}",
                f"SELECT GET_LOCK('{tag}', 0)",
                f"SELECT 'x' INTO DUMPFILE '/tmp/{tag}_dump'",
                "SET GLOBAL max_connections = 7",
            ],
            state,
        )
    finally:
        with contextlib.suppress(pymysql.Error):
            server.execute(f"KILL {thread_id}")
        thread.join(timeout=10)
        with contextlib.suppress(pymysql.Error):
            victim.close()


@pytest.fixture(params=["postgresql", "mariadb"])
def target(request: pytest.FixtureRequest) -> Iterator[Target]:
    if request.param == "postgresql":
        request.applymarker(pytest.mark.live_pg)
        yield from _pg_target(request.getfixturevalue("pg_server"), request.getfixturevalue("pg_scratch"))
    else:
        request.applymarker(pytest.mark.live_mysql)
        yield from _maria_target(
            request.getfixturevalue("mysql_server"), request.getfixturevalue("mysql_scratch")
        )


def _refused(text: str) -> bool:
    return "read-only" in text.lower()


async def _attempt(pilot, app, statement: str, key: str, *, confirm: bool | None = None) -> str:  # type: ignore[no-untyped-def]
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


async def test_read_only_app_refuses_side_effects_on_every_path(target: Target) -> None:
    before = target.state()
    app = make_app(target.url)
    attempts = 0
    async with app.run_test(size=(160, 48), notifications=True) as pilot:
        await started(pilot, app)
        screen = app.main_screen
        for statement in target.statements:
            status = await _attempt(pilot, app, statement, "ctrl+r")
            attempts += 1
            assert status.startswith("error:") and _refused(status), (statement, status)
            assert _refused(results_footer(app)), results_footer(app)
            if statement.startswith("SELECT"):
                status = await _attempt(pilot, app, statement, "f6")  # refused at once, never asked
                attempts += 1
                assert status.startswith("error:") and _refused(status), (statement, status)
            assert target.state() == before, statement
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
            assert history_of(app)[0].query == statement and _refused(history_of(app)[0].status)
        assert "READ-ONLY" in screen.query_one(StatusBar).render().plain
    assert target.state() == before
    selects = sum(1 for s in target.statements if s.startswith("SELECT"))
    assert attempts == 2 * len(target.statements) + selects


async def test_read_write_app_asks_before_a_side_effect(target: Target) -> None:
    before = target.state()
    spec = parse_url(target.url)
    spec.read_write = True
    app = make_app(spec)
    async with app.run_test(size=(160, 48), notifications=True) as pilot:
        await started(pilot, app)
        for statement in target.statements:
            assert await _attempt(pilot, app, statement, "ctrl+r", confirm=False) == "(not run)"
            if statement.startswith("SELECT"):
                # EXPLAIN ANALYZE's dialog must not promise a rollback that cannot undo the effect.
                await run_in_editor(pilot, app, statement, key="f6")
                assert isinstance(app.screen, ConfirmModal), statement
                assert "not undone" in app.screen.message and app.screen.confirm_label == "Run it"
                await pilot.press("n")
                await settle(pilot, app)
    assert target.state() == before
