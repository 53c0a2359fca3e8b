"""Live PostgreSQL: the rows of a result come through a server-side cursor that stops at the cap, for
WITH … SELECT too (a DBA's everyday query shape), so a huge result is never read into memory. Proof
without timing: the row after the cap divides by zero, which only a client reading the whole result
would ever reach."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.live import LiveServer, db_name
from tui.adapters.postgres import PostgresAdapter
from tui.core.connspec import parse_url
from tui.core.errors import DbscopeError, QueryError

pytestmark = pytest.mark.live_pg

CAP = 1000
# Row CAP + 500 fails: only the first CAP + 1 rows may be computed.
POISONED = {
    "select": "SELECT g, 1 / ({n} - g) AS x FROM generate_series(1, {n}) g",
    "with": "WITH s AS (SELECT g FROM generate_series(1, {n}) g) SELECT g, 1 / ({n} - g) AS x FROM s",
    "with materialized": (
        "WITH s AS MATERIALIZED (SELECT g FROM generate_series(1, {n}) g) SELECT g, 1 / ({n} - g) AS x FROM s"
    ),
    "parenthesized": "(SELECT g, 1 / ({n} - g) AS x FROM generate_series(1, {n}) g)",
    "commented": "/* report */ WITH s AS (SELECT g FROM generate_series(1, {n}) g)\nSELECT g, 1 / ({n} - g) FROM s",
}


def _adapter(url: str, *, read_write: bool = False) -> PostgresAdapter:
    spec = parse_url(url)
    spec.read_write = read_write
    adapter = PostgresAdapter(spec)
    adapter.connect()
    return adapter


@pytest.fixture
def adapter(pg_scratch: str) -> Iterator[PostgresAdapter]:
    a = _adapter(pg_scratch)
    yield a
    a.close()


@pytest.mark.parametrize("shape", sorted(POISONED))
def test_rows_stop_at_the_cap(adapter: PostgresAdapter, shape: str) -> None:
    statement = POISONED[shape].format(n=CAP + 500)
    page = adapter.run(statement, limit=CAP)
    assert page.truncated and len(page.rows) == CAP
    assert page.rows[0][0] == 1 and page.rows[-1][0] == CAP
    # The same statement read to its end does fail: the cap is what kept it from the poisoned row.
    with pytest.raises(QueryError, match="division by zero"):
        adapter.run(statement, limit=CAP + 500)
    assert adapter.run("SELECT 1").rows == [(1,)]


def test_a_streamed_with_stays_read_only(pg_scratch: str, pg_server: LiveServer) -> None:
    pg_server.execute("CREATE SEQUENCE s", db_name(pg_scratch))
    adapter = _adapter(pg_scratch)
    try:
        with pytest.raises(DbscopeError, match="read-only"):
            adapter.run("WITH n AS (SELECT nextval('s') AS v) SELECT v FROM n")
        with pytest.raises(DbscopeError):
            adapter.run("WITH d AS (DELETE FROM pg_class RETURNING 1) SELECT * FROM d")
    finally:
        adapter.close()
    assert pg_server.execute("SELECT last_value, is_called FROM s", db_name(pg_scratch)) == [(1, False)]


def test_a_data_modifying_with_runs_in_a_read_write_session(pg_scratch: str, pg_server: LiveServer) -> None:
    pg_server.execute("CREATE TABLE t (id int)", db_name(pg_scratch))
    adapter = _adapter(pg_scratch, read_write=True)
    try:
        page = adapter.run(
            "WITH i AS (INSERT INTO t SELECT generate_series(1, 3) RETURNING id) SELECT * FROM i"
        )
        assert sorted(page.rows) == [(1,), (2,), (3,)]
    finally:
        adapter.close()
    assert pg_server.execute("SELECT count(*) FROM t", db_name(pg_scratch)) == [(3,)]
