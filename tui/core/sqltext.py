"""Plain-text helpers over SQL: split a buffer into statements, find the one under the cursor, and
tell whether a statement may write (for confirmations; the server's read-only mode is the guarantee)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from tui.core.sqllex import LexSettings, split

_READ_ONLY_HEADS = frozenset({"select", "values", "table", "show", "explain", "with", "describe", "desc"})
_WRITE_WORDS = re.compile(
    r"\b(insert|update|delete|merge|truncate|drop|alter|create|grant|revoke|copy|call|do|lock|"
    r"vacuum|analyze|cluster|reindex|refresh|replace|load|rename|comment|set|reset|discard)\b",
    re.I,
)


@dataclass(slots=True, frozen=True)
class Statement:
    text: str
    start: int  # offset of the first character in the buffer
    end: int  # offset one past the terminating ';' (or the buffer's end)


def split_statements(buffer: str, settings: LexSettings | None = None) -> list[Statement]:
    """Split where the server would (``tui.core.sqllex``: the engine's quotes, dollar quotes, nested
    comments, ``#`` on MySQL only). Empty statements are dropped; a leading comment stays with its
    statement."""
    pieces, _ = split(buffer, settings)
    return [Statement(buffer[p.start : p.end].strip(), p.start, p.end) for p in pieces]


def strip_comments(sql: str) -> str:
    sql = re.sub(r"/\*.*?\*/", " ", sql, flags=re.S)
    return re.sub(r"--[^\n]*", " ", sql)


def statement_at(buffer: str, offset: int, settings: LexSettings | None = None) -> Statement | None:
    """The statement containing ``offset``; at a gap, the nearest statement before it."""
    statements = split_statements(buffer, settings)
    if not statements:
        return None
    previous = statements[0]
    for stmt in statements:
        if stmt.start <= offset < stmt.end or (offset == stmt.end == len(buffer)):
            return stmt
        if stmt.start > offset:
            return previous
        previous = stmt
    return previous


def first_word(sql: str) -> str:
    text = strip_comments(sql).lstrip(" \t\r\n(")
    match = re.match(r"[A-Za-z_]+", text)
    return match.group(0).lower() if match else ""


def statement_may_write(sql: str, dialect: str = "postgres") -> bool:
    """True unless the statement is plainly a read (SELECT/VALUES/TABLE/SHOW, or WITH … SELECT
    without data-modifying CTEs) with no side effect a read-only transaction lets through
    (``SELECT pg_terminate_backend(…)``, ``SELECT GET_LOCK(…)``: ``tui.core.sideeffects``). Errs on the
    side of asking."""
    from tui.core.sideeffects import refusal

    if refusal(sql, dialect):
        return True
    head = first_word(sql)
    if head not in _READ_ONLY_HEADS:
        return True
    if head in ("show", "describe", "desc"):
        return False
    body = strip_comments(sql)
    if head == "explain":
        return bool(re.search(r"\banaly[sz]e\b", body, re.I)) and statement_may_write(
            re.sub(r"^\s*explain\s*(\([^)]*\))?\s*(analy[sz]e\s*)?(verbose\s*)?", "", body, flags=re.I),
            dialect,
        )
    try:
        import logging

        import sqlglot
        from sqlglot import exp

        # sqlglot logs a warning when it falls back to a generic Command; that is an answer here.
        logging.getLogger("sqlglot").setLevel(logging.ERROR)
        trees = sqlglot.parse(body, read=dialect or None)
    except Exception:
        # Unparseable: fall back to a conservative keyword scan without string literals.
        return bool(_WRITE_WORDS.search(re.sub(r"'(?:[^']|'')*'", "''", body)))
    write_types = (exp.Insert, exp.Update, exp.Delete, exp.Merge, exp.Create, exp.Drop, exp.Alter)
    for tree in trees:
        if tree is None:
            continue
        if isinstance(tree, exp.Command):
            return True
        if tree.find(*write_types) is not None:
            return True
        if isinstance(tree, exp.Select) and (tree.args.get("into") or tree.args.get("locks")):
            return True
    return False


_SECRET_KEYWORD = re.compile(r"\b(?:password|identified)\b", re.I)
_LITERAL = re.compile(
    r"""[EeNnBbXx]?'(?:[^'\\]|''|\\.)*'?"""  # '…', E'…' (backslash escapes), N'…'; unterminated too
    r"""|"(?:[^"\\]|""|\\.)*"?"""  # MySQL's "…" strings (a PostgreSQL identifier there is masked too)
    r"|\$(?P<tag>[A-Za-z_]\w*)?\$.*?(?:\$(?P=tag)\$|\Z)",  # $$…$$, $tag$…$tag$
    re.S,
)


def mask_statement(sql: str) -> str:
    """``sql`` with every string literal after a ``PASSWORD`` or ``IDENTIFIED`` keyword replaced by
    ``'***'``, whatever the form: ``PASSWORD 'x'``, ``PASSWORD E'x'``/``$$x$$``, ``SET PASSWORD FOR u =
    PASSWORD('x')``, ``IDENTIFIED WITH plugin BY 'x'``, ``IDENTIFIED VIA ed25519 USING PASSWORD('x')``,
    ``WHERE password = 'x'``; then URLs and ``password=`` pairs masked (``mask_secrets``). Masking a
    literal that was no secret costs a history entry some detail, never a password."""
    from tui.core.connspec import mask_secrets

    found = _SECRET_KEYWORD.search(sql)
    if found is not None:
        head, tail = sql[: found.start()], sql[found.start() :]
        sql = head + _LITERAL.sub("'***'", tail)
    return mask_secrets(sql)


def short_statement(statement: str, width: int = 120) -> str:
    """``statement`` on one line, cut to ``width`` with an ellipsis, every typed password masked: the
    one helper for every message, toast and confirmation title that quotes a statement."""
    flat = " ".join(mask_statement(statement).split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"
