"""ResultsGrid: a capped page of query results (or sampled MongoDB documents) with a footer line.

Public API (for the screen that hosts it):

- ``ResultsGrid(page=None, *, cell_limit=60, export_dir=None, id=None, classes=None)``
- ``show_page(page: ResultPage)`` replaces the content; ``show_documents(docs, truncated=False)`` shows
  MongoDB documents flattened (``a.b`` columns, arrays as compact JSON); ``clear()`` empties it.
- ``page`` (the ResultPage shown), ``current_value()`` (the raw value under the cursor).
- ``export(fmt, path=None) -> Path`` writes the fetched rows as ``"csv"`` or ``"json"``.
- Messages: ``ResultsGrid.Copied(text, what)`` after a copy, ``ResultsGrid.Exported(path, fmt, rows)``
  after an export (both carry ``grid``; the widget has already notified the user).
- Bindings (ids for ``App.set_keymap``): ``results.copy_cell`` ``y``, ``results.copy_row`` ``Y``,
  ``results.export_csv`` ``x``, ``results.export_json`` ``X``, ``results.cell_detail`` ``space``
  (``enter`` opens the cell detail too: ``results.choose`` on the inner ResultsTable).

Display rules: NULL is a dim ``NULL``; binary is ``\\x`` + the first 8 bytes in hex and the length;
JSON compact; values longer than ``cell_limit`` end in ``…`` (the detail modal shows all of it); a
footer line counts the rows and says ``(capped — more on the server)`` when ``page.truncated``.
Copies go through ``App.copy_to_clipboard`` (OSC 52) and the notification says exactly what was sent,
since terminals and tmux may drop OSC 52; exports are the fallback and land in ``data_dir()/exports``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Static, TextArea

from tui.core.fmt import ms, num
from tui.core.session import ResultPage
from tui.widgets.result_cells import (
    CELL_LIMIT,
    export_text,
    flatten_documents,
    full_text,
    row_export_text,
    write_csv,
    write_json,
)
from tui.widgets.results_table import ResultsTable
from tui.widgets.safe_textarea import SafeTextArea
from tui.widgets.safetext import safe_text


def describe_sent(text: str) -> str:
    """What a notification says about a copy: the size and the first line, shortened."""
    first = text.split("\n", 1)[0]
    if len(first) > 50:
        first = first[:49] + "…"
    lines = text.count("\n") + 1 if text else 0
    more = f", {num(lines)} lines" if lines > 1 else ""
    return f"{num(len(text))} characters{more}: {first!r}"


class CellDetailScreen(ModalScreen[None]):
    """The whole value of one cell in a read-only, selectable text area; ``y`` copies it."""

    DEFAULT_CSS = """
    CellDetailScreen { align: center middle; }
    CellDetailScreen > Vertical {
        width: 80%; height: 80%; border: round $primary; background: $surface; padding: 0 1;
    }
    CellDetailScreen #cell-title { height: auto; text-style: bold; }
    CellDetailScreen TextArea { height: 1fr; }
    CellDetailScreen #cell-help { height: 1; color: $text-muted; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "dismiss", "Close", id="cell_detail.close"),
        Binding("y", "copy", "Copy value", id="cell_detail.copy"),
    ]

    def __init__(self, title: str, value: Any) -> None:
        super().__init__()
        self._title = title
        self._value = value

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(safe_text(self._title), id="cell-title")
            yield SafeTextArea(full_text(self._value), read_only=True, soft_wrap=True, id="cell-text")
            yield Static("y copy · escape close · select with shift+arrows", id="cell-help")

    def on_mount(self) -> None:
        self.query_one(TextArea).focus()

    def action_copy(self) -> None:
        text = export_text(self._value)
        self.app.copy_to_clipboard(text)
        self.notify(f"Sent to the clipboard (OSC 52): {describe_sent(text)}", title="Copied value")


class ResultsGrid(Vertical):
    """A capped result page: a line-API ResultsTable plus a footer line with the row count and cap."""

    HELP = """
**Results** — the fetched rows, capped on the server side (the footer says when more exist). NULL is
dim, binary shows `\\x…` hex with its length, long values end in `…`.

`enter`/`space` the whole value · `y` copy the cell · `Y` copy the row (tab-separated) ·
`x` export CSV · `X` export JSON (the file path is shown).
"""

    DEFAULT_CSS = """
    ResultsGrid { height: 1fr; }
    ResultsGrid > ResultsTable { height: 1fr; }
    ResultsGrid > #results-footer { height: auto; max-height: 2; padding: 0 1; color: $text-muted; }
    ResultsGrid > #results-footer.-capped { color: $warning; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "copy_cell", "Copy cell", id="results.copy_cell"),
        Binding("Y", "copy_row", "Copy row", show=False, id="results.copy_row"),
        Binding("x", "export('csv')", "Export CSV", id="results.export_csv"),
        Binding("X", "export('json')", "Export JSON", show=False, id="results.export_json"),
        Binding("space", "cell_detail", "Cell detail", id="results.cell_detail"),
    ]

    class Copied(Message):
        """Text was sent to the clipboard (OSC 52); ``what`` says which part (cell or row)."""

        def __init__(self, grid: ResultsGrid, text: str, what: str) -> None:
            super().__init__()
            self.grid = grid
            self.text = text
            self.what = what

        @property
        def control(self) -> ResultsGrid:
            return self.grid

    class Exported(Message):
        """The fetched rows were written to ``path`` as ``fmt`` (``csv`` or ``json``)."""

        def __init__(self, grid: ResultsGrid, path: Path, fmt: str, rows: int) -> None:
            super().__init__()
            self.grid = grid
            self.path = path
            self.fmt = fmt
            self.rows = rows

        @property
        def control(self) -> ResultsGrid:
            return self.grid

    def __init__(
        self,
        page: ResultPage | None = None,
        *,
        cell_limit: int = CELL_LIMIT,
        export_dir: Path | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(id=id, classes=classes)
        self._page = page or ResultPage(columns=[], column_types=[], rows=[])
        self._cell_limit = cell_limit
        self._export_dir = export_dir

    def compose(self) -> ComposeResult:
        yield ResultsTable(cell_limit=self._cell_limit, id="results-table")
        yield Static("", id="results-footer", markup=False)

    def on_mount(self) -> None:
        self._load()

    # -- public API ---------------------------------------------------------------------------------

    @property
    def page(self) -> ResultPage:
        return self._page

    @property
    def table(self) -> ResultsTable:
        return self.query_one("#results-table", ResultsTable)

    def show_page(self, page: ResultPage) -> None:
        """Replace the grid's content with ``page``."""
        self._page = page
        if self.is_mounted:
            self._load()

    def show_documents(self, docs: Iterable[Mapping[str, Any]], *, truncated: bool = False) -> None:
        """Show MongoDB documents, flattened to dotted columns."""
        self.show_page(flatten_documents(docs, truncated=truncated))

    def clear(self) -> None:
        self.show_page(ResultPage(columns=[], column_types=[], rows=[]))

    def focus(self, scroll_visible: bool = True) -> ResultsGrid:
        self.table.focus(scroll_visible)
        return self

    def current_value(self) -> Any:
        """The raw value under the cursor (None when the grid is empty — check ``page.rows``)."""
        row, col = self.table.cursor
        if not self._page.rows or row >= len(self._page.rows):
            return None
        return self.table.value_at(row, col)

    def export(self, fmt: str, path: Path | None = None) -> Path:
        """Write the fetched rows to ``path`` (default: a timestamped file in the export dir)."""
        if fmt not in ("csv", "json"):
            raise ValueError(f"unknown export format {fmt!r}")
        if path is None:
            stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
            path = self._exports_dir() / f"results-{stamp}.{fmt}"
        writer = write_csv if fmt == "csv" else write_json
        rows = writer(self._page, path)
        self.post_message(self.Exported(self, path, fmt, rows))
        return path

    # -- rendering ----------------------------------------------------------------------------------

    def _load(self) -> None:
        self.table.load(self._page)
        self._update_footer()

    def _update_footer(self) -> None:
        page = self._page
        footer = self.query_one("#results-footer", Static)
        count = len(page.rows)
        if not page.columns:
            text = page.status or (f"{num(page.rowcount)} rows affected" if page.rowcount is not None else "")
        else:
            noun = "row" if count == 1 else "rows"
            text = f"{num(count)} {noun}"
            if page.truncated:
                text += " (capped — more on the server)"
            text += f" · {num(len(page.columns))} columns"
        if page.elapsed_ms:
            text += f" · {ms(page.elapsed_ms)}"
        if page.rows and page.columns:
            row, col = self.table.cursor
            text += f" · row {num(row + 1)}, {page.columns[col]}"
        footer.update(safe_text(text))
        footer.set_class(page.truncated, "-capped")

    # -- actions ------------------------------------------------------------------------------------

    def _exports_dir(self) -> Path:
        if self._export_dir is not None:
            return self._export_dir
        from tui.config import data_dir

        return data_dir() / "exports"

    def _send(self, text: str, what: str) -> None:
        self.app.copy_to_clipboard(text)
        self.notify(f"Sent to the clipboard (OSC 52): {describe_sent(text)}", title=f"Copied {what}")
        self.post_message(self.Copied(self, text, what))

    def action_copy_cell(self) -> None:
        if not self._page.rows:
            self.notify("Nothing to copy: the result has no rows.", severity="warning")
            return
        row, col = self.table.cursor
        name = self._page.columns[col] if col < len(self._page.columns) else "?"
        self._send(export_text(self.current_value()), f"cell {name}, row {num(row + 1)}")

    def action_copy_row(self) -> None:
        if not self._page.rows:
            self.notify("Nothing to copy: the result has no rows.", severity="warning")
            return
        row = self.table.cursor[0]
        self._send(row_export_text(self._page.rows[row]), f"row {num(row + 1)}")

    def action_export(self, fmt: str) -> None:
        if not self._page.columns:
            self.notify("Nothing to export: no result is shown.", severity="warning")
            return
        try:
            path = self.export(fmt)
        except OSError as exc:
            self.notify(f"Could not write the export: {exc}", severity="error", title="Export failed")
            return
        rows = len(self._page.rows)
        self.notify(
            f"Wrote {num(rows)} {'row' if rows == 1 else 'rows'} to {path}",
            title=f"Exported {fmt.upper()}",
            timeout=10,
        )

    def action_cell_detail(self) -> None:
        if self._page.rows:
            self._open_detail(*self.table.cursor)

    @on(ResultsTable.CursorMoved)
    def _cursor_moved(self, event: ResultsTable.CursorMoved) -> None:
        event.stop()
        self._update_footer()

    @on(ResultsTable.CellChosen)
    def _cell_chosen(self, event: ResultsTable.CellChosen) -> None:
        event.stop()
        self._open_detail(event.row, event.column)

    def _open_detail(self, row: int, col: int) -> None:
        if row >= len(self._page.rows) or col >= len(self._page.columns):
            return
        name = self._page.columns[col]
        ctype = self._page.column_types[col] if col < len(self._page.column_types) else ""
        title = f"{name}{f' ({ctype})' if ctype else ''} — row {num(row + 1)}"
        self.app.push_screen(CellDetailScreen(title, self._page.rows[row][col]))
