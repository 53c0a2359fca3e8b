"""SVG snapshots of the main screen on a live database with fixed content: 80×24 and 160×48, in the
default theme and in LCARS. The database has a fixed name (it shows in the status bar); the tree shows
the shop schema expanded and shop.orders opened on its Columns tab, with every worker finished."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.live import LiveServer
from tests.tui.app_support import SHOP_SQL, pin_server_identity, wait_until
from tui.app import DbscopeApp
from tui.core.connspec import parse_url
from tui.widgets.detail_pane import DetailPane, KeyTable
from tui.widgets.schema_tree import SchemaTree

pytestmark = pytest.mark.live_pg
SNAPSHOT_DB = "dbscope_snapshot"
BUSY_GROUPS = {"catalog", "detail", "advisor", "connect", "schema"}


@pytest.fixture(scope="module")
def snapshot_url(pg_server: LiveServer) -> Iterator[str]:
    pg_server.execute(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
        f"WHERE datname = '{SNAPSHOT_DB}' AND pid <> pg_backend_pid()"
    )
    pg_server.execute(f"DROP DATABASE IF EXISTS {SNAPSHOT_DB}")
    for url in pg_server.scratch_database(SNAPSHOT_DB):
        pg_server.execute(SHOP_SQL, SNAPSHOT_DB)
        yield url


async def _open_orders(pilot) -> None:  # type: ignore[no-untyped-def]
    app = pilot.app
    tree = app.main_screen.query_one(SchemaTree)
    await wait_until(
        pilot, lambda: bool(tree.root.children) and tree.root.children[0].data is not None, "roots"
    )
    shop = next(n for n in tree.root.children if n.data is not None and n.data.name == "shop")
    tree.move_cursor(shop)
    await pilot.press("space")
    await wait_until(pilot, lambda: bool(shop.children) and shop.children[0].data is not None, "shop")
    orders = next(n for n in shop.children if n.data is not None and n.data.name == "orders")
    tree.move_cursor(orders)
    await pilot.press("enter")
    detail = app.main_screen.query_one(DetailPane)
    await wait_until(pilot, lambda: detail.detail is not None, "the detail")
    await wait_until(
        pilot,
        lambda: not any(w.is_running and w.group in BUSY_GROUPS for w in app.workers),
        "idle workers",
    )
    # DataTable sizes its columns on its next idle; capture only after every table did.
    tables = list(app.main_screen.query(KeyTable))
    await wait_until(
        pilot, lambda: not any(t._require_update_dimensions or t._new_rows for t in tables), "sized columns"
    )
    await pilot.pause(0.3)
    app.main_screen.status.work = ""
    pin_server_identity(app, SNAPSHOT_DB)
    # The footer mounts after the first frame and fills its keys a refresh later.
    await wait_until(pilot, lambda: bool(app.screen.query("FooterKey")), "the footer's keys")
    app.clear_notifications()  # toasts time out: whether one is still up depends on the machine's speed
    await pilot.pause()


@pytest.mark.parametrize("theme", ["dbscope-dark", "lcars"])
@pytest.mark.parametrize("size", [(80, 24), (160, 48)])
def test_main_screen_snapshot(snap_compare, snapshot_url: str, theme: str, size: tuple[int, int]) -> None:  # type: ignore[no-untyped-def]
    app = DbscopeApp(spec=parse_url(snapshot_url), theme=theme, watch_terminal=False)
    assert snap_compare(app, terminal_size=size, run_before=_open_orders)
