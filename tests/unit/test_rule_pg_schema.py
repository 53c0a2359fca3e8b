"""Schema rules over SchemaFacts built by hand (the live tests build the same defects on a server):
one firing and one non-firing case per rule id."""

from __future__ import annotations

from tests.unit.test_advisor_support import col, facts, index, pk, schema_ctx, table
from tui.advisor.rules import (
    pg_schema_bloat,
    pg_schema_duplicate_index,
    pg_schema_fk_index,
    pg_schema_invalid_index,
    pg_schema_no_pk,
    pg_schema_sequences,
    pg_schema_unused_index,
)
from tui.core.catalog import Constraint, ForeignKey, Stat
from tui.core.session import SequenceFacts


def _fk(columns: list[str], ref_cols: list[str] | None = None) -> ForeignKey:
    return ForeignKey(
        "orders_customer_fkey", "shop", "orders", columns, "shop", "customers", ref_cols or ["id"]
    )


def _customers():  # type: ignore[no-untyped-def]
    ix, con = pk("customers_pkey", "id")
    return table(
        "customers",
        [col("id", nullable=False), col("email", "text")],
        indexes=[ix],
        constraints=[con],
        rows=20_000,
    )


def _orders(*indexes, fks=None, rows=200_000):  # type: ignore[no-untyped-def]
    ix, con = pk("orders_pkey", "id")
    return table(
        "orders",
        [
            col("id", nullable=False),
            col("customer_id"),
            col("status", "text"),
            col("created_at", "timestamptz"),
        ],
        indexes=[ix, *indexes],
        constraints=[con],
        fks=fks if fks is not None else [_fk(["customer_id"])],
        rows=rows,
    )


# -- FK -----------------------------------------------------------------------------------------------


def test_fk_without_index_fires_with_ddl() -> None:
    [f] = pg_schema_fk_index.check_missing(schema_ctx(facts(_customers(), _orders())))
    assert f.rule == "pg.fk-without-index" and f.severity == "warning"
    assert f.evidence == {"table_rows": 200_000, "referenced_table_rows": 20_000, "columns": 1}
    assert f.ddl == ["CREATE INDEX CONCURRENTLY orders_customer_id_idx ON shop.orders (customer_id);"]
    assert f.rollback == ["DROP INDEX CONCURRENTLY IF EXISTS shop.orders_customer_id_idx;"]


def test_fk_with_leading_index_is_silent_in_any_column_order() -> None:
    fk = ForeignKey("f", "shop", "orders", ["customer_id", "status"], "shop", "customers", ["id", "email"])
    covered = _orders(index("o_status_customer_idx", "status", "customer_id", "created_at"), fks=[fk])
    assert pg_schema_fk_index.check_missing(schema_ctx(facts(_customers(), covered))) == []


def test_fk_index_on_a_later_column_does_not_count() -> None:
    later = _orders(index("o_status_customer_idx", "status", "customer_id"))
    assert len(pg_schema_fk_index.check_missing(schema_ctx(facts(_customers(), later)))) == 1


def test_fk_referenced_side_without_unique_fires_and_with_pk_is_silent() -> None:
    weak = table("customers", [col("id"), col("email", "text")], rows=10)
    [f] = pg_schema_fk_index.check_referenced(schema_ctx(facts(weak, _orders())))
    assert f.rule == "pg.fk-referenced-not-unique" and f.object == "shop.customers"
    assert pg_schema_fk_index.check_referenced(schema_ctx(facts(_customers(), _orders()))) == []


# -- duplicate / redundant ----------------------------------------------------------------------------


def test_duplicate_index_keeps_the_more_used_one_and_recreates_the_dropped_one() -> None:
    a = index(
        "orders_status_a",
        "status",
        scans=5,
        size_bytes=1_000_000,
        definition="CREATE INDEX orders_status_a ON shop.orders USING btree (status)",
    )
    b = index(
        "orders_status_b",
        "status",
        scans=0,
        size_bytes=1_000_000,
        definition="CREATE INDEX orders_status_b ON shop.orders USING btree (status)",
    )
    [f] = pg_schema_duplicate_index.check_duplicates(
        schema_ctx(facts(_orders(a, b, index("x", "customer_id"))))
    )
    assert (
        f.rule == "pg.duplicate-index" and "Drop orders_status_b and keep orders_status_a" in f.recommendation
    )
    assert f.ddl == ["DROP INDEX CONCURRENTLY IF EXISTS shop.orders_status_b;"]
    assert f.rollback == ["CREATE INDEX CONCURRENTLY orders_status_b ON shop.orders USING btree (status);"]
    assert f.evidence["size_bytes"] == 1_000_000


def test_duplicate_of_a_unique_constraint_names_the_constraint() -> None:
    ix, con = pk("orders_pkey", "id")
    uq = index(
        "orders_id_key",
        "id",
        unique=True,
        constraint="orders_id_key",
        definition="CREATE UNIQUE INDEX orders_id_key ON shop.orders USING btree (id)",
    )
    ix.definition = "CREATE UNIQUE INDEX orders_pkey ON shop.orders USING btree (id)"
    t = table(
        "orders",
        [col("id", nullable=False)],
        indexes=[ix, uq],
        constraints=[con, Constraint("orders_id_key", "unique", ["id"], "UNIQUE (id)")],
    )
    [f] = pg_schema_duplicate_index.check_duplicates(schema_ctx(facts(t)))
    assert f.ddl == ["ALTER TABLE shop.orders DROP CONSTRAINT orders_id_key;"]
    assert f.rollback == ["ALTER TABLE shop.orders ADD CONSTRAINT orders_id_key UNIQUE (id);"]


def test_different_direction_or_predicate_is_not_a_duplicate() -> None:
    a = index("a", "status", definition="CREATE INDEX a ON shop.orders USING btree (status)")
    b = index("b", "status", definition="CREATE INDEX b ON shop.orders USING btree (status DESC)")
    c = index(
        "c",
        "status",
        predicate="(status = 'x'::text)",
        definition="CREATE INDEX c ON shop.orders USING btree (status) WHERE (status = 'x'::text)",
    )
    assert pg_schema_duplicate_index.check_duplicates(schema_ctx(facts(_orders(a, b, c)))) == []


def test_redundant_prefix_index_fires_but_never_for_unique() -> None:
    short = index(
        "o_status",
        "status",
        size_bytes=2_000_000,
        scans=3,
        definition="CREATE INDEX o_status ON shop.orders USING btree (status)",
    )
    long = index(
        "o_status_created",
        "status",
        "created_at",
        definition="CREATE INDEX o_status_created ON shop.orders USING btree (status, created_at)",
    )
    [f] = pg_schema_duplicate_index.check_redundant(schema_ctx(facts(_orders(short, long))))
    assert f.rule == "pg.redundant-index" and f.ddl == ["DROP INDEX CONCURRENTLY IF EXISTS shop.o_status;"]
    uniq = index(
        "o_status_u",
        "status",
        unique=True,
        definition="CREATE UNIQUE INDEX o_status_u ON shop.orders USING btree (status)",
    )
    assert pg_schema_duplicate_index.check_redundant(schema_ctx(facts(_orders(uniq, long)))) == []


# -- unused ------------------------------------------------------------------------------------------


def test_unused_index_fires_on_a_30_day_window_with_size_and_age() -> None:
    idle = index(
        "o_created",
        "created_at",
        scans=0,
        size_bytes=16 * 1024 * 1024,
        definition="CREATE INDEX o_created ON shop.orders USING btree (created_at)",
    )
    [f] = pg_schema_unused_index.check(schema_ctx(facts(_orders(idle, index("fk", "customer_id", scans=9)))))
    assert f.rule == "pg.unused-index" and f.severity == "warning"  # 16 MB ≥ 8 MB
    assert f.evidence == {"scans": 0, "size_bytes": 16 * 1024 * 1024, "stats_age_days": 30.0}
    assert f.rollback == ["CREATE INDEX CONCURRENTLY o_created ON shop.orders USING btree (created_at);"]


def test_unused_index_not_judged_on_a_young_window_and_says_so() -> None:
    idle = index("o_created", "created_at", scans=0)
    [f] = pg_schema_unused_index.check(
        schema_ctx(facts(_orders(idle, index("fk", "customer_id", scans=9)), age_days=2.5))
    )
    assert f.rule == "pg.unused-index-window" and f.severity == "info" and f.ddl == []
    assert "2.5 days old" in f.message
    assert f.evidence["not_judged"] == ["shop.orders.o_created"]
    [young] = pg_schema_unused_index.check(
        schema_ctx(facts(_orders(idle, index("fk", "customer_id", scans=9)), age_days=0.25))
    )
    assert "6 h 0 min old" in young.message


def test_unused_unique_pk_and_fk_serving_indexes_are_never_flagged() -> None:
    uniq = index("o_u", "status", unique=True, scans=0)
    fk_only = index("o_fk", "customer_id", scans=0)  # the only index serving the FK
    assert pg_schema_unused_index.check(schema_ctx(facts(_orders(uniq, fk_only)))) == []


# -- invalid, no PK, bloat, sequences ---------------------------------------------------------------


def test_invalid_index_is_dropped_and_rebuilt() -> None:
    bad = index(
        "o_bad", "status", valid=False, definition="CREATE INDEX o_bad ON shop.orders USING btree (status)"
    )
    [f] = pg_schema_invalid_index.check(schema_ctx(facts(_orders(bad))))
    assert f.ddl == [
        "DROP INDEX CONCURRENTLY IF EXISTS shop.o_bad;",
        "CREATE INDEX CONCURRENTLY o_bad ON shop.orders USING btree (status);",
    ]
    assert pg_schema_invalid_index.check(schema_ctx(facts(_orders()))) == []


def test_table_without_pk_promotes_a_unique_not_null_index() -> None:
    uq = index(
        "logs_code_key",
        "code",
        unique=True,
        definition="CREATE UNIQUE INDEX logs_code_key ON shop.logs USING btree (code)",
    )
    t = table("logs", [col("code", "text", nullable=False), col("msg", "text")], indexes=[uq], rows=1_000)
    [f] = pg_schema_no_pk.check(schema_ctx(facts(t)))
    assert f.ddl == ["ALTER TABLE shop.logs ADD CONSTRAINT logs_pkey PRIMARY KEY USING INDEX logs_code_key;"]
    assert f.rollback == [
        "ALTER TABLE shop.logs DROP CONSTRAINT logs_pkey;\n"
        "CREATE UNIQUE INDEX CONCURRENTLY logs_code_key ON shop.logs USING btree (code);"
    ]


def test_table_without_pk_gets_an_identity_column_and_tables_with_pk_are_silent() -> None:
    t = table("logs", [col("id", "text"), col("msg", "text")], rows=1_000)
    [f] = pg_schema_no_pk.check(schema_ctx(facts(t)))
    assert f.ddl == [
        "ALTER TABLE shop.logs ADD COLUMN logs_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY;"
    ]
    assert pg_schema_no_pk.check(schema_ctx(facts(_orders()))) == []


def test_dead_tuples_fire_at_20_percent() -> None:
    t = _orders()
    t.stats = [Stat("Live rows", 60_000, "rows"), Stat("Dead rows", 40_000, "rows")]
    [f] = pg_schema_bloat.check_dead(schema_ctx(facts(t)))
    assert f.evidence["dead_pct"] == 40.0 and f.severity == "warning"
    assert f.ddl == ["VACUUM (ANALYZE) shop.orders;"]
    t.stats = [Stat("Live rows", 90_000, "rows"), Stat("Dead rows", 10_000, "rows")]  # 10 %
    assert pg_schema_bloat.check_dead(schema_ctx(facts(t))) == []


def test_bloat_estimate_from_column_widths() -> None:
    # 2 columns of 4 bytes, no NULLs: tuple = align(23)=24 + align(8)=8 + 4 = 36 bytes;
    # 100,000 rows × 36 / 8,168 usable bytes per page = 440.7 → 441 pages expected.
    cols = [col("a", avg_width=4, null_frac=0.0), col("b", avg_width=4, null_frac=0.0)]
    t = table("wide", cols, rows=100_000, stats=[Stat("Pages", 1_000, "count")])
    [f] = pg_schema_bloat.check_bloat(schema_ctx(facts(t)))
    assert f.evidence["expected_pages"] == 441 and f.evidence["tuple_bytes"] == 36
    assert f.evidence["bloat_bytes"] == (1_000 - 441) * 8192 and f.evidence["bloat_pct"] == 55.9
    assert f.severity == "warning"
    t.stats = [Stat("Pages", 450, "count")]
    assert pg_schema_bloat.check_bloat(schema_ctx(facts(t))) == []


def test_sequence_exhaustion_counts_the_column_type() -> None:
    seq = SequenceFacts(
        "shop", "orders_id_seq", "bigint", 1_700_000_000, 9_223_372_036_854_775_807, owned_by="shop.orders.id"
    )
    o = _orders()
    o.columns[0] = col("id", "integer", nullable=False)
    [f] = pg_schema_sequences.check(schema_ctx(facts(o, sequences=[seq])))
    assert f.evidence["used_pct"] == 79.16  # 1,700,000,000 / 2,147,483,647
    assert f.severity == "warning"
    # the sequence is already bigint with the type's own maximum: only the column needs widening
    assert f.ddl == ["ALTER TABLE shop.orders ALTER COLUMN id TYPE bigint;"]
    assert f.rollback == ["ALTER TABLE shop.orders ALTER COLUMN id TYPE integer;"]
    low = SequenceFacts("shop", "s", "integer", 1_000, 2_147_483_647)
    assert pg_schema_sequences.check(schema_ctx(facts(o, sequences=[low]))) == []
