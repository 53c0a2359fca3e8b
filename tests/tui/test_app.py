"""Pilot tests of the dbscope app on a live PostgreSQL database: tree, filter, detail tabs, DDL copy,
help, palette, themes, keymap, layout, database switching, connection errors and reconnect."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.live import LiveServer, db_name
from tests.tui.app_support import SHOP_SQL, tree_labels, wait_until
from tui.app import DbscopeApp
from tui.config import Settings, load_settings
from tui.core.connspec import parse_url
from tui.screens.help import HelpScreen
from tui.screens.main import WIDE_COLUMNS
from tui.widgets.detail_pane import DetailPane, KeyTable
from tui.widgets.schema_tree import SchemaPane, SchemaTree
from tui.widgets.status_bar import StatusBar

pytestmark = pytest.mark.live_pg


@pytest.fixture(scope="module")
def shop_url(pg_server: LiveServer) -> Iterator[str]:
    name = f"dbscope_app_{uuid.uuid4().hex[:8]}"
    for url in pg_server.scratch_database(name):
        pg_server.execute(SHOP_SQL, name)
        yield url


def make_app(url: str, **kwargs: object) -> DbscopeApp:
    return DbscopeApp(spec=parse_url(url), watch_terminal=False, **kwargs)  # type: ignore[arg-type]


async def start(pilot, app: DbscopeApp) -> SchemaTree:  # type: ignore[no-untyped-def]
    tree = app.main_screen.query_one(SchemaTree)
    await wait_until(
        pilot,
        lambda: (
            app.main_screen.status.connected
            and bool(tree.root.children)
            and tree.root.children[0].data is not None
        ),
        "the roots",
    )
    return tree


async def expand_schema(pilot, tree: SchemaTree, name: str) -> None:  # type: ignore[no-untyped-def]
    node = next(n for n in tree.root.children if n.data is not None and n.data.name == name)
    tree.move_cursor(node)
    await pilot.press("space")
    await wait_until(
        pilot, lambda: node.children and node.children[0].data is not None, f"the children of {name}"
    )


async def test_tree_filter_open_indexes_and_ddl(shop_url: str) -> None:
    app = make_app(shop_url)
    async with app.run_test(size=(160, 48)) as pilot:
        tree = await start(pilot, app)
        assert "shop" in [n.data.name for n in tree.root.children if n.data is not None]
        await expand_schema(pilot, tree, "shop")
        labels = tree_labels(app)
        for name in ("customers", "orders", "Order Items", "MixedCase", "naïve_café", "big_orders"):
            assert any(label.split(" ")[0] == name.split(" ")[0] for label in labels), (name, labels)

        await pilot.press("slash")
        pane = app.main_screen.query_one(SchemaPane)
        assert pane.filtering and app.focused is not None and app.focused.id == "tree-filter"
        await pilot.press(*"order")
        matches = pane.query_one("#filter-matches")
        shown = [matches.get_option_at_index(i).prompt.plain for i in range(matches.option_count)]  # type: ignore[attr-defined]
        assert shown[0].startswith("shop.orders"), shown  # exact-prefix match first
        assert any('"Order Items"' in text for text in shown), shown
        await pilot.press("enter")
        detail = app.main_screen.query_one(DetailPane)
        await wait_until(pilot, lambda: detail.detail is not None, "the detail of shop.orders")
        assert not pane.filtering
        assert detail.detail is not None and detail.detail.node.qualified_name == "shop.orders"
        columns = detail.query_one("#table-columns", KeyTable)
        assert [str(columns.get_row_at(i)[1]) for i in range(columns.row_count)] == [
            "id",
            "customer_id",
            "status",
            "total",
        ]

        detail.show_tab("indexes")
        await pilot.pause()
        indexes = detail.query_one("#table-indexes", KeyTable)
        names = {str(indexes.get_row_at(i)[0]) for i in range(indexes.row_count)}
        assert names == {"orders_pkey", "orders_status_idx"}
        fks = detail.query_one("#table-fks", KeyTable)
        rows = [[str(c) for c in fks.get_row_at(i)] for i in range(fks.row_count)]
        assert [r[0] for r in rows].count("→") == 1 and [r[0] for r in rows].count("←") == 1
        assert any('"Order Items"' in str(r[3]) for r in rows), rows

        detail.show_tab("ddl")
        await pilot.pause()
        ddl = detail.query_one("#ddl").text  # type: ignore[attr-defined]
        assert "CREATE TABLE" in ddl and "orders_status_idx" in ddl
        detail.query_one("#ddl").focus()
        await pilot.press("y")
        assert app.clipboard == ddl


async def test_filter_finds_tables_of_schemas_never_expanded(shop_url: str) -> None:
    """`/` right after start: the user schemas' objects load in the background and the matches grow;
    the system schemas stay unloaded."""
    app = make_app(shop_url)
    async with app.run_test(size=(160, 48)) as pilot:
        tree = await start(pilot, app)
        assert len(tree.index) < 10  # only the roots so far
        await pilot.press("slash", *"order")
        pane = app.main_screen.query_one(SchemaPane)
        matches = pane.query_one("#filter-matches")

        def shown() -> list[str]:
            return [matches.get_option_at_index(i).prompt.plain for i in range(matches.option_count)]  # type: ignore[attr-defined]

        await wait_until(pilot, lambda: any(t.startswith("shop.orders") for t in shown()), "shop.orders")
        await wait_until(pilot, lambda: not tree.busy, "the prefetch")
        assert shown()[0].startswith("shop.orders"), shown()
        assert not any(entry.node.schema == "pg_catalog" for entry in tree.index.entries)
        await pilot.press("enter")
        detail = app.main_screen.query_one(DetailPane)
        await wait_until(pilot, lambda: detail.detail is not None, "the detail of shop.orders")
        assert detail.detail is not None and detail.detail.node.qualified_name == "shop.orders"


async def test_quoted_and_unicode_names_open(shop_url: str) -> None:
    app = make_app(shop_url)
    async with app.run_test(size=(160, 48)) as pilot:
        tree = await start(pilot, app)
        await expand_schema(pilot, tree, "shop")
        for text, expected in (
            ("naïve", 'shop."naïve_café"'),
            ("Line", None),
            ("mixedcase", 'shop."MixedCase"'),
        ):
            await pilot.press("slash")
            pane = app.main_screen.query_one(SchemaPane)
            field = pane.query_one("#tree-filter")
            field.value = ""  # type: ignore[attr-defined]
            await pilot.press(*text)
            if expected is None:
                # Columns are only indexed once their relation was expanded: nothing loaded matches yet.
                assert pane.query_one("#filter-matches").option_count == 0  # type: ignore[attr-defined]
                await pilot.press("escape")
                assert not pane.filtering
                continue
            await pilot.press("enter")
            detail = app.main_screen.query_one(DetailPane)
            await wait_until(
                pilot,
                lambda expected=expected, detail=detail: (
                    detail.detail is not None and detail.detail.node.qualified_name == expected
                ),
                expected,
            )
            cursor = tree.cursor_node
            assert cursor is not None and cursor.data is not None and cursor.data.qualified_name == expected


async def test_help_lists_focused_pane_keys(shop_url: str) -> None:
    app = make_app(shop_url)
    async with app.run_test(size=(160, 48)) as pilot:
        await start(pilot, app)
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        content = app.screen.content
        assert content.pane == "Schema tree"
        pane_keys = {row.description: row.keys for row in content.pane_keys}
        assert pane_keys["Open"] == "⏎" or "enter" in pane_keys["Open"]
        assert "Down" in pane_keys and "j" in pane_keys["Down"]
        global_keys = {row.description: row.keys for row in content.global_keys}
        assert "Quit" in global_keys and "Explain" in global_keys and "Filter" in global_keys
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)

        await pilot.press("tab")  # to the centre pane: the detail tables
        await pilot.press("f1")
        assert isinstance(app.screen, HelpScreen)
        assert app.screen.content.pane == "Object detail"
        assert "Copy DDL" in {row.description for row in app.screen.content.pane_keys}


async def test_palette_finds_and_opens_an_object(shop_url: str) -> None:
    app = make_app(shop_url)
    async with app.run_test(size=(160, 48)) as pilot:
        tree = await start(pilot, app)
        await expand_schema(pilot, tree, "shop")
        await pilot.press("ctrl+p")
        await pilot.press(*"customers")
        from textual.command import CommandPalette

        palette = app.screen
        assert isinstance(palette, CommandPalette)
        await wait_until(
            pilot,
            lambda: any("shop.customers" in str(o.prompt) for o in palette.query_one("CommandList").options),  # type: ignore[attr-defined]
            "the palette hit",
        )
        await pilot.press("enter")
        detail = app.main_screen.query_one(DetailPane)
        await wait_until(
            pilot,
            lambda: detail.detail is not None and detail.detail.node.name == "customers",
            "customers detail",
        )


async def test_palette_loads_unexpanded_names_on_demand(shop_url: str) -> None:
    app = make_app(shop_url)
    async with app.run_test(size=(160, 48)) as pilot:
        tree = await start(pilot, app)
        assert not tree.index.search("customers")[0]  # shop not expanded yet
        from tui.commands import _load_all_names

        _load_all_names(app.main_screen)
        await wait_until(pilot, lambda: bool(tree.index.search("customers")[0]), "prefetched names")
        entry = tree.index.search("customers")[0][0]
        app.main_screen.schema_pane.jump_to(entry.tree_node_id)
        detail = app.main_screen.query_one(DetailPane)
        await wait_until(pilot, lambda: detail.detail is not None, "customers detail")
        assert detail.detail is not None and detail.detail.node.qualified_name == "shop.customers"


async def test_theme_switch_from_palette_and_flag(shop_url: str) -> None:
    app = make_app(shop_url, theme="ssh-256")
    async with app.run_test(size=(120, 40)) as pilot:
        await start(pilot, app)
        assert app.theme == "ssh-256"
        assert app.current_theme.background == "#121212"
        await pilot.press("ctrl+p")
        await pilot.press(*"theme: switch")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause(0.2)
        await pilot.press(*"lcars")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await wait_until(pilot, lambda: app.theme == "lcars", "the lcars theme")
        assert app.current_theme.primary == "#FF9900"
        app.theme = "nord"  # Textual's built-ins stay available
        await pilot.pause()
        assert app.theme == "nord"


async def test_keymap_override_from_config(shop_url: str, tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[keys]\napp.filter = "f"\n"app.advisor" = "ctrl+a"\n', encoding="utf-8")
    settings = load_settings(config)
    app = make_app(shop_url, settings=settings)
    async with app.run_test(size=(160, 48)) as pilot:
        await start(pilot, app)
        pane = app.main_screen.query_one(SchemaPane)
        await pilot.press("slash")
        assert not pane.filtering  # "/" no longer filters
        await pilot.press("f")
        assert pane.filtering
        await pilot.press("escape")
        advisor = app.main_screen.query_one("#advisor")
        assert advisor.display and not advisor.has_class("-hidden")
        await pilot.press("a")
        assert not advisor.has_class("-hidden")
        await pilot.press("ctrl+a")
        assert advisor.has_class("-hidden")


async def test_unknown_keymap_id_is_reported(shop_url: str) -> None:
    app = make_app(shop_url, settings=Settings(keys={"no-such-binding": "z"}))
    async with app.run_test(size=(160, 48), notifications=True) as pilot:
        await start(pilot, app)
        assert any("no-such-binding" in n.message for n in app._notifications)


@pytest.mark.parametrize(("size", "advisor_shown"), [((80, 24), False), ((160, 48), True)])
async def test_layout_narrow_and_wide(shop_url: str, size: tuple[int, int], advisor_shown: bool) -> None:
    app = make_app(shop_url)
    async with app.run_test(size=size) as pilot:
        await start(pilot, app)
        screen = app.main_screen
        assert screen.has_class("-narrow") is (size[0] < WIDE_COLUMNS)
        advisor = screen.query_one("#advisor")
        assert (not advisor.has_class("-hidden")) is advisor_shown
        # Nothing is cut off: every pane, the status bar and the footer fit inside the terminal.
        for selector in ("#schema-pane", "#centre", "#status", "#footer"):
            region = screen.query_one(selector).region
            assert region.width > 0 and region.height > 0, selector
            assert region.right <= size[0] and region.bottom <= size[1], (selector, region)
        assert screen.query_one("#status").region.y == size[1] - 2
        assert screen.query_one("#centre").region.width >= 40
        status = screen.query_one(StatusBar).render().plain
        assert "READ-ONLY" in status[: size[0]]
        await pilot.press("a")
        await pilot.pause()
        assert (not advisor.has_class("-hidden")) is not advisor_shown
        if not advisor_shown:
            # On narrow terminals the advisor opens over the centre instead of squeezing it.
            assert advisor.region.width > 0 and advisor.region.right <= size[0]


async def test_tab_moves_between_panes_and_focus_is_visible(shop_url: str) -> None:
    app = make_app(shop_url)
    async with app.run_test(size=(160, 48)) as pilot:
        await start(pilot, app)
        screen = app.main_screen
        order = []
        for _ in range(3):
            pane = screen._pane_of(app.focused)
            order.append(pane)
            focused_pane = screen._panes()[pane]
            assert focused_pane.has_pseudo_class("focus-within")
            assert focused_pane.styles.border_top[0] == "heavy"
            others = [p for p in screen._panes() if p is not focused_pane]
            assert all(p.styles.border_top[0] == "round" for p in others)
            await pilot.press("tab")
        assert order == [0, 1, 2]
        assert screen._pane_of(app.focused) == 0
        await pilot.press("shift+tab")
        assert screen._pane_of(app.focused) == 2


async def test_number_keys_focus_the_tab_they_show(shop_url: str) -> None:
    from textual.widgets import TextArea

    from tui.widgets.plan_tree import PlanTree

    app = make_app(shop_url)
    async with app.run_test(size=(160, 48)) as pilot:
        await start(pilot, app)
        await app.main_screen.panes_ready()
        await pilot.press("2")
        await pilot.pause()
        assert isinstance(app.focused, TextArea) and app.focused.id == "query-editor", app.focused
        await pilot.press("escape", "3")
        await pilot.pause()
        assert isinstance(app.focused, PlanTree), app.focused
        await pilot.press("1")
        await pilot.pause()
        assert app.focused is not None and app.focused.id == "table-columns", app.focused


async def test_switch_database_without_restart(shop_url: str, pg_server: LiveServer) -> None:
    other = f"dbscope_sw_{uuid.uuid4().hex[:8]}"
    for _url in pg_server.scratch_database(other):
        pg_server.execute("CREATE SCHEMA elsewhere; CREATE TABLE elsewhere.thing (id int);", other)
        app = make_app(shop_url)
        async with app.run_test(size=(160, 48)) as pilot:
            tree = await start(pilot, app)
            await pilot.press("d")
            from tui.screens.picker import PickerModal

            await wait_until(
                pilot, lambda app=app: isinstance(app.screen, PickerModal), "the database picker"
            )
            await pilot.press(*other)
            await pilot.press("enter")
            await wait_until(
                pilot,
                lambda tree=tree: any(
                    n.data is not None and n.data.name == "elsewhere" for n in tree.root.children
                ),
                "the other database's schemas",
            )
            assert app.adapter is not None and app.adapter.server is not None
            assert app.adapter.server.database == other
            assert other in app.main_screen.status.where
            assert not any(n.data is not None and n.data.name == "shop" for n in tree.root.children)


async def test_connection_error_leaves_with_exit_3() -> None:
    app = DbscopeApp(spec=parse_url("postgresql://nobody@127.0.0.1:1/nothing"), watch_terminal=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until(pilot, lambda: app.startup_error is not None, "the connection error")
    assert app.return_code == 3
    from tui.core.errors import ConnectError

    assert isinstance(app.startup_error, ConnectError)
    assert "127.0.0.1" in app.startup_error.message


async def test_disconnect_then_reconnect(shop_url: str, pg_server: LiveServer) -> None:
    app = make_app(shop_url)
    async with app.run_test(size=(160, 48), notifications=True) as pilot:
        tree = await start(pilot, app)
        database = db_name(shop_url)
        pg_server.execute(
            f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{database}' "
            "AND pid <> pg_backend_pid()"
        )
        await expand_schema_or_fail(pilot, tree)
        status = app.main_screen.status
        await wait_until(pilot, lambda: status.state == "disconnected", "the disconnected state")
        assert "DISCONNECTED" in status.render().plain
        await pilot.press("ctrl+r")
        await wait_until(pilot, lambda: status.connected, "the reconnection")
        # The node whose loading failed is loaded again after the reconnect.
        shop = next(n for n in tree.root.children if n.data is not None and n.data.name == "shop")
        await wait_until(
            pilot, lambda: bool(shop.children) and shop.children[0].data is not None, "shop reloaded"
        )
        assert {c.data.name for c in shop.children if c.data is not None} >= {"customers", "orders"}


async def expand_schema_or_fail(pilot, tree: SchemaTree) -> None:  # type: ignore[no-untyped-def]
    node = next(n for n in tree.root.children if n.data is not None and n.data.name == "shop")
    tree.move_cursor(node)
    await pilot.press("space")
    await wait_until(
        pilot,
        lambda: (
            bool(node.children) and node.children[0].data is None and "load" in node.children[0].label.plain
        ),
        "a failed load",
    )


async def test_explain_and_run_from_the_query_editor(shop_url: str) -> None:
    from tui.screens.confirm import ConfirmModal
    from tui.widgets.plan_view import PlanView
    from tui.widgets.results_grid import ResultsGrid

    app = make_app(shop_url)
    async with app.run_test(size=(160, 48)) as pilot:
        await start(pilot, app)
        screen = app.main_screen
        await pilot.press("2")
        assert screen.centre.active == "query"
        editor = screen.query_one("#query-editor")
        editor.load_text("SELECT id, status FROM shop.orders WHERE status = 'new';\nSELECT 1;")  # type: ignore[attr-defined]
        editor.focus()
        await pilot.press("ctrl+e")
        view = screen.query_one(PlanView)
        await wait_until(pilot, lambda: view.plan is not None, "the plan")
        assert screen.centre.active == "plan"
        assert view.plan is not None and view.plan.engine == "postgresql"
        assert any(node.object and "orders" in node.object for node in view.plan.root.walk())
        assert "status = 'new'" in (view.plan.query or "")

        # Run the statement under the cursor: the capped grid shows the (empty) result's columns.
        screen.centre.active = "query"
        editor.focus()
        await pilot.press("ctrl+r")
        grid = screen.query_one(ResultsGrid)
        await wait_until(pilot, lambda: screen.centre.active == "results", "the results tab")
        assert grid.page.columns == ["id", "status"] and grid.page.rows == []

        # EXPLAIN ANALYZE of a statement that writes, in this read-only session: refused at once, with
        # the reason, never a question whose answer is already known; nothing runs.
        screen.centre.active = "query"
        editor.load_text("DELETE FROM shop.orders WHERE id = 1")  # type: ignore[attr-defined]
        editor.focus()
        previous = view.plan
        screen.action_explain_analyze()
        await wait_until(
            pilot,
            lambda: any("read-only" in str(n.message).lower() for n in app._notifications),
            "the refusal",
        )
        assert not isinstance(app.screen, ConfirmModal)
        assert view.plan is previous
