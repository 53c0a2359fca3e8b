"""pg.implicit-cast on a live join of numeric(12,0) with an integer key: PostgreSQL casts the key
(``(p.id)::numeric`` in the Hash Cond) and reads products in full; the advisor's ALTER TABLE aligns the
types, after which the same statement looks products up through products_pkey; the rollback restores
the old type. An integer = bigint join (one type family) stays silent and uses the key's index."""

from __future__ import annotations

from collections.abc import Iterator

import psycopg
import pytest

from tests.live import LiveServer, db_name
from tui.adapters.postgres import PostgresAdapter
from tui.advisor.api import advise_plan
from tui.core.connspec import parse_url
from tui.core.finding import Finding
from tui.core.plan import Plan
from tui.plans.postgres import parse_postgres_plan

pytestmark = pytest.mark.live_pg

SCHEMA = """
CREATE SCHEMA shop;
CREATE TABLE shop.products (id int PRIMARY KEY, sku text NOT NULL);
INSERT INTO shop.products SELECT g, 'SKU-' || g FROM generate_series(1, 200000) g;
CREATE TABLE shop.movements (id int PRIMARY KEY, product_id numeric(12,0) NOT NULL, order_id bigint);
INSERT INTO shop.movements SELECT g, 1 + (g * 7919) % 200000, g FROM generate_series(1, 100000) g;
CREATE INDEX movements_order_id_idx ON shop.movements (order_id);
ANALYZE shop.products; ANALYZE shop.movements;
"""
JOIN = (
    "SELECT p.sku, m.id FROM shop.movements m JOIN shop.products p ON p.id = m.product_id "
    "WHERE m.order_id BETWEEN 5000 AND 5020"
)


@pytest.fixture
def shop(pg_server: LiveServer, pg_scratch: str) -> str:
    pg_server.execute(SCHEMA, db_name(pg_scratch))
    return pg_scratch


@pytest.fixture
def adapter(shop: str) -> Iterator[PostgresAdapter]:
    connected = PostgresAdapter(parse_url(shop))
    connected.connect()
    yield connected
    connected.close()


def _plan(adapter: PostgresAdapter, sql: str) -> Plan:
    return parse_postgres_plan(adapter.explain(sql, analyze=True).text)


def _casts(adapter: PostgresAdapter, sql: str) -> list[Finding]:
    return [
        f
        for f in advise_plan(_plan(adapter, sql), query=sql, adapter=adapter)
        if f.rule == "pg.implicit-cast"
    ]


def _type(pg_server: LiveServer, url: str) -> str:
    [(text,)] = pg_server.execute(
        "SELECT format_type(atttypid, atttypmod) FROM pg_attribute "
        "WHERE attrelid = 'shop.movements'::regclass AND attname = 'product_id'",
        db_name(url),
    )
    return str(text)


def test_the_alter_aligns_the_types_and_the_key_index_serves_the_join(
    shop: str, pg_server: LiveServer, adapter: PostgresAdapter
) -> None:
    before = _plan(adapter, JOIN)
    assert not any(n.index == "products_pkey" for n in before.nodes())
    [f] = _casts(adapter, JOIN)
    assert f.severity == "warning" and f.object == "shop.movements"
    assert "(p.id)::numeric" in f.evidence["plan_condition"]
    assert f.evidence["cast_column"] == "shop.products.id" and f.evidence["cast_table_rows"] == 200_000
    assert f.ddl == [
        "ALTER TABLE shop.movements ALTER COLUMN product_id TYPE integer USING CAST(product_id AS integer);"
    ]
    with psycopg.connect(shop, autocommit=True) as conn:
        precheck = f.recommendation.split("this returns 0: ", 1)[1].split(";", 1)[0]
        assert conn.execute(precheck).fetchone() == (0,)  # type: ignore[arg-type]
        for statement in f.ddl:
            conn.execute(statement)  # type: ignore[arg-type]
        conn.execute("ANALYZE shop.movements")
    assert _type(pg_server, shop) == "integer"
    after = _plan(adapter, JOIN)
    assert any(n.index == "products_pkey" for n in after.nodes())
    assert not any("::numeric" in str(n.extra.get("Hash Cond", "")) for n in after.nodes())
    assert _casts(adapter, JOIN) == []

    with psycopg.connect(shop, autocommit=True) as conn:
        for statement in f.rollback:
            conn.execute(statement)  # type: ignore[arg-type]
    assert _type(pg_server, shop) == "numeric(12,0)"


def test_integer_against_bigint_is_one_family_and_silent(adapter: PostgresAdapter) -> None:
    sql = "SELECT p.sku FROM shop.movements m JOIN shop.products p ON p.id = m.order_id WHERE m.order_id < 50"
    plan = _plan(adapter, sql)
    assert any(n.index == "products_pkey" for n in plan.nodes())  # a cross-type operator, no cast
    assert [f for f in advise_plan(plan, query=sql, adapter=adapter) if f.rule == "pg.implicit-cast"] == []
