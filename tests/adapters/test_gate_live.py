"""The execution gate on the live servers: every reproduction of issue 15's B1-B6 and B10, each checked
by what the server holds afterwards (row counts, the table's existence, the session's read-only state).

Each test fails on the code before the gate: the PostgreSQL explain paths sent text through the simple
query protocol (several statements ran), MariaDB's unsafe-SET check blanked backtick names, ANALYZE in
a read-write session ran writes a rollback cannot undo, and EXECUTE fetched every row past the cap."""

from __future__ import annotations

import resource
import time
from collections.abc import Iterator

import pytest

from tests.live import LiveServer, db_name
from tui.adapters.mysql import MySQLAdapter
from tui.adapters.postgres import PostgresAdapter
from tui.cli import main
from tui.core.connspec import parse_url
from tui.core.errors import DbscopeError, ReadOnlyBreach, ReadOnlyViolation, UsageError

PG_SETUP = """
CREATE TABLE victim (id int PRIMARY KEY, note text);
INSERT INTO victim SELECT g, 'row ' || g FROM generate_series(1, 10) g;
CREATE SEQUENCE seq;
CREATE FUNCTION writer() RETURNS int LANGUAGE sql VOLATILE AS 'DELETE FROM victim RETURNING 1';
CREATE FUNCTION lift() RETURNS int LANGUAGE plpgsql VOLATILE AS
  $$ BEGIN PERFORM set_config('default_transaction_read_only', 'off', false); RETURN 1; END $$;
"""
MY_SETUP = """
CREATE TABLE victim (id INT PRIMARY KEY, note VARCHAR(20)) ENGINE=InnoDB;
INSERT INTO victim SELECT seq, CONCAT('row ', seq) FROM seq_1_to_10;
CREATE TABLE flat (id INT PRIMARY KEY) ENGINE=MyISAM;
INSERT INTO flat SELECT seq FROM seq_1_to_10;
CREATE FUNCTION writer() RETURNS INT BEGIN DELETE FROM flat; RETURN 1; END;
"""


@pytest.fixture
def pg_victim(pg_server: LiveServer, pg_scratch: str) -> Iterator[str]:
    pg_server.execute(PG_SETUP, db_name(pg_scratch))
    yield pg_scratch


@pytest.fixture
def my_victim(mysql_server: LiveServer, mysql_scratch: str) -> Iterator[str]:
    for statement in MY_SETUP.strip().split(";\n"):
        mysql_server.execute(statement, db_name(mysql_scratch))
    yield mysql_scratch


def pg_count(server: LiveServer, url: str, table: str = "victim") -> int:
    return int(server.execute(f"SELECT count(*) FROM {table}", db_name(url))[0][0])


def open_pg(url: str, *, read_write: bool = False) -> PostgresAdapter:
    spec = parse_url(url)
    spec.read_write = read_write
    adapter = PostgresAdapter(spec)
    adapter.connect()
    return adapter


def open_my(url: str, *, read_write: bool = False) -> MySQLAdapter:
    spec = parse_url(url)
    spec.read_write = read_write
    adapter = MySQLAdapter(spec)
    adapter.connect()
    return adapter


# -- B1: PostgreSQL EXPLAIN ran several statements -----------------------------------------------------
def test_b1_cli_explain_of_several_statements_is_refused_and_deletes_nothing(
    pg_server: LiveServer, pg_victim: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["explain", pg_victim, "SELECT 1; COMMIT; BEGIN READ WRITE; DELETE FROM victim; COMMIT"])
    captured = capsys.readouterr()
    assert code == 2, captured
    assert "no problems" not in captured.out
    assert "one statement" in captured.err
    assert pg_count(pg_server, pg_victim) == 10


@pytest.mark.parametrize(
    "text",
    [
        "SELECT '\\'; COMMIT; BEGIN READ WRITE; DELETE FROM victim; COMMIT; --'",
        "SELECT 1 # ; COMMIT; BEGIN READ WRITE; DELETE FROM victim; COMMIT",
        "SELECT $a$x$a$; COMMIT; BEGIN READ WRITE; DELETE FROM victim; COMMIT; $a$",
        "SELECT $1; COMMIT; BEGIN READ WRITE; DELETE FROM victim; COMMIT",  # the generic-plan path
        # one statement, the rest a nested comment: it may be explained, and nothing else runs
        "SELECT 1 /* /* */ ; COMMIT; BEGIN READ WRITE; DELETE FROM victim; COMMIT; */",
    ],
)
@pytest.mark.parametrize("read_write", [False, True])
def test_b1_explain_paths_never_run_a_second_statement(
    pg_server: LiveServer, pg_victim: str, text: str, read_write: bool
) -> None:
    adapter = open_pg(pg_victim, read_write=read_write)
    try:
        for analyze in (False, True):
            if "/* /*" in text:
                assert adapter.explain(text, analyze=analyze).text
                continue
            with pytest.raises(DbscopeError):
                adapter.explain(text, analyze=analyze, allow_writes=True)
    finally:
        adapter.close()
    assert pg_count(pg_server, pg_victim) == 10


def test_b1_the_sender_itself_cannot_run_two_statements(pg_server: LiveServer, pg_victim: str) -> None:
    """Past the gate's lexer, the protocol holds: the server refuses a second statement."""
    adapter = open_pg(pg_victim, read_write=True)
    try:
        conn = adapter._query_conn()
        with pytest.raises(Exception, match=r"multiple commands|cannot insert multiple"):
            adapter._send_user(conn, "SELECT 1; DELETE FROM victim")
        with pytest.raises(Exception, match=r"multiple commands|cannot insert multiple"):
            adapter._send_user(conn, "EXPLAIN SELECT 1; DELETE FROM victim")
    finally:
        adapter.close()
    assert pg_count(pg_server, pg_victim) == 10


# -- B2: EXPLAIN ANALYZE in --read-write was not always rolled back ------------------------------------
def test_b2_analyze_with_a_commit_inside_is_refused(pg_server: LiveServer, pg_victim: str) -> None:
    adapter = open_pg(pg_victim, read_write=True)
    try:
        with pytest.raises(UsageError):
            adapter.explain("DELETE FROM victim WHERE id <= 3; COMMIT", analyze=True, allow_writes=True)
        with pytest.raises(UsageError):
            adapter.explain("COMMIT", analyze=True, allow_writes=True)
        # the plain one is rolled back
        adapter.explain("DELETE FROM victim WHERE id <= 3", analyze=True, allow_writes=True)
    finally:
        adapter.close()
    assert pg_count(pg_server, pg_victim) == 10


# -- B4: writes that the confirmation did not name -------------------------------------------------------
@pytest.mark.parametrize(
    "text",
    [
        "SELECT writer()",
        "VALUES (writer())",
        "WITH w AS (SELECT writer()) SELECT * FROM w",
        "SELECT public.writer()",
        "SELECT nextval('seq')",
        "SELECT setval('seq', 5)",
        'SELECT "writer"()',
    ],
)
def test_b4_function_and_sequence_calls_count_as_writes(pg_victim: str, text: str) -> None:
    adapter = open_pg(pg_victim, read_write=True)
    try:
        checked = adapter.review(text)
        assert checked is not None and checked.writes, text
    finally:
        adapter.close()


def test_b4_a_selection_names_every_statement_that_writes(pg_victim: str) -> None:
    adapter = open_pg(pg_victim, read_write=True)
    try:
        checked = adapter.review("SHOW work_mem;\nDELETE FROM victim", many=True)
        assert checked is not None and checked.refusal is None
        assert [s.text for s in checked.writing] == ["DELETE FROM victim"]
        assert adapter.review("SELECT lower('A'), now(), random()") is not None
        assert not adapter.review("SELECT lower('A'), now(), random()").writes  # type: ignore[union-attr]
    finally:
        adapter.close()


# -- belt and braces: a statement that lifts read-only closes the session ------------------------------------
def test_a_function_that_lifts_read_only_closes_the_session(pg_server: LiveServer, pg_victim: str) -> None:
    adapter = open_pg(pg_victim)
    try:
        with pytest.raises(ReadOnlyBreach):
            adapter.run("SELECT lift()")
        # the next statement runs on a fresh session, read-only again
        with pytest.raises(ReadOnlyViolation):
            adapter.run("DELETE FROM victim")
        assert adapter.run("SHOW default_transaction_read_only").rows == [("on",)]
    finally:
        adapter.close()
    assert pg_count(pg_server, pg_victim) == 10


# -- B10: the row cap held only for cursorable statements -------------------------------------------------
def test_b10_execute_of_a_huge_prepared_select_is_cut_at_the_cap(pg_victim: str) -> None:
    adapter = open_pg(pg_victim)
    try:
        adapter.run("PREPARE big AS SELECT g, repeat('x', 80) FROM generate_series(1, 10000000) g")
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        started = time.perf_counter()
        page = adapter.run("EXECUTE big", limit=1000)
        elapsed = time.perf_counter() - started
        grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
        assert len(page.rows) == 1000 and page.truncated
        assert grown_mb < 100, grown_mb  # every row would be about 1 GB
        assert elapsed < 30, elapsed
        assert adapter.run("SELECT 1").rows == [(1,)]  # the session goes on
    finally:
        adapter.close()


# -- B3: MariaDB backtick-quoted variables ---------------------------------------------------------------------
@pytest.mark.parametrize(
    "text",
    [
        "SET SESSION `tx_read_only` = 0",
        "SET `tx_read_only` = 0",
        "SET @@SESSION.`tx_read_only` = 0",
        "SET @@`tx_read_only` := 0",
        "SET LOCAL `transaction_read_only` = OFF",
        "SET /*!*/ SESSION tx_read_only = 0",
        "SET STATEMENT `tx_read_only`=0 FOR DELETE FROM victim",
        "SET STATEMENT max_statement_time=10, tx_read_only=0 FOR DELETE FROM victim",
        "SET TRANSACTION READ /* x */ WRITE",
        "SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED, READ WRITE",
        "/*!SET SESSION tx_read_only = 0*/",
        "START TRANSACTION READ WRITE",
        "COMMIT",
    ],
)
def test_b3_mariadb_read_only_cannot_be_lifted(mysql_server: LiveServer, my_victim: str, text: str) -> None:
    adapter = open_my(my_victim)
    try:
        with pytest.raises(DbscopeError):
            adapter.run(text)
        with pytest.raises(DbscopeError):
            adapter.run("DELETE FROM victim")
        assert adapter.run("SELECT @@tx_read_only").rows == [(1,)]
    finally:
        adapter.close()
    assert mysql_server.execute("SELECT COUNT(*) FROM victim", db_name(my_victim)) == [(10,)]


def test_mariadb_never_asks_for_multi_statements(mysql_server: LiveServer, my_victim: str) -> None:
    adapter = open_my(my_victim, read_write=True)
    try:
        conn = adapter._query_conn()
        with conn.cursor() as cur, pytest.raises(Exception, match="syntax"):
            adapter._send_user(cur, "SELECT 1; DELETE FROM victim")
    finally:
        adapter.close()
    assert mysql_server.execute("SELECT COUNT(*) FROM victim", db_name(my_victim)) == [(10,)]


# -- B4/B6: MariaDB writes through functions, and ANALYZE that a rollback cannot undo --------------------------
def test_b4_mariadb_stored_function_calls_are_writes(my_victim: str) -> None:
    adapter = open_my(my_victim, read_write=True)
    try:
        checked = adapter.review("SELECT writer()")
        assert checked is not None and checked.writes
    finally:
        adapter.close()


@pytest.mark.parametrize(
    "text",
    [
        "DELETE FROM flat",
        "UPDATE flat SET id = id + 100",
        "SELECT writer()",
        "DELETE FROM victim WHERE id = writer()",
    ],
)
def test_b6_mariadb_analyze_refuses_what_a_rollback_cannot_undo(
    mysql_server: LiveServer, my_victim: str, text: str
) -> None:
    adapter = open_my(my_victim, read_write=True)
    try:
        with pytest.raises(DbscopeError):
            adapter.explain(text, analyze=True, allow_writes=True)
    finally:
        adapter.close()
    db = db_name(my_victim)
    assert mysql_server.execute("SELECT COUNT(*), MAX(id) FROM flat", db) == [(10, 10)]
    assert mysql_server.execute("SELECT COUNT(*) FROM victim", db) == [(10,)]


def test_b6_analyze_of_an_innodb_write_is_still_rolled_back(mysql_server: LiveServer, my_victim: str) -> None:
    adapter = open_my(my_victim, read_write=True)
    try:
        output = adapter.explain("DELETE FROM victim WHERE id <= 3", analyze=True, allow_writes=True)
        assert output.rolled_back
    finally:
        adapter.close()
    assert mysql_server.execute("SELECT COUNT(*) FROM victim", db_name(my_victim)) == [(10,)]
