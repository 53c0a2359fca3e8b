"""The migration script per engine: mongosh commands (no transaction, ``//`` comments, create in phase
1, hide as phase 3's first step and the drop after it), MySQL/MariaDB DDL (implicit commit, no
BEGIN/COMMIT, said why), and PostgreSQL (BEGIN/COMMIT around ordinary statements, CONCURRENTLY alone)."""

from __future__ import annotations

from tui.advisor.migration import (
    MONGOSH,
    MYSQL,
    POSTGRESQL,
    language_of,
    migration_script,
    runs_outside_transaction,
    statement_phase,
)
from tui.advisor.rules.mongo_common import create_index, drop_index, hide_index, recreate_index, unhide_index
from tui.advisor.rules.mysql_common import index_statements, removal_steps
from tui.advisor.suggest import IndexCandidate
from tui.core.catalog import Index
from tui.core.finding import Finding


def _f(rule: str, ddl: list[str], rollback: list[str], title: str, obj: str = "shop.orders") -> Finding:
    return Finding(rule, "warning", obj, title, "m", ddl=ddl, rollback=rollback)


def _mongo_findings() -> list[Finding]:
    status = Index("status_1", ["status"], options={"key": {"status": 1}})
    unused = _f(
        "mongo.unused-index",
        [hide_index("orders", "status_1"), drop_index("orders", "status_1")],
        [unhide_index("orders", "status_1"), recreate_index("orders", status)],
        "Unused index",
        "shop.orders",
    )
    new = create_index("orders", {"customer_id": 1, "created_at": -1})
    scan = _f("mongo.collscan", [new], [drop_index("orders", "customer_id_1_created_at_-1")], "COLLSCAN")
    return [unused, scan]


def test_mongosh_commands_are_recognised_and_phased() -> None:
    create, hide, drop = (
        create_index("orders", {"a": 1}),
        hide_index("orders", "a_1"),
        drop_index("orders", "a_1"),
    )
    assert {language_of(s) for s in (create, hide, drop)} == {MONGOSH}
    assert [statement_phase(s, MONGOSH) for s in (create, hide, drop)] == [1, 3, 3]
    assert all(runs_outside_transaction(s, MONGOSH) for s in (create, hide, drop))


def test_mongosh_script_has_no_transaction_and_hides_before_it_drops() -> None:
    script = migration_script(_mongo_findings())
    assert "BEGIN" not in script and "COMMIT" not in script and "TRANSACTION" not in script
    lines = [line for line in script.splitlines() if line.strip()]
    # every line is a // comment or a mongosh command: the file loads in mongosh as is
    assert all(line.startswith(("//", "db.")) for line in lines), lines
    commands = [line for line in lines if line.startswith("db.")]
    assert commands == [
        'db.getCollection("orders").createIndex({ customer_id: 1, created_at: -1 }, '
        '{ name: "customer_id_1_created_at_-1" })',
        'db.getCollection("orders").hideIndex("status_1")',
        'db.getCollection("orders").dropIndex("status_1")',
    ]
    phase1, phase3 = script.index("// Phase 1"), script.index("// Phase 3")
    hide_step = script.index("// Step 2: Unused index on shop.orders [mongo.unused-index] — hide first")
    drop_step = script.index("// Step 3: Unused index on shop.orders [mongo.unused-index] — after the hidden")
    assert phase1 < script.index(commands[0]) < phase3 < hide_step < script.index(commands[1]) < drop_step
    assert drop_step < script.index(commands[2])
    # each step's own rollback, commented out with //
    assert '//   db.getCollection("orders").unhideIndex("status_1")' in script
    assert '//   db.getCollection("orders").createIndex({ status: 1 }, { name: "status_1" })' in script
    assert "not transactional" in script


def test_all_hides_come_before_any_drop() -> None:
    a, b = (
        _f(
            "mongo.unused-index",
            [hide_index("orders", n), drop_index("orders", n)],
            [unhide_index("orders", n), f'db.getCollection("orders").createIndex({{ {n[:-2]}: 1 }})'],
            f"Unused {n}",
        )
        for n in ("a_1", "b_1")
    )
    script = migration_script([a, b])
    order = [
        script.index(s)
        for s in ('hideIndex("a_1")', 'hideIndex("b_1")', 'dropIndex("a_1")', 'dropIndex("b_1")')
    ]
    assert order == sorted(order)


def _mysql_findings() -> list[Finding]:
    cand = IndexCandidate("shop", "orders", ["customer_id", "created_at"], ["equality", "sort"])
    _name, create, drop = index_statements(cand, None)
    add = _f("mysql.full-table-scan", [create], [drop], "Full table scan")
    index = Index("orders_status_idx", ["status"])
    ddl, rollback, _advice = removal_steps("mariadb", 101100, "shop", "orders", index)
    remove = _f("mysql.unused-index", ddl, rollback, "Unused index")
    return [remove, add]


def test_mysql_ddl_is_never_wrapped_and_the_script_says_why() -> None:
    script = migration_script(_mysql_findings())
    assert "BEGIN;" not in script and "START TRANSACTION" not in script and "COMMIT;" not in script
    assert "commit implicitly" in script
    add = (
        "ALTER TABLE shop.orders ADD INDEX orders_customer_id_created_at_idx (customer_id, created_at), "
        "ALGORITHM=INPLACE, LOCK=NONE;"
    )
    hide = "ALTER TABLE shop.orders ALTER INDEX orders_status_idx IGNORED;"
    drop = "ALTER TABLE shop.orders DROP INDEX orders_status_idx, ALGORITHM=INPLACE, LOCK=NONE;"
    assert [statement_phase(s, MYSQL) for s in (add, hide, drop)] == [1, 3, 3]
    assert (
        script.index("-- Phase 1")
        < script.index(f"\n{add}")
        < script.index("-- Phase 3")
        < script.index(f"\n{hide}")
        < script.index(f"\n{drop}")
    )
    assert "--   ALTER TABLE shop.orders ALTER INDEX orders_status_idx NOT IGNORED;" in script
    assert "--   ALTER TABLE shop.orders DROP INDEX orders_customer_id_created_at_idx" in script
    assert language_of(add) == MYSQL and language_of("ALTER TABLE `t` ADD INDEX i (a);") == MYSQL


def test_mysql_data_changes_get_a_transaction() -> None:
    fix = _f("mysql.custom", ["UPDATE shop.orders SET status = 'x' WHERE status IS NULL;"], [], "Backfill")
    script = migration_script([fix], engine="mariadb")
    assert "START TRANSACTION;\nUPDATE shop.orders SET status = 'x' WHERE status IS NULL;\nCOMMIT;" in script


def test_postgresql_is_unchanged_by_the_engine_awareness() -> None:
    create = _f(
        "pg.fk-without-index", ["CREATE INDEX CONCURRENTLY y ON shop.orders (b);"], ["DROP INDEX y;"], "FK"
    )
    widen = _f("pg.sequence-exhaustion", ["ALTER TABLE shop.orders ALTER COLUMN id TYPE bigint;"], [], "Seq")
    script = migration_script([create, widen])
    assert language_of(create.ddl[0], create.rule) == POSTGRESQL
    assert "BEGIN;\nALTER TABLE shop.orders ALTER COLUMN id TYPE bigint;\nCOMMIT;" in script
    assert "refuses CONCURRENTLY and VACUUM inside BEGIN/COMMIT" in script
    assert "commit implicitly" not in script and "mongosh" not in script
