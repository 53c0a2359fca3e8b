"""The Top tab on live MariaDB: why it is empty and how to enable it (performance_schema), and how a
digest is explained — its sample text when the server kept one (MySQL's QUERY_SAMPLE_TEXT), else the
values the user types (escape explains nothing)."""

from __future__ import annotations

import pytest
from textual.widgets import DataTable

from tests.adapters.test_mysql_digests_live import SLOW_CALLS, workload
from tests.clusters import MariaDB
from tests.live import LiveServer, db_name
from tests.tui.app_support import wait_until
from tests.tui.workbench_support import history_of, make_app, settle, started
from tui.core.session import StatementStat
from tui.core.topstat import digest_needs_values
from tui.screens.prompts import ValuesModal

pytestmark = pytest.mark.live_mysql


def test_digest_placeholders() -> None:
    assert digest_needs_values("SELECT * FROM `t` WHERE `k` = ?")
    assert digest_needs_values("INSERT INTO `t` VALUES (...)")
    assert not digest_needs_values("SELECT * FROM `who?` WHERE `k` = 1")  # a ? inside an identifier
    assert not digest_needs_values("SELECT COUNT ( * ) FROM `t`")


async def test_top_reason_and_digest_explain(plain_mariadb_scratch: str, plain_mariadb: LiveServer) -> None:
    # A server with performance_schema off (the shared service may have it on): the Top tab says why.
    plain_mariadb.execute(
        "CREATE TABLE items (id INT PRIMARY KEY, k INT); INSERT INTO items SELECT seq, seq % 10 FROM seq_1_to_100",
        db_name(plain_mariadb_scratch),
    )
    app = make_app(plain_mariadb_scratch)
    async with app.run_test(size=(160, 48)) as pilot:
        await started(pilot, app)
        screen = app.main_screen
        await pilot.press("t")
        await settle(pilot, app)
        top = screen.query_one("#top-statements")
        summary = str(top.query_one("#top-summary").render())
        # the hint names the setting, the section and the restart, brackets included
        assert "performance_schema=ON" in summary and "[mysqld]" in summary and "restart" in summary

        # A digest with a complete sample: the sample is explained as it ran, nothing is asked.
        sample = "SELECT id FROM items WHERE k = 3"
        digest = "SELECT `id` FROM `items` WHERE `k` = ?"
        top.show_statements([StatementStat(digest, 7, 7.0, 1.0, 70, extra={"sample": sample})], "mariadb")
        top.query_one(DataTable).focus()
        await pilot.press("e")
        await wait_until(pilot, lambda: screen.plan_view.plan is not None, "the plan of the sample")
        await settle(pilot, app)
        assert not isinstance(app.screen, ValuesModal)
        assert history_of(app)[0].query == sample and history_of(app)[0].kind == "explain"

        # Without a sample the values are asked; escape explains nothing.
        screen.centre.active = "top"
        top.show_statements([StatementStat(digest, 7, 7.0, 1.0, 70)], "mariadb")
        top.query_one(DataTable).focus()
        entries = len(history_of(app))
        await pilot.press("e")
        await wait_until(pilot, lambda: isinstance(app.screen, ValuesModal), "the values prompt")
        # … and it says how to let the server keep samples, so the next time nothing is asked.
        help_text = str(app.screen.query_one("#values-help").render())
        assert "SET ENABLED = 'YES'" in " ".join(help_text.split())
        assert "events_statements_history_long" in help_text.replace("\n", "")
        await pilot.press("escape")
        await settle(pilot, app)
        assert app.screen is screen and len(history_of(app)) == entries


async def test_slow_digest_to_plan_and_advice_in_two_keys(ps_mariadb: MariaDB) -> None:
    """On a MariaDB with performance_schema=ON: `t` lists the digests worst total time first with
    their no-index counter, `e` explains the worst through the real sample the server kept (no values
    asked), and the advisor suggests the index, ranked by the digest's calls."""
    workload(ps_mariadb, "wb_digests", reset_digests=True)
    app = make_app(ps_mariadb.url("wb_digests"))
    async with app.run_test(size=(160, 48)) as pilot:
        await started(pilot, app)
        screen = app.main_screen
        keys = ["t", "e"]
        await pilot.press(keys[0])
        await settle(pilot, app)
        top = screen.query_one("#top-statements")
        table = top.query_one(DataTable)
        assert app.focused is table
        summary = str(top.query_one("#top-summary").render())
        assert summary.split()[1] == "statements" and "sorted by Total" in summary, summary
        stat = top.selected
        assert stat is not None and stat.query.startswith("SELECT * FROM `orders` WHERE `customer_id` = ?")
        assert stat.calls == SLOW_CALLS and stat.no_index_used == SLOW_CALLS
        row = [str(cell) for cell in table.get_row_at(0)]
        assert row[0] == str(SLOW_CALLS) and row[7] == str(SLOW_CALLS)  # Calls … No index
        sample = stat.extra["sample"]

        await pilot.press(keys[1])
        await wait_until(pilot, lambda: screen.plan_view.plan is not None, "the plan of the sample")
        await settle(pilot, app)
        assert not isinstance(app.screen, ValuesModal) and screen.centre.active == "plan"
        assert history_of(app)[0].query == sample and history_of(app)[0].kind == "explain"
        plan = screen.plan_view.plan
        assert any(node.object == "orders" and node.access_type == "ALL" for node in plan.root.walk())
        suggestions = [f for f in screen.advisor_panel.findings if any("ADD INDEX" in d for d in f.ddl)]
        assert suggestions, [f.rule for f in screen.advisor_panel.findings]
        assert any("customer_id" in d for d in suggestions[0].ddl)
        assert suggestions[0].impact > 0
        assert len(keys) <= 3

        # Sorted by the no-index counter, `r` reads the digests in that order from the server.
        screen.centre.active = "top"
        table.focus()
        while top.sort_key != "no_index":
            await pilot.press("s")
        await pilot.press("r")
        await settle(pilot, app)
        summary = str(top.query_one("#top-summary").render())
        assert "sorted by No index" in summary, summary
        # (The app's own catalog queries use no index either: the order is checked, not the first row.)
        counts = [(s.no_index_used or 0) + (s.no_good_index_used or 0) for s in top._stats]
        assert counts == sorted(counts, reverse=True) and counts[0] >= SLOW_CALLS
        assert any(s.query == stat.query and s.no_index_used == SLOW_CALLS for s in top._stats)
