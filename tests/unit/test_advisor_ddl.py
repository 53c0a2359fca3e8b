"""DDL builders: dialect quoting, index names within the identifier limit, pairs, migration script."""

from __future__ import annotations

from tui.advisor.ddl import (
    KeyPart,
    create_index,
    drop_index,
    index_name,
    migration_script,
    parse_create_index,
    qualify,
    quote_ident,
    recreate_index,
    statement_phase,
)
from tui.core.catalog import Index
from tui.core.finding import Finding


def test_postgres_quoting_only_where_needed() -> None:
    assert quote_ident("orders") == "orders"
    assert quote_ident("Orders") == '"Orders"'  # mixed case would fold
    assert quote_ident("order") == '"order"'  # reserved word
    assert quote_ident("my table") == '"my table"'
    assert quote_ident('we"ird') == '"we""ird"'
    assert quote_ident("naïve") == '"naïve"'
    assert qualify("Weird Schema", "Order Items") == '"Weird Schema"."Order Items"'


def test_mysql_quoting_uses_backticks() -> None:
    assert quote_ident("order", "mysql") == "`order`"
    assert create_index("shop", "orders", ["customer_id"], name="ix", dialect="mysql") == (
        "ALTER TABLE shop.orders ADD INDEX ix (customer_id), ALGORITHM=INPLACE, LOCK=NONE;"
    )


def test_index_names_fit_63_bytes_even_with_multibyte_characters() -> None:
    name = index_name("ü" * 40, ["é" * 40])
    assert len(name.encode()) <= 63 and name.endswith("_idx")
    name.encode().decode()  # never cut inside a character


def test_index_names_avoid_collisions() -> None:
    assert index_name("orders", ["customer_id"], ["orders_customer_id_idx"]) == "orders_customer_id_idx1"
    assert index_name("orders", ["customer_id"], ["ORDERS_CUSTOMER_ID_IDX", "orders_customer_id_idx1"]) == (
        "orders_customer_id_idx2"
    )


def test_create_index_forms() -> None:
    assert create_index(
        "shop", "orders", ["customer_id", KeyPart(column="created_at", descending=True)], name="i"
    ) == ("CREATE INDEX CONCURRENTLY i ON shop.orders (customer_id, created_at DESC);")
    assert (
        create_index(
            "shop", "users", [KeyPart(column="note", opclass="gin_trgm_ops")], name="t", method="gin"
        )
        == "CREATE INDEX CONCURRENTLY t ON shop.users USING gin (note gin_trgm_ops);"
    )
    assert create_index("s", "t", [KeyPart(expression="lower(email)")], name="e", concurrently=False) == (
        "CREATE INDEX e ON s.t ((lower(email)));"
    )
    assert drop_index("Shop", "My Idx") == 'DROP INDEX CONCURRENTLY IF EXISTS "Shop"."My Idx";'


def test_recreate_uses_the_existing_definition_with_concurrently() -> None:
    ix = Index(
        "o_u", ["a"], definition="CREATE UNIQUE INDEX o_u ON shop.orders USING btree (a) WHERE (a > 0)"
    )
    assert recreate_index(ix, "shop", "orders") == (
        "CREATE UNIQUE INDEX CONCURRENTLY o_u ON shop.orders USING btree (a) WHERE (a > 0);"
    )
    bare = Index("o_b", ["a", "b"], method="btree")
    assert recreate_index(bare, "shop", "orders") == "CREATE INDEX CONCURRENTLY o_b ON shop.orders (a, b);"


def test_phases() -> None:
    assert statement_phase("CREATE INDEX CONCURRENTLY i ON t (a);") == 1
    assert statement_phase("ANALYZE t;") == 1
    assert statement_phase("ALTER TABLE t ALTER COLUMN a SET STATISTICS 1000;") == 1
    assert statement_phase("ALTER TABLE t ALTER COLUMN a TYPE bigint;") == 2
    assert statement_phase("DROP INDEX CONCURRENTLY IF EXISTS i;") == 3
    assert statement_phase("ALTER TABLE t DROP CONSTRAINT c;") == 3
    assert statement_phase("VACUUM (FULL, ANALYZE) t;") == 3
    assert statement_phase("VACUUM (ANALYZE) t;") == 1


def _f(rule: str, ddl: list[str], rollback: list[str], title: str = "t") -> Finding:
    return Finding(rule, "warning", "shop.orders", title, "m", ddl=ddl, rollback=rollback)


def test_migration_script_phases_transactions_rollbacks_and_session_settings() -> None:
    drop = _f(
        "pg.unused-index",
        ["DROP INDEX CONCURRENTLY IF EXISTS shop.x;"],
        ["CREATE INDEX CONCURRENTLY x ON shop.orders USING btree (a);"],
    )
    create = _f(
        "pg.fk-without-index",
        ["CREATE INDEX CONCURRENTLY y ON shop.orders (b);"],
        ["DROP INDEX CONCURRENTLY IF EXISTS shop.y;"],
    )
    widen = _f(
        "pg.sequence-exhaustion",
        ["ALTER SEQUENCE shop.s AS bigint;", "ALTER TABLE shop.orders ALTER COLUMN id TYPE bigint;"],
        ["ALTER SEQUENCE shop.s AS integer;", "ALTER TABLE shop.orders ALTER COLUMN id TYPE integer;"],
    )
    mem = _f("pg.sort-spill", ["SET work_mem = '4MB';"], ["RESET work_mem;"], title="Sort spills")
    script = migration_script([drop, widen, mem, create])
    assert script.index("Phase 1") < script.index("CREATE INDEX CONCURRENTLY y") < script.index("Phase 2")
    assert (
        script.index("Phase 2")
        < script.index("ALTER SEQUENCE")
        < script.index("Phase 3")
        < script.index("\nDROP INDEX CONCURRENTLY IF EXISTS shop.x;")
    )
    assert (
        "BEGIN;\nALTER SEQUENCE shop.s AS bigint;\nALTER TABLE shop.orders ALTER COLUMN id TYPE bigint;\nCOMMIT;"
        in script
    )
    # rollback newest first, commented out so the script only runs forward
    assert (
        "--   ALTER TABLE shop.orders ALTER COLUMN id TYPE integer;\n--   ALTER SEQUENCE shop.s AS integer;"
        in script
    )
    assert "refuses CONCURRENTLY and VACUUM inside BEGIN/COMMIT" in script
    assert "--   SET work_mem = '4MB';  -- Sort spills" in script


def test_migration_script_skips_an_index_another_suggestion_subsumes() -> None:
    fk = _f(
        "pg.fk-without-index",
        ["CREATE INDEX CONCURRENTLY a ON shop.orders (customer_id);"],
        ["DROP INDEX a;"],
    )
    wide = _f(
        "pg.index-suggestion",
        ["CREATE INDEX CONCURRENTLY b ON shop.orders (customer_id, created_at);"],
        ["DROP INDEX b;"],
    )
    script = migration_script([fk, wide])
    assert "CREATE INDEX CONCURRENTLY a " not in script
    assert "-- Not built: a (customer_id) [pg.fk-without-index] — b (customer_id, created_at)" in script


def test_parse_create_index() -> None:
    c = parse_create_index(
        'CREATE INDEX CONCURRENTLY "my idx" ON "S"."t t" USING gin ((lower(a)), b) WHERE (x > 1);'
    )
    assert c is not None and c.name == '"my idx"' and c.table == '"S"."t t"'
    assert c.keys == ("(lower(a))", "b") and c.method == "gin" and c.where == "(x > 1)"
    assert parse_create_index("DROP INDEX x;") is None
