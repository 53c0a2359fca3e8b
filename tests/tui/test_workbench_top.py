"""From "what is slow on this server" to the plan and the advice, in the app, on a throwaway PostgreSQL
cluster that preloads pg_stat_statements: `t` opens the Top tab on the worst statement, `e` explains
it (a generic plan for its `$1`), the plan view and the advisor panel show the result, and the advisor
ranks the index suggestion by the statement's calls."""

from __future__ import annotations

import psycopg
import pytest
from textual.widgets import DataTable, TextArea

from tests.clusters import Cluster
from tests.tui.app_support import wait_until
from tests.tui.workbench_support import make_app, settle, started
from tui.core.connspec import parse_url

pytestmark = pytest.mark.live_pg

CALLS = 40


@pytest.fixture(scope="module")
def workload_url(pgss_cluster: Cluster) -> str:
    with psycopg.connect(pgss_cluster.url(), autocommit=True) as conn:
        conn.execute("DROP DATABASE IF EXISTS wb_top")
        conn.execute("CREATE DATABASE wb_top")
    url = pgss_cluster.url("wb_top")
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CREATE EXTENSION pg_stat_statements")
        conn.execute("CREATE EXTENSION hypopg")  # the advisor verifies its suggestion hypothetically
        conn.execute(
            "CREATE TABLE orders AS SELECT g AS id, g % 1000 AS customer_id, md5(g::text) AS note "
            "FROM generate_series(1, 300000) g"
        )
        conn.execute("ALTER TABLE orders ADD PRIMARY KEY (id)")
        conn.execute("ANALYZE orders")
        conn.execute("SELECT pg_stat_statements_reset()")
        for i in range(CALLS):  # the slow one: a full scan for one customer, 40 times
            conn.execute("SELECT id, note FROM orders WHERE customer_id = %s", (i,))
        for i in range(5):  # a fast one, by primary key
            conn.execute("SELECT note FROM orders WHERE id = %s", (i + 1,))
    return url


async def test_slow_to_plan_and_advice_in_two_keys(workload_url: str) -> None:
    app = make_app(workload_url)
    async with app.run_test(size=(160, 48)) as pilot:
        await started(pilot, app)
        screen = app.main_screen
        keys = ["t", "e"]
        await pilot.press(keys[0])
        await settle(pilot, app)
        top = screen.query_one("#top-statements")
        assert screen.centre.active == "top"
        table = top.query_one(DataTable)
        assert app.focused is table and table.row_count >= 2
        stat = top.selected
        assert stat is not None
        assert stat.query == "SELECT id, note FROM orders WHERE customer_id = $1", stat.query
        assert stat.calls == CALLS

        await pilot.press(keys[1])
        await wait_until(pilot, lambda: screen.plan_view.plan is not None, "the plan")
        await settle(pilot, app)
        assert len(keys) <= 3
        plan = screen.plan_view.plan
        assert plan is not None and screen.centre.active == "plan"
        assert any(node.object and "orders" in node.object for node in plan.root.walk())
        advisor = screen.query_one("#advisor")
        assert not advisor.has_class("-hidden") and advisor.region.width > 0  # shown at 160 columns
        findings = screen.advisor_panel.findings
        suggestions = [f for f in findings if any("customer_id" in ddl for ddl in f.ddl)]
        assert suggestions, [f.rule for f in findings]
        suggestion = suggestions[0]
        assert suggestion.ddl[0].startswith("CREATE INDEX CONCURRENTLY")
        # Verified with HypoPG on the generic plan (PREPARE + force_generic_plan before PostgreSQL 16).
        verification = suggestion.verification
        assert verification is not None and verification.method.lower().startswith("hypopg"), verification
        assert float(verification.after) < float(verification.before)

        # Ranked by calls × time saved: the statement's mean time × the share HypoPG says the index
        # saves × its calls; the same plan advised for one call weighs 40 times less.
        from tui.adapters.postgres import PostgresAdapter
        from tui.advisor.api import advise_plan

        adapter = PostgresAdapter(parse_url(workload_url))
        adapter.connect()
        try:
            once = advise_plan(plan, query=stat.query, adapter=adapter, mean_time_ms=stat.mean_time_ms)
        finally:
            adapter.close()
        single = next(f for f in once if f.rule == suggestion.rule and f.ddl == suggestion.ddl)
        assert single.impact > 0
        assert suggestion.impact == pytest.approx(single.impact * CALLS, rel=1e-6)
        saved_share = 1 - float(verification.after) / float(verification.before)
        time_saved_ms = stat.mean_time_ms * saved_share
        assert suggestion.impact == pytest.approx(time_saved_ms * CALLS, rel=1e-6)  # ms saved × calls
        # … and the advisor panel shows those numbers with the suggestion.
        assert suggestion.evidence["calls"] == CALLS
        assert suggestion.evidence["time_saved_per_call_ms"] == pytest.approx(time_saved_ms, rel=1e-3)
        assert suggestion.evidence["time_saved_ms"] == pytest.approx(suggestion.impact, rel=1e-3)

        # The history has the explain, as the statement was sent.
        from tests.tui.workbench_support import history_of

        assert history_of(app)[0].kind == "explain"
        assert history_of(app)[0].query == stat.query


async def test_enter_opens_the_top_statement_in_the_editor(workload_url: str) -> None:
    app = make_app(workload_url)
    async with app.run_test(size=(160, 48)) as pilot:
        await started(pilot, app)
        screen = app.main_screen
        screen.query_editor.load_text("SELECT 1")  # the user's own text stays
        await pilot.press("t")
        await settle(pilot, app)
        top = screen.query_one("#top-statements")
        await pilot.press("s", "s")  # sort by calls: the 40-call statement first
        assert top.sort_key == "calls" and top.selected.calls == CALLS
        await pilot.press("enter")
        await pilot.pause()
        assert screen.centre.active == "query"
        editor = screen.query_editor
        assert editor.text == "SELECT 1;\n\nSELECT id, note FROM orders WHERE customer_id = $1"
        assert editor.current_statement() == "SELECT id, note FROM orders WHERE customer_id = $1"
        assert app.focused is editor


async def test_values_asked_when_no_generic_plan_can_be_made(workload_url: str) -> None:
    """A `$1` statement whose generic plan fails on a parameter (typed two ways) opens the values
    prompt with the server's reason; the values typed are explained with the statement's calls; a
    statement without a plan (COMMIT) is named as such and nothing is sent."""
    from tests.tui.workbench_support import history_of, notifications
    from tui.core.session import StatementStat
    from tui.screens.prompts import ValuesModal

    app = make_app(workload_url)
    async with app.run_test(size=(160, 48), notifications=True) as pilot:
        await started(pilot, app)
        screen = app.main_screen
        await pilot.press("t")
        await settle(pilot, app)
        top = screen.query_one("#top-statements")
        ambiguous = "INSERT INTO orders (id, customer_id) VALUES ($1, $1::text)"
        top.show_statements([StatementStat(ambiguous, 12, 24.0, 2.0, 12)], "postgresql")
        top.query_one(DataTable).focus()
        await pilot.press("e")
        await wait_until(pilot, lambda: isinstance(app.screen, ValuesModal), "the values prompt")
        modal = app.screen
        assert modal.text == ambiguous
        assert "inconsistent types deduced for parameter $1" in str(modal.query_one("#values-help").render())
        modal.query_one(TextArea).load_text("SELECT id, note FROM orders WHERE customer_id = 7")
        await pilot.press("ctrl+e")
        await wait_until(pilot, lambda: screen.plan_view.plan is not None, "the plan of the values")
        await settle(pilot, app)
        assert history_of(app)[0].query == "SELECT id, note FROM orders WHERE customer_id = 7"
        assert history_of(app)[1].query == ambiguous and history_of(app)[1].status.startswith("error")

        screen.centre.active = "top"
        top.show_statements([StatementStat("COMMIT", 500, 5.0, 0.01, 0)], "postgresql")
        top.query_one(DataTable).focus()
        entries = len(history_of(app))
        await pilot.press("e")
        await settle(pilot, app)
        assert app.screen is screen and len(history_of(app)) == entries
        assert any("COMMIT statements have no plan" in text for text in notifications(app))


async def test_pilot_run_page_open_top_and_explain(workload_url: str) -> None:
    """The issue's pilot, in one session: run a query whose result is capped (300,000 rows, 1,000
    fetched) and page through it to the last fetched row; open the top statement in the editor with
    `enter`; explain it there (a generic plan of its `$1`); and explain it from the Top tab with `e`."""
    from tests.tui.workbench_support import history_of, results_footer, run_in_editor

    app = make_app(workload_url)
    async with app.run_test(size=(160, 48)) as pilot:
        await started(pilot, app)
        screen = app.main_screen

        # 1. Run a query: a capped page of 1,000 rows of 300,000, paged through.
        await run_in_editor(pilot, app, "SELECT id, customer_id, note FROM orders ORDER BY id")
        grid = screen.results_grid
        assert screen.centre.active == "results" and app.focused is grid.table
        assert len(grid.page.rows) == 1000 and grid.page.truncated
        assert results_footer(app).startswith("1,000 rows (capped — more on the server)")
        await pilot.press("pagedown")
        first_page = grid.table.cursor[0]
        assert first_page > 0
        await pilot.press("pagedown")
        assert grid.table.cursor[0] > first_page
        await pilot.press("G")
        assert grid.table.cursor[0] == 999 and grid.page.rows[999][0] == 1000

        # 2. Open the top statement (worst total time) in the editor.
        screen.schema_pane.tree.focus()
        await pilot.press("t")
        await settle(pilot, app)
        top = screen.query_one("#top-statements")
        stat = top.selected
        assert stat is not None and stat.query == "SELECT id, note FROM orders WHERE customer_id = $1"
        await pilot.press("enter")
        await pilot.pause()
        editor = screen.query_editor
        assert screen.centre.active == "query" and app.focused is editor
        assert editor.current_statement() == stat.query

        # 3. Explain it from the editor: a generic plan of the $1 statement.
        await pilot.press("ctrl+e")
        await wait_until(pilot, lambda: screen.plan_view.plan is not None, "the plan from the editor")
        await settle(pilot, app)
        assert history_of(app)[0].kind == "explain" and history_of(app)[0].status == "ok"
        assert any(node.object and "orders" in node.object for node in screen.plan_view.plan.root.walk())

        # 4. And from the Top tab, one key: the advisor weighs it by the statement's calls.
        screen.plan_view.clear()
        await pilot.press("t")
        await settle(pilot, app)
        await pilot.press("e")
        await wait_until(pilot, lambda: screen.plan_view.plan is not None, "the plan from the Top tab")
        await settle(pilot, app)
        assert screen.centre.active == "plan"
        suggestion = next(f for f in screen.advisor_panel.findings if any("customer_id" in d for d in f.ddl))
        assert suggestion.impact > 0
        kinds = [(e.kind, e.status) for e in history_of(app)[:3]]
        assert kinds == [("explain", "ok"), ("explain", "ok"), ("run", "ok")], kinds
