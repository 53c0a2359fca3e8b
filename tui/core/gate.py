"""The execution gate's policy: what a text holds, what each statement does, and whether this session may
send it. Textual-free and driver-free; the adapters send what it lets through (``Adapter.review`` and
their single user-statement sender), and the screens and the CLI ask it before any confirmation.

``review(text, settings, read_write=…, purpose=…)`` lexes ``text`` as the server will
(``tui.core.sqllex``), splits it into statements, and for each says:

- ``refusal``: why this session must not send it. In every session: text that ends inside a quote or a
  comment, and more than one statement where one is expected (EXPLAIN takes one; the adapters send one
  per call). In a read-only session also: transaction control (``COMMIT``, ``BEGIN``, ``SAVEPOINT``,
  ``XA``…), changes to the session's read-only characteristics (``SET default_transaction_read_only``,
  ``SET SESSION CHARACTERISTICS``, ``set_config('transaction_read_only', …)``, ``RESET ALL``,
  ``DISCARD ALL``, MySQL ``SET [SESSION] tx_read_only``/``transaction_read_only`` in any quoting,
  ``SET TRANSACTION READ WRITE``, ``SET STATEMENT … FOR``), and what ``tui.core.sideeffects`` lists.
- ``writes``: why it changes something (empty for a plain read): the statement kind, a call of a
  function that writes (``nextval``/``setval``/``set_config``, and whatever the adapter's catalog lookup
  says: volatile user functions on PostgreSQL, stored functions on MySQL/MariaDB), side effects.
- ``not_undone``: what a rollback would not undo (for EXPLAIN ANALYZE): sequence calls, side effects, and
  what the adapter adds (non-transactional tables on MySQL/MariaDB).

The server is the last word (read-only transactions, one statement per protocol message); this policy
refuses what the server would let through and makes every confirmation name every write.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from tui.core.sqllex import MYSQL, LexSettings, Piece, Token, split

RUN = "run"
EXPLAIN = "explain"
ANALYZE = "analyze"

# Given the names a statement calls (lower case, also schema-qualified), the reasons those that write do.
FunctionLookup = Callable[[set[str]], dict[str, str]]

_PG_TX = frozenset(
    {"begin", "start", "commit", "end", "rollback", "abort", "savepoint", "release", "prepare"}
)
_MYSQL_TX = frozenset({"begin", "start", "commit", "rollback", "savepoint", "release", "xa", "unlock"})
_PG_READ_ONLY_SETTINGS = frozenset(
    {"default_transaction_read_only", "transaction_read_only", "session_characteristics"}
)
_MYSQL_READ_ONLY_VARIABLES = frozenset(
    {
        "tx_read_only",
        "transaction_read_only",
        "read_only",
        "super_read_only",
        "autocommit",
        "completion_type",
        "sql_log_bin",
        "pseudo_slave_mode",
        "pseudo_replica_mode",
        "gtid_next",
        "gtid_seq_no",
        "skip_replication",
        "wsrep_on",
    }
)
_SEQUENCE_FUNCTIONS = {
    "nextval": "nextval() advances a sequence",
    "setval": "setval() sets a sequence",
    "lastval": "",
}
_PG_WRITING_BUILTINS = {
    **{k: v for k, v in _SEQUENCE_FUNCTIONS.items() if v},
    "set_config": "set_config() changes a setting",
}
# Words that take a parenthesis without being function calls.
_NOT_CALLS = frozenset(
    {
        "in",
        "exists",
        "values",
        "any",
        "all",
        "some",
        "as",
        "over",
        "filter",
        "within",
        "using",
        "on",
        "into",
        "table",
        "from",
        "join",
        "where",
        "and",
        "or",
        "not",
        "select",
        "with",
        "returning",
        "key",
        "index",
        "unique",
        "check",
        "references",
        "primary",
        "partition",
        "by",
        "lateral",
        "rows",
        "row",
        "array",
        "explain",
        "analyze",
        "analyse",
        "grouping",
        "sets",
        "cube",
        "rollup",
        "include",
        "window",
        "distinct",
        "then",
        "else",
        "when",
        "case",
        "is",
        "like",
        "between",
        "limit",
        "offset",
        "set",
        "update",
        "delete",
        "insert",
        "default",
        "do",
        "union",
        "intersect",
        "except",
        "recursive",
        "materialized",
        "cast",
        "coalesce",
        "nullif",
        "greatest",
        "least",
        "extract",
        "overlay",
        "position",
        "substring",
        "trim",
        "interval",
        "char",
        "varchar",
        "numeric",
        "decimal",
        "timestamp",
        "time",
        "float",
        "bit",
        "varbinary",
        "binary",
        "count",
        "sum",
        "avg",
        "min",
        "max",
        "format",
        "for",
        "having",
        "order",
        "group",
        "elseif",
        "if",
        "match",
        "against",
    }
)


@dataclass(slots=True)
class StatementReview:
    text: str
    head: str
    start: int
    end: int
    writes: list[str] = field(default_factory=list)
    not_undone: list[str] = field(default_factory=list)
    refusal: str | None = None
    calls: set[str] = field(default_factory=set)
    tokens: list[Token] = field(default_factory=list, repr=False)


@dataclass(slots=True)
class Review:
    text: str
    purpose: str
    statements: list[StatementReview]
    refusal: str | None = None  # the first reason the whole text is refused
    read_only_refusal: bool = False  # refused because the session is read-only (else: for any session)

    @property
    def writing(self) -> list[StatementReview]:
        return [s for s in self.statements if s.writes]

    @property
    def writes(self) -> bool:
        return bool(self.writing)

    @property
    def single(self) -> StatementReview | None:
        return self.statements[0] if len(self.statements) == 1 else None


def review(
    text: str,
    settings: LexSettings,
    *,
    read_write: bool,
    purpose: str = RUN,
    functions: FunctionLookup | None = None,
    many: bool = False,
) -> Review:
    """Review ``text`` for this session. ``many``: the caller sends its statements one by one (a selection
    in the editor); otherwise more than one statement is refused."""
    pieces, incomplete = split(text, settings)
    statements = [_statement(p, settings) for p in pieces]
    result = Review(text, purpose, statements)
    if not statements:
        result.refusal = "nothing to send: the text holds no statement"
        return result
    if incomplete:
        result.refusal = f"the text ends inside {incomplete}; the server would refuse it"
        return result
    if len(statements) > 1 and not many:
        what = "EXPLAIN takes" if purpose != RUN else "dbscope sends"
        result.refusal = (
            f"{what} one statement at a time, and this text holds {len(statements)}: "
            + "; ".join(_label(s) for s in statements[:4])
            + ("…" if len(statements) > 4 else "")
        )
    called = set().union(*(s.calls for s in statements))
    looked_up = functions(called) if functions and called else {}
    for stmt in statements:
        _judge(stmt, settings, read_write=read_write, purpose=purpose, looked_up=looked_up)
        if stmt.refusal and result.refusal is None:
            result.refusal = stmt.refusal
            result.read_only_refusal = not read_write and not stmt.refusal.startswith("EXPLAIN cannot")
    return result


def _label(stmt: StatementReview) -> str:
    flat = " ".join(stmt.text.split())
    return flat if len(flat) <= 40 else flat[:39] + "…"


def _statement(piece: Piece, settings: LexSettings) -> StatementReview:
    return StatementReview(
        piece.text, piece.head, piece.start, piece.end, calls=called_names(piece.tokens), tokens=piece.tokens
    )


def called_names(tokens: list[Token]) -> set[str]:
    """Names followed by ``(`` that may be function calls (lower case; qualified ones also in full)."""
    names: set[str] = set()
    for i in range(len(tokens) - 1):
        tok, nxt = tokens[i], tokens[i + 1]
        if nxt.kind != "(" or tok.kind not in ("word", "ident"):
            continue
        name = tok.value.lower()
        if tok.kind == "word" and name in _NOT_CALLS:
            continue
        prev = tokens[i - 1] if i else None
        if prev is not None and prev.kind == "word" and prev.value in ("into", "table", "on", "references"):
            continue  # INSERT INTO t (a), REFERENCES t (id)
        names.add(name)
        if i >= 2 and tokens[i - 1].kind == "." and tokens[i - 2].kind in ("word", "ident"):
            names.add(f"{tokens[i - 2].value.lower()}.{name}")
    return names


def _judge(
    stmt: StatementReview, settings: LexSettings, *, read_write: bool, purpose: str, looked_up: dict[str, str]
) -> None:
    from tui.core.sideeffects import refusal as side_effect
    from tui.core.sqltext import statement_may_write

    dialect = "mysql" if settings.family == MYSQL else "postgres"
    toks = stmt.tokens
    # The statement as the server reads it: comments gone (nested ones too), executable MySQL comments
    # unwrapped; the older classifiers below read this text, not the raw one.
    clean = " ".join(t.text for t in toks)
    tx = transaction_control(toks, settings)
    session = session_change(toks, settings)
    effect = side_effect(clean, dialect)
    if tx:
        stmt.writes.append(tx)
        stmt.not_undone.append(tx)
    if session:
        stmt.writes.append(session)
    if effect:
        stmt.writes.append(effect)
        stmt.not_undone.append(effect)
    for name in sorted(stmt.calls):
        reason = looked_up.get(name)
        if reason is None and dialect == "postgres":
            reason = _PG_WRITING_BUILTINS.get(name.rsplit(".", 1)[-1])
        if reason and reason not in stmt.writes:
            stmt.writes.append(reason)
        base = name.rsplit(".", 1)[-1]
        if dialect == "postgres" and _SEQUENCE_FUNCTIONS.get(base):
            stmt.not_undone.append(f"{base}() changes a sequence, which a rollback does not undo")
    if not stmt.writes and statement_may_write(clean, dialect):
        stmt.writes.append(_kind(stmt.head))
    if purpose in (EXPLAIN, ANALYZE) and tx:
        stmt.refusal = f"EXPLAIN cannot take transaction control ({tx})"
    elif not read_write and purpose != EXPLAIN:  # a plain EXPLAIN executes nothing
        if tx:
            stmt.refusal = f"a read-only session refuses transaction control: {tx}"
        elif session:
            stmt.refusal = f"a read-only session refuses this: {session}"
        elif effect:
            stmt.refusal = effect


def _kind(head: str) -> str:
    return f"{head.upper()} writes" if head else "the statement may write"


def transaction_control(tokens: list[Token], settings: LexSettings) -> str:
    """What a statement does to the transaction ("" for nothing)."""
    words = _lead_words(tokens, 4)
    if not words:
        return ""
    head = words[0]
    mysql = settings.family == MYSQL
    if head in (_MYSQL_TX if mysql else _PG_TX):
        if head == "prepare" and (len(words) < 2 or words[1] != "transaction"):
            return ""
        if head == "start" and (len(words) < 2 or words[1] != "transaction"):
            return ""
        if head == "unlock" and (len(words) < 2 or words[1] not in ("tables", "table")):
            return ""
        label = " ".join(words[:2]) if head in ("start", "prepare", "unlock", "release") else head
        return f"{label.upper()} ends or opens a transaction"
    if head == "set" and len(words) > 1:
        rest = words[1:]
        if rest[0] in ("session", "local", "global") and len(rest) > 1:
            rest = rest[1:]
        if rest[0] == "transaction" or rest[:2] == ["characteristics", "as"]:
            return ""  # a session characteristic, judged by session_change
    if head == "end" and not mysql:
        return "END ends the transaction"
    return ""


def session_change(tokens: list[Token], settings: LexSettings) -> str:
    """A change to the session's read-only characteristics ("" for none)."""
    if not tokens:
        return ""
    words = _lead_words(tokens, 3)
    head = words[0] if words else ""
    if settings.family == MYSQL:
        return _mysql_session_change(tokens)
    if head == "set":
        rest = [t for t in tokens[1:] if t.kind in ("word", "ident")]
        names = [t.value.lower() for t in rest[:3]]
        if names[:1] in (["session"], ["local"]):
            names = names[1:]
        if names[:1] == ["transaction"] and _has_read_write(tokens):
            return "SET TRANSACTION READ WRITE lifts the transaction's read-only mode"
        if names[:2] == ["characteristics", "as"] or (names and names[0] in _PG_READ_ONLY_SETTINGS):
            return "it changes the session's read-only mode"
    if head == "reset" and len(words) > 1 and words[1] in ("all", *_PG_READ_ONLY_SETTINGS):
        return f"RESET {words[1].upper()} can lift the session's read-only mode"
    if head == "discard" and len(words) > 1 and words[1] == "all":
        return "DISCARD ALL resets the session's read-only mode"
    for i, tok in enumerate(tokens[:-2]):
        if tok.value.lower() == "set_config" and tokens[i + 1].kind == "(":
            arg = tokens[i + 2]
            if arg.kind == "string" and arg.value.strip().lower() in _PG_READ_ONLY_SETTINGS:
                return f"set_config('{arg.value}') changes the session's read-only mode"
            if arg.kind != "string":
                return "set_config() with a computed name may change the session's read-only mode"
    return ""


def _mysql_session_change(tokens: list[Token]) -> str:
    """MySQL/MariaDB: SET of a variable that governs read-only mode, in any quoting or scope; SET
    TRANSACTION … READ WRITE; SET STATEMENT … FOR (the statement then runs with other settings)."""
    found = ""
    for i, tok in enumerate(tokens):
        if tok.kind != "word" or tok.value != "set":
            continue
        nxt = tokens[i + 1] if i + 1 < len(tokens) else None
        if nxt is not None and nxt.kind == "word" and nxt.value == "statement":
            names = _mysql_assigned(tokens[i + 2 :], stop_at_for=True)
            bad = names & _MYSQL_READ_ONLY_VARIABLES
            if bad:
                return f"SET STATEMENT {sorted(bad)[0]}=… lifts the read-only mode for the statement"
            continue
        rest = tokens[i + 1 :]
        words = [t.value for t in rest[:3] if t.kind == "word"]
        if words[:1] in (["session"], ["local"], ["global"]):
            words = words[1:]
        if words[:1] == ["transaction"] and _has_read_write(rest):
            return "SET TRANSACTION READ WRITE lifts the read-only mode"
        bad = _mysql_assigned(rest, stop_at_for=False) & _MYSQL_READ_ONLY_VARIABLES
        if bad:
            found = f"SET {sorted(bad)[0]} changes the session's read-only mode"
            return found
    return found


def _mysql_assigned(tokens: list[Token], *, stop_at_for: bool) -> set[str]:
    """The variable names a SET assigns (``a = 1, @@session.b := 2, SESSION `c` = 3``)."""
    names: set[str] = set()
    depth = 0
    expect_name = True
    for tok in tokens:
        if tok.kind == "(":
            depth += 1
        elif tok.kind == ")":
            depth -= 1
        elif depth == 0 and tok.kind == ",":
            expect_name = True
        elif depth == 0 and stop_at_for and tok.kind == "word" and tok.value == "for":
            break
        elif expect_name and depth == 0:
            if tok.kind == "word" and tok.value in ("session", "local", "global", "persist", "persist_only"):
                continue
            if tok.kind == "variable":
                if tok.value.startswith("@@"):  # a system variable; @name is the user's own
                    names.add(tok.value.rsplit(".", 1)[-1].lstrip("@"))
                expect_name = False
            elif tok.kind in ("word", "ident"):
                names.add(tok.value.lower())
                expect_name = False
    return names


def _has_read_write(tokens: Iterable[Token]) -> bool:
    words = [t.value for t in tokens if t.kind == "word"]
    return any(a == "read" and b == "write" for a, b in itertools.pairwise(words))


def _lead_words(tokens: list[Token], count: int) -> list[str]:
    out: list[str] = []
    for tok in tokens:
        if tok.kind == "(" and not out:
            continue
        if tok.kind != "word":
            break
        out.append(tok.value)
        if len(out) == count:
            break
    return out


__all__ = [
    "ANALYZE",
    "EXPLAIN",
    "RUN",
    "FunctionLookup",
    "Review",
    "StatementReview",
    "called_names",
    "review",
    "session_change",
    "transaction_control",
]
