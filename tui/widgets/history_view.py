"""HistoryView: the query history of the current connection, searchable as you type, re-runnable.

Public API (for the screen that hosts it):

- ``HistoryView(history: QueryHistory, id=None, classes=None)``; ``reload()`` re-reads the file.
- Messages: ``HistoryView.Open(entry)`` (enter: put the statement into the editor),
  ``HistoryView.Rerun(entry)`` (``ctrl+r``: run it again).
- Bindings (ids for ``App.set_keymap``): ``history.open`` enter, ``history.rerun`` ctrl+r,
  ``history.search`` / (focus the search box).
"""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import DataTable, Input, Static

from tui.core.fmt import ms, num
from tui.history import HistoryEntry, QueryHistory
from tui.widgets.safetext import safe_text


class HistoryView(Vertical):
    """The statements run, explained and analyzed on this connection, newest first."""

    PANE_TITLE = "History"
    HELP = """
**History** — every statement run, explained or analyzed on this connection and database, newest first,
with its duration, rows and outcome (passwords masked). Kept in the data directory.

`/` searches (every word must match) · `enter` opens the statement in the query editor · `ctrl+r` runs
it again (a write still asks first in a read-write session).
"""
    DEFAULT_CSS = """
    HistoryView { height: 1fr; }
    HistoryView > Input { height: 3; }
    HistoryView > DataTable { height: 1fr; }
    HistoryView > #history-selected {
        height: auto; max-height: 5; padding: 0 1; border-top: hkey $panel-lighten-2;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        # priority: the table's own enter ("select", no id) would hide this one from `?` and the footer;
        # in the search box enter still moves to the table (check_action).
        Binding("enter", "open", "Open in editor", id="history.open", priority=True),
        Binding("ctrl+r", "rerun", "Run again", id="history.rerun"),
        Binding("slash", "focus_search", "Search", id="history.search"),
    ]

    class Open(Message):
        def __init__(self, entry: HistoryEntry) -> None:
            super().__init__()
            self.entry = entry

    class Rerun(Message):
        def __init__(self, entry: HistoryEntry) -> None:
            super().__init__()
            self.entry = entry

    def __init__(self, history: QueryHistory, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.history = history
        self._shown: list[HistoryEntry] = []

    def compose(self) -> ComposeResult:
        yield Input(placeholder="search the history (every word must match)", id="history-search")
        table: DataTable[str] = DataTable(cursor_type="row", zebra_stripes=True)
        yield table
        # The whole statement of the highlighted row: in a narrow pane the Statement column is off-screen.
        yield Static("", id="history-selected", markup=False)

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        for label in ("When (UTC)", "Kind", "Duration", "Rows", "Status", "Statement"):
            table.add_column(label, key=label)
        self.reload()

    def reload(self, text: str = "") -> None:
        self._shown = self.history.search(text, limit=500) if text.strip() else self.history.entries(500)
        table = self.query_one(DataTable)
        table.clear()
        for e in self._shown:
            table.add_row(
                safe_text(e.timestamp[:19].replace("T", " "), end=""),
                safe_text(e.kind, end=""),  # the history file may have been edited
                ms(e.duration_ms),
                num(e.rows) if e.rows is not None else "–",
                # Text, not str: DataTable reads a str as markup, and SQL has brackets (a[i], [mysqld]).
                safe_text(e.status, no_wrap=True, end=""),
                safe_text(" ".join(e.query.split())[:120], no_wrap=True, end=""),
            )
        self._show_selected()

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
        self._show_selected()

    def _show_selected(self) -> None:
        entry = self.selected
        self.query_one("#history-selected", Static).update(
            safe_text(" ".join(entry.query.split())) if entry else ""
        )

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        self.reload(event.value)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.query_one(DataTable).focus()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # enter in the search box goes to the table (on_input_submitted), not to the editor
        return not (action == "open" and isinstance(self.screen.focused, Input))

    @property
    def selected(self) -> HistoryEntry | None:
        row = self.query_one(DataTable).cursor_row
        return self._shown[row] if 0 <= row < len(self._shown) else None

    def action_open(self) -> None:
        if self.selected is not None:
            self.post_message(self.Open(self.selected))

    def action_rerun(self) -> None:
        if self.selected is not None:
            self.post_message(self.Rerun(self.selected))

    def action_focus_search(self) -> None:
        self.query_one(Input).focus()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_open()
