"""An adversarial corpus against the execution gate, on the live servers: hypothesis builds texts that hide
a second statement (or a change of the session's mode) behind every quoting and comment trick of each
engine, and each one is sent down every adapter path (run, explain, explain analyze, generic plans) in a
default session and in a ``--read-write`` session whose writes are not confirmed. After every attempt
the victim table must hold exactly what it held (row count and checksum), still exist, and the default
session must still be read-only.

The tricks are not the gate's own cases: they come from how each server reads text (backslashes in
``'…'`` with ``standard_conforming_strings`` either way, ``E''``, dollar quotes, nested comments, ``#``,
``-- `` without a space, MySQL executable comments, ``ANSI_QUOTES`` double quotes, backticks, ``SET
STATEMENT``). Every attempt is counted; the totals are in the README's safety section."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.live import LiveServer, db_name
from tui.adapters.base import Adapter
from tui.adapters.mysql import MySQLAdapter
from tui.adapters.postgres import PostgresAdapter
from tui.core.connspec import parse_url
from tui.core.errors import DbscopeError

EXAMPLES = 40
ATTEMPTS: dict[str, int] = {}

HEADS = [
    "SELECT 1",
    "SELECT 'a'",
    "SELECT 1 AS x",
    "VALUES (1)",
    "(SELECT 1)",
    "SELECT $1",
    "SHOW lock_timeout",
]
MY_HEADS = ["SELECT 1", "SELECT 'a'", "SELECT 1 AS x", "(SELECT 1)", "SELECT @@version", "SHOW TABLES"]
# Openers that one reading of the text takes for the start of a string or comment, and another does not.
PG_CLOAKS = [
    " '\\'",
    " E'\\''",
    " '\\\\'",
    " $a$",
    " $$",
    " /* /* */",
    " #",
    " --",
    ' "\\"',
    " U&'\\'",
    " a$b$",
    "",
]
MY_CLOAKS = [
    " '\\'",
    ' "\\"',
    " `\\`",
    " #",
    " --x",
    " -- ",
    " /*!",
    " /*M!",
    " /*!99999",
    " /*",
    " '''",
    "",
]
PG_PAYLOADS = [
    "; COMMIT; BEGIN READ WRITE; DELETE FROM victim; COMMIT",
    "; DELETE FROM victim",
    "; SET default_transaction_read_only = off; DELETE FROM victim",
    "; SET SESSION CHARACTERISTICS AS TRANSACTION READ WRITE; DELETE FROM victim",
    "; DROP TABLE victim",
    "; END; DELETE FROM victim",
    "; ROLLBACK; SET transaction_read_only = off; UPDATE victim SET note = 'x'",
    "; SELECT set_config('default_transaction_read_only', 'off', false)",
    "; RESET ALL",
    "; DISCARD ALL",
]
MY_PAYLOADS = [
    "; DELETE FROM victim",
    "; SET SESSION `tx_read_only` = 0; DELETE FROM victim",
    "; SET STATEMENT `tx_read_only`=0 FOR DELETE FROM victim",
    "; SET @@session.tx_read_only = 0",
    "; SET TRANSACTION READ WRITE; DELETE FROM victim",
    "; COMMIT; START TRANSACTION READ WRITE; DELETE FROM victim; COMMIT",
    "; DROP TABLE victim",
    "; UPDATE victim SET note = 'x'",
]
TAILS = ["", " --'", " $a$", " */", "'", '"', "`", " $$", " */ */", "\n"]


def texts(heads: list[str], cloaks: list[str], payloads: list[str]) -> st.SearchStrategy[str]:
    return st.builds(
        lambda h, c, p, t, sep: h + c + sep + p + t,
        st.sampled_from(heads),
        st.sampled_from(cloaks),
        st.sampled_from(payloads),
        st.sampled_from(TAILS),
        st.sampled_from(["", " ", "\n", "/**/", "\t"]),
    )


PG_SETUP = """
CREATE TABLE victim (id int PRIMARY KEY, note text);
INSERT INTO victim SELECT g, 'row ' || g FROM generate_series(1, 25) g;
"""
MY_SETUP = [
    "CREATE TABLE victim (id INT PRIMARY KEY, note VARCHAR(20)) ENGINE=InnoDB",
    "INSERT INTO victim SELECT seq, CONCAT('row ', seq) FROM seq_1_to_25",
]


@pytest.fixture(scope="module")
def pg_target(pg_server: LiveServer) -> Iterator[str]:
    for url in pg_server.scratch_database("dbscope_gate_fuzz"):
        pg_server.execute(PG_SETUP, "dbscope_gate_fuzz")
        yield url


@pytest.fixture(scope="module")
def my_target(mysql_server: LiveServer) -> Iterator[str]:
    for url in mysql_server.scratch_database("dbscope_gate_fuzz"):
        for statement in MY_SETUP:
            mysql_server.execute(statement, "dbscope_gate_fuzz")
        yield url


def _adapter(cls: type[Adapter], url: str, read_write: bool) -> Adapter:
    spec = parse_url(url)
    spec.read_write = read_write
    adapter = cls(spec)
    adapter.connect()
    return adapter


def _attack(adapter: Adapter, text: str, key: str) -> None:
    """Every path the adapter offers for user text; in a read-write session the write is never confirmed
    (``allow_writes=False``) and ``run`` is left out (a confirmed run is meant to write)."""
    paths: list[tuple[str, Any]] = [
        ("explain", lambda: adapter.explain(text)),
        ("analyze", lambda: adapter.explain(text, analyze=True)),
        ("explain-typed", lambda: adapter.explain("EXPLAIN ANALYZE " + text)),
    ]
    if not adapter.spec.read_write:
        paths.append(("run", lambda: adapter.run(text)))
    for _name, call in paths:
        ATTEMPTS[key] = ATTEMPTS.get(key, 0) + 1
        with contextlib.suppress(DbscopeError):
            call()


def _state(server: LiveServer, url: str) -> tuple[Any, ...]:
    db = db_name(url)
    if server.engine == "postgresql":
        return tuple(
            server.execute("SELECT count(*), md5(string_agg(id || note, ',' ORDER BY id)) FROM victim", db)[0]
        )
    return tuple(
        server.execute("SELECT COUNT(*), MD5(GROUP_CONCAT(id, note ORDER BY id)) FROM victim", db)[0]
    )


@pytest.mark.parametrize("read_write", [False, True], ids=["read-only", "read-write-unconfirmed"])
def test_postgresql_gate_holds_against_generated_texts(
    pg_server: LiveServer, pg_target: str, read_write: bool
) -> None:
    initial = _state(pg_server, pg_target)
    adapter = _adapter(PostgresAdapter, pg_target, read_write)

    @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    @given(texts(HEADS, PG_CLOAKS, PG_PAYLOADS))
    def attack(text: str) -> None:
        _attack(adapter, text, f"postgresql-{read_write}")
        assert _state(pg_server, pg_target) == initial, text
        if not read_write:
            assert adapter.run("SHOW default_transaction_read_only").rows == [("on",)], text

    try:
        attack()
    finally:
        adapter.close()
    assert ATTEMPTS[f"postgresql-{read_write}"] >= EXAMPLES * 3


@pytest.mark.parametrize("read_write", [False, True], ids=["read-only", "read-write-unconfirmed"])
def test_mariadb_gate_holds_against_generated_texts(
    mysql_server: LiveServer, my_target: str, read_write: bool
) -> None:
    initial = _state(mysql_server, my_target)
    adapter = _adapter(MySQLAdapter, my_target, read_write)

    @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    @given(texts(MY_HEADS, MY_CLOAKS, MY_PAYLOADS))
    def attack(text: str) -> None:
        _attack(adapter, text, f"mariadb-{read_write}")
        assert _state(mysql_server, my_target) == initial, text
        if not read_write:
            assert adapter.run("SELECT @@tx_read_only").rows == [(1,)], text

    try:
        attack()
    finally:
        adapter.close()
    assert ATTEMPTS[f"mariadb-{read_write}"] >= EXAMPLES * 3
