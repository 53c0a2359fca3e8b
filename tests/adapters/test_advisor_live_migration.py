"""The MySQL/MariaDB migration script runs as one script on a live MariaDB (no BEGIN/COMMIT around DDL,
the hide before the drop), and the rollbacks it lists restore the table."""

from __future__ import annotations

import pytest

from tests.live import LiveServer, db_name
from tui.advisor.migration import migration_script
from tui.advisor.rules.mysql_common import index_statements, removal_steps
from tui.advisor.suggest import IndexCandidate
from tui.core.catalog import Index
from tui.core.finding import Finding

pytestmark = pytest.mark.live_mysql


def _indexes(server: LiveServer, db: str) -> dict[str, str]:
    rows = server.execute(
        "SELECT INDEX_NAME, IGNORED FROM information_schema.STATISTICS "
        f"WHERE TABLE_SCHEMA = '{db}' AND TABLE_NAME = 'orders'",
        db,
    )
    return {str(name): str(ignored) for name, ignored in rows}


def test_mariadb_runs_the_script_and_its_rollbacks(mysql_server: LiveServer, mysql_scratch: str) -> None:
    db = db_name(mysql_scratch)
    mysql_server.execute(
        "CREATE TABLE orders (id int PRIMARY KEY, customer_id int NOT NULL, created_at datetime NOT NULL, "
        "status varchar(10) NOT NULL, KEY orders_status_idx (status)) ENGINE=InnoDB",
        db,
    )
    [(version,)] = mysql_server.execute("SELECT VERSION()", db)
    major, minor = (int(x) for x in str(version).split(".")[:2])
    cand = IndexCandidate(db, "orders", ["customer_id", "created_at"], ["equality", "sort"])
    _name, create, drop = index_statements(cand, None)
    add = Finding(
        "mysql.full-table-scan", "warning", f"{db}.orders", "Full scan", "m", ddl=[create], rollback=[drop]
    )
    ddl, rollback, _ = removal_steps(
        "mariadb", major * 10000 + minor * 100, db, "orders", Index("orders_status_idx", ["status"])
    )
    assert len(ddl) == 2  # MariaDB 10.6+: IGNORED first, then DROP
    remove = Finding("mysql.unused-index", "info", f"{db}.orders", "Unused", "m", ddl=ddl, rollback=rollback)

    script = migration_script([remove, add], engine="mariadb")
    assert "BEGIN;" not in script and "COMMIT;" not in script
    mysql_server.execute(script, db)
    assert set(_indexes(mysql_server, db)) == {"PRIMARY", "orders_customer_id_created_at_idx"}

    for statement in [*add.rollback, *reversed(remove.rollback[1:])]:
        mysql_server.execute(statement, db)
    assert _indexes(mysql_server, db) == {"PRIMARY": "NO", "orders_status_idx": "NO"}
