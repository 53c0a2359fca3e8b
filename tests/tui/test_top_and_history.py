"""Pilot tests of the top-statements table and the history view in small host apps."""

from __future__ import annotations

from pathlib import Path

from textual.app import App, ComposeResult
from textual.message import Message
from textual.widgets import DataTable

from tui.core.session import StatementStat
from tui.history import QueryHistory
from tui.widgets.history_view import HistoryView
from tui.widgets.top_statements import TopStatements

STATS = [
    StatementStat(
        "SELECT * FROM t WHERE k = $1",
        calls=300,
        total_time_ms=90.0,
        mean_time_ms=0.3,
        rows=300,
        max_time_ms=2.0,
        shared_blks_hit=900,
        shared_blks_read=100,
    ),
    StatementStat(
        "SELECT sum(id) FROM t, generate_series($1, $2)",
        calls=3,
        total_time_ms=1500.0,
        mean_time_ms=500.0,
        rows=3,
        max_time_ms=700.0,
        temp_blks_written=42,
    ),
    StatementStat("UPDATE t SET k = $1", calls=10, total_time_ms=20.0, mean_time_ms=2.0, rows=10),
]


class Host(App[None]):
    def __init__(self, widget: TopStatements | HistoryView) -> None:
        super().__init__()
        self.widget = widget
        self.seen: list[Message] = []

    def compose(self) -> ComposeResult:
        yield self.widget

    def on_top_statements_open(self, message: TopStatements.Open) -> None:
        self.seen.append(message)

    def on_top_statements_explain(self, message: TopStatements.Explain) -> None:
        self.seen.append(message)

    def on_history_view_open(self, message: HistoryView.Open) -> None:
        self.seen.append(message)

    def on_history_view_rerun(self, message: HistoryView.Rerun) -> None:
        self.seen.append(message)


async def test_top_statements_sorts_and_explains_in_one_key() -> None:
    widget = TopStatements()
    app = Host(widget)
    async with app.run_test(size=(160, 30)) as pilot:
        widget.show_statements(list(STATS), "postgresql")
        table = widget.query_one(DataTable)
        table.focus()
        await pilot.pause()
        assert widget.selected is not None and widget.selected.calls == 3  # worst total first
        assert table.get_row_at(0)[1] == "1,500.0 ms"
        await pilot.press("s")  # → mean
        await pilot.press("s")  # → calls
        assert widget.sort_key == "calls"
        assert widget.selected.calls == 300
        assert table.get_row_at(0)[5] == "90.0 %"  # hit ratio 900 / 1,000
        await pilot.press("e")
        await pilot.press("enter")
        await pilot.pause()
        kinds = [type(m) for m in app.seen]
        assert kinds == [TopStatements.Explain, TopStatements.Open]
        assert all(m.stat.calls == 300 for m in app.seen)  # type: ignore[attr-defined]


async def test_top_statements_unavailable_says_how_to_enable() -> None:
    widget = TopStatements()
    async with Host(widget).run_test() as pilot:
        widget.show_unavailable("pg_stat_statements is not enabled: CREATE EXTENSION pg_stat_statements")
        await pilot.pause()
        assert "CREATE EXTENSION" in str(widget.query_one("#top-summary").render())


async def test_history_search_and_rerun(tmp_path: Path) -> None:
    history = QueryHistory(tmp_path / "h.jsonl")
    history.record("SELECT * FROM orders", duration_ms=12.5, rows=1000)
    history.record("SELECT count(*) FROM customers", duration_ms=3.0, rows=1)
    widget = HistoryView(history)
    app = Host(widget)
    async with app.run_test(size=(120, 30)) as pilot:
        table = widget.query_one(DataTable)
        assert table.row_count == 2
        await pilot.press(*"orders")  # the search box has focus first
        await pilot.pause()
        assert table.row_count == 1
        await pilot.press("enter")  # to the table
        await pilot.press("ctrl+r")
        await pilot.press("enter")
        await pilot.pause()
        assert [type(m) for m in app.seen] == [HistoryView.Rerun, HistoryView.Open]
        assert app.seen[0].entry.query == "SELECT * FROM orders"  # type: ignore[attr-defined]


async def test_brackets_in_statements_and_reasons_are_shown_verbatim(tmp_path: Path) -> None:
    """SQL and server hints contain brackets (``a[i]``, ``[mysqld]``) that Rich markup would eat."""
    widget = TopStatements()
    async with Host(widget).run_test(size=(160, 30)) as pilot:
        widget.show_statements(
            [StatementStat("SELECT tags[i] FROM t WHERE k = '[bold]'", 2, 4.0, 2.0, 2)], "postgresql"
        )
        await pilot.pause()
        cell = widget.query_one(DataTable).get_row_at(0)[-1]
        assert cell.plain == "SELECT tags[i] FROM t WHERE k = '[bold]'"
        widget.show_unavailable("add performance_schema=ON under [mysqld] in my.cnf")
        await pilot.pause()
        assert "under [mysqld] in" in str(widget.query_one("#top-summary").render())

    history = QueryHistory(tmp_path / "h.jsonl")
    history.record("SELECT tags[i] FROM t", status="error: see [mysqld]")
    view = HistoryView(history)
    async with Host(view).run_test(size=(160, 30)) as pilot:
        row = view.query_one(DataTable).get_row_at(0)
        assert row[-2].plain == "error: see [mysqld]" and row[-1].plain == "SELECT tags[i] FROM t"


async def test_the_highlighted_statement_is_shown_whole() -> None:
    """In a pane narrower than the table the Statement column is off-screen: the line under the table
    shows the highlighted row's statement in full."""
    long = (
        "SELECT o.id, o.note FROM orders o JOIN customers c ON c.id = o.customer_id WHERE c.region = $1 " * 2
    )
    widget = TopStatements()
    async with Host(widget).run_test(size=(70, 30)) as pilot:
        widget.show_statements([*STATS, StatementStat(long, 1, 9000.0, 9000.0, 1)], "postgresql")
        widget.query_one(DataTable).focus()
        await pilot.pause()
        shown = widget.query_one("#top-selected")
        assert str(shown.render()).replace("\n", " ").split() == long.split()
        await pilot.press("down")
        assert str(shown.render()) == "SELECT sum(id) FROM t, generate_series($1, $2)"


async def test_top_statements_sort_by_any_column_header() -> None:
    """Every numeric column sorts, from its header (a click) or with `s`: Hit % puts the lowest ratio
    first; No index (MySQL/MariaDB digests) the most executions without a (good) index."""
    digests = [
        StatementStat("SELECT * FROM `t` WHERE `k` = ?", 30, 600.0, 20.0, 300, no_index_used=30),
        StatementStat("SELECT * FROM `t` WHERE `id` = ?", 900, 90.0, 0.1, 900, no_index_used=0),
        StatementStat(
            "SELECT * FROM `t` WHERE `a` > ?", 5, 50.0, 10.0, 5, no_index_used=0, no_good_index_used=5
        ),
    ]
    widget = TopStatements()
    app = Host(widget)
    async with app.run_test(size=(160, 30)) as pilot:
        widget.show_statements(list(STATS), "postgresql")
        table = widget.query_one(DataTable)
        table.focus()
        await pilot.pause()

        async def click(label: str) -> None:
            index = next(i for i, c in enumerate(table.ordered_columns) if str(c.label) == label)
            x = sum(c.get_render_width(table) for c in table.ordered_columns[:index]) + 1
            await pilot.click(DataTable, offset=(x, 0))
            await pilot.pause()

        await click("Hit %")
        assert widget.sort_key == "hit" and widget.selected.calls == 300  # 90 %: the only one < 100 %
        await click("Rows")
        assert widget.sort_key == "rows" and [s.rows for s in widget._stats] == [300, 10, 3]
        await click("Max")
        assert widget.sort_key == "max" and widget.selected.max_time_ms == 700.0
        await click("Statement")  # text: no sort, nothing changes
        assert widget.sort_key == "max"
        assert "sorted by Max" in str(widget.query_one("#top-summary").render())

        widget.show_statements(list(digests), "mariadb")
        await click("No index")
        assert widget.sort_key == "no_index"
        assert [s.calls for s in widget._stats] == [30, 5, 900]  # 30, then 0 + 5, then 0
        assert table.get_row_at(0)[7] == "30"
        keys = []
        for _ in range(9):
            await pilot.press("s")
            keys.append(widget.sort_key)
        assert set(keys) == {"total", "mean", "calls", "max", "rows", "read", "temp", "hit", "no_index"}
