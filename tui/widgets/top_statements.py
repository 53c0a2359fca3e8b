"""TopStatements: the server's statement statistics as a sortable table, one key from EXPLAIN.

Public API (for the screen that hosts it):

- ``TopStatements(id=None, classes=None)``; ``show_statements(stats, engine)`` fills it;
  ``show_unavailable(reason)`` replaces the table with the capability's reason (how to enable it).
- ``sort_key`` (``"total"``, ``"mean"``, ``"calls"``, ``"max"``, ``"rows"``, ``"read"``, ``"temp"``,
  ``"hit"`` (lowest cache hit ratio first), ``"no_index"`` (MySQL/MariaDB executions without a (good)
  index)); ``s`` cycles them and a click on a column's header sorts by it,
  ``selected`` (the StatementStat under the cursor).
- Messages: ``TopStatements.Open(stat)`` (enter: open the statement in the query editor),
  ``TopStatements.Explain(stat, analyze=False)`` (``e``), ``TopStatements.Refresh()`` (``r``).
- Bindings (ids for ``App.set_keymap``): ``top.open`` enter, ``top.explain`` e, ``top.sort`` s
  (cycles the sort column), ``top.refresh`` r.
"""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import DataTable, Static

from tui.core.fmt import num, pct
from tui.core.session import StatementStat
from tui.widgets.safetext import safe_text

SORTS: dict[str, tuple[str, str]] = {
    # key: (column label, attribute or derived value)
    "total": ("Total", "total_time_ms"),
    "mean": ("Mean", "mean_time_ms"),
    "calls": ("Calls", "calls"),
    "max": ("Max", "max_time_ms"),
    "rows": ("Rows", "rows"),
    "read": ("Blocks read", "shared_blks_read"),
    "temp": ("Temp written", "temp_blks_written"),
    "hit": ("Hit % (lowest first)", "hit"),
    "no_index": ("No index", "no_index"),
}
# The table's column headers → their sort (a click on a header sorts by it).
HEADER_SORTS = {
    "Calls": "calls",
    "Total": "total",
    "Mean": "mean",
    "Max": "max",
    "Rows": "rows",
    "Hit %": "hit",
    "Temp written": "temp",
    "No index": "no_index",
}


def _sort_value(stat: StatementStat, key: str) -> float:
    attribute = SORTS[key][1]
    if attribute == "hit":  # the worst first: the largest share of blocks read from disk
        ratio = _hit_ratio(stat)
        return 1.0 - ratio if ratio is not None else -1.0
    if attribute == "no_index":
        if stat.no_index_used is None and stat.no_good_index_used is None:
            return -1.0
        return float((stat.no_index_used or 0) + (stat.no_good_index_used or 0))
    value = getattr(stat, attribute)
    return float(value) if value is not None else -1.0


def _hit_ratio(stat: StatementStat) -> float | None:
    hit, read = stat.shared_blks_hit, stat.shared_blks_read
    if hit is None or read is None or hit + read == 0:
        return None
    return hit / (hit + read)


def _one_line(query: str, width: int = 90) -> str:
    flat = " ".join(query.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


class TopStatements(Vertical):
    """Statements by total/mean/calls… with the numbers a DBA triages by."""

    PANE_TITLE = "Top statements"
    HELP = """
**Top statements** — what the server spent its time on: PostgreSQL `pg_stat_statements`, MySQL/MariaDB
`performance_schema` statement digests, the MongoDB profiler: calls, total and mean time, rows, cache
hit %, temp writes, and whether an index was used. Worst total time first.

`e` explains the selected statement (a `$1` statement gets a generic plan; a digest's `?` asks for
values) and the advisor ranks its index suggestions by calls × time saved · `enter` opens it in the
query editor · `s` sorts by the next column (or click a column's header) · `r` reads the statistics again.
"""

    DEFAULT_CSS = """
    TopStatements { height: 1fr; }
    TopStatements > #top-summary { height: auto; max-height: 4; color: $text-muted; padding: 0 1; }
    TopStatements > #top-unavailable { padding: 1 2; color: $warning; }
    TopStatements.-unavailable > #top-summary { max-height: 12; }
    TopStatements > DataTable { height: 1fr; }
    TopStatements > #top-selected {
        height: auto; max-height: 5; padding: 0 1; border-top: hkey $panel-lighten-2;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        # priority: the table's own enter ("select", no id) would hide this one from `?` and the footer.
        Binding("enter", "open", "Open in editor", id="top.open", priority=True),
        Binding("e", "explain", "Explain", id="top.explain"),
        Binding("s", "cycle_sort", "Sort", id="top.sort"),
        Binding("r", "refresh", "Refresh", id="top.refresh"),
    ]

    class Open(Message):
        def __init__(self, stat: StatementStat) -> None:
            super().__init__()
            self.stat = stat

    class Explain(Message):
        def __init__(self, stat: StatementStat, analyze: bool = False) -> None:
            super().__init__()
            self.stat = stat
            self.analyze = analyze

    class Refresh(Message):
        pass

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.sort_key = "total"
        self._stats: list[StatementStat] = []
        self._engine = ""

    def compose(self) -> ComposeResult:
        yield Static("No statement statistics loaded yet (r refreshes).", id="top-summary", markup=False)
        table: DataTable[str] = DataTable(cursor_type="row", zebra_stripes=True)
        yield table
        # The whole statement of the highlighted row: in a narrow pane the Statement column is off-screen.
        yield Static("", id="top-selected", markup=False)

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        for label in (
            "Calls",
            "Total",
            "Mean",
            "Max",
            "Rows",
            "Hit %",
            "Temp written",
            "No index",
            "Statement",
        ):
            table.add_column(label, key=label)

    @property
    def selected(self) -> StatementStat | None:
        table = self.query_one(DataTable)
        if not self._stats or table.cursor_row < 0 or table.cursor_row >= len(self._stats):
            return None
        return self._stats[table.cursor_row]

    def show_unavailable(self, reason: str) -> None:
        self._stats = []
        self.add_class("-unavailable")  # the reason (how to enable it) whole, even at 80 columns
        self.query_one(DataTable).clear()
        self._show_selected()
        self.query_one("#top-summary", Static).update(
            safe_text(f"Statement statistics unavailable: {reason}", multiline=True)
        )

    def show_statements(self, stats: list[StatementStat], engine: str = "") -> None:
        self._engine = engine
        self.remove_class("-unavailable")
        self._stats = list(stats)
        self._render_rows()

    def _render_rows(self) -> None:
        self._stats.sort(key=lambda s: _sort_value(s, self.sort_key), reverse=True)
        table = self.query_one(DataTable)
        table.clear()
        for stat in self._stats:
            no_index = stat.no_index_used if stat.no_index_used is not None else None
            table.add_row(
                num(stat.calls),
                f"{num(stat.total_time_ms, 1)} ms",
                f"{num(stat.mean_time_ms, 2)} ms",
                f"{num(stat.max_time_ms, 1)} ms" if stat.max_time_ms is not None else "–",
                num(stat.rows),
                pct(_hit_ratio(stat)),
                num(stat.temp_blks_written) if stat.temp_blks_written is not None else "–",
                num(no_index) if no_index is not None else "–",
                # Text, not str: DataTable reads a str as markup, and SQL has brackets (a[i], [mysqld]).
                safe_text(_one_line(stat.query), no_wrap=True, end=""),
            )
        total = sum(s.total_time_ms for s in self._stats)
        label = SORTS[self.sort_key][0]
        self.query_one("#top-summary", Static).update(
            f"{len(self._stats):,} statements · {num(total, 1)} ms in all · sorted by {label} "
            "(s: sort, e: explain, enter: open, r: refresh)"
        )
        self._show_selected()

    def _show_selected(self) -> None:
        stat = self.selected
        self.query_one("#top-selected", Static).update(
            safe_text(" ".join(stat.query.split())) if stat else ""
        )

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
        self._show_selected()

    def action_cycle_sort(self) -> None:
        keys = list(SORTS)
        self.sort_key = keys[(keys.index(self.sort_key) + 1) % len(keys)]
        self._render_rows()

    def on_data_table_header_selected(self, event: DataTable.HeaderSelected) -> None:
        event.stop()
        key = HEADER_SORTS.get(str(event.label))
        if key is not None and self._stats:
            self.sort_key = key
            self._render_rows()

    def action_open(self) -> None:
        if self.selected is not None:
            self.post_message(self.Open(self.selected))

    def action_explain(self) -> None:
        if self.selected is not None:
            self.post_message(self.Explain(self.selected))

    def action_refresh(self) -> None:
        self.post_message(self.Refresh())

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_open()
