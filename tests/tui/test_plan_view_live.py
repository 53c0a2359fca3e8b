"""PlanView on plans a live PostgreSQL server just produced: EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) of
a join and of a partitioned table's Append, shown, navigated to the hottest node, detail read."""

from __future__ import annotations

import json
from urllib.parse import urlsplit

import pytest
from textual.app import App, ComposeResult

from tests.live import LiveServer
from tui.core import fmt
from tui.core.plan import Plan
from tui.plans.detect import parse_plan
from tui.widgets.node_detail import NodeDetail
from tui.widgets.plan_view import PlanView

pytestmark = pytest.mark.live_pg


class PlanHost(App[None]):
    def __init__(self, plan: Plan) -> None:
        super().__init__()
        self._plan = plan

    def compose(self) -> ComposeResult:
        yield PlanView(id="plan")

    def on_mount(self) -> None:
        view = self.query_one(PlanView)
        view.show_plan(self._plan)
        view.tree.focus()


def explain(server: LiveServer, database: str, sql: str) -> Plan:
    # No parallel plan, so the tree's shape does not depend on the machine's worker settings.
    rows = server.execute(
        f"SET max_parallel_workers_per_gather = 0; EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) {sql}", database
    )
    document = rows[0][0]
    text = document if isinstance(document, str) else json.dumps(document)
    return parse_plan(text)


async def test_live_join_hottest_node_detail(pg_server: LiveServer, pg_scratch: str) -> None:
    database = urlsplit(pg_scratch).path.lstrip("/")
    pg_server.execute(
        "CREATE TABLE customers (id int PRIMARY KEY, region int);"
        "CREATE TABLE orders (id int PRIMARY KEY, customer_id int, amount numeric);"
        "INSERT INTO customers SELECT g, g % 10 FROM generate_series(1, 2000) g;"
        "INSERT INTO orders SELECT g, g % 2000 + 1, g * 1.5 FROM generate_series(1, 50000) g;"
        "ANALYZE customers; ANALYZE orders;",
        database,
    )
    plan = explain(
        pg_server,
        database,
        "SELECT c.region, sum(o.amount) FROM orders o JOIN customers c ON c.id = o.customer_id "
        "WHERE o.amount > 10 GROUP BY c.region ORDER BY 2 DESC",
    )
    hottest = plan.hottest()
    assert plan.analyzed and hottest is not None
    app = PlanHost(plan)
    async with app.run_test(size=(160, 40)) as pilot:
        await pilot.pause()
        view = app.query_one(PlanView)
        await pilot.press("h")
        await pilot.pause()
        assert view.selected_node is hottest
        facts = {label: value for _s, label, value in app.query_one(NodeDetail).rows}
        assert facts["operation"] == hottest.operation
        assert facts["time exclusive"] == fmt.ms(hottest.time_exclusive_ms)
        assert facts["share of total time"] == fmt.pct(hottest.time_share)
        # Every field PostgreSQL printed for the node is listed verbatim.
        assert facts["Node Type"] == hottest.extra["Node Type"]
        assert facts["Actual Loops"] == str(hottest.extra["Actual Loops"])
        operations = [n.operation for n in view.tree.visible_nodes]
        assert len(operations) == sum(1 for _ in plan.nodes())
        assert any("Hash Join" in op or "Merge Join" in op or "Nested Loop" in op for op in operations)


async def test_live_partitioned_append(pg_server: LiveServer, pg_scratch: str) -> None:
    database = urlsplit(pg_scratch).path.lstrip("/")
    parts = 120
    ddl = ["CREATE TABLE events (id int, kind int) PARTITION BY RANGE (id);"]
    ddl += [
        f"CREATE TABLE events_p{i} PARTITION OF events FOR VALUES FROM ({i * 100}) TO ({(i + 1) * 100});"
        for i in range(parts)
    ]
    ddl.append(f"INSERT INTO events SELECT g, g % 7 FROM generate_series(0, {parts * 100 - 1}) g;")
    pg_server.execute("".join(ddl), database)
    plan = explain(pg_server, database, "SELECT count(*) FROM events WHERE kind = 3")
    append = next(n for n in plan.nodes() if n.operation == "Append")
    assert len(append.children) == parts
    app = PlanHost(plan)
    async with app.run_test(size=(160, 40)) as pilot:
        await pilot.pause()
        view = app.query_one(PlanView)
        total = sum(1 for _ in plan.nodes())
        assert len(view.tree.visible_nodes) == total
        view.select_node(append)
        await pilot.press("left")  # fold the Append: its partitions disappear
        assert len(view.tree.visible_nodes) == total - parts
        await pilot.press("end", "right")  # the Append is the last visible row again
        assert view.selected_node is append and len(view.tree.visible_nodes) == total
        await pilot.press("end")
        last = view.selected_node
        assert last is not None and last.object is not None and f"events_p{parts - 1}" in last.object
