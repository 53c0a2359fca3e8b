"""ResultsGrid in a small host app: cell rendering rules, capped footer, copy, export round trips,
cell detail modal, MongoDB documents, and one SVG snapshot."""

from __future__ import annotations

import csv
import datetime as dt
import decimal
import json
from pathlib import Path
from typing import Any

import pytest
from textual.app import App, ComposeResult

from tui.core.session import ResultPage
from tui.widgets.result_cells import cell_text, flatten_documents
from tui.widgets.results_grid import CellDetailScreen, ResultsGrid
from tui.widgets.results_table import ResultsTable

LONG = "x" * 100 + "END"
BLOB = bytes(range(20))
DOC = {"id": 7, "tags": ["a", "b"], "nested": {"k": None}}


def sample_page(truncated: bool = True) -> ResultPage:
    return ResultPage(
        columns=["id", "name", "payload", "blob", "note", "amount"],
        column_types=["int4", "text", "jsonb", "bytea", "text", "numeric"],
        rows=[
            (1, None, DOC, BLOB, LONG, decimal.Decimal("12.50")),
            (2, "bob", [1, 2], b"\x01", "line one\nline two", decimal.Decimal("0.1")),
            (3, "carol", None, None, "", None),
        ],
        truncated=truncated,
        elapsed_ms=12.5,
    )


class GridHost(App[None]):
    def __init__(self, page: ResultPage, export_dir: Path | None = None) -> None:
        super().__init__()
        self._page = page
        self._export_dir = export_dir
        self.messages: list[Any] = []

    def compose(self) -> ComposeResult:
        yield ResultsGrid(self._page, export_dir=self._export_dir, id="grid")

    def on_mount(self) -> None:
        self.query_one(ResultsGrid).focus()

    def on_results_grid_copied(self, message: ResultsGrid.Copied) -> None:
        self.messages.append(message)

    def on_results_grid_exported(self, message: ResultsGrid.Exported) -> None:
        self.messages.append(message)


def line_text(table: ResultsTable, y: int) -> str:
    return table.render_line(y).text


def segment_with(table: ResultsTable, y: int, needle: str):
    for segment in table.render_line(y):
        if needle in segment.text:
            return segment
    raise AssertionError(f"{needle!r} not on line {y}: {line_text(table, y)!r}")


async def test_cells_render_null_binary_json_and_long_values() -> None:
    app = GridHost(sample_page())
    async with app.run_test(size=(200, 20)) as pilot:
        await pilot.pause()
        table = app.query_one(ResultsTable)
        header = line_text(table, 0)
        assert header.split("│")[0].strip() == "id"
        assert [part.strip() for part in header.split("│")] == [
            "id",
            "name",
            "payload",
            "blob",
            "note",
            "amount",
        ]
        row1 = [part.strip() for part in line_text(table, 1).split("│")]
        assert row1[1] == "NULL"
        assert row1[2] == '{"id":7,"tags":["a","b"],"nested":{"k":null}}'
        assert row1[3] == "\\x0001020304050607… (20 bytes)"
        # 60-character cell limit: 59 characters and the ellipsis; the rest is in the detail modal.
        assert row1[4] == "x" * 59 + "…"
        assert row1[5] == "12.50"
        null_segment = segment_with(table, 1, "NULL")
        assert null_segment.style.italic
        assert null_segment.style == table._style("base") + table._style("null")
        assert null_segment.style.color != table._style("base").color  # dimmer than ordinary text
        row2 = [part.strip() for part in line_text(table, 2).split("│")]
        assert row2[3] == "\\x01 (1 byte)"
        assert row2[4] == "line one↵line two"
        # The cursor starts on the first cell and is styled as the cursor.
        assert segment_with(table, 1, " 1").style == table._style("cursor")


async def test_footer_says_capped_and_counts_rows() -> None:
    app = GridHost(sample_page(truncated=True))
    async with app.run_test(size=(120, 20)) as pilot:
        await pilot.pause()
        footer = str(app.query_one("#results-footer").render())
        assert footer.startswith("3 rows (capped — more on the server) · 6 columns · 12.5 ms")
        assert footer.endswith("row 1, id")
        await pilot.press("down", "right")
        footer = str(app.query_one("#results-footer").render())
        assert footer.endswith("row 2, name")
        grid = app.query_one(ResultsGrid)
        grid.show_page(sample_page(truncated=False))
        await pilot.pause()
        footer = str(app.query_one("#results-footer").render())
        assert "capped" not in footer
        assert footer.startswith("3 rows · 6 columns")


async def test_copy_cell_and_row_send_export_text() -> None:
    app = GridHost(sample_page())
    async with app.run_test(size=(120, 20), notifications=True) as pilot:
        await pilot.pause()
        await pilot.press("right", "right", "y")  # payload of row 1
        assert app.clipboard == '{"id":7,"tags":["a","b"],"nested":{"k":null}}'
        await pilot.press("right", "y")  # blob: the whole value in hex, not the cell preview
        assert app.clipboard == "\\x" + BLOB.hex()
        await pilot.press("Y")
        assert app.clipboard == "\t".join(
            ["1", "", '{"id":7,"tags":["a","b"],"nested":{"k":null}}', "\\x" + BLOB.hex(), LONG, "12.50"]
        )
        copied = [m for m in app.messages if isinstance(m, ResultsGrid.Copied)]
        assert [m.what for m in copied] == ["cell payload, row 1", "cell blob, row 1", "row 1"]
        notes = list(app._notifications)
        assert notes[-1].title == "Copied row 1"
        assert f"{len(app.clipboard)} characters" in notes[-1].message


async def test_export_csv_and_json_round_trip(tmp_path: Path) -> None:
    app = GridHost(sample_page(), export_dir=tmp_path)
    async with app.run_test(size=(120, 20)) as pilot:
        await pilot.pause()
        await pilot.press("x")
        await pilot.press("X")
        exported = [m for m in app.messages if isinstance(m, ResultsGrid.Exported)]
        assert [(m.fmt, m.rows) for m in exported] == [("csv", 3), ("json", 3)]
        csv_path, json_path = exported[0].path, exported[1].path
        assert csv_path.parent == tmp_path and csv_path.suffix == ".csv"
        with csv_path.open(newline="", encoding="utf-8") as handle:
            rows = list(csv.reader(handle))
        assert rows[0] == ["id", "name", "payload", "blob", "note", "amount"]
        assert rows[1] == [
            "1",
            "",
            '{"id":7,"tags":["a","b"],"nested":{"k":null}}',
            "\\x" + BLOB.hex(),
            LONG,
            "12.50",
        ]
        assert rows[2][4] == "line one\nline two"  # CSV keeps the newline inside quotes
        assert rows[3] == ["3", "carol", "", "", "", ""]
        records = json.loads(json_path.read_text(encoding="utf-8"))
        assert records[0] == {
            "id": 1,
            "name": None,
            "payload": DOC,
            "blob": "\\x" + BLOB.hex(),
            "note": LONG,
            "amount": 12.5,
        }
        assert records[1]["amount"] == 0.1
        assert records[2] == {
            "id": 3,
            "name": "carol",
            "payload": None,
            "blob": None,
            "note": "",
            "amount": None,
        }


async def test_export_default_path_is_in_the_data_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    app = GridHost(sample_page())
    async with app.run_test(size=(120, 20), notifications=True) as pilot:
        await pilot.pause()
        await pilot.press("x")
        path = next(m for m in app.messages if isinstance(m, ResultsGrid.Exported)).path
        assert path.parent == tmp_path / "dbscope" / "exports"
        assert path.exists()
        # The rows are the database's data: readable by the user alone, like the history.
        assert path.stat().st_mode & 0o777 == 0o600 and path.parent.stat().st_mode & 0o777 == 0o700
        assert str(path) in list(app._notifications)[-1].message


async def test_enter_opens_the_full_value() -> None:
    app = GridHost(sample_page())
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        await pilot.press(*["right"] * 4, "enter")
        await pilot.pause()
        assert isinstance(app.screen, CellDetailScreen)
        from textual.widgets import TextArea

        assert app.screen.query_one(TextArea).text == LONG
        await pilot.press("y")
        assert app.clipboard == LONG
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, CellDetailScreen)
        await pilot.press("left", "left", "space")  # JSON: pretty-printed in the modal
        await pilot.pause()
        assert app.screen.query_one(TextArea).text == json.dumps(DOC, indent=2)


async def test_mongodb_documents_are_flattened() -> None:
    docs = [
        {"_id": "a1", "name": "x", "address": {"city": "Oslo", "geo": {"lat": 59.9}}, "tags": ["p", "q"]},
        {"_id": "a2", "address": {"city": "Bergen"}, "extra": True},
    ]
    page = flatten_documents(docs, truncated=True)
    assert page.columns == ["_id", "name", "address.city", "address.geo.lat", "tags", "extra"]
    assert page.rows[1] == ("a2", None, "Bergen", None, None, True)
    app = GridHost(ResultPage(columns=[], column_types=[], rows=[]))
    async with app.run_test(size=(160, 20)) as pilot:
        app.query_one(ResultsGrid).show_documents(docs, truncated=True)
        await pilot.pause()
        table = app.query_one(ResultsTable)
        assert [p.strip() for p in line_text(table, 1).split("│")] == [
            "a1",
            "x",
            "Oslo",
            "59.9",
            '["p","q"]',
            "NULL",
        ]
        assert "capped" in str(app.query_one("#results-footer").render())


def test_cell_text_kinds() -> None:
    assert cell_text(None) == ("NULL", "null")
    assert cell_text(True) == ("true", "bool")
    assert cell_text(dt.datetime(2026, 1, 2, 3, 4, 5)) == ("2026-01-02 03:04:05", "text")
    assert cell_text(memoryview(b"\xde\xad")) == ("\\xdead (2 bytes)", "binary")
    assert cell_text("a" * 10, limit=5) == ("aaaa…", "text")


async def test_large_page_renders_only_visible_rows() -> None:
    rows = [(i, f"name-{i}") for i in range(5000)]
    page = ResultPage(columns=["n", "name"], column_types=["int", "text"], rows=rows, truncated=True)
    app = GridHost(page)
    async with app.run_test(size=(80, 20)) as pilot:
        await pilot.pause()
        table = app.query_one(ResultsTable)
        # Only the lines on screen were formatted (the cache holds visible rows, not 5,000).
        assert 0 < len(table._row_cache) <= 20
        await pilot.press("G")
        await pilot.pause()
        assert table.cursor == (4999, 0)
        assert "4999" in line_text(table, table.size.height - 1)


def test_snapshot_results_grid(snap_compare) -> None:
    assert snap_compare(GridHost(sample_page()), terminal_size=(100, 12))
