"""The detail pane on its own: a frame painted between filling the tables and their re-measuring (a
busy start-up) must not leave cells cut to the headers' widths."""

from __future__ import annotations

from textual.app import App, ComposeResult

from tests.tui.app_support import wait_until
from tui.core.catalog import CatalogNode, Column, ObjectDetail
from tui.widgets.detail_pane import DetailPane, KeyTable


def _detail() -> ObjectDetail:
    node = CatalogNode("table", "orders", "shop.orders", "table", schema="shop", table="orders")
    columns = [
        Column("customer_name", "character varying(200)", nullable=False, default="'x'::text", position=1),
        Column("created_at", "timestamp with time zone", default="now()", position=2),
    ]
    return ObjectDetail(node=node, columns=columns)


class Host(App[None]):
    def compose(self) -> ComposeResult:
        yield DetailPane(id="detail")


async def test_a_frame_painted_before_the_rows_are_measured_is_repainted_in_full() -> None:
    app = Host()
    async with app.run_test(size=(140, 30)) as pilot:
        pane = app.query_one(DetailPane)
        await pane.build_tabs()
        await pilot.pause()
        table = app.query_one("#table-columns", KeyTable)
        pane.show_detail(_detail())
        early = table.render_line(1).text  # painted before the table's idle measured the new rows
        assert "customer_name" in early and "character varying(200)" in early, early
        await wait_until(pilot, lambda: not table._require_update_dimensions, "the measuring")
        await pilot.pause()
        assert table.render_line(1).text == early


async def test_bracket_keys_walk_every_tab_and_keep_the_focus() -> None:
    """`]` from the columns table to the DDL and round again: each step focuses the shown tab's body
    (the table of the hidden tab lost the focus, so a second `]` used to reach nothing)."""
    from tui.widgets.detail_pane import TABS

    app = Host()
    async with app.run_test(size=(140, 30)) as pilot:
        pane = app.query_one(DetailPane)
        await pane.build_tabs()
        pane.show_detail(_detail())
        app.query_one("#table-columns", KeyTable).focus()
        await pilot.pause()
        seen = []
        for _ in TABS:
            await pilot.press("right_square_bracket")
            await pilot.pause()
            seen.append(pane.active_tab)
            assert app.focused is not None and pane in app.focused.ancestors, (pane.active_tab, app.focused)
        assert seen == [*TABS[1:], TABS[0]]
        await pilot.press("left_square_bracket")
        await pilot.pause()
        assert pane.active_tab == "ddl" and app.focused is not None and app.focused.id == "ddl"


async def test_index_columns_cell_lists_every_key_part_in_order() -> None:
    from tui.core.catalog import Index

    detail = _detail()
    detail.indexes = [
        Index(
            "mixed",
            ['"Tenant"'],
            expressions=['lower("order")'],
            include=["total"],
            options={"key_order": ['lower("order")', '"Tenant"']},
        )
    ]
    app = Host()
    async with app.run_test(size=(140, 30)) as pilot:
        pane = app.query_one(DetailPane)
        await pane.build_tabs()
        pane.show_detail(detail)
        await pilot.pause()
        row = app.query_one("#table-indexes", KeyTable).get_row_at(0)
        assert str(row[1]) == 'lower("order"), "Tenant" INCLUDE (total)'
