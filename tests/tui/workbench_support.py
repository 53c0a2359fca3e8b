"""Helpers for the workbench Pilot tests: start the app on a URL, wait for the adapter work to finish
(the tree's loader loop aside), type a statement into the editor and run/explain it, read the history."""

from __future__ import annotations

from typing import Any

from textual.pilot import Pilot

from tests.tui.app_support import wait_until
from tui.app import DbscopeApp
from tui.config import Settings, data_dir
from tui.core.connspec import ConnectionSpec, parse_url
from tui.history import HistoryEntry, QueryHistory

LONG_RUNNING = frozenset({"tree-loader"})


def make_app(url: str | ConnectionSpec, settings: Settings | None = None, **kwargs: Any) -> DbscopeApp:
    spec = parse_url(url) if isinstance(url, str) else url
    return DbscopeApp(spec=spec, settings=settings, watch_terminal=False, **kwargs)


async def settle(pilot: Pilot[Any], app: DbscopeApp) -> None:
    """Wait for every worker but the tree's loader loop, then let the posted messages be handled."""
    for _ in range(3):
        busy = [w for w in app.workers if w.is_running and w.group not in LONG_RUNNING]
        if busy:
            await app.workers.wait_for_complete(busy)
        await pilot.pause()


async def started(pilot: Pilot[Any], app: DbscopeApp) -> None:
    screen = app.main_screen
    await wait_until(pilot, lambda: screen.status.connected, "the connection")
    await screen.panes_ready()
    await settle(pilot, app)


def history_of(app: DbscopeApp) -> list[HistoryEntry]:
    """The entries the app wrote for its current connection, newest first (read from the file)."""
    history = app.main_screen.current_history()
    assert history is not None
    return history.entries()


def history_for(spec: ConnectionSpec) -> QueryHistory:
    return QueryHistory.for_connection(spec, data_dir())


async def type_statement(pilot: Pilot[Any], app: DbscopeApp, text: str) -> None:
    """Put ``text`` alone in the query editor, cursor at its end, focus on it (INSERT mode)."""
    screen = app.main_screen
    await screen.panes_ready()
    await pilot.press("2")
    editor = screen.query_editor
    editor.load_text(text)
    editor.move_cursor(editor.document.end)
    editor.set_insert_mode(True)
    editor.focus()
    await pilot.pause()


async def run_in_editor(pilot: Pilot[Any], app: DbscopeApp, text: str, key: str = "ctrl+r") -> int:
    """Type ``text``, press ``key`` (ctrl+r run, ctrl+e explain, f6 analyze) and wait for the outcome,
    a history entry or a modal. Returns how many history entries there are afterwards."""
    before = len(history_of(app))
    await type_statement(pilot, app, text)
    await pilot.press(key)
    await wait_until(
        pilot,
        lambda: len(history_of(app)) > before or app.screen is not app.main_screen,
        f"the outcome of {text!r}",
    )
    await settle(pilot, app)
    return len(history_of(app))


def notifications(app: DbscopeApp) -> list[str]:
    return [f"{n.title}: {n.message}" for n in app._notifications]


def results_footer(app: DbscopeApp) -> str:
    return str(app.main_screen.results_grid.query_one("#results-footer").render())
