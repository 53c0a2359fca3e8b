"""A read-only PostgreSQL session cannot be talked out of being read-only from the query editor: the
session defaults are the user's to change (``SET default_transaction_read_only = off``), so every
statement runs in its own ``BEGIN READ ONLY`` transaction, one statement per round trip. Each escape
attempt below is followed by a write; the server refuses every one and the table stays empty."""

from __future__ import annotations

import contextlib

import pytest

from tests.live import LiveServer, db_name
from tui.adapters.postgres import PostgresAdapter
from tui.core.connspec import parse_url
from tui.core.errors import DbscopeError, ReadOnlyViolation, UsageError

pytestmark = pytest.mark.live_pg

SETUP = """
CREATE TABLE t (id int);
CREATE FUNCTION bump() RETURNS int LANGUAGE sql AS 'INSERT INTO t VALUES (99) RETURNING id';
CREATE SEQUENCE s;
"""
ESCAPES = [
    "SET default_transaction_read_only = off",
    "SET SESSION default_transaction_read_only TO false",
    "RESET default_transaction_read_only",
    "SET SESSION CHARACTERISTICS AS TRANSACTION READ WRITE",
    "SELECT set_config('default_transaction_read_only', 'off', false)",
    "BEGIN READ WRITE",
    "START TRANSACTION READ WRITE",
    "SET transaction_read_only = off",
    "COMMIT",
]
WRITES = [
    "INSERT INTO t VALUES (1)",
    "SELECT bump()",
    "WITH x AS (INSERT INTO t VALUES (2) RETURNING id) SELECT * FROM x",
    "UPDATE t SET id = 3",
]


def test_no_escape_from_a_read_only_session(pg_server: LiveServer, pg_scratch: str) -> None:
    database = db_name(pg_scratch)
    pg_server.execute(SETUP, database)
    adapter = PostgresAdapter(parse_url(pg_scratch))
    adapter.connect()
    refused = 0
    try:
        for escape in ESCAPES:
            with contextlib.suppress(DbscopeError):  # allowed or not, what follows must be refused
                adapter.run(escape)
            for write in WRITES:
                with pytest.raises(ReadOnlyViolation):
                    adapter.run(write)
                refused += 1
        # Two statements in one round trip would let the first change the transaction's mode.
        with pytest.raises(UsageError, match="one statement at a time"):
            adapter.run("SET transaction_read_only = off; INSERT INTO t VALUES (4)")
        with pytest.raises(DbscopeError) as vacuum:
            adapter.run("VACUUM t")
        assert vacuum.value.hint and "--read-write" in vacuum.value.hint
        # EXPLAIN ANALYZE of a SELECT with side effects is refused too (a sequence is not rolled back).
        for query in ("SELECT bump()", "SELECT nextval('s')"):
            with pytest.raises(ReadOnlyViolation):
                adapter.explain(query, analyze=True)
        # Reading still works, session settings persist, and % needs no escaping.
        adapter.run("SET search_path = pg_catalog, public")
        assert adapter.run("SHOW search_path").rows == [("pg_catalog, public",)]
        assert adapter.run("SELECT '100%' AS p").rows == [("100%",)]
        assert adapter.run("VALUES (1), (2)").rows == [(1,), (2,)]
    finally:
        adapter.close()
    assert refused == len(ESCAPES) * len(WRITES)
    assert pg_server.execute("SELECT count(*) FROM t", database) == [(0,)]
    assert pg_server.execute("SELECT is_called FROM s", database) == [(False,)]


def test_read_write_session_still_writes(pg_server: LiveServer, pg_scratch: str) -> None:
    pg_server.execute(SETUP, db_name(pg_scratch))
    spec = parse_url(pg_scratch)
    spec.read_write = True
    adapter = PostgresAdapter(spec)
    adapter.connect()
    try:
        assert adapter.run("INSERT INTO t VALUES (1)").rowcount == 1
        assert adapter.run("SELECT bump()").rows == [(99,)]
        # One statement per call in every session (the editor sends a selection's statements one by one).
        with pytest.raises(UsageError, match="one statement at a time"):
            adapter.run("SET transaction_read_only = off; INSERT INTO t VALUES (2)")
        adapter.run("SET transaction_read_only = off")
        adapter.run("INSERT INTO t VALUES (2)")
    finally:
        adapter.close()
    assert pg_server.execute("SELECT count(*) FROM t", db_name(pg_scratch)) == [(3,)]
