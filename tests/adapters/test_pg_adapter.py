"""Live tests of the PostgreSQL adapter on a database the tests create (and drop)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator

import pytest

from tests.live import LiveServer, db_name
from tui.adapters.postgres import PostgresAdapter, strip_explain
from tui.core.catalog import CatalogNode
from tui.core.connspec import parse_url
from tui.core.errors import (
    Cancelled,
    ConnectError,
    QueryError,
    ReadOnlyViolation,
    UsageError,
)

WEIRD_SCHEMA = r'''
CREATE SCHEMA shop;
CREATE SCHEMA "Mixed Case";
CREATE TABLE shop.customers (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email text NOT NULL UNIQUE,
    name text,
    score numeric(6,2) DEFAULT 0,
    email_lower text GENERATED ALWAYS AS (lower(email)) STORED
);
COMMENT ON TABLE shop.customers IS 'People who buy';
COMMENT ON COLUMN shop.customers.email IS 'Login; it''s unique';
CREATE TABLE shop.orders (
    id bigserial PRIMARY KEY,
    customer_id bigint NOT NULL REFERENCES shop.customers(id) ON DELETE CASCADE,
    status text NOT NULL CHECK (status IN ('new', 'paid', 'shipped')),
    total numeric(12,2),
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX orders_created_idx ON shop.orders (created_at DESC) WHERE status <> 'shipped';
CREATE INDEX orders_lower_status ON shop.orders (lower(status));
CREATE TABLE "Mixed Case"."Order Items" (
    "Order ID" bigint REFERENCES shop.orders(id),
    "select" int,
    "naïve ünïcode" text,
    "quote""d" text
);
CREATE INDEX "Weird ""Index""" ON "Mixed Case"."Order Items" ("Order ID", "select");
CREATE VIEW shop.paid_orders AS SELECT * FROM shop.orders WHERE status = 'paid';
CREATE MATERIALIZED VIEW shop.daily AS SELECT created_at::date AS day, count(*) FROM shop.orders GROUP BY 1;
CREATE TABLE shop.events (id bigint, at date NOT NULL, payload jsonb) PARTITION BY RANGE (at);
CREATE TABLE shop.events_2025 PARTITION OF shop.events FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
CREATE TABLE shop.events_2026 PARTITION OF shop.events FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
CREATE SEQUENCE shop.ticket_seq AS integer;
SELECT setval('shop.ticket_seq', 2000000000);
CREATE FUNCTION shop.touch() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN RETURN NEW; END$$;
CREATE TRIGGER orders_touch BEFORE UPDATE ON shop.orders FOR EACH ROW EXECUTE FUNCTION shop.touch();
INSERT INTO shop.customers (email, name) SELECT 'c' || g || '@x.test', 'C ' || g FROM generate_series(1, 500) g;
INSERT INTO shop.orders (customer_id, status, total)
    SELECT 1 + g % 500, (ARRAY['new','paid','shipped'])[1 + g % 3], g FROM generate_series(1, 3000) g;
INSERT INTO "Mixed Case"."Order Items" VALUES (1, 1, 'é', 'q');
ANALYZE;
'''


@pytest.fixture(scope="module")
def shop_url(pg_server: LiveServer) -> Iterator[str]:
    gen = pg_server.scratch_database("dbscope_pgadapter_" + str(int(time.time() * 1000) % 10**8))
    url = next(gen)
    pg_server.execute(WEIRD_SCHEMA, db_name(url))
    yield url
    gen.close()


@pytest.fixture
def adapter(shop_url: str) -> Iterator[PostgresAdapter]:
    spec = parse_url(shop_url)
    spec.statement_timeout_ms = 5000
    a = PostgresAdapter(spec)
    a.connect()
    yield a
    a.close()


def _find(nodes: list[CatalogNode], name: str) -> CatalogNode:
    for node in nodes:
        if node.name == name:
            return node
    raise AssertionError(f"{name!r} not in {[n.name for n in nodes]}")


def test_connect_probe_and_capabilities(adapter: PostgresAdapter) -> None:
    info = adapter.server
    assert info is not None
    assert info.engine == "postgresql" and info.version_num >= 100000
    assert info.read_only is True
    names = {row[0] for row in adapter.capabilities.explain()}
    assert {"analyze", "hypothetical indexes", "statement stats", "cancel"} <= names
    hypo = adapter.capabilities.hypothetical_indexes
    assert hypo.available or "HypoPG" in hypo.reason


def test_tree_levels_with_weird_names(adapter: PostgresAdapter) -> None:
    roots = adapter.roots()
    shop = _find(roots, "shop")
    mixed = _find(roots, "Mixed Case")
    assert mixed.qualified_name == '"Mixed Case"'
    assert roots[-1].kind == "folder"  # system schemas last
    rels = adapter.children(shop)
    kinds = {n.name: n.kind for n in rels}
    assert kinds["customers"] == "table"
    assert kinds["paid_orders"] == "view"
    assert kinds["daily"] == "matview"
    assert kinds["events"] == "partitioned_table"
    assert "events_2025" not in kinds  # partitions live under their parent
    assert any(n.kind == "folder" and n.name.startswith("Sequences") for n in rels)
    items = _find(adapter.children(mixed), "Order Items")
    assert items.qualified_name == '"Mixed Case"."Order Items"'
    children = adapter.children(items)
    columns = [c.name for c in children if c.kind == "column"]
    assert columns == ["Order ID", "select", "naïve ünïcode", 'quote"d']
    index_folder = _find(children, "Indexes (1)")
    assert [n.name for n in adapter.children(index_folder)] == ['Weird "Index"']
    events_children = adapter.children(_find(rels, "events"))
    parts = _find(events_children, "Partitions (2)")
    assert [p.qualified_name for p in adapter.children(parts)] == ["shop.events_2025", "shop.events_2026"]


def test_table_detail(adapter: PostgresAdapter) -> None:
    orders = _find(adapter.children(_find(adapter.roots(), "shop")), "orders")
    d = adapter.detail(orders)
    cols = {c.name: c for c in d.columns}
    assert cols["id"].default and "nextval" in cols["id"].default
    assert not cols["status"].nullable
    assert {i.name for i in d.indexes} == {"orders_pkey", "orders_created_idx", "orders_lower_status"}
    partial = next(i for i in d.indexes if i.name == "orders_created_idx")
    assert partial.predicate and "shipped" in partial.predicate
    assert partial.columns == ["created_at"]
    expr = next(i for i in d.indexes if i.name == "orders_lower_status")
    assert expr.expressions == ["lower(status)"] and expr.columns == []
    pk = next(i for i in d.indexes if i.primary)
    assert pk.constraint == "orders_pkey" and pk.size_bytes and pk.size_bytes > 0
    assert {c.kind for c in d.constraints} >= {"primary", "check", "foreign"}
    assert d.foreign_keys[0].referred_table == "customers" and d.foreign_keys[0].on_delete == "CASCADE"
    assert d.referenced_by and d.referenced_by[0].table == "Order Items"
    assert d.triggers[0].name == "orders_touch" and d.triggers[0].timing == "BEFORE"
    assert d.row_estimate == 3000
    assert d.stat("Live rows") == 3000
    assert "CREATE TABLE shop.orders" in d.ddl and "CREATE INDEX orders_created_idx" in d.ddl
    assert "CREATE TRIGGER orders_touch" in d.ddl


def test_ddl_runs_as_printed(adapter: PostgresAdapter, pg_server: LiveServer, pg_scratch: str) -> None:
    """The DDL tab's text recreates the tables elsewhere, weird names included."""
    shop = _find(adapter.roots(), "shop")
    mixed = _find(adapter.roots(), "Mixed Case")
    customers = adapter.detail(_find(adapter.children(shop), "customers"))
    orders = adapter.detail(_find(adapter.children(shop), "orders"))
    items = adapter.detail(_find(adapter.children(mixed), "Order Items"))
    assert "COMMENT ON COLUMN shop.customers.email IS 'Login; it''s unique';" in customers.ddl
    script = (
        'CREATE SCHEMA shop; CREATE SCHEMA "Mixed Case";\n'
        "CREATE FUNCTION shop.touch() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN RETURN NEW; END$$;\n"
        + customers.ddl
        + orders.ddl
        + items.ddl
    )
    db = db_name(pg_scratch)
    pg_server.execute(script, db)
    rows = pg_server.execute("SELECT count(*) FROM pg_indexes WHERE schemaname IN ('shop', 'Mixed Case')", db)
    assert rows[0][0] == 6  # customers pkey+email key, orders pkey+2, "Weird ""Index"""


def test_view_sequence_function_schema_detail(adapter: PostgresAdapter) -> None:
    shop = _find(adapter.roots(), "shop")
    rels = adapter.children(shop)
    view = adapter.detail(_find(rels, "paid_orders"))
    assert view.ddl.startswith("CREATE OR REPLACE VIEW shop.paid_orders AS")
    seqs = adapter.children(next(n for n in rels if n.name.startswith("Sequences")))
    ticket = adapter.detail(_find(seqs, "ticket_seq"))
    assert ticket.stat("Last value") == 2_000_000_000
    assert ticket.stat("Used") == pytest.approx(2_000_000_000 / 2_147_483_647)
    funcs = adapter.children(next(n for n in rels if n.name.startswith("Functions")))
    touch = adapter.detail(_find(funcs, "touch"))
    assert "CREATE OR REPLACE FUNCTION shop.touch()" in touch.ddl
    schema = adapter.detail(shop)
    assert schema.stat("Tables") >= 4


def test_schema_facts_bulk(adapter: PostgresAdapter) -> None:
    facts = adapter.schema_facts("shop")
    names = {t.node.name for t in facts.tables}
    assert {"customers", "orders", "events", "events_2025", "daily"} <= names
    assert "paid_orders" not in names  # views carry no indexes or statistics to judge
    orders = next(t for t in facts.tables if t.node.name == "orders")
    assert orders.referenced_by and orders.foreign_keys
    assert any(c.n_distinct is not None for c in orders.columns)
    seq = next(s for s in facts.sequences if s.name == "ticket_seq")
    assert seq.last_value == 2_000_000_000 and seq.max_value == 2_147_483_647
    assert facts.stats_age_days is not None and facts.stats_age_days >= 0
    assert 0 <= facts.server["cache_hit_ratio"] <= 1


def test_read_only_is_enforced_by_the_server(adapter: PostgresAdapter) -> None:
    for sql in (
        "INSERT INTO shop.customers (email) VALUES ('x@y')",
        "UPDATE shop.orders SET total = 0",
        "DELETE FROM shop.orders",
        "TRUNCATE shop.orders",
        "DROP TABLE shop.orders",
        "CREATE TABLE shop.nope (a int)",
        "WITH d AS (DELETE FROM shop.orders RETURNING 1) SELECT count(*) FROM d",
    ):
        with pytest.raises(ReadOnlyViolation):
            adapter.run(sql)
    assert adapter.run("SELECT count(*) FROM shop.orders").rows == [(3000,)]


def test_explain_json_and_prefix_stripping(adapter: PostgresAdapter) -> None:
    out = adapter.explain("EXPLAIN SELECT * FROM shop.orders WHERE customer_id = 42;")
    doc = json.loads(out.text)
    assert doc[0]["Plan"]["Relation Name"] == "orders"
    assert "Actual Rows" not in doc[0]["Plan"]  # the prefix was stripped: plain EXPLAIN
    typed = json.loads(adapter.explain("EXPLAIN (ANALYZE) SELECT * FROM shop.orders WHERE id = 1").text)
    assert typed[0]["Plan"]["Actual Rows"] == 1  # a typed ANALYZE is honoured
    analyzed = adapter.explain("SELECT count(*) FROM shop.orders", analyze=True)
    plan = json.loads(analyzed.text)[0]
    assert plan["Plan"]["Actual Rows"] == 1 and "Execution Time" in plan
    assert strip_explain("explain analyze verbose select 1;") == "select 1"


def test_explain_generic_plan_for_placeholders(adapter: PostgresAdapter) -> None:
    out = adapter.explain("SELECT * FROM shop.orders WHERE customer_id = $1 AND status = $2")
    assert json.loads(out.text)[0]["Plan"]["Relation Name"] == "orders"
    with pytest.raises(UsageError):
        adapter.explain("SELECT * FROM shop.orders WHERE id = $1", analyze=True)


def test_analyze_of_a_write_needs_read_write_and_confirmation(
    shop_url: str, adapter: PostgresAdapter
) -> None:
    with pytest.raises(ReadOnlyViolation):
        adapter.explain("DELETE FROM shop.orders", analyze=True, allow_writes=True)
    spec = parse_url(shop_url)
    spec.read_write = True
    rw = PostgresAdapter(spec)
    rw.connect()
    try:
        with pytest.raises(UsageError, match=r"DELETE FROM shop\.orders"):
            rw.explain("DELETE FROM shop.orders", analyze=True)
        # order 1 is referenced by "Order Items", so delete the others
        out = rw.explain("DELETE FROM shop.orders WHERE id > 1", analyze=True, allow_writes=True)
        assert out.rolled_back
        assert json.loads(out.text)[0]["Plan"]["Plans"][0]["Actual Rows"] == 2999
        assert rw.run("SELECT count(*) FROM shop.orders").rows == [(3000,)]
    finally:
        rw.close()


def test_capped_results_with_server_side_cursor(adapter: PostgresAdapter) -> None:
    page = adapter.run("SELECT g, repeat('x', 10) FROM generate_series(1, 100000) g", limit=250)
    assert len(page.rows) == 250 and page.truncated
    assert page.columns == ["g", "repeat"] and page.column_types[0] == "int4"
    small = adapter.run("SELECT 1 AS a, NULL::bytea AS b, '\\x00ff'::bytea AS c")
    assert small.rows == [(1, None, b"\x00\xff")] and not small.truncated
    # the query connection stays usable after an error
    with pytest.raises(QueryError):
        adapter.run("SELECT * FROM no_such_table")
    assert adapter.run("SELECT 2").rows == [(2,)]


def test_statement_timeout_applies(shop_url: str) -> None:
    spec = parse_url(shop_url)
    spec.statement_timeout_ms = 300
    a = PostgresAdapter(spec)
    a.connect()
    try:
        started = time.monotonic()
        with pytest.raises(Cancelled, match="statement timeout"):
            a.run("SELECT pg_sleep(5)")
        assert time.monotonic() - started < 2
    finally:
        a.close()


def test_cancel_reaches_the_server(adapter: PostgresAdapter, pg_server: LiveServer) -> None:
    errors: list[BaseException] = []

    def sleeper() -> None:
        try:
            adapter.run("SELECT pg_sleep(20) /* dbscope-cancel-test */")
        except BaseException as exc:
            errors.append(exc)

    thread = threading.Thread(target=sleeper)
    thread.start()
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        rows = pg_server.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE query LIKE '%dbscope-cancel-test%' "
            "AND state = 'active' AND pid <> pg_backend_pid()"
        )
        if rows[0][0]:
            break
        time.sleep(0.05)
    started = time.monotonic()
    assert adapter.cancel()
    thread.join(5)
    assert time.monotonic() - started < 1.5
    assert errors and isinstance(errors[0], Cancelled)
    rows = pg_server.execute(
        "SELECT count(*) FROM pg_stat_activity WHERE query LIKE '%dbscope-cancel-test%' "
        "AND state = 'active' AND pid <> pg_backend_pid()"
    )
    assert rows[0][0] == 0


def test_switch_database(adapter: PostgresAdapter) -> None:
    dbs = adapter.databases()
    assert "postgres" in dbs
    info = adapter.switch_database("postgres")
    assert info.database == "postgres"
    assert all(n.name != "shop" for n in adapter.roots())


def test_connection_errors_are_one_line_and_masked(pg_server: LiveServer) -> None:
    bad_port = PostgresAdapter(parse_url("postgresql://u:s3cret@127.0.0.1:1/db"))
    with pytest.raises(ConnectError) as err:
        bad_port.connect()
    text = err.value.one_line()
    assert "127.0.0.1" in text and "s3cret" not in text and "\n" not in text
    # on the test server (the default socket may have no server, or another one)
    missing = PostgresAdapter(parse_url(pg_server.url_for("dbscope_no_such_db")))
    with pytest.raises(ConnectError) as err:
        missing.connect()
    assert err.value.title == "Database missing"
    nobody = PostgresAdapter(parse_url("postgresql://dbscope_no_such_role@127.0.0.1/postgres"))
    with pytest.raises(ConnectError):
        nobody.connect()


def test_libpq_environment_is_honoured(shop_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    spec_from_url = parse_url(shop_url)
    monkeypatch.setenv("PGDATABASE", spec_from_url.database or "")
    for key, env in (("host", "PGHOST"), ("port", "PGPORT"), ("user", "PGUSER")):
        value = spec_from_url.params.get(key) or getattr(spec_from_url, key, None)
        if value:
            monkeypatch.setenv(env, str(value))
    a = PostgresAdapter(parse_url("postgresql://"))
    info = a.connect()
    a.close()
    assert info.database == spec_from_url.database
