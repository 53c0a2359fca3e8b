"""Live tests of the MySQL/MariaDB adapter on databases the tests create (and drop): connecting by URL
and socket, typed connection errors, catalog and detail contents with awkward identifiers, DDL,
schema facts, EXPLAIN / ANALYZE parsed into trees, capped results and statement statistics."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.clusters import MariaDB
from tests.conftest import unavailable
from tests.live import LiveServer
from tui.adapters.mysql import MySQLAdapter, flavor_and_version
from tui.core.catalog import CatalogNode
from tui.core.connspec import parse_url
from tui.core.errors import ConnectError, QueryError, UsageError
from tui.plans.mysql import parse_mysql_plan

pytestmark = pytest.mark.live_mysql

WEIRD_SCHEMA = r"""
CREATE TABLE `Customers` (`ID` INT NOT NULL PRIMARY KEY, `name` VARCHAR(50)) ENGINE=InnoDB;
CREATE TABLE `Order Items` (
    `Id` INT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    `select` VARCHAR(20) NOT NULL DEFAULT 'x' COMMENT 'a reserved word',
    `naïve ü` INT,
    `back``tick` INT,
    `qty` INT CHECK (`qty` >= 0),
    `total` INT GENERATED ALWAYS AS (`qty` * 2) STORED,
    `customer_id` INT,
    KEY `ix Select` (`select`(10), `naïve ü` DESC),
    UNIQUE KEY `uq``tick` (`back``tick`),
    KEY `ix_ignored` (`qty`) IGNORED,
    CONSTRAINT `fk Customer` FOREIGN KEY (`customer_id`) REFERENCES `Customers` (`ID`)
        ON DELETE CASCADE ON UPDATE SET NULL
) ENGINE=InnoDB COMMENT='line items';
CREATE TABLE `nopk` (`a` INT, `b` INT, KEY `ix_a` (`a`)) ENGINE=InnoDB;
CREATE VIEW `v Orders` AS SELECT `Id`, `qty` FROM `Order Items` WHERE `qty` > 0;
CREATE TRIGGER `trg ins` BEFORE INSERT ON `Order Items` FOR EACH ROW SET NEW.`qty` = COALESCE(NEW.`qty`, 0);
CREATE PROCEDURE `p Hello`() SELECT 1;
CREATE FUNCTION `f_add`(a INT) RETURNS INT DETERMINISTIC RETURN a + 1;
INSERT INTO `Customers` VALUES (1, 'Ada'), (2, 'Grace');
INSERT INTO `Order Items` (`select`, `naïve ü`, `back``tick`, `qty`, `customer_id`)
    SELECT CONCAT('s', seq), seq, seq, seq % 7, 1 + seq % 2 FROM seq_1_to_50;
INSERT INTO `nopk` SELECT seq % 10, seq FROM seq_1_to_100;
ANALYZE TABLE `Customers`, `Order Items`, `nopk`;
"""


@pytest.fixture(autouse=True)
def _no_personal_client_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The developer's ~/.my.cnf and MYSQL_* variables must not change what the tests connect with."""
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    for name in ("MYSQL_HOST", "MYSQL_TCP_PORT", "MYSQL_UNIX_PORT", "MYSQL_PWD"):
        monkeypatch.delenv(name, raising=False)


def db_name(url: str) -> str:
    return urlsplit(url).path.lstrip("/")


def open_adapter(url: str, **options: object) -> MySQLAdapter:
    spec = parse_url(url)
    for key, value in options.items():
        setattr(spec, key, value)
    adapter = MySQLAdapter(spec)
    adapter.connect()
    return adapter


@pytest.fixture
def weird(mysql_server: LiveServer, mysql_scratch: str) -> Iterator[str]:
    mysql_server.execute(WEIRD_SCHEMA, db_name(mysql_scratch))
    yield mysql_scratch


@pytest.fixture
def adapter(weird: str) -> Iterator[MySQLAdapter]:
    a = open_adapter(weird)
    yield a
    a.close()


# -- connecting ---------------------------------------------------------------------------------------


def test_connect_by_url_detects_flavor_and_version(adapter: MySQLAdapter, mysql_server: LiveServer) -> None:
    info = adapter.server
    assert info is not None
    version = mysql_server.execute("SELECT VERSION()")[0][0]
    flavor, text, number = flavor_and_version(version)
    assert (info.engine, info.version, info.version_num) == (flavor, text, number)
    assert info.read_only is True
    assert info.database == db_name(adapter.spec.url)
    assert adapter.capabilities.cancel and adapter.capabilities.switch_database
    assert not adapter.capabilities.hypothetical_indexes
    assert "INVISIBLE" in adapter.capabilities.hypothetical_indexes.reason


def test_flavor_and_version_strings() -> None:
    assert flavor_and_version("5.5.5-10.11.19-MariaDB-0+deb12u1") == ("mariadb", "10.11.19", 101119)
    assert flavor_and_version("11.4.2-MariaDB") == ("mariadb", "11.4.2", 110402)
    assert flavor_and_version("8.0.36") == ("mysql", "8.0.36", 80036)
    assert flavor_and_version("9.5.0-commercial") == ("mysql", "9.5.0", 90500)


def test_connect_through_the_unix_socket(weird: str, mysql_server: LiveServer) -> None:
    socket_path = mysql_server.execute("SELECT @@socket")[0][0]
    if not socket_path or not Path(socket_path).exists():
        unavailable("the test server has no local socket here")
    # "localhost" means the socket the option files name: name this server's in ~/.my.cnf (the last
    # file read), as its user would, since /etc/mysql's may name another server's (the shared one's).
    home = Path(os.environ["HOME"])
    home.mkdir(parents=True, exist_ok=True)
    (home / ".my.cnf").write_text(f"[client]\nsocket = {socket_path}\n", encoding="utf-8")
    user = urlsplit(weird).username or "root"
    for url in (
        f"mysql://{user}@localhost/{db_name(weird)}",
        f"mariadb://{user}@localhost/{db_name(weird)}?unix_socket={socket_path}",
    ):
        a = open_adapter(url)
        try:
            assert a.target == f"socket {socket_path}"
            host = a.run("SELECT HOST FROM information_schema.PROCESSLIST WHERE ID = CONNECTION_ID()").rows[
                0
            ][0]
            assert host == "localhost"  # a TCP session would show 127.0.0.1:port
            assert a.run("SELECT DATABASE()").rows == [(db_name(weird),)]
        finally:
            a.close()


def test_connection_errors_are_typed_and_name_the_target() -> None:
    with pytest.raises(ConnectError) as refused:
        open_adapter("mysql://root@127.0.0.1:1/test")
    assert refused.value.title == "Host unreachable"
    assert "127.0.0.1:1" in refused.value.message
    with pytest.raises(ConnectError) as unknown:
        open_adapter("mysql://root@no-such-host.invalid:3306/test")
    assert "unknown host" in unknown.value.message and "no-such-host.invalid:3306" in unknown.value.message


def test_access_denied_and_unknown_database_never_show_the_password(weird: str) -> None:
    parts = urlsplit(weird)
    secret = "Sup3r$ecret-Pw"
    with pytest.raises(ConnectError) as denied:
        open_adapter(f"mysql://dbscope_nobody:{secret}@{parts.hostname}:{parts.port or 3306}/test")
    assert denied.value.title == "Authentication failed"
    assert secret not in denied.value.one_line() and secret not in repr(denied.value.args)
    with pytest.raises(ConnectError) as missing:
        open_adapter(weird.rsplit("/", 1)[0] + "/dbscope_no_such_database")
    assert missing.value.title == "Database missing"


def test_tls_required_never_falls_back_to_a_plain_connection(weird: str, mysql_server: LiveServer) -> None:
    """ssl_mode=REQUIRED either gets a TLS session or no session at all; PREFERRED takes what the server
    offers; DISABLED is plain. Checked against what this server offers (have_ssl)."""
    have_ssl = str(mysql_server.execute("SHOW VARIABLES LIKE 'have_ssl'")[0][1]).upper()
    join = "&" if "?" in weird else "?"

    def cipher(adapter: MySQLAdapter) -> str:
        return str(adapter.run("SHOW SESSION STATUS LIKE 'Ssl_cipher'").rows[0][1] or "")

    if have_ssl == "YES":
        required = open_adapter(weird + join + "ssl_mode=REQUIRED")
        try:
            assert cipher(required) != ""
        finally:
            required.close()
    else:
        with pytest.raises(ConnectError) as refused:
            open_adapter(weird + join + "ssl_mode=REQUIRED")
        assert refused.value.title == "TLS failed" and "ssl_mode=PREFERRED" in (refused.value.hint or "")
    preferred = open_adapter(weird + join + "ssl_mode=PREFERRED")
    plain = open_adapter(weird + join + "ssl_mode=DISABLED")
    try:
        assert (cipher(preferred) != "") == (have_ssl == "YES")
        assert cipher(plain) == ""
    finally:
        preferred.close()
        plain.close()


def test_unknown_url_option_is_a_usage_error() -> None:
    with pytest.raises(UsageError):
        MySQLAdapter(parse_url("mysql://root@127.0.0.1/test?sslmode=require"))


def test_ping_close_twice_and_reconnect(adapter: MySQLAdapter) -> None:
    assert adapter.ping()
    adapter.close()
    adapter.close()
    assert not adapter.ping()
    info = adapter.reconnect()
    assert info.read_only and adapter.ping()


# -- catalog ------------------------------------------------------------------------------------------


def test_roots_and_folders(adapter: MySQLAdapter) -> None:
    name = db_name(adapter.spec.url)
    roots = adapter.roots()
    database = next(r for r in roots if r.name == name)
    assert database.kind == "database" and database.has_children
    # the connected database comes first (the cursor starts on it), marked; the others by name
    assert roots[0] is database and database.type_label.endswith("· connected")
    others = [r.name for r in roots[1:-1]]
    assert others == sorted(others) and "test" in others
    system = roots[-1]
    assert system.kind == "folder" and system.name == "System databases (4)"
    assert {n.name for n in adapter.children(system)} == {
        "information_schema",
        "mysql",
        "performance_schema",
        "sys",
    }
    assert all(r.name not in ("mysql", "information_schema") for r in roots[:-1])
    folders = adapter.children(database)
    assert [f.name for f in folders] == ["Tables (3)", "Views (1)", "Routines (2)"]
    tables = adapter.children(folders[0])
    assert [t.name for t in tables] == ["Customers", "nopk", "Order Items"]
    items = tables[2]
    assert items.qualified_name == f"{name}.`Order Items`"
    assert items.type_label == "InnoDB" and items.meta["row_estimate"] is not None
    assert items.meta["total_bytes"] > 0
    assert [v.name for v in adapter.children(folders[1])] == ["v Orders"]
    routines = adapter.children(folders[2])
    assert [(r.name, r.meta["routine_type"]) for r in routines] == [
        ("f_add", "FUNCTION"),
        ("p Hello", "PROCEDURE"),
    ]


def _table(adapter: MySQLAdapter, name: str) -> CatalogNode:
    database = next(r for r in adapter.roots() if r.name == db_name(adapter.spec.url))
    tables = adapter.children(adapter.children(database)[0])
    return next(t for t in tables if t.name == name)


def test_table_detail_with_weird_identifiers(adapter: MySQLAdapter, mysql_server: LiveServer) -> None:
    detail = adapter.detail(_table(adapter, "Order Items"))
    columns = {c.name: c for c in detail.columns}
    assert list(columns) == ["Id", "select", "naïve ü", "back`tick", "qty", "total", "customer_id"]
    assert columns["Id"].identity == "auto_increment" and not columns["Id"].nullable
    assert columns["select"].default == "'x'" and columns["select"].comment == "a reserved word"
    assert columns["total"].generated is not None and "`qty` * 2" in columns["total"].generated
    indexes = {i.name: i for i in detail.indexes}
    assert set(indexes) == {"PRIMARY", "ix Select", "uq`tick", "ix_ignored", "fk Customer"}
    select_index = indexes["ix Select"]
    assert select_index.columns == ["select", "naïve ü"]
    parts = select_index.options["key_parts"]
    assert [(p["sub_part"], p["desc"]) for p in parts] == [(10, False), (None, True)]
    assert select_index.definition == "KEY `ix Select` (`select`(10), `naïve ü` DESC)"
    assert indexes["uq`tick"].unique and indexes["uq`tick"].columns == ["back`tick"]
    assert indexes["ix_ignored"].visible is False and indexes["PRIMARY"].visible is True
    assert indexes["PRIMARY"].primary and indexes["PRIMARY"].options["cardinality"] == 50
    kinds = sorted((c.kind, c.name) for c in detail.constraints)
    assert ("primary", "PRIMARY") in kinds and ("unique", "uq`tick") in kinds
    assert ("foreign", "fk Customer") in kinds
    check = next(c for c in detail.constraints if c.kind == "check")
    assert "`qty` >= 0" in check.definition
    (fk,) = detail.foreign_keys
    assert (fk.columns, fk.referred_table, fk.referred_columns) == (["customer_id"], "Customers", ["ID"])
    assert (fk.on_delete, fk.on_update) == ("CASCADE", "SET NULL")
    assert [t.name for t in detail.triggers] == ["trg ins"]
    assert detail.triggers[0].timing == "BEFORE" and detail.triggers[0].events == ["INSERT"]
    assert detail.stat("Engine") == "InnoDB" and detail.stat("Comment") == "line items"
    assert detail.stat("Fragmentation") is not None
    assert detail.row_estimate is not None and detail.total_bytes and detail.total_bytes > 0
    shown = mysql_server.execute("SHOW CREATE TABLE `Order Items`", db_name(adapter.spec.url))[0][1]
    assert detail.ddl == shown + ";\n"
    assert any("Index usage is not shown" in n for n in detail.notes) == (
        adapter.capabilities.index_usage.available is False
    )
    customers = adapter.detail(_table(adapter, "Customers"))
    assert [(f.name, f.table, f.direction) for f in customers.referenced_by] == [
        ("fk Customer", "Order Items", "incoming")
    ]


def test_table_children_and_leaf_detail(adapter: MySQLAdapter) -> None:
    children = adapter.children(_table(adapter, "Order Items"))
    assert [c.name for c in children if c.kind == "column"][:3] == ["Id", "select", "naïve ü"]
    folders = {c.name: c for c in children if c.kind == "folder"}
    assert set(folders) == {"Indexes (5)", "Constraints (3)", "Foreign keys (1)", "Triggers (1)"}
    ignored = next(c for c in adapter.children(folders["Indexes (5)"]) if c.name == "ix_ignored")
    assert ignored.type_label.endswith("(invisible)")
    primary = next(c for c in adapter.children(folders["Indexes (5)"]) if c.name == "PRIMARY")
    assert primary.type_label == "primary · ≈50 distinct"  # CARDINALITY, the server's estimate
    assert "INVISIBLE" in adapter.detail(ignored).ddl


def test_view_routine_and_database_detail(adapter: MySQLAdapter) -> None:
    database = next(r for r in adapter.roots() if r.name == db_name(adapter.spec.url))
    views, routines = (
        adapter.children(adapter.children(database)[1]),
        adapter.children(adapter.children(database)[2]),
    )
    view = adapter.detail(views[0])
    assert view.ddl.startswith("CREATE") and "VIEW `v Orders`" in view.ddl
    assert [c.name for c in view.columns] == ["Id", "qty"]
    proc = adapter.detail(next(r for r in routines if r.name == "p Hello"))
    assert "PROCEDURE `p Hello`" in proc.ddl
    func = adapter.detail(next(r for r in routines if r.name == "f_add"))
    assert "FUNCTION `f_add`" in func.ddl and "RETURN a + 1" in func.ddl
    db = adapter.detail(database)
    assert db.stat("Tables") == 3 and db.stat("Views") == 1
    assert db.ddl.startswith("CREATE DATABASE")


def test_schema_facts_in_bulk(adapter: MySQLAdapter) -> None:
    facts = adapter.schema_facts()
    assert facts.engine == adapter.server.engine and facts.database == db_name(adapter.spec.url)
    by_name = {t.node.name: t for t in facts.tables}
    assert set(by_name) == {"Customers", "Order Items", "nopk"}  # views are not tables
    assert by_name["nopk"].primary_key is None and by_name["Customers"].primary_key is not None
    assert [i.name for i in by_name["nopk"].indexes] == ["ix_a"]
    assert by_name["Order Items"].referenced_by == [] and by_name["Customers"].referenced_by
    assert all(t.node.schema == facts.database for t in facts.tables)


def test_databases_and_switch(adapter: MySQLAdapter) -> None:
    names = adapter.databases()
    assert db_name(adapter.spec.url) in names and names[-4:] == sorted(names[-4:])
    assert "information_schema" in names[-4:]
    info = adapter.switch_database("test")
    assert info.database == "test"
    assert adapter.run("SELECT DATABASE()").rows == [("test",)]
    with pytest.raises(QueryError):
        adapter.switch_database("dbscope_no_such_db")


# -- statements ---------------------------------------------------------------------------------------


def test_run_caps_rows_and_the_next_statement_still_works(adapter: MySQLAdapter) -> None:
    page = adapter.run("SELECT `Id`, `select` FROM `Order Items` ORDER BY `Id`", limit=10)
    assert page.truncated and len(page.rows) == 10
    assert page.columns == ["Id", "select"] and page.rows[0] == (1, "s1")
    assert page.column_types[0] == "long"
    again = adapter.run("SELECT COUNT(*) FROM `Order Items`")
    assert again.rows == [(50,)] and not again.truncated
    assert adapter.run("SELECT @@tx_read_only").rows == [(1,)]  # the fresh session is read-only too
    empty = adapter.run("DO 1")
    assert empty.columns == [] and empty.status.startswith("DO")


def test_explain_and_analyze_parse_into_trees(adapter: MySQLAdapter) -> None:
    output = adapter.explain("SELECT * FROM nopk WHERE b > 0")
    assert not output.analyzed and output.engine == adapter.server.engine
    plan = parse_mysql_plan(output.text)
    assert plan.engine == adapter.server.engine
    if plan.engine == "mariadb":
        assert [n.operation for n in plan.nodes()] == ["Query block #1", "Nested loop", "Full table scan"]
    table = next(n for n in plan.nodes() if n.object == "nopk")
    assert table.access_type == "ALL"
    analyzed = adapter.explain("EXPLAIN SELECT * FROM nopk WHERE a = 3", analyze=True)
    assert analyzed.analyzed and analyzed.query == "SELECT * FROM nopk WHERE a = 3"
    aplan = parse_mysql_plan(analyzed.text)
    assert aplan.analyzed
    leaf = next(n for n in aplan.nodes() if n.object == "nopk")
    assert leaf.index == "ix_a" and leaf.rows_actual == 10 and leaf.loops == 1  # 100 rows, a = seq % 10


def test_analyze_of_a_join_without_index(adapter: MySQLAdapter) -> None:
    output = adapter.explain(
        "SELECT COUNT(*) FROM nopk n JOIN `Order Items` o ON o.`qty` + 0 = n.b", analyze=True
    )
    plan = parse_mysql_plan(output.text)
    if plan.engine != "mariadb":
        pytest.skip("the block-nl-join shape is MariaDB's")
    operations = [n.operation for n in plan.nodes()]
    assert operations[:2] == ["Query block #1", "Nested loop"]
    assert "Block nested loop join" in operations
    assert len(operations) == 5
    join = next(n for n in plan.nodes() if n.operation == "Block nested loop join")
    assert join.children[0].rows_actual in (50, 100)


# What a server without performance_schema (and userstat) gives is tested on one that has them off
# (plain_mariadb), what one with it gives on ps_mariadb: the shared service may have either.
@pytest.fixture
def plain_adapter(plain_mariadb: LiveServer, plain_mariadb_scratch: str) -> Iterator[MySQLAdapter]:
    plain_mariadb.execute(WEIRD_SCHEMA, db_name(plain_mariadb_scratch))
    a = open_adapter(plain_mariadb_scratch)
    yield a
    a.close()


def test_top_statements_needs_performance_schema(plain_adapter: MySQLAdapter) -> None:
    adapter = plain_adapter
    assert not adapter.capabilities.statement_stats
    with pytest.raises(QueryError) as off:
        adapter.top_statements()
    assert off.value.title == "No statement statistics"
    assert "performance_schema=ON" in (off.value.hint or "") and "[mysqld]" in (off.value.hint or "")
    assert "restart" in (off.value.hint or "")
    # nor index usage: the facts say so, and judge no window
    facts = adapter.schema_facts()
    assert facts.server["index_usage_source"] is None
    assert facts.notes and facts.stats_age_days is None


def test_top_statements_with_performance_schema(ps_mariadb: MariaDB) -> None:
    server = LiveServer("mysql", ps_mariadb.url())
    for url in server.scratch_database(f"dbscope_t_{uuid.uuid4().hex[:10]}"):
        server.execute(WEIRD_SCHEMA, db_name(url))
        adapter = open_adapter(url)
        try:
            assert adapter.capabilities.statement_stats
            adapter.run("SELECT COUNT(*) FROM nopk")
            stats = adapter.top_statements(limit=5, sort="calls")
            assert stats and all(s.calls >= 1 for s in stats)
            facts = adapter.schema_facts()
            assert facts.server["index_usage_source"] == "performance_schema"
            assert facts.stats_age_days is not None and facts.stats_age_days >= 0
        finally:
            adapter.close()


def test_statistics_queries_are_valid_even_without_performance_schema(plain_adapter: MySQLAdapter) -> None:
    """The digest, index-usage and sys queries run on a server with performance_schema and userstat off
    (they return nothing there), so the paths that need them are at least valid SQL for it."""
    adapter = plain_adapter
    from tui.adapters import mysql_catalog
    from tui.adapters.mysql import DIGEST_SORTS

    database = db_name(adapter.spec.url)
    for order in DIGEST_SORTS.values():
        stats = adapter._digests(database, 5, order)
        assert isinstance(stats, list)
    details = {d.node.name: d for d in adapter._details(database, None)}
    mysql_catalog._load_usage_ps(adapter._fetch, database, details)
    mysql_catalog._load_usage_userstat(adapter._fetch, database, details)
    assert all(i.options.get("usage_source") == "userstat" for d in details.values() for i in d.indexes)
    assert all(
        i.tuples_read == 0 for d in details.values() for i in d.indexes
    )  # userstat is off: nothing read
    for view in ("schema_unused_indexes", "schema_redundant_indexes"):
        column = "object_schema" if view == "schema_unused_indexes" else "table_schema"
        assert adapter._fetch(f"SELECT * FROM sys.{view} WHERE {column} = %s", (database,)) == []


def test_digest_rows_are_converted_from_picoseconds() -> None:
    from tui.adapters.mysql import _statement, _statement_facts

    stat = _statement(
        {
            "db": "shop",
            "digest": "ab12",
            "text": "SELECT * FROM `t` WHERE `a` = ?",
            "calls": 4,
            "total_ps": 8_000_000_000,
            "mean_ps": 2_000_000_000,
            "max_ps": 5_000_000_000,
            "rows_sent": 4,
            "rows_examined": 40_000,
            "no_index": 4,
            "no_good_index": 0,
            "sample": "SELECT * FROM t WHERE a = 1",
        }
    )
    assert (stat.total_time_ms, stat.mean_time_ms, stat.max_time_ms) == (8.0, 2.0, 5.0)
    assert (stat.calls, stat.rows, stat.no_index_used, stat.query_id) == (4, 4, 4, "ab12")
    facts = _statement_facts(stat)
    assert facts["rows_examined"] == 40_000 and facts["sample"] == "SELECT * FROM t WHERE a = 1"
