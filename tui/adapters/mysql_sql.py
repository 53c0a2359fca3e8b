"""SQL text helpers of the MySQL adapter: backtick quoting, stripping a typed ``EXPLAIN``/``ANALYZE``
prefix, and the second safety layer of read-only sessions.

The server enforces read-only sessions (``SET SESSION TRANSACTION READ ONLY``: every INSERT, UPDATE,
DELETE, DDL, GRANT… fails with error 1792). A few statements are outside what a read-only transaction
stops — ``SET GLOBAL``, ``SET SESSION TRANSACTION READ WRITE`` (which would lift the guard itself),
``SELECT … INTO OUTFILE``, ``FLUSH``, ``KILL``, ``ANALYZE TABLE``, ``CALL`` and ``PREPARE``/``EXECUTE``
(which can run any of those) — so dbscope refuses those itself unless the session is read-write.
"""

from __future__ import annotations

import re

from tui.core.sqltext import first_word, statement_may_write

_EXPLAIN_HEAD = re.compile(
    r"^\s*(?:explain|describe|desc)\s+(?:(?:analyze|extended|partitions)\s+)*"
    r"(?:format\s*=\s*['\"]?\w+['\"]?\s+)?(?:into\s+@\w+\s+)?(?:for\s+(?:schema|database)\s+\S+\s+)?",
    re.I,
)
_ANALYZE_STATEMENT = re.compile(
    r"^\s*analyze\s+(?:format\s*=\s*\w+\s+)?(?=select|with|\(|update|delete)", re.I
)
_SET_UNSAFE = re.compile(
    r"\bglobal\b|\bpersist(?:_only)?\b|@@global\.|@@persist|read\s+write|read_only|\bpassword\b|sql_log_bin",
    re.I,
)
_INTO_FILE = re.compile(r"\binto\s+(?:outfile|dumpfile)\b", re.I)
_ALWAYS_REFUSED = frozenset(
    {
        "flush",
        "kill",
        "shutdown",
        "restart",
        "install",
        "uninstall",
        "reset",
        "purge",
        "change",
        "stop",
        "call",
        "prepare",
        "execute",
        "binlog",
        "repair",
        "clone",
    }
)
READ_ONLY_HINT = "start dbscope with --read-write to allow it (each write asks for confirmation)"


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


def normalized(statement: str) -> str:
    """The statement as the server will see it, for classification: executable comments unwrapped
    (``/*!50000 SET GLOBAL … */`` runs on the server), other comments dropped, string literals and
    quoted identifiers replaced by ``''`` so nothing inside them is mistaken for a keyword."""
    out: list[str] = []
    i, n = 0, len(statement)
    while i < n:
        ch = statement[i]
        if ch in ("'", '"', "`"):
            j = i + 1
            while j < n:
                if statement[j] == "\\" and ch != "`":
                    j += 2
                    continue
                if statement[j] == ch:
                    if j + 1 < n and statement[j + 1] == ch:
                        j += 2
                        continue
                    break
                j += 1
            out.append("''" if ch != "`" else "``")
            i = j + 1
            continue
        if statement.startswith("/*", i):
            close = statement.find("*/", i + 2)
            end = n if close < 0 else close
            body = statement[i + 2 : end]
            executable = re.match(r"M?!\d*", body)
            if executable:
                out.append(" " + normalized(body[executable.end() :]) + " ")
            else:
                out.append(" ")
            i = n if close < 0 else close + 2
            continue
        if ch == "#" or (statement.startswith("--", i) and (i + 2 >= n or statement[i + 2] in " \t\r\n")):
            newline = statement.find("\n", i)
            i = n if newline < 0 else newline + 1
            out.append(" ")
            continue
        out.append(ch)
        i += 1
    return "".join(out)


def read_only_refusal(statement: str) -> str | None:
    """Why a read-only session must refuse ``statement`` itself (None when the server's read-only
    transaction mode is the guard, or the statement is harmless)."""
    text = normalized(statement)
    word = first_word(text)
    if not word and text.strip():
        return "the statement could not be classified"
    upper = word.upper()
    if word in _ALWAYS_REFUSED:
        return f"{upper} is not stopped by a read-only transaction"
    if word == "set" and _SET_UNSAFE.search(text):
        return "SET of a global, persisted or access-mode variable is not stopped by a read-only transaction"
    if word == "start" and re.search(r"read\s+write|\bslave\b|\breplica\b|group_replication", text, re.I):
        return "START … READ WRITE or replication control would bypass the read-only session"
    if word in ("select", "with", "table", "values") and _INTO_FILE.search(text):
        return "SELECT … INTO OUTFILE/DUMPFILE writes a file on the server"
    if word == "analyze" and re.match(
        r"\s*analyze\s+(?:no_write_to_binlog\s+|local\s+)?tables?\b", text, re.I
    ):
        return "ANALYZE TABLE rewrites the table's statistics"
    if word == "lock":
        return "LOCK TABLES would block other sessions"
    return None


def is_read_only_select(statement: str, dialect: str = "mysql") -> bool:
    """A SELECT (or WITH … SELECT, TABLE, VALUES) that writes nothing, not even a file."""
    text = normalized(statement)
    word = first_word(text)
    if word not in ("select", "with", "table", "values"):
        return False
    if _INTO_FILE.search(text) or re.search(r"\bfor\s+update\b|\block\s+in\s+share\s+mode\b", text, re.I):
        return False
    return not statement_may_write(statement, dialect)
