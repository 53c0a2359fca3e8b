"""The embedded demo shop, live: ``start_demo`` really loads skewed data, every seeded defect is in the
catalog, every demo query runs, and stopping removes everything.

One demo per test session (``demo_session``); these tests only read it. Numbers are either exact
consequences of the generator (row counts, the 90/9/1 status split) or bounds on random draws."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest

from tests.demo_fixture import demo_session, process_alive  # noqa: F401 - the fixture
from tui.core.errors import QueryError
from tui.demo import shop
from tui.demo.embedded import start_embedded
from tui.demo.shop import DEMO_DEFECTS, DEMO_QUERIES, DemoDefect, DemoSession, start_demo

pytestmark = pytest.mark.live_pg

Rows = list[tuple[Any, ...]]


@pytest.fixture(scope="module")
def db(demo_session: DemoSession) -> Iterator[psycopg.Connection[Any]]:  # noqa: F811
    with psycopg.connect(demo_session.url, autocommit=True) as conn:
        yield conn


def rows(conn: psycopg.Connection[Any], sql: str, params: tuple[Any, ...] = ()) -> Rows:
    return conn.execute(sql, params or None).fetchall()  # type: ignore[arg-type]


def one(conn: psycopg.Connection[Any], sql: str, params: tuple[Any, ...] = ()) -> Any:
    return rows(conn, sql, params)[0][0]


# --- the load -------------------------------------------------------------------------------------


def test_url_is_the_shop_database_over_a_unix_socket(demo_session: DemoSession, db: Any) -> None:  # noqa: F811
    assert re.fullmatch(r"postgresql://postgres@/shop\?host=%2F\S+", demo_session.url)
    # the socket folder is percent-encoded, so the URL's last "/" is the one before the database
    assert demo_session.url.rsplit("/", 1)[1].split("?")[0] == "shop"
    assert one(db, "SELECT current_database()") == "shop"
    assert one(db, "SHOW server_version").startswith("18.")
    assert one(db, "SELECT inet_server_addr()") is None  # no TCP


def test_steps_were_reported_and_timed(demo_session: DemoSession) -> None:  # noqa: F811
    labels = [label for label, _ in demo_session.steps]
    assert labels[0].startswith("starting PostgreSQL 18.")
    for expected in (
        "loading orders (200,000 rows)",
        "loading order_items (600,000 rows)",
        "demo database ready",
    ):
        assert expected in labels
    assert all(seconds >= 0 for _, seconds in demo_session.steps)
    # Generous: the budget is 8 s on an idle 2-core machine; this only catches a pathological load.
    assert 0 < demo_session.load_seconds < 120


@pytest.mark.parametrize(
    ("table", "count"),
    [
        ("shop.categories", 40),
        ("shop.products", 10_000),
        ("shop.customers", 50_000),
        ("shop.addresses", 65_000),
        ("shop.orders", 200_000),
        # 20,000 orders per residue of id mod 10 with 1,1,1,2,2,3,4,5,6,5 lines: 20,000 * 30
        ("shop.order_items", 600_000),
        # one payment per order plus a failed attempt for every 33rd: 200,000 + 6,060
        ("shop.payments", 206_060),
        # delivered and shipped orders (99 %)
        ("shop.shipments", 198_000),
        ("shop.inventory", 30_000),
        ("shop.inventory_movements", 120_000),
        ("shop.audit_log", 300_000),
        ("shop.legacy_customer_import", 20_000),
        ("reporting.monthly_targets", 36),
    ],
)
def test_row_counts(db: Any, table: str, count: int) -> None:
    assert one(db, f"SELECT count(*) FROM {table}") == count


def test_status_split_is_90_9_1(db: Any) -> None:
    split = dict(rows(db, "SELECT status, count(*) FROM shop.orders GROUP BY status"))
    assert split == {"delivered": 180_000, "shipped": 18_000, "pending": 2_000}
    # ... and follows time: the pending orders are the newest.
    newest_delivered, oldest_pending = rows(
        db,
        "SELECT max(created_at) FILTER (WHERE status = 'delivered'), min(created_at) FILTER "
        "(WHERE status = 'pending') FROM shop.orders",
    )[0]
    assert newest_delivered < oldest_pending


def test_order_counts_per_customer_are_skewed(db: Any) -> None:
    top, second, median, without, top10_share = rows(
        db,
        """
        WITH c AS (SELECT c.id, count(o.id) AS n FROM shop.customers c
                   LEFT JOIN shop.orders o ON o.customer_id = c.id GROUP BY c.id)
        SELECT (SELECT n FROM c ORDER BY n DESC LIMIT 1),
               (SELECT n FROM c ORDER BY n DESC OFFSET 1 LIMIT 1),
               percentile_disc(0.5) WITHIN GROUP (ORDER BY n),
               count(*) FILTER (WHERE n = 0),
               (SELECT sum(n) FROM (SELECT n FROM c ORDER BY n DESC LIMIT 10) t) / 200000.0
        FROM c
        """,
    )[0]
    assert median >= 1
    assert top >= 100 * median
    assert second < top  # a power law, not a tie
    assert top10_share >= 0.03
    assert 2_500 <= without <= 25_000  # some customers never ordered, most did


def test_dates_spread_over_three_years_with_growth(db: Any) -> None:
    first, last, span_days, recent, early = rows(
        db,
        """
        SELECT min(created_at), max(created_at), extract(epoch FROM max(created_at) - min(created_at)) / 86400,
               count(*) FILTER (WHERE created_at >= now() - interval '1 year'),
               count(*) FILTER (WHERE created_at < (SELECT min(created_at) FROM shop.orders) + interval '1 year')
        FROM shop.orders
        """,
    )[0]
    assert 1_000 <= span_days <= 1_095
    assert first >= one(db, "SELECT now() - interval '1095 days'")
    assert last <= one(db, "SELECT now()")
    assert recent > 1.5 * early  # the shop grows
    assert (
        one(
            db,
            "SELECT count(*) FROM shop.orders o JOIN shop.customers c ON c.id = o.customer_id "
            "WHERE o.created_at < c.created_at",
        )
        == 0
    )


def test_order_totals_equal_the_sum_of_their_lines(db: Any) -> None:
    mismatches = one(
        db,
        """
        SELECT count(*) FROM shop.orders o
        JOIN (SELECT order_id, sum(quantity * unit_price - coalesce(discount, 0)) AS total
              FROM shop.order_items GROUP BY order_id) t ON t.order_id = o.id
        WHERE t.total <> o.total_amount
        """,
    )
    assert mismatches == 0
    assert (
        one(
            db,
            "SELECT count(*) FROM shop.orders WHERE customer_email IS DISTINCT FROM "
            "(SELECT email FROM shop.customers c WHERE c.id = customer_id)",
        )
        == 0
    )


@pytest.mark.parametrize(
    ("column", "low", "high"),
    [
        ("shop.orders.coupon_code", 0.93, 0.97),
        ("shop.orders.notes", 0.96, 0.98),
        ("shop.customers.phone", 0.37, 0.43),
        ("shop.customers.birth_date", 0.62, 0.68),
        ("shop.customers.referrer_id", 0.89, 0.91),
        ("shop.customers.company_name", 0.98, 1.0),
        ("shop.addresses.line2", 0.83, 0.87),
        ("shop.order_items.discount", 0.84, 0.86),
        ("shop.shipments.delivered_at", 0.09, 0.10),
    ],
)
def test_optional_columns_are_mostly_null(db: Any, column: str, low: float, high: float) -> None:
    schema, table, name = column.split(".")
    with db.transaction():
        # An index-only scan of orders_coupon_code_created_at_idx would count as a use of the "unused" index.
        db.execute(
            "SET LOCAL enable_indexonlyscan = off; SET LOCAL enable_indexscan = off; "
            "SET LOCAL enable_bitmapscan = off"
        )
        share = one(db, f"SELECT avg(({name} IS NULL)::int) FROM {schema}.{table}")
    assert low <= share <= high


def test_audit_log_has_twelve_monthly_partitions(db: Any, demo_session: DemoSession) -> None:  # noqa: F811
    parts = rows(
        db,
        """
        SELECT c.relname, extract(epoch FROM min(a.logged_at)), extract(epoch FROM max(a.logged_at)),
               count(a.*), pg_get_expr(c.relpartbound, c.oid)
        FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
        LEFT JOIN shop.audit_log a ON a.tableoid = c.oid
        WHERE i.inhparent = 'shop.audit_log'::regclass GROUP BY c.oid, c.relname ORDER BY c.relname
        """,
    )
    # What the demo promises (tui.demo.shop.audit_partitions, tested for many dates in tests/unit):
    # 11 whole months and the current one up to the load; the rows agree to one at each bound.
    promised = shop.audit_partitions(demo_session.anchors)
    assert [name for name, *_ in parts] == [p.name for p in promised]
    for (name, low, high, n, bound), part in zip(parts, promised, strict=True):
        assert bound.startswith("FOR VALUES FROM ("), bound
        assert abs(n - part.rows) <= 2, (name, n, part.rows)
        if n:
            assert part.start <= low and high < part.end
    assert sum(n for _, _, _, n, _ in parts) == shop.AUDIT_ROWS
    assert all(n > 15_000 for _, _, _, n, _ in parts[:-1])
    assert one(db, "SELECT relkind FROM pg_class WHERE oid = 'shop.audit_log'::regclass") == "p"


def test_the_other_kinds_of_objects_exist(db: Any) -> None:
    kinds = dict(
        rows(
            db,
            """
            SELECT n.nspname || '.' || c.relname, c.relkind FROM pg_class c
            JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname IN ('shop', 'reporting') AND c.relkind IN ('v', 'm', 'S')
            """,
        )
    )
    assert kinds["shop.active_products"] == "v"
    assert kinds["reporting.customer_value"] == "v"
    assert kinds["reporting.daily_revenue"] == "m"
    assert kinds["shop.invoice_no_seq"] == "S"
    assert one(db, "SELECT count(*) FROM reporting.daily_revenue") > 1_000
    functions = {
        r[0] for r in rows(db, "SELECT proname FROM pg_proc WHERE pronamespace = 'shop'::regnamespace")
    }
    assert {"order_total", "touch_updated_at", "log_order_status"} <= functions
    triggers = {r[0] for r in rows(db, "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")}
    assert {"orders_touch_updated_at", "orders_log_status"} <= triggers
    assert one(db, "SELECT obj_description('shop.orders'::regclass, 'pg_class')") is not None
    assert one(db, "SELECT col_description('shop.orders'::regclass, 3)") is not None  # customer_email
    assert one(db, "SELECT count(*) FROM pg_extension WHERE extname = 'pg_trgm'") == 1
    assert one(db, "SELECT count(*) FROM pg_available_extensions WHERE name = 'hypopg'") == 0
    # no helper of the generator is left behind
    assert one(db, "SELECT count(*) FROM pg_class WHERE relname IN ('names', 'cities')") == 0


def test_load_only_settings_are_restored(db: Any) -> None:
    settings = dict(
        rows(
            db,
            "SELECT name, setting FROM pg_settings WHERE name IN ('fsync', 'full_page_writes', 'autovacuum')",
        )
    )
    assert settings == {"fsync": "on", "full_page_writes": "on", "autovacuum": "on"}


# --- the seeded defects ---------------------------------------------------------------------------


def _fk_without_index(db: Any, d: DemoDefect) -> None:
    table, fk_columns, referenced = rows(
        db,
        """
        SELECT conrelid::regclass::text, conkey, confrelid::regclass::text
        FROM pg_constraint WHERE conname = %s AND contype = 'f'
        """,
        (d.target,),
    )[0]
    assert table == d.object and referenced == "shop.orders"
    index_keys = [
        r[0]
        for r in rows(db, "SELECT indkey::int2[] FROM pg_index WHERE indrelid = %s::regclass", (d.object,))
    ]
    assert index_keys  # the table has indexes (its primary key) ...
    assert all(
        sorted(keys[: len(fk_columns)]) != sorted(fk_columns) for keys in index_keys
    )  # ... none leads with the FK


def _index_definitions(db: Any, table: str) -> dict[str, tuple[Any, ...]]:
    return {
        name: rest
        for name, *rest in rows(
            db,
            """
            SELECT c.relname, i.indkey::int2[], i.indclass::oid[], i.indisunique,
                   pg_get_expr(i.indpred, i.indrelid), pg_get_expr(i.indexprs, i.indrelid), i.indisvalid
            FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
            WHERE i.indrelid = %s::regclass
            """,
            (table,),
        )
    }


def _duplicate_index(db: Any, d: DemoDefect) -> None:
    defs = _index_definitions(db, d.object)
    twins = [name for name, definition in defs.items() if definition == defs[d.target] and name != d.target]
    assert twins == ["payments_order_id_idx"]
    scans = dict(
        rows(db, "SELECT indexrelname, idx_scan FROM pg_stat_user_indexes WHERE relname = 'payments'")
    )
    assert scans[d.target] == 0 and scans["payments_order_id_idx"] > 0


def _redundant_index(db: Any, d: DemoDefect) -> None:
    defs = _index_definitions(db, d.object)
    keys = defs[d.target][0]
    wider = [
        name
        for name, definition in defs.items()
        if name != d.target and len(definition[0]) > len(keys) and definition[0][: len(keys)] == keys
    ]
    assert wider == ["products_category_id_price_idx"]


def _unused_index(db: Any, d: DemoDefect) -> None:
    unused = {
        r[0]
        for r in rows(
            db,
            """
            SELECT s.indexrelname FROM pg_stat_user_indexes s JOIN pg_index i ON i.indexrelid = s.indexrelid
            WHERE s.schemaname IN ('shop', 'reporting') AND s.idx_scan = 0 AND i.indisvalid
            """,
        )
    }
    assert d.target in unused
    defect_targets = {x.target for x in DEMO_DEFECTS}
    assert unused <= defect_targets, (
        f"indexes unused without being a seeded defect: {unused - defect_targets}"
    )
    assert one(db, "SELECT pg_relation_size(%s::regclass)", (f"shop.{d.target}",)) > 1_000_000


def _invalid_index(db: Any, d: DemoDefect) -> None:
    valid, unique, definition = rows(
        db,
        "SELECT i.indisvalid, i.indisunique, pg_get_indexdef(i.indexrelid) FROM pg_index i "
        "WHERE i.indexrelid = %s::regclass AND i.indrelid = %s::regclass",
        (f"shop.{d.target}", d.object),
    )[0]
    assert valid is False and unique is True
    assert "lower(email)" in definition
    duplicates = one(
        db, "SELECT count(*) FROM (SELECT 1 FROM shop.customers GROUP BY lower(email) HAVING count(*) > 1) t"
    )
    assert duplicates == 100  # customers 499, 998, ... 49,900 repeat their predecessor's address


def _no_primary_key(db: Any, d: DemoDefect) -> None:
    assert (
        one(
            db,
            "SELECT count(*) FROM pg_constraint WHERE conrelid = %s::regclass AND contype IN ('p', 'u')",
            (d.object,),
        )
        == 0
    )
    assert one(db, "SELECT count(*) FROM pg_index WHERE indrelid = %s::regclass", (d.object,)) == 0
    distinct = one(db, "SELECT count(*) FROM (SELECT DISTINCT * FROM shop.legacy_customer_import) t")
    assert 20_000 - distinct == 1_000


def _sequence_exhaustion(db: Any, d: DemoDefect) -> None:
    data_type, last, maximum = rows(
        db,
        "SELECT data_type::text, last_value, max_value FROM pg_sequences WHERE schemaname || '.' || sequencename = %s",
        (d.object,),
    )[0]
    assert data_type == "integer" and maximum == 2**31 - 1
    assert last / maximum >= 0.85
    assert one(db, "SELECT max(id) FROM shop.inventory_movements") == last
    owner = one(db, "SELECT pg_get_serial_sequence('shop.inventory_movements', 'id')")
    assert owner == d.object


def _implicit_cast(db: Any, d: DemoDefect) -> None:
    column_type = one(
        db,
        "SELECT format_type(atttypid, atttypmod) FROM pg_attribute "
        "WHERE attrelid = %s::regclass AND attname = %s",
        (d.object, d.target),
    )
    assert column_type == "numeric(12,0)"
    assert (
        one(
            db,
            "SELECT format_type(atttypid, atttypmod) FROM pg_attribute "
            "WHERE attrelid = 'shop.products'::regclass AND attname = 'id'",
        )
        == "integer"
    )
    plan = _explain(db, _query("numeric = integer").sql)
    assert "(p.id)::numeric" in plan


def _misestimate(db: Any, d: DemoDefect) -> None:
    assert one(db, "SELECT count(*) FROM pg_statistic_ext WHERE stxrelid = %s::regclass", (d.object,)) == 0
    plan = _explain(db, _query("correlated columns").sql, analyze=True)
    estimated, actual = map(float, re.search(r"rows=(\d+) .*actual .*rows=([\d.]+)", plan).groups())  # type: ignore[union-attr]
    assert actual >= 10 * estimated
    # city determines country: no city is in two countries
    assert (
        one(
            db,
            "SELECT count(*) FROM (SELECT city FROM shop.addresses GROUP BY city "
            "HAVING count(DISTINCT country) > 1) t",
        )
        == 0
    )


def _dead_tuples(db: Any, d: DemoDefect) -> None:
    live, dead, options = rows(
        db,
        "SELECT s.n_live_tup, s.n_dead_tup, c.reloptions FROM pg_stat_user_tables s "
        "JOIN pg_class c ON c.oid = s.relid WHERE s.relid = %s::regclass",
        (d.object,),
    )[0]
    assert dead >= 10_000 and dead / (live + dead) >= 0.2
    assert "autovacuum_enabled=off" in options
    pages, tuples = rows(
        db, "SELECT relpages, reltuples FROM pg_class WHERE oid = %s::regclass", (d.object,)
    )[0]
    # A row is 24 bytes of header + 24 of data (int4 x3, 'BER' text, timestamptz) + a 4-byte line pointer:
    # 30,000 rows * 52 bytes / 8,168 usable bytes per page = 191 pages; two rewrites make about three times that.
    assert tuples == 30_000 and pages >= 2.5 * 191


DEFECT_CHECKS: dict[str, Callable[[Any, DemoDefect], None]] = {
    "pg.fk-without-index": _fk_without_index,
    "pg.duplicate-index": _duplicate_index,
    "pg.redundant-index": _redundant_index,
    "pg.unused-index": _unused_index,
    "pg.invalid-index": _invalid_index,
    "pg.table-without-primary-key": _no_primary_key,
    "pg.sequence-exhaustion": _sequence_exhaustion,
    "pg.implicit-cast": _implicit_cast,
    "pg.misestimate": _misestimate,
    "pg.dead-tuples": _dead_tuples,
}


@pytest.mark.parametrize("defect", DEMO_DEFECTS, ids=lambda d: f"{d.rule}:{d.target}")
def test_every_seeded_defect_is_in_the_catalog(db: Any, defect: DemoDefect) -> None:
    assert defect.rule in DEFECT_CHECKS, f"no catalog check for {defect.rule}"
    DEFECT_CHECKS[defect.rule](db, defect)


# --- the demo queries -----------------------------------------------------------------------------


def _query(title_part: str) -> shop.DemoQuery:
    return next(q for q in DEMO_QUERIES if title_part in q.title)


def _explain(db: Any, sql: str, *, analyze: bool = False) -> str:
    prefix = "EXPLAIN (ANALYZE, BUFFERS OFF) " if analyze else "EXPLAIN "
    return "\n".join(r[0] for r in rows(db, prefix + sql))


@pytest.mark.parametrize("query", DEMO_QUERIES, ids=lambda q: q.title[:40])
def test_every_demo_query_explains(db: Any, query: shop.DemoQuery) -> None:
    plan = _explain(db, query.sql)
    assert plan.splitlines()[0]


def test_demo_queries_show_what_their_titles_say(db: Any) -> None:
    whale = _query("by e-mail (no index")
    assert "Seq Scan on orders" in _explain(db, whale.sql)
    assert len(rows(db, whale.sql)) == one(db, "SELECT count(*) FROM shop.orders WHERE customer_id = 1")
    assert len(rows(db, whale.sql)) == one(
        db, "SELECT max(n) FROM (SELECT count(*) AS n FROM shop.orders GROUP BY customer_id) t"
    )
    assert "Seq Scan on products" in _explain(db, _query("leading wildcard").sql)
    assert "Seq Scan on customers" in _explain(db, _query("ignoring case").sql)
    assert "Seq Scan on order_items" in _explain(db, _query("foreign key without").sql)
    assert "Sort Method: external merge" in _explain(db, _query("spills").sql, analyze=True)
    assert rows(db, _query("NOT IN").sql) == []  # the NULL referrers swallow every row
    assert one(db, "SELECT count(*) FROM shop.customers WHERE referrer_id IS NULL") > 40_000
    assert len(rows(db, _query("leading wildcard").sql)) == 500  # 'Wireless' is every 20th adjective


# --- stopping and failing -------------------------------------------------------------------------


def test_stop_removes_the_data_directory_and_the_server() -> None:
    server = start_embedded()
    session = DemoSession(server.url_for("postgres"), server, 0.0)
    pid = server.pid
    assert pid is not None and session.data_dir.exists() and process_alive(pid)
    session.stop()
    assert not session.data_dir.exists()
    assert not process_alive(pid)
    assert not server.running and server.pid is None
    session.stop()  # idempotent


def test_a_failed_load_leaves_nothing_behind(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "shop_schema.sql").write_text("\\echo @@ creating schemas\nCREATE TABLE broken (;\n")
    monkeypatch.setattr(shop, "SQL_DIR", tmp_path)
    started: list[Any] = []

    def recording_start() -> Any:
        server = start_embedded()
        started.append(server)
        return server

    monkeypatch.setattr(shop, "start_embedded", recording_start)
    messages: list[str] = []
    with pytest.raises(QueryError) as failure:
        start_demo(messages.append)
    assert "syntax error" in failure.value.message
    assert messages[:3] == [messages[0], "creating database shop", "creating schemas"]
    assert messages[0].startswith("starting PostgreSQL 18.")
    (server,) = started
    assert not server.data_dir.exists()
    assert not server.running


def test_a_killed_owner_leaves_nothing_behind() -> None:
    """SIGKILL (or a closed SSH session) skips every cleanup handler; the watchdog still removes all."""
    owner = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time\n"
            "from tui.demo.embedded import start_embedded\n"
            "e = start_embedded()\n"
            "print(e.pid, e.data_dir, flush=True)\n"
            "time.sleep(120)\n",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert owner.stdout is not None
    pid_text, data_dir_text = owner.stdout.readline().split(maxsplit=1)
    pid, data_dir = int(pid_text), Path(data_dir_text.strip())
    assert process_alive(pid) and data_dir.exists()
    owner.kill()
    owner.wait()
    deadline = time.monotonic() + 30
    while (process_alive(pid) or data_dir.exists()) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not process_alive(pid)
    assert not data_dir.exists()
