"""Schema findings behind a plan (tui.advisor.related): a foreign key without an index on a column the
plan filters or joins on, an invalid index the plan's condition would have used; nothing for columns the
plan does not touch."""

from __future__ import annotations

from tests.unit.test_advisor_support import col, facts, index, pg_plan, scan, table
from tui.advisor.api import advise_plan
from tui.advisor.context import TableIndex
from tui.advisor.related import column_uses, related_schema_findings
from tui.core.catalog import ForeignKey


def _shop():  # type: ignore[no-untyped-def]
    items = table(
        "order_items",
        [col("id"), col("order_id", "bigint"), col("product_id")],
        fks=[
            ForeignKey(
                "order_items_order_id_fkey", "shop", "order_items", ["order_id"], "shop", "orders", ["id"]
            ),
            ForeignKey(
                "order_items_product_id_fkey",
                "shop",
                "order_items",
                ["product_id"],
                "shop",
                "products",
                ["id"],
            ),
        ],
        indexes=[index("order_items_pkey", "id", unique=True, primary=True)],
        rows=600_000,
    )
    customers = table(
        "customers",
        [col("id"), col("email", "text"), col("name", "text")],
        indexes=[
            index(
                "customers_email_lower_key",
                expressions=["lower(email)"],
                valid=False,
                options={"key_order": ["lower(email)"]},
                definition="CREATE UNIQUE INDEX customers_email_lower_key ON shop.customers USING btree (lower(email))",
            ),
            index("customers_name_idx", "name", valid=False),
        ],
        rows=50_000,
    )
    orders = table("orders", [col("id", "bigint")], rows=200_000)
    return facts(items, customers, orders)


def _items_plan(filter_text: str = "(oi.order_id = 123456)"):  # type: ignore[no-untyped-def]
    return pg_plan(
        scan(relation="order_items", Alias="oi", Filter=filter_text, **{"Plan Rows": 2, "Total Cost": 7637.0})
    )


def test_column_uses_reads_filters_and_join_conditions_by_alias() -> None:
    plan = pg_plan(
        {
            "Node Type": "Hash Join",
            "Startup Cost": 1.0,
            "Total Cost": 9000.0,
            "Plan Rows": 10,
            "Plan Width": 8,
            "Hash Cond": "(oi.product_id = p.id)",
            "Plans": [
                scan(relation="order_items", Alias="oi", Filter="(oi.order_id = 5)"),
                scan(relation="orders", Alias="p"),
            ],
        }
    )
    uses = column_uses(plan, TableIndex.build(_shop()))
    assert uses[("shop", "order_items")][0] == {"order_id", "product_id"}
    assert uses[("shop", "orders")][0] == {"id"}


def test_fk_on_the_filtered_column_is_named_and_points_at_the_plan_index() -> None:
    findings = advise_plan(_items_plan(), facts=_shop())
    [fk] = [f for f in findings if f.rule == "pg.fk-without-index"]
    assert fk.object == "shop.order_items" and "order_items_order_id_fkey" in fk.message
    [scan_finding] = [f for f in findings if f.rule == "pg.seq-scan-selective"]
    assert scan_finding.ddl == [
        "CREATE INDEX CONCURRENTLY order_items_order_id_idx ON shop.order_items (order_id);"
    ]
    # the same index is not handed out twice
    assert fk.ddl == [] and "order_items_order_id_idx (order_id)" in fk.recommendation


def test_fk_keeps_its_ddl_when_no_plan_finding_builds_the_index() -> None:
    plan = _items_plan()
    [fk] = related_schema_findings(plan, _shop(), [])
    assert fk.ddl == ["CREATE INDEX CONCURRENTLY order_items_order_id_idx ON shop.order_items (order_id);"]


def test_fks_and_invalid_indexes_the_plan_does_not_touch_stay_out() -> None:
    plan = _items_plan("(oi.id = 7)")
    assert related_schema_findings(plan, _shop(), []) == []  # product_id / order_id unused
    plain = pg_plan(scan(relation="customers", Filter="(customers.id = 3)"))
    assert related_schema_findings(plain, _shop(), []) == []


def test_invalid_expression_index_matching_the_filter_is_named_on_the_scan() -> None:
    plan = pg_plan(
        scan(
            relation="customers",
            Filter="(lower(customers.email) = 'lea@example.net'::text)",
            **{"Plan Rows": 250, "Total Cost": 1454.0},
        )
    )
    findings = advise_plan(plan, facts=_shop())
    [invalid] = [f for f in findings if f.rule == "pg.invalid-index"]
    assert "customers_email_lower_key" in invalid.message
    assert "customers_name_idx" not in " ".join(f.message for f in findings)  # name is not filtered on
    [scan_finding] = [f for f in findings if f.rule == "pg.seq-scan-selective"]
    assert "exists but is invalid (customers_email_lower_key)" in scan_finding.recommendation
