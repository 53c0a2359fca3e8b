"""Statement splitting, the statement under the cursor, and the may-write heuristic."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tui.core.sqltext import split_statements, statement_at, statement_may_write

BUFFER = """-- first
SELECT 1;
SELECT 'a;b' AS "x;y";   /* ; */
CREATE FUNCTION f() RETURNS int AS $body$ SELECT 1; $body$ LANGUAGE sql;

select 3
"""


def test_split_respects_quotes_comments_and_dollar_quotes() -> None:
    texts = [s.text for s in split_statements(BUFFER)]
    assert texts == [
        "-- first\nSELECT 1;",
        "SELECT 'a;b' AS \"x;y\";",
        "/* ; */\nCREATE FUNCTION f() RETURNS int AS $body$ SELECT 1; $body$ LANGUAGE sql;",
        "select 3",
    ]


def test_statement_under_the_cursor() -> None:
    assert statement_at(BUFFER, BUFFER.index("'a;b'")).text.startswith("SELECT 'a;b'")  # type: ignore[union-attr]
    assert statement_at(BUFFER, len(BUFFER)).text == "select 3"  # type: ignore[union-attr]
    assert statement_at(BUFFER, BUFFER.index("$body$ SELECT 1")).text.startswith("/* ; */")  # type: ignore[union-attr]
    assert statement_at("   ", 1) is None


@pytest.mark.parametrize(
    ("sql", "writes"),
    [
        ("SELECT * FROM t", False),
        ("  -- c\n select 1", False),
        ("WITH x AS (SELECT 1) SELECT * FROM x", False),
        ("WITH d AS (DELETE FROM t RETURNING *) SELECT * FROM d", True),
        ("SELECT * INTO newt FROM t", True),
        ("SELECT * FROM t FOR UPDATE", True),
        ("INSERT INTO t VALUES (1)", True),
        ("update t set a = 1", True),
        ("DELETE FROM t", True),
        ("TRUNCATE t", True),
        ("DROP TABLE t", True),
        ("EXPLAIN ANALYZE DELETE FROM t", True),
        ("EXPLAIN DELETE FROM t", False),
        ("EXPLAIN (ANALYZE, BUFFERS) SELECT 1", False),
        ("VALUES (1), (2)", False),
        ("SHOW work_mem", False),
        ("CALL p()", True),
        ("SELECT 'DROP TABLE t'", False),
    ],
)
def test_may_write(sql: str, writes: bool) -> None:
    assert statement_may_write(sql) is writes


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab ;'\"$-/*\n()x")), max_size=80))
def test_split_never_crashes_and_offsets_point_into_the_buffer(buffer: str) -> None:
    for stmt in split_statements(buffer):
        assert 0 <= stmt.start < stmt.end <= len(buffer)
        assert buffer[stmt.start : stmt.end].strip() == stmt.text
    for offset in range(0, len(buffer) + 1, 7):
        statement_at(buffer, offset)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200))
def test_may_write_never_raises(sql: str) -> None:
    assert statement_may_write(sql) in (True, False)
