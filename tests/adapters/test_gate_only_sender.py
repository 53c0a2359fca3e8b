"""The gate's sender is the only code that hands the user's text to a driver: every driver call (psycopg
``Connection.execute``, ``Cursor.execute``/``stream``, ``ServerCursor.execute``; pymysql
``Cursor.execute``) is watched while each path runs a statement carrying a marker, and every call whose
SQL holds the marker must come from inside the adapter's ``_send_user`` (or the server-side cursor branch
of it, ``_run_cursor``, which declares through the extended protocol)."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from typing import Any

import psycopg
import pymysql.cursors
import pytest

from tests.live import LiveServer, db_name
from tui.adapters.mysql import MySQLAdapter
from tui.adapters.postgres import PostgresAdapter
from tui.cli import main
from tui.core.connspec import parse_url

MARKER = "gate_marker_7f3"
SENDERS = frozenset({"_send_user", "_run_cursor"})
WATCHED: list[tuple[type, str]] = [
    (psycopg.Connection, "execute"),
    (psycopg.Cursor, "execute"),
    (psycopg.Cursor, "stream"),
    (psycopg.ServerCursor, "execute"),
    (pymysql.cursors.Cursor, "execute"),
]


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, bool]]:
    seen: list[tuple[str, bool]] = []

    def watch(original: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(self: Any, query: Any, *args: Any, **kwargs: Any) -> Any:
            text = query if isinstance(query, str) else str(query)
            if MARKER in text:
                frame = sys._getframe(1)
                inside = False
                while frame is not None:
                    if frame.f_code.co_name in SENDERS and "tui/adapters" in frame.f_code.co_filename:
                        inside = True
                        break
                    frame = frame.f_back  # type: ignore[assignment]
                seen.append((text, inside))
            return original(self, query, *args, **kwargs)

        return wrapper

    for cls, name in WATCHED:
        monkeypatch.setattr(cls, name, watch(getattr(cls, name)))
    return seen


@pytest.fixture
def pg_db(pg_server: LiveServer, pg_scratch: str) -> Iterator[str]:
    pg_server.execute(
        "CREATE EXTENSION IF NOT EXISTS hypopg; CREATE TABLE t (id int PRIMARY KEY, v int);"
        "INSERT INTO t SELECT g, g % 7 FROM generate_series(1, 1000) g; ANALYZE t;",
        db_name(pg_scratch),
    )
    yield pg_scratch


@pytest.fixture
def my_db(mysql_server: LiveServer, mysql_scratch: str) -> Iterator[str]:
    mysql_server.execute("CREATE TABLE t (id INT PRIMARY KEY, v INT) ENGINE=InnoDB", db_name(mysql_scratch))
    mysql_server.execute("INSERT INTO t SELECT seq, seq % 7 FROM seq_1_to_100", db_name(mysql_scratch))
    yield mysql_scratch


def _assert_all_inside(calls: list[tuple[str, bool]], expected_paths: int) -> None:
    outside = [text for text, inside in calls if not inside]
    assert not outside, f"user text sent outside the gate's sender: {outside}"
    assert len(calls) >= expected_paths, calls


def test_postgresql_paths_send_user_text_only_through_the_sender(
    pg_db: str, calls: list[tuple[str, bool]], capsys: pytest.CaptureFixture[str]
) -> None:
    statement = f"SELECT id, '{MARKER}' FROM t WHERE v = 3"
    for read_write in (False, True):
        spec = parse_url(pg_db)
        spec.read_write = read_write
        adapter = PostgresAdapter(spec)
        adapter.connect()
        try:
            adapter.run(statement)  # server-side cursor
            adapter.run(f"SHOW lock_timeout /* {MARKER} */")  # streamed
            adapter.run(f"UPDATE t SET v = v WHERE id = 0 AND '{MARKER}' = ''") if read_write else None
            adapter.explain(statement)
            adapter.explain(statement, analyze=True)
            adapter.explain(f"SELECT id FROM t WHERE v = $1 AND '{MARKER}' <> ''")  # generic plan
            if adapter.capabilities.hypothetical_indexes:
                adapter.hypothetical_explain(statement, ["CREATE INDEX ON t (v)"])
            elif read_write:
                pytest.fail(
                    f"HypoPG is needed for this path: {adapter.capabilities.hypothetical_indexes.reason}"
                )
        finally:
            adapter.close()
    assert main(["explain", pg_db, statement]) in (0, 1)
    capsys.readouterr()
    _assert_all_inside(calls, 12)


def test_mariadb_paths_send_user_text_only_through_the_sender(
    my_db: str, calls: list[tuple[str, bool]]
) -> None:
    statement = f"SELECT id, '{MARKER}' FROM t WHERE v = 3"
    for read_write in (False, True):
        spec = parse_url(my_db)
        spec.read_write = read_write
        adapter = MySQLAdapter(spec)
        adapter.connect()
        try:
            adapter.run(statement)
            adapter.explain(statement)
            adapter.explain(statement, analyze=True)
            if read_write:
                adapter.explain(
                    f"DELETE FROM t WHERE id = 0 AND '{MARKER}' = ''", analyze=True, allow_writes=True
                )
        finally:
            adapter.close()
    _assert_all_inside(calls, 7)
