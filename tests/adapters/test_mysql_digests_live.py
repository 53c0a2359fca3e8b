"""Statement digests on a throwaway MariaDB with performance_schema=ON (the shared service has it off):
the adapter's numbers against a known workload, each sort, the no-index counters, real samples of a
digest from the statement history (and, without them, exactly how to get them), EXPLAIN through the
sample, and ``dbscope top`` in text and JSON with each statement's plan findings."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import pymysql
import pytest

from tests.clusters import MariaDB
from tui.adapters.mysql import MySQLAdapter
from tui.cli import main
from tui.core.connspec import parse_url
from tui.core.topstat import MYSQL_SAMPLES_HINT, statement_to_explain
from tui.plans.mysql import parse_mysql_plan

pytestmark = pytest.mark.live_mysql

SLOW_CALLS = 30
SETUP = [
    "CREATE TABLE orders (id INT PRIMARY KEY, customer_id INT NOT NULL, created_at DATETIME NOT NULL, "
    "total DECIMAL(10, 2) NOT NULL) ENGINE=InnoDB",
    "INSERT INTO orders SELECT seq, seq % 2000, '2024-01-01' + INTERVAL seq MINUTE, seq % 97 "
    "FROM seq_1_to_60000",
    "ANALYZE TABLE orders",
]


def workload(server: MariaDB, database: str, *, reset_digests: bool = False) -> None:
    """The slow statement: a full scan per customer, SLOW_CALLS times; a range count 5 times; a
    primary-key lookup 3 times (it uses an index). ``reset_digests`` empties the digest table after
    the setup, so the slow statement is also the one with the largest total time."""
    conn = pymysql.connect(**server.connect_kwargs(), autocommit=True)  # type: ignore[arg-type]
    try:
        with conn.cursor() as cur:
            cur.execute(f"CREATE DATABASE `{database}`")
            cur.execute(f"USE `{database}`")
            for statement in SETUP:
                cur.execute(statement)
            if reset_digests:
                cur.execute("TRUNCATE TABLE performance_schema.events_statements_summary_by_digest")
            for i in range(SLOW_CALLS):
                cur.execute(
                    "SELECT * FROM orders WHERE customer_id = %s ORDER BY created_at DESC LIMIT 10", (i,)
                )
                cur.fetchall()
            for i in range(5):
                cur.execute("SELECT COUNT(*) FROM orders WHERE total > %s", (i,))
                cur.fetchall()
            for i in range(3):
                cur.execute("SELECT * FROM orders WHERE id = %s", (i + 1,))
                cur.fetchall()
    finally:
        conn.close()


def consumers(server: MariaDB, enabled: bool) -> None:
    conn = pymysql.connect(**server.connect_kwargs(), autocommit=True)  # type: ignore[arg-type]
    try:
        with conn.cursor() as cur:
            cur.execute(
                "UPDATE performance_schema.setup_consumers SET ENABLED = %s WHERE NAME IN "
                "('events_statements_current', 'events_statements_history_long')",
                ("YES" if enabled else "NO",),
            )
            if not enabled:
                cur.execute("TRUNCATE TABLE performance_schema.events_statements_history_long")
    finally:
        conn.close()


@pytest.fixture(scope="module")
def shop(ps_mariadb: MariaDB) -> str:
    workload(ps_mariadb, "digest_shop")
    return ps_mariadb.url("digest_shop")


@pytest.fixture
def adapter(shop: str) -> Iterator[MySQLAdapter]:
    a = MySQLAdapter(parse_url(shop))
    a.connect()
    yield a
    a.close()


def _slow(stats: list) -> object:  # type: ignore[type-arg]
    return next(s for s in stats if "`customer_id` = ?" in s.query)


def test_digests_numbers_sorts_and_no_index_counters(adapter: MySQLAdapter) -> None:
    assert adapter.capabilities.statement_stats.available, adapter.capabilities.statement_stats.reason
    by_calls = adapter.top_statements(limit=20, sort="calls")
    slow = _slow(by_calls)
    assert by_calls[0].calls >= slow.calls == SLOW_CALLS
    assert slow.query.startswith("SELECT * FROM `orders` WHERE `customer_id` = ?")
    assert slow.rows == SLOW_CALLS * 10  # rows sent
    assert slow.extra["rows_examined"] >= SLOW_CALLS * 60000  # a full scan each time
    assert slow.no_index_used == SLOW_CALLS
    assert slow.mean_time_ms == pytest.approx(slow.total_time_ms / SLOW_CALLS, rel=0.01)
    assert slow.max_time_ms is not None and slow.max_time_ms >= slow.mean_time_ms
    # MariaDB prints some identifiers bare and upper-cased in digests (`WHERE ID = ?`).
    lookup = next(
        s for s in by_calls if re.match(r"SELECT \* FROM `orders` WHERE `?id`? = \?", s.query, re.I)
    )
    assert lookup.calls == 3 and lookup.no_index_used == 0
    for sort, key in (
        ("total", lambda s: s.total_time_ms),
        ("mean", lambda s: s.mean_time_ms),
        ("calls", lambda s: s.calls),
        ("no_index", lambda s: (s.no_index_used or 0) + (s.no_good_index_used or 0)),
    ):
        stats = adapter.top_statements(limit=20, sort=sort)
        values = [key(s) for s in stats]
        assert values == sorted(values, reverse=True), sort


def test_digest_explained_through_its_sample(adapter: MySQLAdapter) -> None:
    slow = _slow(adapter.top_statements(limit=20, sort="calls"))
    sample = slow.extra.get("sample")
    assert sample and "?" not in sample and sample.startswith("SELECT * FROM orders WHERE customer_id = ")
    choice = statement_to_explain(slow, adapter.server.engine)
    assert choice.query == sample
    plan = parse_mysql_plan(adapter.explain(choice.query).text)
    scan = next(n for n in plan.nodes() if n.object == "orders")
    assert scan.access_type == "ALL"


def cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_dbscope_top_json_and_text_with_plan_findings(shop: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = cli(
        capsys, "top", shop, "--sort", "calls", "--limit", "20", "--format", "json", "--explain"
    )
    assert code == 0, err
    data = json.loads(out)
    assert data["engine"] == "mariadb"
    statements = data["statements"]
    slow = next(s for s in statements if "`customer_id` = ?" in s["query"])
    assert slow["calls"] == SLOW_CALLS and slow["rows"] == SLOW_CALLS * 10
    assert slow["total_time_ms"] > 0 and slow["mean_time_ms"] > 0
    assert "error" not in slow, slow.get("error")
    ddl = [d for f in slow["findings"] for d in f["ddl"]]
    assert any("ADD INDEX" in d and "(customer_id, created_at)" in d for d in ddl), ddl
    # Statements without a plan are named as such, not sent to EXPLAIN to fail on a syntax error.
    create = next(s for s in statements if s["query"].startswith("CREATE TABLE"))
    assert create["error"].startswith("CREATE statements have no plan"), create["error"]
    assert not any("syntax" in (s.get("error") or "") for s in statements)

    code, out, err = cli(capsys, "top", shop, "--sort", "calls", "--limit", "20", "--explain")
    assert code == 0, err
    assert out.startswith("MariaDB top statements by calls")
    assert "Ranked by impact" in out and "customer_id" in out


def test_without_samples_the_user_is_told_how_to_get_them(ps_mariadb: MariaDB) -> None:
    """Last in this module: it empties the statement history the sample tests above read."""
    workload(ps_mariadb, "digest_nosample")
    consumers(ps_mariadb, enabled=False)
    adapter = MySQLAdapter(parse_url(ps_mariadb.url("digest_nosample")))
    adapter.connect()
    try:
        slow = _slow(adapter.top_statements(limit=20, sort="calls"))
        assert "sample" not in slow.extra
        choice = statement_to_explain(slow, adapter.server.engine)
        assert choice.query is None and choice.needs_values
        assert MYSQL_SAMPLES_HINT in choice.hint
        assert "events_statements_history_long" in choice.hint and "[mysqld]" in choice.hint
    finally:
        adapter.close()
        consumers(ps_mariadb, enabled=True)
