"""Query facts (sqlglot) and index candidates in Equality → Sort → Range order."""

from __future__ import annotations

from tests.unit.test_advisor_support import col, facts, index, table
from tui.advisor.sqlfacts import analyze_query
from tui.advisor.suggest import candidate_from_filter, candidates_for_query, strip_pg_casts


def _schema():  # type: ignore[no-untyped-def]
    orders = table(
        "orders",
        [
            col("id"),
            col("customer_id", n_distinct=-0.05),
            col("status", "text", n_distinct=3),
            col("created_at", "timestamptz"),
            col("total", "numeric"),
            col("payload", "jsonb"),
        ],
        indexes=[index("orders_pkey", "id", unique=True, primary=True)],
        rows=200_000,
    )
    customers = table(
        "customers", [col("id"), col("country", "text", n_distinct=40)], schema="public", rows=10_000
    )
    return facts(orders, customers)


def test_predicates_resolve_to_tables_through_aliases_and_unqualified_columns() -> None:
    q = analyze_query(
        "SELECT o.id FROM shop.orders o JOIN customers c ON c.id = o.customer_id "
        "WHERE status = 'open' AND country IN ('DE', 'FR') AND created_at > now() - interval '1 day' "
        "ORDER BY created_at DESC LIMIT 10 OFFSET 20",
        "postgres",
        _schema(),
    )
    assert q is not None
    kinds = {(p.kind, p.table.name if p.table else None, p.column) for p in q.predicates}
    assert ("eq", "orders", "status") in kinds and ("in", "customers", "country") in kinds
    assert ("range", "orders", "created_at") in kinds and ("join", "customers", "id") in kinds
    assert [(k.column, k.descending) for k in q.order_by] == [("created_at", True)]
    assert (q.limit, q.offset) == (10, 20)


def test_esr_order_most_selective_equality_first_then_sort() -> None:
    q = analyze_query(
        "SELECT id FROM shop.orders WHERE status = 'open' AND customer_id = 7 AND total > 100 ORDER BY created_at",
        "postgres",
        _schema(),
    )
    [cand] = candidates_for_query(q, _schema())  # type: ignore[arg-type]
    # customer_id: 5 % of 200,000 rows = 10,000 distinct values; status: 3; the range after the sort
    assert cand.columns == ["customer_id", "status", "created_at", "total"]
    assert cand.roles == ["equality", "equality", "sort", "range"]


def test_sort_columns_keep_the_order_by_direction_and_an_existing_index_serves_both_ways() -> None:
    schema = _schema()
    q = analyze_query("SELECT id FROM shop.orders ORDER BY created_at DESC LIMIT 20", "postgres", schema)
    [cand] = candidates_for_query(q, schema)  # type: ignore[arg-type]
    assert (cand.columns, cand.roles, cand.descending) == (["created_at"], ["sort"], [True])
    assert cand.describe() == "(created_at DESC)"
    assert cand.hypothetical_statement() == "CREATE INDEX ON shop.orders (created_at DESC)"
    # an ascending index is read backwards for DESC: nothing to suggest
    schema.tables[0].indexes.append(index("o_created", "created_at"))
    assert candidates_for_query(q, schema) == []  # type: ignore[arg-type]
    # mixed directions need an index with the same (or all reversed) directions
    mixed = analyze_query(
        "SELECT id FROM shop.orders ORDER BY created_at DESC, total LIMIT 20", "postgres", schema
    )
    schema.tables[0].indexes.append(index("o_ct", "created_at", "total"))
    [cand] = candidates_for_query(mixed, schema)  # type: ignore[arg-type]
    assert cand.describe() == "(created_at DESC, total)"
    reversed_index = index(
        "o_ct_rev",
        "created_at",
        "total",
        definition="CREATE INDEX o_ct_rev ON t USING btree (created_at, total DESC)",
    )
    schema.tables[0].indexes.append(reversed_index)
    assert candidates_for_query(mixed, schema) == []  # type: ignore[arg-type]


def test_sort_only_candidate_needs_a_limit() -> None:
    schema = _schema()
    q = analyze_query("SELECT id FROM shop.orders ORDER BY created_at DESC", "postgres", schema)
    assert candidates_for_query(q, schema) == []  # type: ignore[arg-type]
    joined = analyze_query(
        "SELECT o.id FROM shop.orders o JOIN customers c ON c.id = o.customer_id "
        "ORDER BY o.created_at DESC LIMIT 20",
        "postgres",
        schema,
    )
    cands = candidates_for_query(joined, schema)  # type: ignore[arg-type]
    assert next((c.table, c.columns, c.roles) for c in cands) == ("orders", ["created_at"], ["sort"])


def test_range_column_last_when_there_is_no_order_by() -> None:
    q = analyze_query("SELECT id FROM shop.orders WHERE total > 100 AND status = 'x'", "postgres", _schema())
    [cand] = candidates_for_query(q, _schema())  # type: ignore[arg-type]
    assert cand.columns == ["status", "total"] and cand.roles == ["equality", "range"]


def test_existing_prefix_index_suppresses_the_candidate_and_json_is_never_indexed() -> None:
    schema = _schema()
    schema.tables[0].indexes.append(index("o_status_cust", "status", "customer_id", "created_at"))
    q = analyze_query("SELECT id FROM shop.orders WHERE customer_id = 7 AND status = 'x'", "postgres", schema)
    assert candidates_for_query(q, schema) == []  # type: ignore[arg-type]
    q = analyze_query("SELECT id FROM shop.orders WHERE payload = '{}'", "postgres", schema)
    assert candidates_for_query(q, schema) == []  # type: ignore[arg-type]


def test_filter_text_of_a_plan_node() -> None:
    text = "(((o.status)::text = 'x'::text) AND (o.total > '100'::numeric) AND ((o.id)::numeric = 1.5))"
    assert strip_pg_casts(text) == "((o.status = 'x') AND (o.total > '100') AND ((o.id)::numeric = 1.5))"
    cand = candidate_from_filter(text, "shop", "orders", None, alias="o")
    assert cand is not None and cand.columns == ["status", "total"]  # the cast id is not indexable
