"""The schema tree's mechanics at scale: chunked insertion of 10,000 children that gives the event
loop back between chunks, filtering 10,000 names within 50 ms per keystroke, on-demand loads before prefetches,
and a live level of 1,200 tables from PostgreSQL inserted in chunks.

The 10,000-name tests feed the tree from an in-memory catalog (the widget takes any catalog source);
what they measure is the widget, not a database."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator

import pytest
from textual.app import App, ComposeResult

from tests.live import LiveServer
from tests.tui.app_support import wait_until
from tui.core.catalog import CatalogNode
from tui.widgets.schema_tree import CHUNK, NameIndex, SchemaPane, SchemaTree

BIG = 10_000


def big_catalog(node: CatalogNode | None) -> list[CatalogNode]:
    if node is None:
        return [
            CatalogNode("schema", "big", "big", has_children=True, key=("schema", "big")),
            CatalogNode("schema", "small", "small", has_children=True, key=("schema", "small")),
        ]
    if node.name == "big":
        return [
            CatalogNode("table", f"table_{i:05d}", f"big.table_{i:05d}", "table", has_children=True)
            for i in range(BIG)
        ]
    return [CatalogNode("table", "lonely", "small.lonely", "table")]


class TreeHost(App[None]):
    def __init__(self) -> None:
        super().__init__()
        self.loaded: list[tuple[str | None, int]] = []
        # Children of "big" in the tree each time the app handled a progress message.
        self.progress_seen: list[int] = []

    def compose(self) -> ComposeResult:
        yield SchemaPane(big_catalog, id="pane")

    def on_mount(self) -> None:
        self.query_one(SchemaTree).load_roots()

    def on_schema_tree_children_loaded(self, message: SchemaTree.ChildrenLoaded) -> None:
        self.loaded.append((message.node.name if message.node else None, message.count))

    def on_schema_tree_progress(self, message: SchemaTree.Progress) -> None:
        if message.name == "big":
            tree = self.query_one(SchemaTree)
            self.progress_seen.append(len(tree.root.children[0].children))


async def test_ten_thousand_children_inserted_in_chunks_without_freezing() -> None:
    """Structural, not timed (how long a chunk takes belongs to benchmarks/tree_scale.py): the loader
    gives the event loop back between chunks of CHUNK nodes, and the app handles its messages while
    the insertion is still going on."""
    app = TreeHost()
    async with app.run_test(size=(100, 40)) as pilot:
        tree = app.query_one(SchemaTree)
        await wait_until(pilot, lambda: (None, 2) in app.loaded, "the roots")
        big = tree.root.children[0]
        yields_before = tree.chunk_yields
        big.expand()
        await wait_until(pilot, lambda: ("big", BIG) in app.loaded, "10,000 children")
        await pilot.pause()
        assert len(big.children) == BIG
        assert len(tree.index) == 2 + BIG
        # 10,000 nodes in chunks of CHUNK: the loop was given back between every two chunks.
        assert tree.chunk_yields - yields_before == -(-BIG // CHUNK) - 1
        # The app handled a progress message while children were still missing: it was not blocked
        # for the whole insertion (one batch would handle every message after the last node).
        assert app.progress_seen, "no progress message was handled"
        assert min(app.progress_seen) < BIG, app.progress_seen
        # The cursor still moves while the tree is that large.
        tree.focus()
        tree.move_cursor(big)
        await pilot.press("down", "down", "j")
        assert tree.cursor_node is not None and tree.cursor_node.data is not None
        assert tree.cursor_node.data.name == "table_00002"


async def test_filter_over_ten_thousand_names_never_rebuilds_the_tree() -> None:
    """Typing searches the name index; the tree's nodes are not touched (speed: benchmarks/tree_scale.py)."""
    app = TreeHost()
    async with app.run_test(size=(100, 40)) as pilot:
        tree = app.query_one(SchemaTree)
        await wait_until(pilot, lambda: (None, 2) in app.loaded, "the roots")
        tree.root.children[0].expand()
        await wait_until(pilot, lambda: ("big", BIG) in app.loaded, "10,000 children")
        pane = app.query_one(SchemaPane)
        pane.open_filter()  # also loads the schema "small", never expanded
        await wait_until(pilot, lambda: ("small", 1) in app.loaded, "the prefetch of small")
        node_count = len(tree._tree_nodes)
        for key in "table_0999":
            await pilot.press(key)
        assert len(tree._tree_nodes) == node_count  # the tree was not touched
        matches = pane.query_one("#filter-matches")
        assert matches.option_count == 10  # table_09990 … table_09999
        await pilot.press("down", "enter")
        assert not pane.filtering
        assert tree.cursor_node is not None and tree.cursor_node.data is not None
        assert tree.cursor_node.data.name == "table_09991"


def test_name_index_ranks_exact_then_prefix_then_substring() -> None:
    index = NameIndex()
    nodes = [
        CatalogNode("column", "order_id", "shop.items.order_id"),
        CatalogNode("table", "orders_archive", "shop.orders_archive"),
        CatalogNode("table", "orders", "shop.orders"),
        CatalogNode("table", "Order Items", 'shop."Order Items"'),
        CatalogNode("table", "reorder", "shop.reorder"),
        CatalogNode("table", "customers", "shop.customers"),
        CatalogNode("folder", "Orders (2)", "folder"),
    ]
    for number, node in enumerate(nodes):
        index.add(node, number)
    found, total = index.search("ORDERS")
    assert [e.node.name for e in found] == ["orders", "orders_archive"]
    found, total = index.search("order")
    assert [e.node.name for e in found] == ["orders", "Order Items", "orders_archive", "order_id", "reorder"]
    assert total == 5
    found, total = index.search("shop.cust")
    assert [e.node.name for e in found] == ["customers"]
    assert index.search("  ") == ([], 0)
    found, total = index.search("o", limit=2)
    assert len(found) == 2 and total == 6  # "customers" has an o too


async def test_left_and_right_fold_and_step_like_a_file_manager() -> None:
    app = TreeHost()
    async with app.run_test(size=(100, 40)) as pilot:
        tree = app.query_one(SchemaTree)
        await wait_until(pilot, lambda: (None, 2) in app.loaded, "the roots")
        tree.focus()
        tree.move_cursor(tree.root.children[1])  # schema "small"
        await pilot.press("right")
        await wait_until(pilot, lambda: ("small", 1) in app.loaded, "small's table")
        small = tree.root.children[1]
        assert small.is_expanded and tree.cursor_node is small
        await pilot.press("l")
        assert tree.cursor_node is small.children[0]  # stepped in
        await pilot.press("left")
        assert tree.cursor_node is small and small.is_expanded  # a leaf steps out
        await pilot.press("h")
        assert not small.is_expanded and tree.cursor_node is small
        await pilot.press("left")
        assert tree.cursor_node is small  # a root has no parent to step to


async def test_on_demand_loads_go_before_prefetches() -> None:
    order: list[str] = []

    def source(node: CatalogNode | None) -> list[CatalogNode]:
        if node is None:
            return [CatalogNode("schema", f"s{i}", f"s{i}", has_children=True) for i in range(6)]
        order.append(node.name)
        time.sleep(0.05)
        return [CatalogNode("table", "t", f"{node.name}.t")]

    class Host(App[None]):
        def compose(self) -> ComposeResult:
            yield SchemaTree(source, id="tree")

        def on_mount(self) -> None:
            self.query_one(SchemaTree).load_roots()

    app = Host()
    async with app.run_test() as pilot:
        tree = app.query_one(SchemaTree)
        await wait_until(pilot, lambda: len(tree.root.children) == 6 and tree.root.children[0].data, "roots")
        schemas = list(tree.root.children)
        assert tree.prefetch(schemas[:4]) == 4
        schemas[5].expand()  # asked for by the user while the prefetches wait
        await wait_until(pilot, lambda: len(order) == 5, "five loads")
        assert order.index("s5") <= 1, order  # at most the prefetch already running went first
        assert set(order) == {"s0", "s1", "s2", "s3", "s5"}


@pytest.fixture(scope="module")
def wide_schema_url(pg_server: LiveServer) -> Iterator[str]:
    name = f"dbscope_wide_{uuid.uuid4().hex[:8]}"
    for url in pg_server.scratch_database(name):
        pg_server.execute(
            "CREATE SCHEMA wide; DO $$ BEGIN FOR i IN 1..1200 LOOP "
            "EXECUTE format('CREATE TABLE wide.%I (id int)', 't_' || lpad(i::text, 4, '0')); END LOOP; END $$;",
            name,
        )
        yield url


@pytest.mark.live_pg
async def test_live_schema_with_1200_tables_loads_in_chunks(wide_schema_url: str) -> None:
    from tui.app import DbscopeApp
    from tui.core.connspec import parse_url

    app = DbscopeApp(spec=parse_url(wide_schema_url), watch_terminal=False)
    progress: list[tuple[int, int]] = []

    def hook(message: object) -> None:
        if isinstance(message, SchemaTree.Progress):
            progress.append((message.done, message.total))

    async with app.run_test(size=(120, 40), message_hook=hook) as pilot:
        tree = app.main_screen.query_one(SchemaTree)
        await wait_until(
            pilot, lambda: tree.root.children and tree.root.children[0].data is not None, "roots"
        )
        wide = next(n for n in tree.root.children if n.data is not None and n.data.name == "wide")
        wide.expand()
        await wait_until(pilot, lambda: len(wide.children) >= 1200 and wide.children[0].data, "1,200 tables")
        names = [c.data.name for c in wide.children if c.data is not None and c.data.kind == "table"]
        assert len(names) == 1200 and names[0] == "t_0001" and names[-1] == "t_1200"
        assert (500, 1200) in progress and (1000, 1200) in progress  # inserted in chunks of 500
        assert tree.index.search("t_0777")[1] == 1
