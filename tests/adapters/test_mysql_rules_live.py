"""Live: the MySQL/MariaDB rules on plans and schema facts produced by the server, and every statement
they emit — DDL and rollback — executed on the scratch database. After the DDL the plan must change the
way the finding promised; after the rollback the table must be exactly as before (SHOW CREATE TABLE)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.live import LiveServer
from tui.adapters.mysql import MySQLAdapter
from tui.advisor.api import advise_plan, advise_schema
from tui.advisor.context import SchemaContext
from tui.advisor.rules import mysql_schema_indexes
from tui.core.connspec import parse_url
from tui.core.finding import Finding
from tui.core.plan import Plan
from tui.plans.mysql import parse_mysql_plan

pytestmark = pytest.mark.live_mysql

SCHEMA = r"""
CREATE TABLE customers (
    id INT PRIMARY KEY, ref VARCHAR(20) NOT NULL, country CHAR(2), KEY ix_country (country)
) ENGINE=InnoDB;
CREATE TABLE `Big Orders` (
    id INT PRIMARY KEY AUTO_INCREMENT, c_id INT, `Customer Ref` VARCHAR(20), status VARCHAR(10), amount INT,
    created DATE, grp INT, val INT, KEY ix_grp (grp), KEY ix_amount_status (amount, status)
) ENGINE=InnoDB;
CREATE TABLE events (id INT PRIMARY KEY, grp INT, val INT, KEY ix_grp (grp)) ENGINE=InnoDB;
CREATE TABLE `No Key` (code VARCHAR(12) NOT NULL, label VARCHAR(20), UNIQUE KEY uq_code (code)) ENGINE=InnoDB;
CREATE TABLE bare (x INT, y INT) ENGINE=InnoDB;
CREATE TABLE dupes (
    id INT PRIMARY KEY, c_id INT, created DATE, note VARCHAR(40),
    KEY ix_c (c_id), KEY ix_c_dup (c_id), KEY ix_c_created (c_id, created DESC), KEY `ix Note` (note(8))
) ENGINE=InnoDB;
INSERT INTO customers SELECT seq, CONCAT('R', seq), ELT(1 + seq % 5, 'DE', 'FR', 'US', 'UK', 'IT') FROM seq_1_to_2000;
INSERT INTO `Big Orders` (c_id, `Customer Ref`, status, amount, created, grp, val)
    SELECT 1 + seq % 2000, CONCAT('R', 1 + seq % 2000), ELT(1 + seq % 3, 'new', 'paid', 'shipped'), seq % 1000,
           '2024-01-01' + INTERVAL seq % 365 DAY, seq % 4, seq FROM seq_1_to_20000;
INSERT INTO events SELECT seq, seq % 100, seq FROM seq_1_to_100000;
INSERT INTO `No Key` SELECT CONCAT('c', seq), 'x' FROM seq_1_to_50;
INSERT INTO bare SELECT seq, seq FROM seq_1_to_50;
INSERT INTO dupes SELECT seq, seq % 100, '2024-01-01' + INTERVAL seq DAY, CONCAT('note ', seq) FROM seq_1_to_500;
ANALYZE TABLE customers, `Big Orders`, events, `No Key`, bare, dupes;
"""


@pytest.fixture(autouse=True)
def _no_personal_client_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    for name in ("MYSQL_HOST", "MYSQL_TCP_PORT", "MYSQL_UNIX_PORT", "MYSQL_PWD"):
        monkeypatch.delenv(name, raising=False)


def db_name(url: str) -> str:
    return urlsplit(url).path.lstrip("/")


@pytest.fixture
def shop(mysql_server: LiveServer, mysql_scratch: str) -> Iterator[tuple[MySQLAdapter, LiveServer, str]]:
    db = db_name(mysql_scratch)
    mysql_server.execute(SCHEMA, db)
    adapter = MySQLAdapter(parse_url(mysql_scratch))
    adapter.connect()
    yield adapter, mysql_server, db
    adapter.close()


def analyzed(adapter: MySQLAdapter, query: str) -> Plan:
    return parse_mysql_plan(adapter.explain(query, analyze=True).text)


def findings_for(adapter: MySQLAdapter, query: str, rule: str) -> list[Finding]:
    plan = analyzed(adapter, query)
    facts = adapter.schema_facts()
    return [
        f for f in advise_plan(plan, query=query, facts=facts, verify=False, suggest=False) if f.rule == rule
    ]


def show_create(server: LiveServer, db: str, table: str) -> list[str]:
    """The table's definition lines, sorted: a recreated index comes back at the end of the key list."""
    text = server.execute(f"SHOW CREATE TABLE `{table}`", db)[0][1]
    return sorted(line.strip().rstrip(",") for line in text.splitlines())


def run_all(server: LiveServer, db: str, statements: list[str]) -> None:
    for statement in statements:
        server.execute(statement, db)


def table_access(plan: Plan, table: str) -> str | None:
    node = next((n for n in plan.nodes() if n.object == table and n.access_type), None)
    return node.access_type if node else None


def test_full_table_scan_index_then_rollback(shop: tuple[MySQLAdapter, LiveServer, str]) -> None:
    adapter, server, db = shop
    query = "SELECT * FROM `Big Orders` WHERE val = 777"
    (finding,) = findings_for(adapter, query, "mysql.full-table-scan")
    assert finding.severity == "warning" and finding.evidence["rows_examined"] == 20_000
    assert finding.ddl == [
        f"ALTER TABLE {db}.`Big Orders` ADD INDEX big_orders_val_idx (val), ALGORITHM=INPLACE, LOCK=NONE;"
    ]
    before = show_create(server, db, "Big Orders")
    run_all(server, db, finding.ddl)
    after = analyzed(adapter, query)
    node = next(n for n in after.nodes() if n.object == "Big Orders")
    assert node.access_type == "ref" and node.index == "big_orders_val_idx" and node.rows_actual == 1
    run_all(server, db, finding.rollback)
    assert show_create(server, db, "Big Orders") == before
    assert table_access(analyzed(adapter, query), "Big Orders") == "ALL"


def test_full_table_scan_without_column_statistics(shop: tuple[MySQLAdapter, LiveServer, str]) -> None:
    """Plain EXPLAIN on MariaDB without histograms prints filtered 100 for any condition: the scan is still
    reported, with the selectivity called unknown and the histogram statement that makes it known."""
    adapter, server, db = shop
    query = "SELECT * FROM `Big Orders` WHERE val = 777 AND status = 'paid'"

    def scan_finding() -> Finding:
        plan = parse_mysql_plan(adapter.explain(query).text)
        facts = adapter.schema_facts()
        found = advise_plan(plan, query=query, facts=facts, verify=False, suggest=False)
        (finding,) = [f for f in found if f.rule == "mysql.full-table-scan"]
        return finding

    before = scan_finding()
    if adapter.server.engine == "mariadb":
        assert before.severity == "info" and "kept_pct" not in before.evidence
        assert "does not know how many of them the condition keeps" in before.message
        statement = f"ANALYZE TABLE {db}.`Big Orders` PERSISTENT FOR COLUMNS (val, status) INDEXES ();"
    else:
        statement = f"ANALYZE TABLE {db}.`Big Orders` UPDATE HISTOGRAM ON val, status;"
    assert statement in before.recommendation
    assert before.ddl == [
        f"ALTER TABLE {db}.`Big Orders` ADD INDEX big_orders_val_status_idx (val, status), ALGORITHM=INPLACE, LOCK=NONE;"
    ]
    server.execute(statement, db)
    after = scan_finding()
    assert after.evidence["kept_pct"] < 1
    assert after.severity == "warning" and "expects to keep" in after.message


def test_join_without_index_then_rollback(shop: tuple[MySQLAdapter, LiveServer, str]) -> None:
    adapter, server, db = shop
    query = "SELECT COUNT(*) FROM customers c JOIN `Big Orders` o ON o.`Customer Ref` = c.ref WHERE c.country = 'FR'"
    (finding,) = findings_for(adapter, query, "mysql.join-without-index")
    assert finding.object == f"{db}.Big Orders"
    assert finding.ddl == [
        f"ALTER TABLE {db}.`Big Orders` ADD INDEX big_orders_customer_ref_idx (`Customer Ref`), ALGORITHM=INPLACE, LOCK=NONE;"
    ]
    run_all(server, db, finding.ddl)
    after = analyzed(adapter, query)
    assert not any(n.operation.startswith("Block nested loop") for n in after.nodes())
    assert table_access(after, "o") == "ref"
    run_all(server, db, finding.rollback)
    assert any(n.operation.startswith("Block nested loop") for n in analyzed(adapter, query).nodes())


def test_dependent_subquery_and_filesort_ddl(shop: tuple[MySQLAdapter, LiveServer, str]) -> None:
    adapter, server, db = shop
    query = "SELECT * FROM customers c WHERE (SELECT COUNT(*) FROM `Big Orders` o WHERE o.c_id = c.id) > 100"
    (finding,) = findings_for(adapter, query, "mysql.dependent-subquery")
    assert finding.evidence["loops"] >= 1_000 and finding.evidence["measured"] is True
    assert finding.ddl == [
        f"ALTER TABLE {db}.`Big Orders` ADD INDEX big_orders_c_id_idx (c_id), ALGORITHM=INPLACE, LOCK=NONE;"
    ]
    run_all(server, db, finding.ddl)
    assert table_access(analyzed(adapter, query), "o") == "ref"
    run_all(server, db, finding.rollback)
    sort_query = "SELECT id, created FROM `Big Orders` ORDER BY created LIMIT 5"
    (sort,) = findings_for(adapter, sort_query, "mysql.filesort")
    assert sort.evidence["rows_sorted"] == 20_000
    run_all(server, db, sort.ddl)
    after = analyzed(adapter, sort_query)
    assert not any(n.operation == "Filesort" for n in after.nodes())
    run_all(server, db, sort.rollback)


def test_index_not_chosen_low_filtered_and_partial_key(shop: tuple[MySQLAdapter, LiveServer, str]) -> None:
    adapter, server, db = shop
    low_query = "SELECT * FROM events WHERE grp = 7 AND val < 5000"
    (low,) = findings_for(adapter, low_query, "mysql.low-filtered")
    assert low.evidence["rows_examined"] == 1_000  # grp = 7 is 1 % of 100,000 rows
    assert low.evidence["kept_pct"] == 5.0  # 50 of them have val < 5,000
    assert low.ddl == [
        f"ALTER TABLE {db}.events ADD INDEX events_grp_val_idx (grp, val), ALGORITHM=INPLACE, LOCK=NONE;"
    ]
    run_all(server, db, low.ddl)
    node = next(n for n in analyzed(adapter, low_query).nodes() if n.object == "events")
    assert node.index == "events_grp_val_idx" and node.rows_actual == 50
    run_all(server, db, low.rollback)
    partial_query = "SELECT id FROM `Big Orders` WHERE amount > 990 AND status = 'paid'"
    (partial,) = findings_for(adapter, partial_query, "mysql.partial-key-use")
    assert partial.evidence["used_key_parts"] == 1 and partial.evidence["index_key_parts"] == 2
    assert partial.ddl == [
        f"ALTER TABLE {db}.`Big Orders` ADD INDEX big_orders_status_amount_idx (status, amount), ALGORITHM=INPLACE, LOCK=NONE;"
    ]
    run_all(server, db, partial.ddl)
    run_all(server, db, partial.rollback)
    chosen_query = "SELECT * FROM customers WHERE country IN ('FR', 'DE') AND ref > 'R5'"
    for finding in findings_for(adapter, chosen_query, "mysql.index-not-chosen"):
        assert finding.ddl == [f"ANALYZE TABLE {db}.customers;"]
        run_all(server, db, finding.ddl)


def test_schema_rules_ddl_and_exact_rollback(shop: tuple[MySQLAdapter, LiveServer, str]) -> None:
    adapter, server, db = shop
    facts = adapter.schema_facts()
    findings = advise_schema(facts)
    no_pk = {f.object: f for f in findings if f.rule == "mysql.table-without-primary-key"}
    assert set(no_pk) == {f"{db}.No Key", f"{db}.bare"}
    assert no_pk[f"{db}.No Key"].ddl == [
        f"ALTER TABLE {db}.`No Key` ADD PRIMARY KEY (code), ALGORITHM=INPLACE, LOCK=NONE;"
    ]
    indexes = {
        (f.rule, f.message.split(" ")[2]): f
        for f in findings
        if f.rule in ("mysql.duplicate-index", "mysql.redundant-index")
    }
    assert set(indexes) == {("mysql.duplicate-index", "ix_c_dup"), ("mysql.redundant-index", "ix_c")}
    if adapter.server.version_num >= 100600 or adapter.server.engine == "mysql":
        assert len(indexes[("mysql.duplicate-index", "ix_c_dup")].ddl) == 2  # hidden first, then dropped
    for table, finding in (
        ("No Key", no_pk[f"{db}.No Key"]),
        ("bare", no_pk[f"{db}.bare"]),
        ("dupes", indexes[("mysql.duplicate-index", "ix_c_dup")]),
        ("dupes", indexes[("mysql.redundant-index", "ix_c")]),
    ):
        before = show_create(server, db, table)
        run_all(server, db, finding.ddl)
        assert show_create(server, db, table) != before
        run_all(server, db, list(reversed(finding.rollback)))
        assert show_create(server, db, table) == before, finding.rule


def test_unused_index_ddl_recreates_prefix_and_descending_parts(
    shop: tuple[MySQLAdapter, LiveServer, str],
) -> None:
    """The usage counters of every index are set on the live catalog facts (a 30-day window with no
    use of two indexes of dupes), whatever the server records (performance_schema may be off, or on
    with its own counts of these fresh tables); the statements come from the live catalog and run."""
    adapter, server, db = shop
    facts = adapter.schema_facts()
    facts.server["index_usage_source"] = "performance_schema"
    facts.server["sys.schema_unused_indexes"] = []
    facts.stats_age_days, facts.stats_since = 30.0, "2026-10-26 00:00:00"
    for table in facts.tables:
        for index in table.indexes:
            index.options["usage_source"] = "performance_schema"
            idle = table.node.name == "dupes" and index.name in ("ix Note", "ix_c_created")
            index.scans = 0 if idle else 5
    unused = [
        f for f in mysql_schema_indexes.check(SchemaContext.build(facts)) if f.rule == "mysql.unused-index"
    ]
    assert sorted(f.message.split(" ")[2] for f in unused) == ["ix", "ix_c_created"]  # "ix Note"
    note = next(f for f in unused if "ix Note" in f.message)
    assert (
        note.rollback[-1]
        == f"ALTER TABLE {db}.dupes ADD INDEX `ix Note` (note(8)), ALGORITHM=INPLACE, LOCK=NONE;"
    )
    for finding in unused:
        before = show_create(server, db, "dupes")
        run_all(server, db, finding.ddl)
        assert show_create(server, db, "dupes") != before
        run_all(server, db, list(reversed(finding.rollback)))
        assert show_create(server, db, "dupes") == before
