"""PostgreSQL: the lock timeout every statement carries stops a statement queued behind another
session's lock (the holder keeps its lock, the session stays usable), and cancel stops an EXPLAIN
ANALYZE on the server (checked in pg_stat_activity), not only in the caller."""

from __future__ import annotations

import threading
import time

import psycopg
import pytest

from tests.live import LiveServer, db_name
from tui.adapters.postgres import PostgresAdapter
from tui.core.connspec import parse_url
from tui.core.errors import Cancelled, DbscopeError

pytestmark = pytest.mark.live_pg


def _adapter(url: str, **options: object) -> PostgresAdapter:
    spec = parse_url(url)
    for key, value in options.items():
        setattr(spec, key, value)
    adapter = PostgresAdapter(spec)
    adapter.connect()
    return adapter


def test_lock_timeout_stops_a_statement_waiting_for_a_lock(pg_server: LiveServer, pg_scratch: str) -> None:
    pg_server.execute("CREATE TABLE t (id int); INSERT INTO t VALUES (1)", db_name(pg_scratch))
    holder = psycopg.connect(pg_scratch)
    adapter = _adapter(pg_scratch, lock_timeout_ms=300, statement_timeout_ms=60_000)
    try:
        holder.execute("LOCK TABLE t IN ACCESS EXCLUSIVE MODE")  # held until the holder's transaction ends
        with pytest.raises(Cancelled) as waited:
            adapter.run("SELECT count(*) FROM t")
        assert waited.value.title == "Lock timeout"
        with pytest.raises(Cancelled):
            adapter.explain("SELECT count(*) FROM t", analyze=True)
        locks = pg_server.execute(
            "SELECT mode, granted FROM pg_locks WHERE relation = 't'::regclass", db_name(pg_scratch)
        )
        assert locks == [("AccessExclusiveLock", True)]  # the holder's, nobody else's left waiting
        holder.rollback()
        assert adapter.run("SELECT count(*) FROM t").rows == [(1,)]
    finally:
        holder.close()
        adapter.close()


def _analyzing(server: LiveServer, database: str) -> int:
    rows = server.execute(
        "SELECT count(*) FROM pg_stat_activity WHERE state = 'active' AND wait_event = 'PgSleep' "
        f"AND datname = '{database}' AND query LIKE '%EXPLAIN%dbscope_analyze_cancel%'"
    )
    return int(rows[0][0])


def test_cancel_stops_explain_analyze_on_the_server(pg_server: LiveServer, pg_scratch: str) -> None:
    database = db_name(pg_scratch)
    adapter = _adapter(pg_scratch, statement_timeout_ms=60_000)
    outcome: dict[str, object] = {}

    def work() -> None:
        try:
            outcome["plan"] = adapter.explain("SELECT pg_sleep(30) AS dbscope_analyze_cancel", analyze=True)
        except DbscopeError as exc:
            outcome["error"] = exc

    worker = threading.Thread(target=work, daemon=True)
    worker.start()
    try:
        deadline = time.monotonic() + 10
        while _analyzing(pg_server, database) == 0:
            assert time.monotonic() < deadline, "the EXPLAIN ANALYZE never showed up in pg_stat_activity"
            time.sleep(0.05)
        assert adapter.cancel() is True
        worker.join(timeout=10)
        assert not worker.is_alive()
        assert isinstance(outcome.get("error"), Cancelled), outcome
        assert _analyzing(pg_server, database) == 0
        assert adapter.run("SELECT 3").rows == [(3,)]  # the session survives
    finally:
        adapter.close()
