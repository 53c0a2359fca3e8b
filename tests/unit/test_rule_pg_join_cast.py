"""pg.implicit-cast on joins: column = column of different type families (from SchemaFacts types), a
column cast inside a join condition, and the timestamptz-vs-date case; type families as PostgreSQL 15
casts them (tui.advisor.pgtypes)."""

from __future__ import annotations

import pytest

from tests.unit.test_advisor_support import col, facts, index, pg_plan, pk, scan, table
from tests.unit.test_rule_sql_query import ctx as query_ctx
from tui.advisor.context import QueryContext, TableIndex
from tui.advisor.pgtypes import compare, family
from tui.advisor.rules import pg_query_implicit_cast
from tui.advisor.sqlfacts import analyze_query
from tui.core.plan import Plan
from tui.core.session import SchemaFacts


def _shop(product_id_type: str = "numeric(12,0)") -> SchemaFacts:
    products_pk, products_pk_constraint = pk("products_pkey", "id")
    products = table(
        "products",
        [col("id", nullable=False), col("sku", "text")],
        indexes=[products_pk],
        constraints=[products_pk_constraint],
        rows=10_000,
        total_bytes=1_400_000,
    )
    moves_pk, moves_pk_constraint = pk("inventory_movements_pkey", "id")
    moves = table(
        "inventory_movements",
        [col("id"), col("product_id", product_id_type), col("order_id", "bigint"), col("moved_on", "date")],
        indexes=[moves_pk, index("inventory_movements_product_id_idx", "product_id")],
        constraints=[moves_pk_constraint],
        rows=120_000,
        total_bytes=16_000_000,
    )
    orders = table(
        "orders", [col("id", "bigint"), col("created_at", "timestamp with time zone")], rows=200_000
    )
    return facts(products, moves, orders)


def _ctx(sql: str, schema: SchemaFacts, plan: Plan | None = None) -> QueryContext:
    qfacts = analyze_query(sql, "postgres", schema)
    assert qfacts is not None
    return QueryContext(
        query=sql,
        dialect="postgres",
        tree=qfacts.tree,
        qfacts=qfacts,
        facts=schema,
        plan=plan,
        tables=TableIndex.build(schema),
    )


JOIN = (
    "SELECT p.sku, m.order_id FROM shop.inventory_movements m JOIN shop.products p ON p.id = m.product_id "
    "WHERE m.order_id BETWEEN 150000 AND 150100"
)


@pytest.mark.parametrize(
    ("left", "right", "side", "to"),
    [
        ("integer", "numeric(12,0)", "left", "numeric"),
        ("numeric", "bigint", "right", "numeric"),
        ("smallint", "double precision", "left", "double precision"),
        ("numeric(10,2)", "real", "left", "double precision"),
        ("character(10)", "text", "left", "text"),
        ("character(10)", "character varying(20)", "right", "bpchar"),
    ],
)
def test_compare_names_the_side_postgresql_casts(left: str, right: str, side: str, to: str) -> None:
    cmp = compare(left, right)
    assert cmp is not None and (cmp.cast_side, cmp.cast_to) == (side, to)


def test_same_family_and_relabels_are_not_casts() -> None:
    assert family("character varying(20)") == "varchar" and family("numeric(12,0)") == "numeric"
    for left, right in [
        ("integer", "bigint"),
        ("text", "character varying(20)"),
        ("real", "double precision"),
        ("date", "timestamp without time zone"),
        ("integer", "text"),  # no implicit cast: PostgreSQL refuses the comparison
    ]:
        assert compare(left, right) is None, (left, right)
    tz = compare("date", "timestamp with time zone")
    assert tz is not None and tz.cast_side is None and tz.timezone_dependent


def test_numeric_join_to_an_integer_key_aligns_the_non_key_side() -> None:
    plan = pg_plan(
        {
            "Node Type": "Hash Join",
            "Startup Cost": 1.0,
            "Total Cost": 524.9,
            "Plan Rows": 51,
            "Plan Width": 8,
            "Hash Cond": "(m.product_id = (p.id)::numeric)",
            "Plans": [
                scan("Index Scan", relation="inventory_movements", Alias="m"),
                scan(relation="products", Alias="p", **{"Plan Rows": 10_000}),
            ],
        }
    )
    [f] = pg_query_implicit_cast.check(_ctx(JOIN, _shop(), plan))
    assert f.rule == "pg.implicit-cast" and f.severity == "warning"  # indexed key, 10,000 rows
    assert f.object == "shop.inventory_movements"
    assert f.ddl == [
        "ALTER TABLE shop.inventory_movements ALTER COLUMN product_id TYPE integer USING CAST(product_id AS integer);"
    ]
    assert f.rollback == [
        "ALTER TABLE shop.inventory_movements ALTER COLUMN product_id TYPE numeric(12,0) "
        "USING CAST(product_id AS numeric(12,0));"
    ]
    assert f.evidence["plan_condition"] == "Hash Cond: (m.product_id = (p.id)::numeric)"
    assert f.evidence["cast_column"] == "shop.products.id" and f.evidence["indexes_unusable"] == 1
    assert (
        "products_pkey" in f.message and "shop.products with a Seq Scan (10,000 rows estimated)" in f.message
    )
    assert "ACCESS EXCLUSIVE" in f.recommendation and "120,000 rows" in f.recommendation
    assert "NOT BETWEEN -2147483648 AND 2147483647" in f.recommendation  # numeric → integer precheck
    # without a plan the finding stands on the column types alone
    [g] = pg_query_implicit_cast.check(_ctx(JOIN, _shop()))
    assert g.ddl == f.ddl and "plan_condition" not in g.evidence


def test_explicit_cast_in_a_join_condition() -> None:
    # text vs integer has no implicit cast: the statement casts, the types must be aligned
    schema = _shop("text")
    sql = "SELECT 1 FROM shop.inventory_movements m JOIN shop.products p ON m.product_id::integer = p.id"
    [f] = pg_query_implicit_cast.check(_ctx(sql, schema))
    assert "casts shop.inventory_movements.product_id (text) to INT" in f.message
    assert "inventory_movements_product_id_idx" in f.message
    # products.id is the key and keeps its type; the CAST goes too
    assert f.ddl == [
        "ALTER TABLE shop.inventory_movements ALTER COLUMN product_id TYPE integer USING CAST(product_id AS integer);"
    ]
    assert f.rollback == [
        "ALTER TABLE shop.inventory_movements ALTER COLUMN product_id TYPE text USING CAST(product_id AS text);"
    ]
    assert "Remove the CAST" in f.recommendation


def test_a_needless_cast_between_one_family_only_needs_removing() -> None:
    sql = "SELECT 1 FROM shop.inventory_movements m JOIN shop.products p ON m.order_id = p.id::bigint"
    [f] = pg_query_implicit_cast.check(_ctx(sql, _shop()))
    assert "casts shop.products.id (integer) to BIGINT" in f.message and "products_pkey" in f.message
    assert f.ddl == [] and f.recommendation.startswith("Remove the CAST")


def test_timestamptz_against_date_is_info_without_ddl() -> None:
    sql = "SELECT 1 FROM shop.orders o JOIN shop.inventory_movements m ON m.moved_on = o.created_at"
    [f] = pg_query_implicit_cast.check(_ctx(sql, _shop()))
    assert f.severity == "info" and f.ddl == [] and "TimeZone" in f.reasoning


def test_matching_types_or_unknown_tables_are_silent() -> None:
    assert pg_query_implicit_cast.check(_ctx(JOIN, _shop("integer"))) == []
    assert pg_query_implicit_cast.check(_ctx(JOIN, _shop("bigint"))) == []  # integer = bigint: one family
    assert pg_query_implicit_cast.check(_ctx(JOIN, facts())) == []  # no column types known
    # the literal half of the rule still sees only literals
    assert pg_query_implicit_cast.check(query_ctx("SELECT id FROM shop.users WHERE id = 10")) == []
