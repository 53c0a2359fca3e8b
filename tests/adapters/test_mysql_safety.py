"""Live safety tests of the MySQL/MariaDB adapter: read-only sessions refuse every write (counted on
the server), timeouts stop statements, cancel reaches the server (checked in the processlist), and
ANALYZE never executes a write in a read-only session."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pymysql
import pytest

from tests.live import LiveServer
from tui.adapters.mysql import MySQLAdapter
from tui.cli import main
from tui.core.connspec import parse_url
from tui.core.errors import Cancelled, DbscopeError, Disconnected, ReadOnlyViolation, UsageError

pytestmark = pytest.mark.live_mysql

SETUP = """
CREATE TABLE accounts (id INT PRIMARY KEY, owner VARCHAR(20), balance INT) ENGINE=InnoDB;
CREATE TABLE `Audit Log` (id INT AUTO_INCREMENT PRIMARY KEY, note VARCHAR(50)) ENGINE=InnoDB;
INSERT INTO accounts SELECT seq, CONCAT('o', seq), 100 FROM seq_1_to_20;
INSERT INTO `Audit Log` (note) VALUES ('a'), ('b');
CREATE PROCEDURE bump() UPDATE accounts SET balance = balance + 1;
"""
OUTFILE = "/tmp/dbscope_readonly_probe.txt"
DESTRUCTIVE = [
    "INSERT INTO accounts VALUES (99, 'x', 1)",
    "INSERT INTO accounts SELECT id + 100, owner, balance FROM accounts",
    "REPLACE INTO accounts VALUES (1, 'x', 0)",
    "UPDATE accounts SET balance = 0",
    "DELETE FROM accounts",
    "DELETE FROM `Audit Log` WHERE id = 1",
    "TRUNCATE TABLE accounts",
    "DROP TABLE accounts",
    "DROP TABLE `Audit Log`",
    "ALTER TABLE accounts ADD COLUMN x INT",
    "CREATE TABLE intruder (a INT)",
    "CREATE INDEX ix_owner ON accounts (owner)",
    "RENAME TABLE accounts TO accounts_old",
    "CREATE TEMPORARY TABLE tmp_probe (a INT)",
    "GRANT SELECT ON *.* TO 'dbscope_intruder'@'%' IDENTIFIED BY 'x'",
    "SET GLOBAL max_connections = 7",
    "SET SESSION TRANSACTION READ WRITE",
    "SET @@SESSION.tx_read_only = 0",
    "/*!50000 SET GLOBAL max_connections = 7 */",
    "START TRANSACTION READ WRITE",
    f"SELECT * FROM accounts INTO OUTFILE '{OUTFILE}'",
    "CALL bump()",
    "PREPARE s FROM 'SET GLOBAL max_connections = 7'",
    "LOCK TABLES accounts WRITE",
    "ANALYZE TABLE accounts",
    "FLUSH TABLES",
    "SELECT 1; DELETE FROM accounts",
]


@pytest.fixture(autouse=True)
def _no_personal_client_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
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
def bank(mysql_server: LiveServer, mysql_scratch: str) -> Iterator[str]:
    mysql_server.execute(SETUP, db_name(mysql_scratch))
    yield mysql_scratch


def snapshot(server: LiveServer, url: str) -> tuple:
    db = db_name(url)
    return (
        server.execute("SELECT COUNT(*), SUM(balance), SUM(owner = 'x') FROM accounts", db)[0],
        server.execute("SELECT COUNT(*) FROM `Audit Log`", db)[0],
        server.execute(
            "SELECT GROUP_CONCAT(TABLE_NAME ORDER BY TABLE_NAME) FROM information_schema.TABLES "
            f"WHERE TABLE_SCHEMA = '{db}'"
        )[0],
        server.execute(f"SELECT COUNT(*) FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = '{db}'")[0],
        server.execute("SELECT @@GLOBAL.max_connections")[0],
        server.execute("SELECT COUNT(*) FROM mysql.user WHERE user = 'dbscope_intruder'")[0],
    )


def test_every_destructive_statement_is_refused_and_nothing_changes(
    bank: str, mysql_server: LiveServer
) -> None:
    before = snapshot(mysql_server, bank)
    adapter = open_adapter(bank)
    refused = []
    try:
        for statement in DESTRUCTIVE:
            with pytest.raises(DbscopeError) as error:
                adapter.run(statement)
            refused.append((statement, type(error.value).__name__))
            # still read-only afterwards, whatever the statement tried
            assert adapter.run("SELECT @@tx_read_only").rows == [(1,)]
        for statement in ("DELETE FROM accounts", "UPDATE accounts SET balance = 0"):
            with pytest.raises(ReadOnlyViolation):
                adapter.explain(statement, analyze=True)
            with pytest.raises(ReadOnlyViolation):
                adapter.explain(statement, analyze=True, allow_writes=True)
    finally:
        adapter.close()
    assert snapshot(mysql_server, bank) == before
    assert not Path(OUTFILE).exists()
    # Writes the server itself stops come back as ReadOnlyViolation (error 1792).
    kinds = dict(refused)
    assert kinds["INSERT INTO accounts VALUES (99, 'x', 1)"] == "ReadOnlyViolation"
    assert kinds["DROP TABLE accounts"] == "ReadOnlyViolation"
    # The gate refuses several statements before sending (and the server would: no multi-statements).
    assert kinds["SELECT 1; DELETE FROM accounts"] == "UsageError"
    assert len(refused) == len(DESTRUCTIVE)


def test_the_server_enforces_read_only_not_only_dbscope(bank: str) -> None:
    """Bypass the client-side guard: the session itself refuses the write (error 1792)."""
    adapter = open_adapter(bank)
    try:
        conn = adapter._query_conn()
        with conn.cursor() as cur, pytest.raises(Exception) as raw:
            cur.execute("UPDATE accounts SET balance = 0")
        assert raw.value.args[0] == 1792
    finally:
        adapter.close()


def test_read_write_mode_writes_positive_control(bank: str, mysql_server: LiveServer) -> None:
    adapter = open_adapter(bank, read_write=True)
    try:
        assert adapter.server.read_only is False
        page = adapter.run("UPDATE accounts SET balance = balance + 1 WHERE id = 1")
        assert page.rowcount == 1
        # ANALYZE of a write with confirmation runs in a transaction that is rolled back.
        with pytest.raises(UsageError):
            adapter.explain("DELETE FROM accounts WHERE id > 10", analyze=True)
        output = adapter.explain("DELETE FROM accounts WHERE id > 10", analyze=True, allow_writes=True)
        assert output.rolled_back and output.analyzed
        with pytest.raises(UsageError):
            adapter.explain("DROP TABLE accounts", analyze=True, allow_writes=True)
    finally:
        adapter.close()
    assert mysql_server.execute("SELECT COUNT(*), SUM(balance) FROM accounts", db_name(bank))[0] == (20, 2001)


def test_statement_timeout_stops_a_long_statement(bank: str) -> None:
    adapter = open_adapter(bank, statement_timeout_ms=1000)
    try:
        started = time.monotonic()
        with pytest.raises(Cancelled) as timeout:
            adapter.run("SELECT SLEEP(5)")
        elapsed = time.monotonic() - started
        assert timeout.value.title == "Statement timeout"
        assert elapsed < 3
        assert adapter.run("SELECT 1").rows == [(1,)]  # the session survives
    finally:
        adapter.close()


def _sleepers(server: LiveServer, marker: str) -> int:
    return int(
        server.execute(
            f"SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE INFO LIKE '%{marker}%'"
            " AND INFO NOT LIKE '%PROCESSLIST%'"
        )[0][0]
    )


def test_cancel_reaches_the_server(bank: str, mysql_server: LiveServer) -> None:
    adapter = open_adapter(bank, statement_timeout_ms=60_000)
    outcome: dict[str, object] = {}

    def work() -> None:
        try:
            outcome["page"] = adapter.run("SELECT SLEEP(30) AS dbscope_cancel_probe")
        except DbscopeError as exc:
            outcome["error"] = exc

    assert adapter.cancel() is False  # nothing running yet
    worker = threading.Thread(target=work, daemon=True)
    worker.start()
    deadline = time.monotonic() + 10
    while _sleepers(mysql_server, "dbscope_cancel_probe") == 0:
        assert time.monotonic() < deadline, "the statement never showed up in the processlist"
        time.sleep(0.05)
    # The catalog has its own connection (PyMySQL connections are not thread-safe): browsing goes on
    # while the statement runs, and answers long before the statement would end.
    browsing = time.monotonic()
    assert db_name(bank) in adapter.databases() and adapter.roots()
    assert time.monotonic() - browsing < 5 and worker.is_alive()
    asked = time.monotonic()
    assert adapter.cancel() is True
    worker.join(timeout=5)
    stopped = time.monotonic() - asked
    try:
        assert not worker.is_alive()
        assert stopped < 1.0
        assert isinstance(outcome.get("error"), Cancelled)
        assert _sleepers(mysql_server, "dbscope_cancel_probe") == 0
        assert adapter.run("SELECT 2").rows == [(2,)]
    finally:
        adapter.close()


def test_cancel_of_analyze(bank: str, mysql_server: LiveServer) -> None:
    adapter = open_adapter(bank, statement_timeout_ms=60_000)
    outcome: dict[str, object] = {}

    def work() -> None:
        try:
            outcome["plan"] = adapter.explain(
                "SELECT SLEEP(20) AS dbscope_analyze_probe FROM accounts LIMIT 1", analyze=True
            )
        except DbscopeError as exc:
            outcome["error"] = exc

    worker = threading.Thread(target=work, daemon=True)
    worker.start()
    deadline = time.monotonic() + 10
    while _sleepers(mysql_server, "dbscope_analyze_probe") == 0:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert adapter.cancel()
    worker.join(timeout=5)
    try:
        assert not worker.is_alive()
        assert isinstance(outcome.get("error"), Cancelled)
        assert _sleepers(mysql_server, "dbscope_analyze_probe") == 0
    finally:
        adapter.close()


def test_a_killed_session_is_reported_as_disconnected_then_reopened(
    bank: str, mysql_server: LiveServer
) -> None:
    """The server drops both sessions (as on a restart or a network cut): the next call fails with
    Disconnected, never hangs, and the one after that works on a fresh read-only session."""
    adapter = open_adapter(bank)
    try:
        catalog_id = adapter._fetch("SELECT CONNECTION_ID() AS id")[0]["id"]
        query_id = adapter.run("SELECT CONNECTION_ID()").rows[0][0]
        mysql_server.execute(f"KILL CONNECTION {int(catalog_id)}")
        mysql_server.execute(f"KILL CONNECTION {int(query_id)}")
        started = time.monotonic()
        with pytest.raises(Disconnected):
            adapter.roots()
        with pytest.raises(Disconnected):
            adapter.run("SELECT 1")
        assert time.monotonic() - started < 5
        assert any(n.name == db_name(bank) for n in adapter.roots())
        assert adapter.run("SELECT @@tx_read_only").rows == [(1,)]
    finally:
        adapter.close()


def test_a_user_with_almost_no_privileges_gets_a_partial_view(bank: str, mysql_server: LiveServer) -> None:
    db = db_name(bank)
    user, secret = f"dbscope_ro_{db[-6:]}", "Very$ecret-42"
    mysql_server.execute(f"CREATE USER '{user}'@'%' IDENTIFIED BY '{secret}'")
    try:
        mysql_server.execute(f"GRANT SELECT ON `{db}`.accounts TO '{user}'@'%'")
        parts = urlsplit(bank)
        adapter = open_adapter(f"mysql://{user}:{secret}@{parts.hostname}:{parts.port or 3306}/{db}")
        try:
            assert adapter.server.superuser is False
            names = [n.name for n in adapter.roots()]
            assert db in names
            database = next(n for n in adapter.roots() if n.name == db)
            tables = adapter.children(adapter.children(database)[0])
            assert [t.name for t in tables] == ["accounts"]  # `Audit Log` is not visible to this user
            detail = adapter.detail(tables[0])
            assert [c.name for c in detail.columns] == ["id", "owner", "balance"]
            assert detail.ddl.startswith("CREATE TABLE `accounts`")
            assert any(note.startswith("No index sizes") for note in detail.notes)
            with pytest.raises(DbscopeError) as denied:
                adapter.run("SELECT * FROM `Audit Log`")
            assert type(denied.value).__name__ == "PermissionError_"
            with pytest.raises(DbscopeError):
                adapter.run("SELECT * FROM mysql.user")
            facts = adapter.schema_facts()
            assert [t.node.name for t in facts.tables] == ["accounts"]
            for error in (denied.value,):
                assert secret not in error.one_line()
        finally:
            adapter.close()
    finally:
        mysql_server.execute(f"DROP USER IF EXISTS '{user}'@'%'")


def _side_effect_attempts(victim: int, tag: str) -> list[str]:
    """Statements a read-only transaction lets through on MariaDB (each probed on 10.11); SHUTDOWN is
    one too, but a broken guard must not stop the shared server: it is covered by the unit tests."""
    return [
        f"KILL {victim}",
        f"KILL QUERY {victim}",
        f"KILL CONNECTION {victim}",
        f"/*!50000 KILL {victim} */",
        f"DO GET_LOCK('{tag}', 0)",
        f"SELECT GET_LOCK('{tag}', 0)",
        f"SELECT get_lock ('{tag}', 0) FROM dual",
        f"SELECT 'x' INTO DUMPFILE '/tmp/{tag}_dump'",
        f"SELECT * FROM accounts INTO OUTFILE '/tmp/{tag}_out'",
        "SELECT * FROM accounts INTO/**/OUTFILE '/tmp/" + tag + "_out2'",
        "BACKUP STAGE START",
        "CACHE INDEX accounts IN default",
        "LOAD INDEX INTO CACHE accounts",
        "FLUSH STATUS",
        "SET GLOBAL max_connections = 7",
        "ANALYZE TABLE accounts",
        "LOCK TABLES accounts READ",
    ]


def _side_effect_state(server: LiveServer, victim: int, tag: str) -> tuple[Any, ...]:
    return (
        server.execute(f"SELECT COMMAND, INFO FROM information_schema.PROCESSLIST WHERE ID = {victim}"),
        server.execute(f"SELECT IS_USED_LOCK('{tag}')")[0],
        server.execute(
            f"SELECT LOAD_FILE('/tmp/{tag}_dump') IS NULL, LOAD_FILE('/tmp/{tag}_out') IS NULL, "
            f"LOAD_FILE('/tmp/{tag}_out2') IS NULL"
        )[0],
        server.execute("SELECT @@GLOBAL.max_connections")[0],
    )


def _victim_sleeping(server: LiveServer, victim: int) -> bool:
    """The victim connection (by its id: other sessions may sleep too) is still in its SLEEP."""
    rows = server.execute(f"SELECT INFO FROM information_schema.PROCESSLIST WHERE ID = {victim}")
    return bool(rows) and rows[0][0] == "SELECT SLEEP(300)"


@pytest.fixture
def sleeper(mysql_server: LiveServer) -> Iterator[int]:
    """A connection of the test's own, busy in SELECT SLEEP(300): the target of KILL attempts."""
    conn = pymysql.connect(**mysql_server.mysql_kwargs(), autocommit=True)
    victim = conn.thread_id()
    outcome: dict[str, object] = {}

    def sleep() -> None:
        try:
            with conn.cursor() as cur:
                cur.execute("SELECT SLEEP(300)")
                outcome["rows"] = cur.fetchall()
        except pymysql.Error as exc:
            outcome["error"] = exc

    thread = threading.Thread(target=sleep, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not _victim_sleeping(mysql_server, victim):
        assert time.monotonic() < deadline, "the victim never started sleeping"
        time.sleep(0.05)
    try:
        yield victim
    finally:
        with contextlib.suppress(pymysql.Error):
            mysql_server.execute(f"KILL {victim}")
        thread.join(timeout=10)
        with contextlib.suppress(pymysql.Error):
            conn.close()


def test_side_effects_a_read_only_transaction_allows_are_refused_on_every_path(
    bank: str, mysql_server: LiveServer, sleeper: int, capsys: pytest.CaptureFixture[str]
) -> None:
    tag = f"dbscope_se_{db_name(bank)[-8:]}"
    statements = _side_effect_attempts(sleeper, tag)
    before = _side_effect_state(mysql_server, sleeper, tag)
    assert before[0] == [("Query", "SELECT SLEEP(300)")] and before[1] == (None,)
    table_before = snapshot(mysql_server, bank)
    adapter = open_adapter(bank)
    attempts = 0
    try:
        query_thread = adapter.run("SELECT CONNECTION_ID()").rows[0][0]

        def query_id() -> object:
            return mysql_server.execute(
                f"SELECT QUERY_ID FROM information_schema.PROCESSLIST WHERE ID = {int(query_thread)}"
            )

        last_query = query_id()
        for statement in statements:
            paths: list[Any] = [lambda s=statement: adapter.run(s)]
            if statement.startswith("SELECT"):
                paths += [
                    lambda s=statement: adapter.run(f"ANALYZE {s}"),
                    lambda s=statement: adapter.explain(s, analyze=True),
                    lambda s=statement: adapter.explain(s, analyze=True, allow_writes=True),
                    lambda s=statement: adapter.explain(f"ANALYZE FORMAT=JSON {s}", analyze=True),
                ]
            for path in paths:
                attempts += 1
                with pytest.raises(ReadOnlyViolation) as error:
                    path()
                assert error.value.hint and "--read-write" in error.value.hint
        assert query_id() == last_query  # not one of them reached the server
        assert adapter.run("SELECT 1").rows == [(1,)]
    finally:
        adapter.close()
    for statement in (s for s in statements if s.startswith("SELECT")):
        for argv in (
            ["explain", bank, statement, "--analyze"],
            ["explain", bank, statement, "--analyze", "--yes"],
        ):
            attempts += 1
            code = main(argv)
            err = capsys.readouterr().err
            assert code == (3 if "--yes" in argv else 2), (argv, err)
            assert err.count("\n") == 1 and "Traceback" not in err
    assert _side_effect_state(mysql_server, sleeper, tag) == before
    assert snapshot(mysql_server, bank) == table_before
    selects = sum(1 for s in statements if s.startswith("SELECT"))
    assert attempts == len(statements) + selects * (4 + 2)


def test_side_effects_run_in_a_read_write_session_positive_control(
    bank: str, mysql_server: LiveServer, sleeper: int
) -> None:
    """The same state checks do see the effects when the session is read-write."""
    tag = f"dbscope_se_{db_name(bank)[-8:]}"
    adapter = open_adapter(bank, read_write=True)
    try:
        assert adapter.statement_writes(f"SELECT GET_LOCK('{tag}', 0)")
        adapter.run(f"SELECT GET_LOCK('{tag}', 0)")
        assert mysql_server.execute(f"SELECT IS_USED_LOCK('{tag}') IS NOT NULL")[0] == (1,)
        adapter.run(f"KILL QUERY {sleeper}")
        deadline = time.monotonic() + 10
        while _victim_sleeping(mysql_server, sleeper):
            assert time.monotonic() < deadline, "KILL QUERY did not stop the victim"
            time.sleep(0.05)
    finally:
        adapter.close()


def test_lock_wait_timeout_stops_a_statement_queued_behind_a_lock(
    bank: str, mysql_server: LiveServer
) -> None:
    """The session's lock_wait_timeout (from the lock timeout, whole seconds) ends a statement waiting on
    another session's table lock; the holder keeps its lock and the session stays usable."""
    holder = pymysql.connect(**mysql_server.mysql_kwargs(db_name(bank)), autocommit=True)
    adapter = open_adapter(bank, lock_timeout_ms=1000, statement_timeout_ms=60_000)
    try:
        with holder.cursor() as cur:
            cur.execute("LOCK TABLES accounts WRITE")
        with pytest.raises(Cancelled) as waited:
            adapter.run("SELECT COUNT(*) FROM accounts")
        assert waited.value.title == "Lock timeout"
        with holder.cursor() as cur:
            cur.execute("UNLOCK TABLES")
        assert adapter.run("SELECT COUNT(*) FROM accounts").rows == [(20,)]
    finally:
        holder.close()
        adapter.close()
