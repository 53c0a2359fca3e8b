"""A read-only PostgreSQL session refuses what a read-only transaction lets through (checked on the
server first: each of these ran inside ``BEGIN READ ONLY`` on PostgreSQL 15), through every path that
executes the user's SQL: the editor's run, a typed ``EXPLAIN ANALYZE``, ``explain(analyze=True)`` with
and without the confirmation, and ``dbscope explain --analyze [--yes]``.

Proof that nothing happened is read on the server: a backend the test started is still sleeping in the
same query, no file exists, no large object / replication slot / origin / advisory lock / collation was
added, the table's statistics, relfilenodes and ``postgresql.auto.conf`` are as they were, a dblink write
did not land, and the adapter's query backend never received another statement (its ``query_start`` is
unchanged). A read-write session is the positive control: the same checks do see its effects."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import psycopg
import pytest

from tests.conftest import unavailable
from tests.live import LiveServer, db_name
from tui.adapters.postgres import PostgresAdapter
from tui.cli import main
from tui.core.connspec import parse_url
from tui.core.errors import ReadOnlyViolation, UsageError

pytestmark = pytest.mark.live_pg

SETUP = """
CREATE TABLE t (id int PRIMARY KEY, v text) WITH (autovacuum_enabled = false);
INSERT INTO t SELECT g, 'row ' || g FROM generate_series(1, 50) g;
CREATE INDEX t_v ON t (v);
CREATE TABLE w (id int);
"""


@dataclass
class Bench:
    url: str
    database: str
    server: LiveServer
    victim_pid: int
    victim_app: str
    tag: str  # unique per test: file names, slot, origin, channel
    oid: int  # a large object that exists (for lo_export)
    dblink: str  # libpq string of this server and database: dblink's defaults are the default socket

    def path(self, suffix: str) -> str:
        return f"/tmp/{self.tag}_{suffix}"

    def admin(self, sql: str) -> list[tuple[Any, ...]]:
        return self.server.execute(sql, self.database)


def _attempts(b: Bench) -> list[str]:
    """Statements with a side effect a read-only transaction does not stop (each probed on PG 15)."""
    return [
        f"SELECT pg_terminate_backend({b.victim_pid})",
        f"SELECT pg_cancel_backend({b.victim_pid})",
        f'SELECT pg_catalog."pg_terminate_backend"({b.victim_pid})',
        f"SELECT pid, pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = '{b.victim_app}'",
        f"SELECT pg_cancel_backend /* spaced */ ({b.victim_pid})",
        "SELECT pg_reload_conf()",
        "SELECT pg_rotate_logfile()",
        "SELECT pg_switch_wal()",
        f"SELECT pg_create_restore_point('{b.tag}')",
        f"SELECT pg_backup_start('{b.tag}')",
        f"COPY (SELECT 1) TO PROGRAM 'touch {b.path('program')}'",
        f"COPY t TO '{b.path('copy')}'",
        f"SELECT lo_export({b.oid}, '{b.path('lo')}')",
        "SELECT lo_import('/etc/hostname')",
        "SELECT lo_from_bytea(0, 'intruder')",
        f"SELECT pg_file_write('{b.path('adminpack')}', 'x', false)",
        f"SELECT dblink_exec('{b.dblink}', 'INSERT INTO w VALUES (1)')",
        f"SELECT * FROM dblink('{b.dblink}', 'INSERT INTO w VALUES (2) RETURNING id') AS x(id int)",
        "SELECT pg_advisory_lock(4242)",
        "SELECT pg_try_advisory_lock(4243)",
        f"SELECT pg_create_physical_replication_slot('{b.tag}')",
        f"SELECT pg_replication_origin_create('{b.tag}')",
        "SELECT pg_stat_reset()",
        "SELECT pg_stat_reset_single_table_counters('t'::regclass)",
        f"SELECT pg_notify('{b.tag}', 'x')",
        f"NOTIFY {b.tag}, 'x'",
        "SELECT pg_import_system_collations('public')",
        "SELECT query_to_xml('SELECT pg_reload_conf()', true, true, '')",
        f"DO $$BEGIN PERFORM pg_terminate_backend({b.victim_pid}); END$$",
        "ALTER SYSTEM SET work_mem = '77MB'",
        "CHECKPOINT",
        "LOAD 'auto_explain'",
        "ANALYZE t",
        "VACUUM t",
        "REINDEX TABLE t",
        "CLUSTER t USING t_pkey",
        "LOCK TABLE t IN ACCESS EXCLUSIVE MODE",
    ]


def _explainable(statement: str) -> bool:
    """EXPLAIN takes SELECT (and DML); the other statements are not offered to it."""
    return statement.split()[0].upper() in ("SELECT", "WITH")


def _state(b: Bench) -> dict[str, Any]:
    row = b.admin(
        f"""
        SELECT
          (SELECT state || ':' || query_start::text || ':' || query FROM pg_stat_activity
            WHERE pid = {b.victim_pid}),
          (SELECT count(*) FROM w),
          (SELECT count(*) FROM pg_largeobject_metadata),
          (SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'
            AND database = (SELECT oid FROM pg_database WHERE datname = current_database())),
          (SELECT count(*) FROM pg_replication_slots WHERE slot_name = '{b.tag}'),
          (SELECT count(*) FROM pg_replication_origin WHERE roname = '{b.tag}'),
          (SELECT stats_reset FROM pg_stat_database WHERE datname = current_database()),
          (SELECT n_tup_ins || ':' || analyze_count || ':' || vacuum_count FROM pg_stat_user_tables
            WHERE relname = 't'),
          (SELECT string_agg(relname || '=' || relfilenode, ',' ORDER BY relname) FROM pg_class
            WHERE relname IN ('t', 't_v', 't_pkey')),
          (SELECT count(*) FROM pg_collation WHERE collnamespace = 'public'::regnamespace),
          pg_read_file('postgresql.auto.conf'),
          (SELECT string_agg(s, ',') FROM unnest(ARRAY['program', 'copy', 'lo', 'adminpack']) s
            WHERE (pg_stat_file('/tmp/{b.tag}_' || s, true)).size IS NOT NULL)
        """
    )[0]
    keys = (
        "victim",
        "dblink_rows",
        "large_objects",
        "advisory_locks",
        "slot",
        "origin",
        "stats_reset",
        "table_stats",
        "relfilenodes",
        "collations",
        "auto_conf",
        "files",
    )
    return dict(zip(keys, row, strict=True))


@pytest.fixture
def bench(pg_server: LiveServer, pg_scratch: str) -> Iterator[Bench]:
    database = db_name(pg_scratch)
    try:
        pg_server.execute("CREATE EXTENSION dblink; CREATE EXTENSION adminpack", database)
    except psycopg.Error as exc:
        unavailable(f"contrib extensions dblink/adminpack missing: {exc}")
    pg_server.execute(SETUP, database)
    oid = int(pg_server.execute("SELECT lo_from_bytea(0, 'kept')", database)[0][0])
    tag = f"dbscope_se_{uuid.uuid4().hex[:10]}"
    victim_app = f"{tag}_victim"
    victim = psycopg.connect(pg_scratch, autocommit=True, application_name=victim_app)
    pid = victim.info.backend_pid
    outcome: dict[str, Any] = {}

    def sleep() -> None:
        try:
            victim.execute("SELECT pg_sleep(300)")
        except psycopg.Error as exc:
            outcome["error"] = exc

    sleeper = threading.Thread(target=sleep, daemon=True)
    sleeper.start()
    # dblink connects from the server with libpq's defaults (the default socket and port 5432), which
    # are another server unless this one is the distribution's default cluster: name this one.
    [(socket_dir, port)] = pg_server.execute(
        "SELECT split_part(current_setting('unix_socket_directories'), ',', 1), current_setting('port')"
    )
    dblink = f"dbname={database} host={socket_dir.strip() or '127.0.0.1'} port={port}"
    b = Bench(pg_scratch, database, pg_server, pid, victim_app, tag, oid, dblink)
    deadline = time.monotonic() + 10
    while not str(_state(b)["victim"]).startswith("active:"):
        assert time.monotonic() < deadline, "the victim never started sleeping"
        time.sleep(0.05)
    try:
        yield b
    finally:
        pg_server.execute(f"SELECT pg_terminate_backend({pid})")
        sleeper.join(timeout=10)
        victim.close()
        pg_server.execute(
            f"SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = '{tag}'; "
            f"SELECT pg_replication_origin_drop(roname) FROM pg_replication_origin WHERE roname = '{tag}'; "
            f"SELECT pg_file_unlink('/tmp/{tag}_' || s) FROM unnest(ARRAY['program', 'copy', 'lo', 'adminpack']) s WHERE (pg_stat_file('/tmp/{tag}_' || s, true)).size IS NOT NULL",
            database,
        )


def _query_backend(adapter: PostgresAdapter, b: Bench) -> tuple[int, str]:
    """The adapter's query backend and the start of the last statement it received."""
    pid = adapter.run("SELECT pg_backend_pid()").rows[0][0]
    started = b.server.execute(f"SELECT query_start::text FROM pg_stat_activity WHERE pid = {pid}")[0][0]
    return pid, started


def test_read_only_session_refuses_side_effects_on_every_path(
    bench: Bench, capsys: pytest.CaptureFixture[str]
) -> None:
    before = _state(bench)
    assert before["files"] is None and before["large_objects"] == 1 and before["dblink_rows"] == 0
    adapter = PostgresAdapter(parse_url(bench.url))
    adapter.connect()
    attempts = refused = 0
    try:
        pid, last_start = _query_backend(adapter, bench)
        for statement in _attempts(bench):
            paths: list[Any] = [lambda s=statement: adapter.run(s)]
            if _explainable(statement):
                paths += [
                    lambda s=statement: adapter.run(f"EXPLAIN ANALYZE {s}"),
                    lambda s=statement: adapter.explain(s, analyze=True),
                    lambda s=statement: adapter.explain(s, analyze=True, allow_writes=True),
                    lambda s=statement: adapter.explain(f"EXPLAIN (ANALYZE, BUFFERS) {s}"),
                ]
            for path in paths:
                attempts += 1
                with pytest.raises(ReadOnlyViolation) as error:
                    path()
                refused += 1
                assert error.value.hint and "--read-write" in error.value.hint
                assert statement[:40] in error.value.message or statement.split()[0] in error.value.message
        # Nothing above reached the server: the query backend's last statement is still the probe.
        assert bench.server.execute(f"SELECT query_start::text FROM pg_stat_activity WHERE pid = {pid}") == [
            (last_start,)
        ]
        # Reading still works on the same session, and a plain EXPLAIN (which executes nothing) plans it.
        assert adapter.run("SELECT count(*) FROM t").rows == [(50,)]
        assert adapter.explain(f"SELECT pg_terminate_backend({bench.victim_pid})").analyzed is False
    finally:
        adapter.close()

    for statement in (s for s in _attempts(bench) if _explainable(s)):
        for argv in (
            ["explain", bench.url, statement, "--analyze"],
            ["explain", bench.url, statement, "--analyze", "--yes"],
        ):
            attempts += 1
            code = main(argv)
            err = capsys.readouterr().err
            # without --yes it asks for confirmation (2); with it the read-only session refuses (3)
            assert code == (3 if "--yes" in argv else 2), (argv, err)
            assert err.count("\n") == 1 and "Traceback" not in err
            if "--yes" in argv:
                assert "Read-only session" in err and "--read-write" in err, err
            refused += 1

    after = _state(bench)
    assert after == before
    explainable = sum(1 for s in _attempts(bench) if _explainable(s))
    assert attempts == refused == len(_attempts(bench)) + explainable * (4 + 2)


def test_read_write_session_lets_them_through_after_confirmation(bench: Bench) -> None:
    """Positive control: with --read-write the same checks see the effects (so they could fail above),
    and ANALYZE of a statement with a side effect still needs the confirmation."""
    spec = parse_url(bench.url)
    spec.read_write = True
    adapter = PostgresAdapter(spec)
    adapter.connect()
    try:
        assert adapter.statement_writes(f"SELECT pg_terminate_backend({bench.victim_pid})")
        with pytest.raises(UsageError, match="needs confirmation"):
            adapter.explain(f"SELECT pg_cancel_backend({bench.victim_pid})", analyze=True)
        adapter.run("SELECT pg_advisory_lock(4242)")
        adapter.run(f"COPY t TO '{bench.path('copy')}'")
        adapter.run(f"SELECT dblink_exec('{bench.dblink}', 'INSERT INTO w VALUES (1)')")
        adapter.run("SELECT lo_from_bytea(0, 'intruder')")
        after = _state(bench)
        assert after["advisory_locks"] == 1 and after["dblink_rows"] == 1 and after["large_objects"] == 2
        assert after["files"] == "copy"
        adapter.run(f"SELECT pg_terminate_backend({bench.victim_pid})")
        deadline = time.monotonic() + 10
        while _state(bench)["victim"] is not None:
            assert time.monotonic() < deadline, "the victim survived pg_terminate_backend"
            time.sleep(0.05)
    finally:
        adapter.close()
