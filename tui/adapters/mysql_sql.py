"""SQL text helpers of the MySQL adapter: backtick quoting, stripping a typed ``EXPLAIN``/``ANALYZE``
prefix, and the second safety layer of read-only sessions.

The server enforces read-only sessions (``SET SESSION TRANSACTION READ ONLY``: every INSERT, UPDATE,
DELETE, DDL, GRANT… fails with error 1792). A few statements are outside what a read-only transaction
stops — ``SET GLOBAL``, ``SET SESSION TRANSACTION READ WRITE`` (which would lift the guard itself),
``SELECT … INTO OUTFILE``, ``FLUSH``, ``KILL``, ``SHUTDOWN``, ``ANALYZE TABLE``, ``GET_LOCK()``, ``CALL``
and ``PREPARE``/``EXECUTE`` (which can run any of those) — so dbscope refuses those itself unless the
session is read-write. The classification lives in ``tui.core.sideeffects`` with PostgreSQL's.
"""

from __future__ import annotations

import re

from tui.core.sideeffects import READ_ONLY_HINT, mysql_refusal
from tui.core.sideeffects import mysql_normalized as normalized
from tui.core.sqltext import first_word, statement_may_write

_EXPLAIN_HEAD = re.compile(
    r"^\s*(?:explain|describe|desc)\s+(?:(?:analyze|extended|partitions)\s+)*"
    r"(?:format\s*=\s*['\"]?\w+['\"]?\s+)?(?:into\s+@\w+\s+)?(?:for\s+(?:schema|database)\s+\S+\s+)?",
    re.I,
)
_ANALYZE_STATEMENT = re.compile(
    r"^\s*analyze\s+(?:format\s*=\s*\w+\s+)?(?=select|with|\(|update|delete)", re.I
)


def quote_ident(name: str) -> str:
    """Backtick-quote an identifier (backticks inside doubled): ``a`b`` → ```a``b```."""
    return "`" + name.replace("`", "``") + "`"


def qualified(database: str | None, name: str) -> str:
    return f"{quote_ident(database)}.{quote_ident(name)}" if database else quote_ident(name)


def quote_literal(text: str) -> str:
    """A string literal safe under any sql_mode (backslashes and quotes escaped)."""
    return "'" + text.replace("\\", "\\\\").replace("'", "''") + "'"


def strip_explain(query: str) -> str:
    """The statement without a typed ``EXPLAIN [ANALYZE] [FORMAT=…]`` or MariaDB ``ANALYZE
    [FORMAT=JSON]`` head, trailing semicolons and whitespace."""
    text = query.strip().rstrip(";").strip()
    for pattern in (_EXPLAIN_HEAD, _ANALYZE_STATEMENT):
        match = pattern.match(text)
        if match and match.group(0).strip():
            return text[match.end() :].strip()
    return text


def read_only_refusal(statement: str) -> str | None:
    """Why a read-only session must refuse ``statement`` itself (None when the server's read-only
    transaction mode is the guard, or the statement is harmless); see ``tui.core.sideeffects``."""
    return mysql_refusal(statement)


def is_read_only_select(statement: str, dialect: str = "mysql") -> bool:
    """A SELECT (or WITH … SELECT, TABLE, VALUES) that writes nothing, not even a file."""
    text = normalized(statement)
    word = first_word(text)
    if word not in ("select", "with", "table", "values"):
        return False
    if mysql_refusal(statement) or re.search(r"\bfor\s+update\b|\block\s+in\s+share\s+mode\b", text, re.I):
        return False
    return not statement_may_write(statement, dialect)


__all__ = [
    "READ_ONLY_HINT",
    "is_read_only_select",
    "normalized",
    "qualified",
    "quote_ident",
    "quote_literal",
    "read_only_refusal",
    "strip_explain",
]
