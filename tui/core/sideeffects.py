"""Statements a read-only transaction does not stop, and why dbscope refuses them itself.

The server's read-only mode is the guarantee against writes to tables (PostgreSQL
``default_transaction_read_only`` plus a ``BEGIN READ ONLY`` per statement, MySQL/MariaDB
``SET SESSION TRANSACTION READ ONLY``). It does not stop everything that changes the server, though.
Checked on PostgreSQL 15 and MariaDB 10.11 inside a read-only transaction, these all ran:

- PostgreSQL: ``pg_terminate_backend``/``pg_cancel_backend``, ``pg_reload_conf``, ``pg_switch_wal``,
  ``pg_create_restore_point``, ``pg_backup_start``, ``COPY … TO PROGRAM``/``TO 'file'``, ``lo_import`` and
  ``lo_from_bytea`` (new large objects), ``pg_file_write`` (adminpack), ``dblink_exec``/``dblink`` (the
  remote session is not read-only), ``pg_advisory_lock`` (a session lock outlives the statement),
  replication slots and origins, ``pg_stat_reset*``, ``pg_import_system_collations``, ``NOTIFY``,
  ``CHECKPOINT``, ``LOAD``, ``ANALYZE``, ``REINDEX``, ``LOCK … ACCESS EXCLUSIVE``, ``DO`` blocks calling any
  of these, and ``query_to_xml('…')`` running any of these.
- MariaDB: ``KILL``, ``SHUTDOWN``, ``SET GLOBAL``, ``FLUSH``, ``SELECT … INTO OUTFILE/DUMPFILE``,
  ``ANALYZE TABLE``, ``LOCK TABLES``, ``GET_LOCK()``, ``BACKUP STAGE``, ``CACHE INDEX``/``LOAD INDEX``,
  ``RESET``/``PURGE``/``BINLOG``. (``GRANT``, ``CREATE USER``, ``INSTALL PLUGIN``, ``OPTIMIZE``,
  ``REPAIR`` and DDL fail with error 1792; they are refused here too where listed, as a second layer.)

``refusal(statement, dialect)`` says why a read-only session must refuse a statement (None when the
server's read-only transaction is guard enough). It reads tokens, not raw text: a column named ``kill``,
a string literal or a comment that mentions ``pg_terminate_backend`` is not refused; a quoted
(``"pg_reload_conf"()``), schema-qualified or commented-apart call is. PostgreSQL text is lexed twice,
with and without backslash escapes in ``'…'`` (``standard_conforming_strings`` may be off), and refused
if either reading calls one of the functions. MySQL's executable comments (``/*!50000 KILL 5 */``) are
read as the server reads them.

Out of reach, and left to the server's read-only mode: a user-defined function, procedure or view whose
body calls one of these, and SQL built at run time (``query_to_xml('pg_' || 'reload_conf()')``, or
``EXECUTE`` inside a function).
"""

from __future__ import annotations

import functools
import itertools
import re
from typing import Any, ClassVar

READ_ONLY_HINT = "start dbscope with --read-write to allow it (it then asks for confirmation first)"

# -- PostgreSQL -------------------------------------------------------------------------------------------
_SIGNAL = "signals another server process"
_WAL = "acts on the server's WAL, log files or backup state"
_REPLICATION = "changes replication slots or origins (or consumes a slot's changes)"
_STATS = "resets statistics that other sessions and monitoring rely on"
_FILES = "writes, renames or removes files on the server"
_LARGE_OBJECTS = "creates or changes large objects"
_LOCK = "takes a session-level advisory lock that outlives the statement and can block other sessions"
_REMOTE = "runs SQL on another connection, outside this read-only transaction"

PG_FUNCTIONS: dict[str, str] = {
    **dict.fromkeys(("pg_cancel_backend", "pg_terminate_backend", "pg_log_backend_memory_contexts"), _SIGNAL),
    "pg_reload_conf": "reloads the server's configuration",
    **dict.fromkeys(
        (
            "pg_rotate_logfile",
            "pg_rotate_logfile_old",
            "pg_switch_wal",
            "pg_switch_xlog",
            "pg_create_restore_point",
            "pg_backup_start",
            "pg_backup_stop",
            "pg_start_backup",
            "pg_stop_backup",
            "pg_promote",
            "pg_wal_replay_pause",
            "pg_wal_replay_resume",
            "pg_xlog_replay_pause",
            "pg_xlog_replay_resume",
        ),
        _WAL,
    ),
    **dict.fromkeys(
        (
            "pg_create_physical_replication_slot",
            "pg_create_logical_replication_slot",
            "pg_copy_physical_replication_slot",
            "pg_copy_logical_replication_slot",
            "pg_drop_replication_slot",
            "pg_replication_slot_advance",
            "pg_logical_slot_get_changes",
            "pg_logical_slot_get_binary_changes",
            "pg_logical_emit_message",
            "pg_replication_origin_create",
            "pg_replication_origin_drop",
            "pg_replication_origin_advance",
            "pg_replication_origin_session_setup",
            "pg_replication_origin_session_reset",
            "pg_replication_origin_xact_setup",
            "pg_replication_origin_xact_reset",
        ),
        _REPLICATION,
    ),
    **dict.fromkeys(
        (
            "pg_stat_reset",
            "pg_stat_reset_shared",
            "pg_stat_reset_single_table_counters",
            "pg_stat_reset_single_function_counters",
            "pg_stat_reset_slru",
            "pg_stat_reset_replication_slot",
            "pg_stat_reset_subscription_stats",
            "pg_stat_statements_reset",
            "pg_qualstats_reset",
            "pg_stat_kcache_reset",
            "pg_wait_sampling_reset_profile",
        ),
        _STATS,
    ),
    **dict.fromkeys(
        ("pg_file_write", "pg_file_rename", "pg_file_unlink", "pg_file_sync", "lo_export"), _FILES
    ),
    **dict.fromkeys(
        (
            "lo_import",
            "lo_create",
            "lo_creat",
            "lo_from_bytea",
            "lo_unlink",
            "lo_put",
            "lo_truncate",
            "lo_truncate64",
            "lowrite",
        ),
        _LARGE_OBJECTS,
    ),
    "pg_notify": "sends a notification to listening sessions",
    **dict.fromkeys(
        (
            "pg_advisory_lock",
            "pg_advisory_lock_shared",
            "pg_try_advisory_lock",
            "pg_try_advisory_lock_shared",
        ),
        _LOCK,
    ),
    **dict.fromkeys(
        ("dblink", "dblink_exec", "dblink_send_query", "dblink_open", "pg_background_launch"), _REMOTE
    ),
    "pg_import_system_collations": "adds collations to the system catalog",
}
# Built-ins that run the SQL text they are given, inside this (read-only) transaction: the text of
# every string literal of the statement is checked as SQL too.
PG_SQL_RUNNERS = frozenset(
    {"query_to_xml", "query_to_xmlschema", "query_to_xml_and_xmlschema", "ts_stat", "ts_rewrite"}
)
# Statements (by their first word) a read-only transaction runs or that need no transaction at all.
PG_STATEMENTS: dict[str, str] = {
    "do": "DO runs a code block whose statements dbscope cannot check",
    "copy": "COPY to or from a file or a program runs on the server",
    "checkpoint": "CHECKPOINT forces a checkpoint (I/O for the whole server)",
    "load": "LOAD loads a shared library into the server process",
    "notify": "NOTIFY sends a notification to listening sessions",
    "lock": "LOCK TABLE takes a lock that can block every other session",
    "reindex": "REINDEX rebuilds indexes under locks that block other sessions",
    "cluster": "CLUSTER rewrites the table under an exclusive lock",
    "vacuum": "VACUUM works on the table (I/O and locks) and changes its statistics",
    "analyze": "ANALYZE rewrites the table's planner statistics",
    "analyse": "ANALYZE rewrites the table's planner statistics",
    "refresh": "REFRESH MATERIALIZED VIEW rewrites the view",
}
_ALTER_SYSTEM = "ALTER SYSTEM changes the server's configuration file"
_STRING_TOKENS = frozenset(
    {
        "STRING",
        "BIT_STRING",
        "HEX_STRING",
        "BYTE_STRING",
        "NATIONAL_STRING",
        "NATIONAL_RAW_STRING",
        "RAW_STRING",
        "HEREDOC_STRING",
        "UNICODE_STRING",
    }
)
_MAX_DEPTH = 3


def refusal(statement: str, dialect: str) -> str | None:
    """Why a read-only session refuses ``statement`` itself, or None. ``dialect``: "postgres" or "mysql"
    (anything else: None — MongoDB sessions send read commands only)."""
    if dialect == "postgres":
        return pg_refusal(statement)
    if dialect == "mysql":
        return mysql_refusal(statement)
    return None


def pg_refusal(statement: str, _depth: int = 0) -> str | None:
    """The PostgreSQL reading of ``refusal``: one message naming what the statement would do."""
    lexings = _pg_lexings(statement)
    if lexings is None:
        return _pg_fallback(statement)
    for tokens in lexings:
        for part in _split_statements(tokens):
            reason = _pg_tokens_refusal(part, _depth)
            if reason:
                return reason
    return None


def _split_statements(tokens: list[_Tok]) -> list[list[_Tok]]:
    parts: list[list[_Tok]] = [[]]
    for token in tokens:
        if token.kind == "SEMICOLON":
            parts.append([])
        else:
            parts[-1].append(token)
    return [part for part in parts if part]


class _Tok:
    """A token reduced to what the classifier reads: kind, text, and whether it is a name."""

    __slots__ = ("end", "kind", "start", "text")

    def __init__(self, kind: str, text: str, start: int, end: int) -> None:
        self.kind, self.text, self.start, self.end = kind, text, start, end

    @property
    def word(self) -> str:
        return self.text.lower() if self.kind not in _STRING_TOKENS and self.kind != "NUMBER" else ""


def _pg_lexings(statement: str) -> list[list[_Tok]] | None:
    """The statement's tokens as PostgreSQL reads them with ``standard_conforming_strings`` on, then off
    (only when the text has a backslash); None when the text cannot be tokenized."""
    tokenizers = _pg_tokenizers()
    lexings = []
    for tokenizer in tokenizers if "\\" in statement else tokenizers[:1]:
        try:
            lexings.append(_lex(tokenizer, statement))
        except Exception:
            return None
    return lexings


# sqlglot keeps the rest of a statement that starts with one of these (EXPLAIN, PREPARE, DO, CALL,
# VACUUM… are COMMAND) as one raw string token: that text is lexed again, so nothing hides in it.
_COMMAND_TOKENS = frozenset({"COMMAND", "EXECUTE", "FETCH", "LOCK", "RENAME", "SHOW"})


def _lex(tokenizer: Any, text: str, depth: int = 0) -> list[_Tok]:
    tokens = [_Tok(t.token_type.name, t.text, t.start, t.end) for t in tokenizer().tokenize(text)]
    out: list[_Tok] = []
    for i, token in enumerate(tokens):
        previous = tokens[i - 1] if i else None
        if (
            previous is not None
            and previous.kind in _COMMAND_TOKENS
            and token.kind == "STRING"
            and depth < 8
            and token.text.strip()
        ):
            out.extend(_lex(tokenizer, token.text, depth + 1))
            continue
        out.append(token)
    return out


@functools.cache
def _pg_tokenizers() -> tuple[Any, Any]:
    """sqlglot's PostgreSQL tokenizer, and one that reads backslash escapes in '…' (built once)."""
    from sqlglot.dialects.postgres import Postgres

    class BackslashEscapes(Postgres.Tokenizer):  # type: ignore[misc,name-defined]
        STRING_ESCAPES: ClassVar[list[str]] = ["'", "\\"]

    return Postgres.Tokenizer, BackslashEscapes


def _pg_tokens_refusal(tokens: list[_Tok], depth: int) -> str | None:
    head_at = 0
    while head_at < len(tokens) and tokens[head_at].kind == "L_PAREN":
        head_at += 1
    if head_at == len(tokens):
        return None
    head = tokens[head_at].word
    if head == "explain":
        rest = _after_explain(tokens, head_at + 1)
        return None if rest is None else _pg_tokens_refusal(rest, depth)
    if head == "copy" and not _copies_to_stdout(tokens):
        return PG_STATEMENTS["copy"]
    if head in PG_STATEMENTS and head != "copy":
        return PG_STATEMENTS[head]
    if head == "alter" and head_at + 1 < len(tokens) and tokens[head_at + 1].word == "system":
        return _ALTER_SYSTEM
    runners: list[str] = []
    for i in range(len(tokens) - 1):
        name, after = _called_name(tokens, i)
        if name is None or after >= len(tokens) or tokens[after].kind != "L_PAREN":
            continue
        if name in PG_FUNCTIONS:
            return f"{name}() {PG_FUNCTIONS[name]}"
        if name in PG_SQL_RUNNERS:
            runners.append(name)
    if runners and depth < _MAX_DEPTH:
        for token in tokens:
            if token.kind in _STRING_TOKENS and token.text.strip():
                inner = pg_refusal(token.text, depth + 1)
                if inner:
                    return f"{runners[0]}() runs the SQL text it is given, and there {inner}"
    return None


def _called_name(tokens: list[_Tok], i: int) -> tuple[str | None, int]:
    """The function name token ``i`` starts, and the index of the token after the name (where a call
    has its ``(``). ``U&"…"`` identifiers are decoded, with their ``UESCAPE`` if any."""
    token = tokens[i]
    if (
        token.word == "u"
        and i + 2 < len(tokens)
        and tokens[i + 1].kind == "AMP"
        and tokens[i + 2].kind == "IDENTIFIER"
        and token.end + 1 == tokens[i + 1].start
        and tokens[i + 1].end + 1 == tokens[i + 2].start
    ):
        escape, after = "\\", i + 3
        if after + 1 < len(tokens) and tokens[after].word == "uescape" and tokens[after + 1].kind == "STRING":
            escape, after = tokens[after + 1].text[:1] or "\\", after + 2
        return _unicode_identifier(tokens[i + 2].text, escape).lower(), after
    if token.kind == "IDENTIFIER":
        return token.text.lower(), i + 1
    if token.word and re.fullmatch(r"[a-z_][a-z0-9_$]*", token.word):
        return token.word, i + 1
    return None, i + 1


def _unicode_identifier(text: str, escape: str) -> str:
    e = re.escape(escape)
    pattern = re.compile(rf"{e}{e}|{e}\+([0-9A-Fa-f]{{6}})|{e}([0-9A-Fa-f]{{4}})")

    def decode(match: re.Match[str]) -> str:
        code = match.group(1) or match.group(2)
        if code is None:
            return escape
        try:
            return chr(int(code, 16))
        except ValueError:
            return ""

    return pattern.sub(decode, text)


def _after_explain(tokens: list[_Tok], i: int) -> list[_Tok] | None:
    """The statement after ``EXPLAIN …`` when its options ask for ANALYZE (the statement then runs),
    None for a plain EXPLAIN (nothing runs)."""
    analyze = False
    if i < len(tokens) and tokens[i].kind == "L_PAREN":
        depth, j = 0, i
        options: list[_Tok] = []
        while j < len(tokens):
            if tokens[j].kind == "L_PAREN":
                depth += 1
            elif tokens[j].kind == "R_PAREN":
                depth -= 1
                if depth == 0:
                    break
            options.append(tokens[j])
            j += 1
        for k, option in enumerate(options):
            if option.word in ("analyze", "analyse"):
                value = options[k + 1].text.lower() if k + 1 < len(options) else ""
                analyze = value not in ("off", "false", "0", "no")
        i = j + 1
    else:
        while i < len(tokens) and tokens[i].word in ("analyze", "analyse", "verbose"):
            analyze = analyze or tokens[i].word in ("analyze", "analyse")
            i += 1
    return tokens[i:] if analyze else None


def _copies_to_stdout(tokens: list[_Tok]) -> bool:
    words = [t.word for t in tokens]
    return any(w == "to" and nxt == "stdout" for w, nxt in itertools.pairwise(words)) and not any(
        w == "program" for w in words
    )


def _pg_fallback(statement: str) -> str | None:
    """Text that cannot be tokenized (an unterminated quote…) would fail on the server too; read it
    conservatively anyway: any of the names followed by ``(``, or a refused first word."""
    text = statement.lower()
    head = re.match(r"[\s(]*([a-z_]+)", text)
    if head and head.group(1) in PG_STATEMENTS:
        return PG_STATEMENTS[head.group(1)]
    for name in re.findall(r"([a-z_][a-z0-9_$]*)\"?\s*\(", text):
        if name in PG_FUNCTIONS:
            return f"{name}() {PG_FUNCTIONS[name]}"
    return None


# -- MySQL / MariaDB --------------------------------------------------------------------------------------
_SET_UNSAFE = re.compile(
    r"\bglobal\b|\bpersist(?:_only)?\b|@@global\.|@@persist|read\s+write|read_only|\bpassword\b|sql_log_bin",
    re.I,
)
_INTO_FILE = re.compile(r"\binto\s+(?:outfile|dumpfile)\b", re.I)
MYSQL_ALWAYS_REFUSED = frozenset(
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
        "backup",
        "cache",
        "load",
    }
)
MYSQL_FUNCTIONS: dict[str, str] = {
    "get_lock": "takes a named user lock that outlives the statement and can block other sessions",
}
_MYSQL_CALL = re.compile(r"\b([a-z_][a-z0-9_$]*)\s*\(", re.I)


def mysql_normalized(statement: str) -> str:
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
                out.append(" " + mysql_normalized(body[executable.end() :]) + " ")
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


def mysql_refusal(statement: str) -> str | None:
    """The MySQL/MariaDB reading of ``refusal`` (None when the server's read-only transaction mode is the
    guard, or the statement is harmless)."""
    from tui.core.sqltext import first_word

    text = mysql_normalized(statement)
    word = first_word(text)
    if not word and text.strip():
        return "the statement could not be classified"
    upper = word.upper()
    if word in MYSQL_ALWAYS_REFUSED:
        return f"{upper} is not stopped by a read-only transaction"
    if word == "set" and _SET_UNSAFE.search(text):
        return "SET of a global, persisted or access-mode variable is not stopped by a read-only transaction"
    if word == "start" and re.search(r"read\s+write|\bslave\b|\breplica\b|group_replication", text, re.I):
        return "START … READ WRITE or replication control would bypass the read-only session"
    if word == "alter" and re.match(r"\s*alter\s+instance\b", text, re.I):
        return "ALTER INSTANCE changes the server (keys, redo log) outside any transaction"
    if _INTO_FILE.search(text):
        return "SELECT … INTO OUTFILE/DUMPFILE writes a file on the server"
    if word == "analyze" and re.match(
        r"\s*analyze\s+(?:no_write_to_binlog\s+|local\s+)?tables?\b", text, re.I
    ):
        return "ANALYZE TABLE rewrites the table's statistics"
    if word == "lock":
        return "LOCK TABLES would block other sessions"
    for name in _MYSQL_CALL.findall(text):
        if name.lower() in MYSQL_FUNCTIONS:
            return f"{name.upper()}() {MYSQL_FUNCTIONS[name.lower()]}"
    return None
