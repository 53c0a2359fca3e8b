"""SVG snapshots of the screens a DBA judges dbscope by, at 80×24 and 160×48, in the default theme and
the light one: the plan view with a plan (its hottest node selected), the advisor panel with findings
and their DDL, and the help screen of the plan tree. (The main screen's own snapshots are in
test_snapshots.py.) Content is fixed: a recorded MariaDB plan opened from tests/fixtures/plans through
the plan view's open-file path, the advisor's findings on it, and a live database with a fixed name
and schema (the status bar and the tree show them). Toasts are cleared and cursors do not blink."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from textual.widgets import Input, TextArea

from tests.live import LiveServer
from tests.tui.app_support import SHOP_SQL, pin_server_identity, wait_until
from tui.app import DbscopeApp
from tui.config import Settings
from tui.core.connspec import parse_url
from tui.widgets.advisor_panel import AdvisorPanel
from tui.widgets.plan_view import PlanView
from tui.widgets.schema_tree import SchemaTree

pytestmark = pytest.mark.live_pg
SNAPSHOT_DB = "dbscope_snapshot_screens"
PLAN_FILE = Path(__file__).resolve().parent.parent / "fixtures" / "plans" / "mariadb-analyze-bnl.json"
BUSY_GROUPS = {"catalog", "detail", "advisor", "connect", "schema", "plan-open"}
THEMES = ("dbscope-dark", "dbscope-light")
SIZES = ((80, 24), (160, 48))


@pytest.fixture(scope="module")
def snapshot_url(pg_server: LiveServer) -> Iterator[str]:
    pg_server.execute(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
        f"WHERE datname = '{SNAPSHOT_DB}' AND pid <> pg_backend_pid()"
    )
    pg_server.execute(f"DROP DATABASE IF EXISTS {SNAPSHOT_DB}")
    for url in pg_server.scratch_database(SNAPSHOT_DB):
        pg_server.execute(SHOP_SQL, SNAPSHOT_DB)
        yield url


async def _freeze(pilot) -> None:  # type: ignore[no-untyped-def]
    """Every worker done, no toast, no blinking cursor, no running-work text."""
    app = pilot.app
    await wait_until(
        pilot, lambda: not any(w.is_running and w.group in BUSY_GROUPS for w in app.workers), "idle workers"
    )
    await pilot.pause(0.2)
    # The footer mounts after the first frame and fills its keys a refresh later.
    await wait_until(pilot, lambda: bool(app.main_screen.query("FooterKey")), "the footer's keys")
    for screen in app.screen_stack:
        for widget in screen.query("*"):
            if isinstance(widget, TextArea | Input):
                widget.cursor_blink = False
    app.clear_notifications()
    app.main_screen.status.work = ""
    pin_server_identity(app, SNAPSHOT_DB)
    await pilot.pause()


async def _plan_opened(pilot) -> PlanView:  # type: ignore[no-untyped-def]
    app = pilot.app
    main = app.main_screen
    tree = main.query_one(SchemaTree)
    await wait_until(
        pilot, lambda: bool(tree.root.children) and tree.root.children[0].data is not None, "roots"
    )
    await wait_until(pilot, lambda: bool(main.query(PlanView)), "the centre panes")
    await pilot.press("3")
    view = main.query_one(PlanView)
    view.open_path(PLAN_FILE)
    await wait_until(pilot, lambda: view.plan is not None, "the plan file")
    panel = main.query_one(AdvisorPanel)
    await wait_until(pilot, lambda: panel.context_label.startswith("plan file"), "the plan's findings")
    view.jump_to_hottest()
    view.tree.focus()
    return view


async def _plan_scene(pilot) -> None:  # type: ignore[no-untyped-def]
    await _plan_opened(pilot)
    await _freeze(pilot)


async def _advisor_scene(pilot) -> None:  # type: ignore[no-untyped-def]
    await _plan_opened(pilot)
    main = pilot.app.main_screen
    if main.query_one("#advisor").has_class("-hidden"):
        await pilot.press("a")  # narrow terminals: the advisor opens over the centre
    panel = main.query_one(AdvisorPanel)
    panel.focus()
    await _freeze(pilot)


async def _help_scene(pilot) -> None:  # type: ignore[no-untyped-def]
    await _plan_opened(pilot)
    await _freeze(pilot)  # before the modal: the screen under it is not repainted (its toasts would stay)
    await pilot.press("question_mark")
    await _freeze(pilot)


def _app(url: str, theme: str) -> DbscopeApp:
    return DbscopeApp(spec=parse_url(url), settings=Settings(), theme=theme, watch_terminal=False)


@pytest.mark.parametrize("theme", THEMES)
@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_plan_view_snapshot(snap_compare, snapshot_url: str, theme: str, size: tuple[int, int]) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(_app(snapshot_url, theme), terminal_size=size, run_before=_plan_scene)


@pytest.mark.parametrize("theme", THEMES)
@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_advisor_panel_snapshot(snap_compare, snapshot_url: str, theme: str, size: tuple[int, int]) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(_app(snapshot_url, theme), terminal_size=size, run_before=_advisor_scene)


@pytest.mark.parametrize("theme", THEMES)
@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_help_screen_snapshot(snap_compare, snapshot_url: str, theme: str, size: tuple[int, int]) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(_app(snapshot_url, theme), terminal_size=size, run_before=_help_scene)
