"""Issue 15 B7 in the TUI, live on PostgreSQL: a schema whose names, comments and values carry OSC/CSI
sequences, 8-bit CSI, newlines and Rich markup is browsed (tree, detail tabs, DDL), queried (results
grid), explained (plan view) and made to fail (error toast); after each step the painted screen has no
raw control character, the tree row of a name with a newline stays one line, and markup stays literal.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from rich.text import Text

from tests.live import LiveServer
from tests.tui.app_support import wait_until
from tests.tui.workbench_support import make_app, run_in_editor, settle, started
from tui.app import DbscopeApp
from tui.widgets.detail_pane import DetailPane, KeyTable
from tui.widgets.plan_view import PlanView
from tui.widgets.schema_tree import SchemaTree

pytestmark = pytest.mark.live_pg

OSC = "\x1b]0;pwned\x07"
TABLE = "two\nlines\x1b[2J"
SETUP = f"""
CREATE TABLE "{TABLE}" (id int PRIMARY KEY, "c\x1b[?1049h" int, note text);
COMMENT ON COLUMN "{TABLE}".note IS 'comment {OSC} [red]x[/]';
CREATE INDEX "ix{OSC}" ON "{TABLE}" ("c\x1b[?1049h");
CREATE VIEW "[red]v[/]\x9b2J" AS SELECT * FROM "{TABLE}";
INSERT INTO "{TABLE}" VALUES (1, 1, '{OSC}[bold]b[/]
next'), (2, 2, 'plain');
"""


def raw_controls(text: str) -> list[str]:
    return [
        c
        for c in text
        if ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F or 0x202A <= ord(c) <= 0x202E or 0x2066 <= ord(c) <= 0x2069
    ]


def screen_lines(app: DbscopeApp) -> list[str]:
    """The painted lines of the screen on top (toasts included), as the terminal would get them."""
    return [strip.text for strip in app.screen._compositor.render_strips()]


def assert_screen_safe(app: DbscopeApp) -> str:
    lines = screen_lines(app)
    bad = [(number, line) for number, line in enumerate(lines) if raw_controls(line)]
    assert bad == [], bad
    svg = app.export_screenshot()
    assert [c for c in svg if c != "\n" and (ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F)] == []
    return "\n".join(lines)


@pytest.fixture(scope="module")
def hostile_url(pg_server: LiveServer) -> Iterator[str]:
    name = f"b7_termsafe_tui_{uuid.uuid4().hex[:8]}"
    for url in pg_server.scratch_database(name):
        pg_server.execute(SETUP, name)
        yield url


async def test_hostile_schema_browsed_queried_explained(hostile_url: str) -> None:
    app = make_app(hostile_url)
    async with app.run_test(size=(160, 48), notifications=True) as pilot:
        await started(pilot, app)
        tree = app.main_screen.query_one(SchemaTree)
        public = next(n for n in tree.root.children if n.data is not None and n.data.name == "public")
        tree.move_cursor(public)
        await pilot.press("space")
        await wait_until(pilot, lambda: any(c.data is not None for c in public.children), "public's tables")
        await pilot.pause()
        row = next(c for c in public.children if c.data is not None and c.data.name == TABLE)
        assert "\n" not in row.label.plain and row.label.plain.startswith("two↵lines\\x1b[2J")
        shown = assert_screen_safe(app)
        # One tree row: the escaped name and what follows it on the same painted line.
        assert any("two↵lines\\x1b[2J" in line for line in shown.splitlines())
        assert "[red]v[/]\\x9b2J" in shown  # markup in a view name stays literal

        tree.move_cursor(row)
        await pilot.press("enter")
        detail = app.main_screen.query_one(DetailPane)
        await wait_until(pilot, lambda: detail.detail is not None, "the hostile table's detail")
        await pilot.pause()
        assert_screen_safe(app)
        columns = detail.query_one("#table-columns", KeyTable)
        comment = columns.get_row_at(2)[7]  # off-screen at this width: the cell, as the table paints it
        assert isinstance(comment, Text) and comment.plain == "comment \\x1b]0;pwned\\x07 [red]x[/]"
        detail.show_tab("indexes")
        await pilot.pause()
        assert "ix\\x1b]0;pwned\\x07" in assert_screen_safe(app)
        detail.show_tab("ddl")
        await pilot.pause()
        shown = assert_screen_safe(app)
        assert "ix␛]0;pwned" in shown  # the DDL editor paints control pictures (Rich drops the BEL)
        assert OSC in detail.query_one("#ddl").text  # type: ignore[attr-defined]  # copied exact

        await run_in_editor(pilot, app, f'SELECT note FROM "{TABLE}" ORDER BY id')
        shown = assert_screen_safe(app)
        assert "\\x1b]0;pwned\\x07[bold]b[/]↵next" in shown

        await run_in_editor(pilot, app, f'SELECT * FROM "{TABLE}" WHERE "c\x1b[?1049h" = 1', key="ctrl+e")
        view = app.main_screen.query_one(PlanView)
        await wait_until(pilot, lambda: view.plan is not None, "the plan")
        await settle(pilot, app)
        view.tree.focus()
        await pilot.pause()
        shown = assert_screen_safe(app)
        assert "two↵lines\\x1b[2J" in shown

        await run_in_editor(pilot, app, f'SELECT * FROM "missing{OSC}[red]x[/]"')
        await wait_until(pilot, lambda: "missing" in "\n".join(screen_lines(app)), "the error")
        await wait_until(pilot, lambda: bool(app.screen.query("Toast")), "the error toast")
        await pilot.pause()
        shown = assert_screen_safe(app)
        assert "missing\\x1b]0;pwned\\x07[red]x[/]" in shown


async def test_notify_override_takes_any_text(hostile_url: str) -> None:
    app = make_app(hostile_url)
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        await started(pilot, app)
        app.main_screen.notify(f"server said {OSC}\x9b2J [link=http://x]y[/link]", title=f"t{OSC}\nx")
        await wait_until(pilot, lambda: "server said" in "\n".join(screen_lines(app)), "the toast")
        shown = assert_screen_safe(app)
        toast = list(app._notifications)[-1]
        assert toast.message == "server said \\x1b]0;pwned\\x07\\x9b2J [link=http://x]y[/link]"
        assert toast.title == "t\\x1b]0;pwned\\x07↵x" and not toast.markup
        assert "server said \\x1b]0;pwned" in shown and "t\\x1b]0;pwned\\x07↵x" in shown
