"""ResultsTable: a line-API grid for result pages — only the visible lines are ever formatted.

Textual's DataTable formats and measures every cell up front (about 1 s for 1,000 × 50 on this
machine class), so the results grid uses this instead: column widths come from the header and a
sample of the first rows, each row is turned into a Strip when it first scrolls into view (cached,
LRU), and a cursor move repaints two lines. The header line stays fixed while the rows scroll.

API (used by ``ResultsGrid``; reusable elsewhere):
- ``ResultsTable(cell_limit=60)``; ``load(page)``; ``cursor`` (row, column); ``move_cursor(row, col)``
- Message ``ResultsTable.CellChosen(row, column)`` on ``enter`` or a click on the cursor cell.
- Component classes for themes: ``results-table--header``, ``--cursor``, ``--stripe``, ``--null``,
  ``--binary``, ``--json``, ``--separator``.
"""

from __future__ import annotations

from typing import Any, ClassVar

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.cache import LRUCache
from textual.geometry import Region, Size, Spacing
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from tui.core.session import ResultPage
from tui.core.termsafe import line
from tui.widgets.result_cells import CELL_LIMIT, cell_text

WIDTH_SAMPLE_ROWS = 200  # rows measured to size the columns; wider values later get an ellipsis
MIN_WIDTH = 4
SEPARATOR = " │ "


class ResultsTable(ScrollView, can_focus=True):
    """Rows of a ResultPage with a cell cursor; formatting happens per visible line."""

    DEFAULT_CSS = """
    ResultsTable { background: $surface; }
    ResultsTable > .results-table--header { text-style: bold; color: $text-accent; background: $panel; }
    ResultsTable > .results-table--cursor { background: $block-cursor-blurred-background; }
    ResultsTable:focus > .results-table--cursor {
        background: $block-cursor-background; color: $block-cursor-foreground; text-style: bold;
    }
    ResultsTable > .results-table--stripe { background: $surface-lighten-1; }
    ResultsTable > .results-table--null { color: $text-disabled; text-style: italic; }
    ResultsTable > .results-table--binary { color: $text-secondary; }
    ResultsTable > .results-table--json { color: $text-success; }
    ResultsTable > .results-table--separator { color: $text-disabled; }
    """

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "results-table--header",
        "results-table--cursor",
        "results-table--stripe",
        "results-table--null",
        "results-table--binary",
        "results-table--json",
        "results-table--separator",
    }

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up,k", "move(-1, 0)", "Up", show=False, id="results.up"),
        Binding("down,j", "move(1, 0)", "Down", show=False, id="results.down"),
        Binding("left", "move(0, -1)", "Left", show=False, id="results.left"),
        Binding("right", "move(0, 1)", "Right", show=False, id="results.right"),
        Binding("pageup", "page(-1)", "Page up", show=False, id="results.page_up"),
        Binding("pagedown", "page(1)", "Page down", show=False, id="results.page_down"),
        Binding("home", "line_edge(-1)", "First column", show=False, id="results.home"),
        Binding("end", "line_edge(1)", "Last column", show=False, id="results.end"),
        Binding("ctrl+home,g", "edge(-1)", "First row", show=False, id="results.top"),
        Binding("ctrl+end,G", "edge(1)", "Last row", show=False, id="results.bottom"),
        Binding("enter", "choose", "Cell detail", show=False, id="results.choose"),
    ]

    class CellChosen(Message):
        """The user asked for the cell under the cursor (``enter`` or a second click)."""

        def __init__(self, table: ResultsTable, row: int, column: int) -> None:
            super().__init__()
            self.table = table
            self.row = row
            self.column = column

        @property
        def control(self) -> ResultsTable:
            return self.table

    class CursorMoved(Message):
        """The cursor is now at (row, column)."""

        def __init__(self, table: ResultsTable, row: int, column: int) -> None:
            super().__init__()
            self.table = table
            self.row = row
            self.column = column

        @property
        def control(self) -> ResultsTable:
            return self.table

    def __init__(
        self,
        *,
        cell_limit: int = CELL_LIMIT,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(id=id, classes=classes)
        self._page = ResultPage(columns=[], column_types=[], rows=[])
        self._cell_limit = cell_limit
        self._widths: list[int] = []
        self._offsets: list[int] = []  # x of each column's first cell
        self._numeric: list[bool] = []
        self._row_cache: LRUCache[tuple[int, int], Strip] = LRUCache(512)
        self._styles: dict[str, Style] | None = None
        self.cursor: tuple[int, int] = (0, 0)

    # -- data ---------------------------------------------------------------------------------------

    def load(self, page: ResultPage) -> None:
        """Show ``page``: size the columns from a sample and reset the cursor and scroll position."""
        self._page = page
        self._measure()
        self._row_cache.clear()
        self.cursor = (0, 0)
        self.scroll_to(0, 0, animate=False)
        self.refresh()

    @property
    def page(self) -> ResultPage:
        return self._page

    @property
    def row_count(self) -> int:
        return len(self._page.rows)

    @property
    def column_widths(self) -> list[int]:
        return list(self._widths)

    def _measure(self) -> None:
        page = self._page
        limit = self._cell_limit
        widths = [min(max(cell_len(line(name)), MIN_WIDTH), max(limit, MIN_WIDTH)) for name in page.columns]
        numeric = [True] * len(widths)
        for row in page.rows[:WIDTH_SAMPLE_ROWS]:
            for index, value in enumerate(row[: len(widths)]):
                text, kind = cell_text(value, limit)
                if kind != "number" and kind != "null":
                    numeric[index] = False
                length = cell_len(text)
                if length > widths[index]:
                    widths[index] = length
        offsets, x = [], 0
        for width in widths:
            offsets.append(x)
            x += width + len(SEPARATOR)
        self._widths, self._offsets, self._numeric = widths, offsets, numeric
        total = x - len(SEPARATOR) if widths else 0
        self.virtual_size = Size(total + 1, len(page.rows) + 1)

    # -- styles -------------------------------------------------------------------------------------

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._styles = None
        self._row_cache.clear()
        self.refresh()

    def _style(self, name: str) -> Style:
        if self._styles is None:
            base = self.rich_style
            self._styles = {"base": base}
            for component in self.COMPONENT_CLASSES:
                short = component.split("--", 1)[1]
                # The full style has translucent colours ($text-disabled…) blended over the background.
                full = self.get_component_rich_style(component)
                if short in ("header", "cursor", "stripe"):
                    self._styles[short] = full
                else:  # foreground only, laid over whichever row background applies
                    self._styles[short] = Style(color=full.color, bold=full.bold, italic=full.italic)
        return self._styles[name]

    # -- rendering ----------------------------------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        width = self.size.width
        base = self._style("base")
        if y == 0:
            strip = self._header_strip()
        else:
            row = scroll_y + y - 1
            if row >= len(self._page.rows):
                return Strip.blank(width, base)
            strip = self._row_strip(row)
        return strip.crop_extend(scroll_x, scroll_x + width, base)

    def _header_strip(self) -> Strip:
        style = self._style("header")
        sep = self._style("separator") + Style(bgcolor=style.bgcolor)
        segments: list[Segment] = []
        for index, (name, width) in enumerate(zip(self._page.columns, self._widths, strict=False)):
            if index:
                segments.append(Segment(SEPARATOR, sep))
            text = _fit(line(name), width)  # a column name comes from the server
            segments.append(Segment(text.rjust(width) if self._numeric[index] else text.ljust(width), style))
        segments.append(Segment(" ", style))
        return Strip(segments)

    def _row_strip(self, row: int) -> Strip:
        cursor_row, cursor_col = self.cursor
        active = cursor_col if row == cursor_row else -1
        key = (row, active)
        cached = self._row_cache.get(key)
        if cached is not None:
            return cached
        values = self._page.rows[row]
        base = self._style("stripe") if row % 2 else self._style("base")
        sep = self._style("separator") + Style(bgcolor=base.bgcolor)
        cursor = self._style("cursor")
        segments: list[Segment] = []
        for index, width in enumerate(self._widths):
            if index:
                segments.append(Segment(SEPARATOR, sep))
            value = values[index] if index < len(values) else None
            text, kind = cell_text(value, self._cell_limit)
            text = _fit(text, width)
            text = text.rjust(width) if kind == "number" else text + " " * (width - cell_len(text))
            if index == active:
                style = cursor
            elif kind in ("null", "binary", "json"):
                style = base + self._style(kind)
            else:
                style = base
            segments.append(Segment(text, style))
        segments.append(Segment(" ", base))
        strip = Strip(segments)
        self._row_cache[key] = strip
        return strip

    # -- cursor -------------------------------------------------------------------------------------

    def move_cursor(self, row: int, column: int, *, scroll: bool = True) -> None:
        """Put the cursor on (row, column), clamped, repainting only the two affected lines."""
        rows, cols = len(self._page.rows), len(self._widths)
        row = max(0, min(row, rows - 1)) if rows else 0
        column = max(0, min(column, cols - 1)) if cols else 0
        old_row = self.cursor[0]
        if (row, column) == self.cursor:
            return
        self.cursor = (row, column)
        self._refresh_row(old_row)
        self._refresh_row(row)
        if scroll and rows and cols:
            self._scroll_to_cursor()
        self.post_message(self.CursorMoved(self, row, column))

    def _refresh_row(self, row: int) -> None:
        y = row + 1 - int(self.scroll_y)
        if 1 <= y < self.size.height:
            self.refresh(Region(0, y, self.size.width, 1))

    def _scroll_to_cursor(self) -> None:
        row, col = self.cursor
        region = Region(self._offsets[col], row + 1, self._widths[col], 1)
        self.scroll_to_region(region, animate=False, spacing=Spacing(1, 0, 0, 0), force=True)

    def action_move(self, rows: int, columns: int) -> None:
        row, col = self.cursor
        self.move_cursor(row + rows, col + columns)

    def action_page(self, direction: int) -> None:
        step = max(self.size.height - 2, 1)
        row, col = self.cursor
        self.move_cursor(row + direction * step, col)

    def action_line_edge(self, direction: int) -> None:
        self.move_cursor(self.cursor[0], 0 if direction < 0 else len(self._widths) - 1)

    def action_edge(self, direction: int) -> None:
        self.move_cursor(0 if direction < 0 else len(self._page.rows) - 1, self.cursor[1])

    def action_choose(self) -> None:
        if self._page.rows and self._widths:
            self.post_message(self.CellChosen(self, *self.cursor))

    async def _on_click(self, event: events.Click) -> None:
        if event.y == 0 or not self._widths:
            return
        row = int(self.scroll_y) + event.y - 1
        x = int(self.scroll_x) + event.x
        column = len(self._offsets) - 1
        for index, start in enumerate(self._offsets):
            if x < start + self._widths[index] + len(SEPARATOR):
                column = index
                break
        if row >= len(self._page.rows):
            return
        if (row, column) == self.cursor:
            self.post_message(self.CellChosen(self, row, column))
        else:
            self.move_cursor(row, column)

    def value_at(self, row: int, column: int) -> Any:
        values = self._page.rows[row]
        return values[column] if column < len(values) else None


def _fit(text: str, width: int) -> str:
    """Cut ``text`` to ``width`` terminal cells, ending in ``…`` when something was cut."""
    if cell_len(text) <= width:
        return text
    return set_cell_size(text, width - 1) + "…"
