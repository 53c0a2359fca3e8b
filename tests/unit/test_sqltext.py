"""Statement splitting, the statement under the cursor, and the may-write heuristic."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tui.core.sqltext import mask_statement, split_statements, statement_at, statement_may_write

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


SECRET = "s3cr3t-Pw"
PASSWORD_FORMS = [
    "ALTER ROLE app PASSWORD '{}'",
    "ALTER ROLE app WITH ENCRYPTED PASSWORD E'{}'",
    "ALTER ROLE app PASSWORD $${}$$",
    "ALTER ROLE app PASSWORD $pw${}$pw$",
    "CREATE USER app IDENTIFIED BY '{}'",
    'CREATE USER app IDENTIFIED BY "{}"',
    "CREATE USER app IDENTIFIED WITH mysql_native_password BY '{}'",
    "ALTER USER app IDENTIFIED VIA ed25519 USING PASSWORD('{}')",
    "SET PASSWORD FOR 'app'@'%' = PASSWORD('{}')",
    "SET PASSWORD FOR app = '{}'",
    "SET PASSWORD = '{}'",
    "GRANT ALL ON *.* TO app IDENTIFIED BY '{}'",
    "SELECT * FROM users WHERE password = '{}'",
    "SELECT dblink_exec('host=h password={} dbname=d', 'SELECT 1')",
    "SELECT * FROM dblink('postgresql://u:{}@h/d', 'SELECT 1') AS t(a int)",
    "ALTER ROLE app PASSWORD '{}",  # unterminated
]


@pytest.mark.parametrize("form", PASSWORD_FORMS)
def test_mask_statement_hides_every_password_form(form: str) -> None:
    masked = mask_statement(form.format(SECRET))
    assert SECRET not in masked and "***" in masked


def test_mask_statement_keeps_statements_without_secrets() -> None:
    for sql in ("SELECT 'a', $$b$$ FROM t WHERE x = 'c'", "UPDATE t SET v = 'x' WHERE id = 1"):
        assert mask_statement(sql) == sql


@settings(max_examples=300, deadline=None)
@given(
    form=st.sampled_from(PASSWORD_FORMS[:-1]),
    secret=st.text(
        alphabet=st.characters(blacklist_characters="'\"\\$@/:=\n", min_codepoint=33, max_codepoint=0x2FFF),
        min_size=4,
    ).map(lambda text: "Ω" + text),  # never a piece of the statement around it
)
def test_mask_statement_hides_any_password(form: str, secret: str) -> None:
    assert secret not in mask_statement(form.format(secret))
