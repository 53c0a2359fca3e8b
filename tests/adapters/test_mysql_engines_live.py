"""Live: index and primary-key DDL the MySQL/MariaDB rules emit for tables whose engine cannot build an
index in place (MyISAM, Aria), in a database whose own name needs quoting. InnoDB gets
``ALGORITHM=INPLACE, LOCK=NONE``; the others refuse that clause (error 1845), so their statements say
``ALGORITHM=COPY, LOCK=SHARED``. Every statement and its rollback run on the server; after the rollback
the table is exactly as before (SHOW CREATE TABLE)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pymysql
import pytest

from tests.live import LiveServer
from tui.adapters.mysql import MySQLAdapter
from tui.advisor.api import advise_plan, advise_schema
from tui.core.connspec import parse_url
from tui.core.finding import Finding
from tui.core.plan import Plan
from tui.plans.mysql import parse_mysql_plan

pytestmark = pytest.mark.live_mysql

LOG = "Café `log`"  # MyISAM, no primary key, a duplicate index, a reserved-word column
CODES = "codes ü"  # Aria, no primary key but a UNIQUE index on a NOT NULL column
ROWS = "row store"  # InnoDB control in the same database

SCHEMA = """
CREATE TABLE `Café ``log``` (
    wer INT NOT NULL, `order` VARCHAR(20), note VARCHAR(40),
    KEY `ix order` (`order`), KEY `ix order again` (`order`)
) ENGINE=MyISAM;
CREATE TABLE `codes ü` (code VARCHAR(12) NOT NULL, label VARCHAR(20), UNIQUE KEY `uq code` (code)) ENGINE=Aria;
CREATE TABLE `row store` (id INT PRIMARY KEY, val INT, `select` INT) ENGINE=InnoDB;
INSERT INTO `Café ``log``` SELECT seq, CONCAT('o', seq % 50), 'n' FROM seq_1_to_20000;
INSERT INTO `codes ü` SELECT CONCAT('c', seq), 'x' FROM seq_1_to_300;
INSERT INTO `row store` SELECT seq, seq, seq % 7 FROM seq_1_to_20000;
ANALYZE TABLE `Café ``log```, `codes ü`, `row store`;
"""


@pytest.fixture(autouse=True)
def _no_personal_client_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    for name in ("MYSQL_HOST", "MYSQL_TCP_PORT", "MYSQL_UNIX_PORT", "MYSQL_PWD"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def weird(mysql_server: LiveServer) -> Iterator[tuple[MySQLAdapter, LiveServer, str]]:
    db = f"dbscope W`e ird-{uuid.uuid4().hex[:8]}"
    quoted = "`" + db.replace("`", "``") + "`"
    mysql_server.execute(f"CREATE DATABASE {quoted}")
    try:
        mysql_server.execute(SCHEMA, db)
        adapter = MySQLAdapter(parse_url(mysql_server.url_for(quote(db, safe=""))))
        adapter.connect()
        try:
            yield adapter, mysql_server, db
        finally:
            adapter.close()
    finally:
        mysql_server.execute(f"DROP DATABASE IF EXISTS {quoted}")


def q(db: str) -> str:
    return "`" + db.replace("`", "``") + "`"


def show_create(server: LiveServer, db: str, table: str) -> list[str]:
    text = server.execute(f"SHOW CREATE TABLE `{table.replace('`', '``')}`", db)[0][1]
    return sorted(line.strip().rstrip(",") for line in text.splitlines())


def run_all(server: LiveServer, db: str, statements: list[str]) -> None:
    for statement in statements:
        server.execute(statement, db)


def analyzed(adapter: MySQLAdapter, query: str) -> Plan:
    return parse_mysql_plan(adapter.explain(query, analyze=True).text)


def plan_findings(adapter: MySQLAdapter, query: str, rule: str) -> list[Finding]:
    plan = analyzed(adapter, query)
    return [
        f
        for f in advise_plan(plan, query=query, facts=adapter.schema_facts(), verify=False, suggest=False)
        if f.rule == rule
    ]


def test_in_place_clause_is_refused_by_myisam(weird: tuple[MySQLAdapter, LiveServer, str]) -> None:
    """The positive control: the clause InnoDB takes is an error on MyISAM."""
    _adapter, server, db = weird
    with pytest.raises(pymysql.err.OperationalError) as failure:
        server.execute("ALTER TABLE `Café ``log``` ADD INDEX x (wer), ALGORITHM=INPLACE, LOCK=NONE", db)
    assert failure.value.args[0] == 1845


def test_full_scan_index_on_myisam_copies_and_rolls_back(weird: tuple[MySQLAdapter, LiveServer, str]) -> None:
    adapter, server, db = weird
    query = "SELECT * FROM `Café ``log``` WHERE wer = 77"
    (finding,) = plan_findings(adapter, query, "mysql.full-table-scan")
    assert finding.ddl == [
        f"ALTER TABLE {q(db)}.`Café ``log``` ADD INDEX `café_log_wer_idx` (wer), ALGORITHM=COPY, LOCK=SHARED;"
    ]
    assert "MyISAM tables cannot build or drop an index in place" in finding.recommendation
    before = show_create(server, db, LOG)
    run_all(server, db, finding.ddl)
    node = next(n for n in analyzed(adapter, query).nodes() if n.object == LOG)
    assert node.access_type == "ref" and node.index == "café_log_wer_idx"
    run_all(server, db, finding.rollback)
    assert show_create(server, db, LOG) == before


def test_innodb_in_the_same_database_stays_online(weird: tuple[MySQLAdapter, LiveServer, str]) -> None:
    adapter, server, db = weird
    query = "SELECT id FROM `row store` WHERE `select` = 3"
    (finding,) = plan_findings(adapter, query, "mysql.full-table-scan")
    assert finding.ddl == [
        f"ALTER TABLE {q(db)}.`row store` ADD INDEX row_store_select_idx (`select`), ALGORITHM=INPLACE, LOCK=NONE;"
    ]
    before = show_create(server, db, ROWS)
    run_all(server, db, finding.ddl)
    run_all(server, db, finding.rollback)
    assert show_create(server, db, ROWS) == before


def test_schema_ddl_on_myisam_and_aria_runs_and_rolls_back(
    weird: tuple[MySQLAdapter, LiveServer, str],
) -> None:
    adapter, server, db = weird
    findings = advise_schema(adapter.schema_facts())
    no_pk = {f.object: f for f in findings if f.rule == "mysql.table-without-primary-key"}
    assert set(no_pk) == {f"{db}.{LOG}", f"{db}.{CODES}"}
    assert no_pk[f"{db}.{CODES}"].ddl == [
        f"ALTER TABLE {q(db)}.`codes ü` ADD PRIMARY KEY (code), ALGORITHM=COPY, LOCK=SHARED;"
    ]
    assert no_pk[f"{db}.{LOG}"].ddl == [
        f"ALTER TABLE {q(db)}.`Café ``log``` ADD COLUMN id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY "
        "FIRST, ALGORITHM=COPY, LOCK=SHARED;"
    ]
    assert "InnoDB" not in no_pk[f"{db}.{LOG}"].reasoning + no_pk[f"{db}.{LOG}"].recommendation
    (duplicate,) = [f for f in findings if f.rule == "mysql.duplicate-index"]
    drop = f"ALTER TABLE {q(db)}.`Café ``log``` DROP INDEX `ix order again`, ALGORITHM=COPY, LOCK=SHARED;"
    assert duplicate.ddl[-1] == drop
    assert duplicate.rollback[-1] == (
        f"ALTER TABLE {q(db)}.`Café ``log``` ADD INDEX `ix order again` (`order`), ALGORITHM=COPY, LOCK=SHARED;"
    )
    if adapter.server.version_num >= 100600:
        assert duplicate.ddl[0] == f"ALTER TABLE {q(db)}.`Café ``log``` ALTER INDEX `ix order again` IGNORED;"
    for table, finding in ((CODES, no_pk[f"{db}.{CODES}"]), (LOG, no_pk[f"{db}.{LOG}"]), (LOG, duplicate)):
        before = show_create(server, db, table)
        run_all(server, db, finding.ddl)
        assert show_create(server, db, table) != before
        run_all(server, db, list(reversed(finding.rollback)))
        assert show_create(server, db, table) == before, finding.rule
