"""What to EXPLAIN for a top statement: shared by the TUI's Top tab and ``dbscope top --explain``.

- ``explain_refusal(query, engine)``: why a statement has no plan (``COMMIT``, ``SET``, DDL…), else None.
- ``digest_needs_values(query)``: a MySQL/MariaDB digest keeps ``?`` where literals were.
- ``statement_to_explain(stat, engine)`` → ``ExplainChoice``: the text to explain (a PostgreSQL ``$1``
  statement as it is: the adapter makes a generic plan of it; a digest's sample when the server kept a
  whole one; a MongoDB profiler shape's slowest recorded read), or why not, or that the user must give
  values (with how to make the server keep samples).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from tui.core.session import StatementStat
from tui.core.sqltext import first_word, strip_comments

MYSQL_SAMPLES_HINT = (
    "let the server keep real instances of each digest: UPDATE performance_schema.setup_consumers SET "
    "ENABLED = 'YES' WHERE NAME IN ('events_statements_current', 'events_statements_history_long') "
    "(until the restart; performance-schema-consumer-events-statements-current=ON and "
    "performance-schema-consumer-events-statements-history-long=ON under [mysqld] keep it)"
)
_EXPLAINABLE = {
    "postgresql": ("select", "insert", "update", "delete", "merge", "values", "table", "execute", "with"),
    "mysql": ("select", "insert", "update", "delete", "replace", "table", "with"),
}
_PG_CREATE_AS = re.compile(
    r"^\s*create\s+(?:(?:global|local)\s+)?(?:(?:temp|temporary|unlogged)\s+)?"
    r"(?:table|materialized\s+view)\b.*\bas\b",
    re.I | re.S,
)
_BACKTICKED = re.compile(r"`(?:[^`]|``)*`")
_STRING = re.compile(r"'(?:[^'\\]|\\.|'')*'|\"(?:[^\"\\]|\\.|\"\")*\"")


def _family(engine: str) -> str:
    return "mysql" if engine in ("mysql", "mariadb") else engine


def explain_refusal(query: str, engine: str) -> str | None:
    """Why ``query`` cannot be explained on ``engine`` (a one-line reason), or None when it can."""
    family = _family(engine)
    allowed = _EXPLAINABLE.get(family)
    if allowed is None:  # MongoDB and others: the adapter knows
        return None
    head = first_word(query)
    if not head:
        return "the statement is empty"
    if head in allowed or (family == "postgresql" and _PG_CREATE_AS.match(strip_comments(query))):
        return None
    kinds = ", ".join(word.upper() for word in allowed)
    return f"{head.upper()} statements have no plan (EXPLAIN covers {kinds})"


def digest_needs_values(query: str) -> bool:
    """A MySQL/MariaDB digest keeps ``?`` where literals were and ``(...)`` for lists of them
    (identifiers in backticks and string literals aside)."""
    text = _STRING.sub("", _BACKTICKED.sub("", query))
    return "?" in text or "(...)" in text


@dataclass(slots=True, frozen=True)
class ExplainChoice:
    """``query`` to explain; else ``reason`` why not, and ``needs_values`` when values would do."""

    query: str | None
    reason: str | None = None
    needs_values: bool = False
    hint: str = ""


def statement_to_explain(stat: StatementStat, engine: str) -> ExplainChoice:
    query = stat.query
    if engine == "mongodb":
        # The profiler groups operations by shape (values as "?"); the slowest one's real command
        # is kept as a mongosh read when it is one.
        sample = str(stat.extra.get("sample") or "")
        if sample:
            return ExplainChoice(sample)
        op = str(stat.extra.get("op") or "operation")
        return ExplainChoice(
            None,
            f"the profiler kept only the shape of this {op}: dbscope explains the reads it recorded "
            "(find, aggregate, count, distinct) with their values",
        )
    refusal = explain_refusal(query, engine)
    if refusal:
        return ExplainChoice(None, refusal)
    if _family(engine) != "mysql" or not digest_needs_values(query):
        return ExplainChoice(query)
    sample = str(stat.extra.get("sample") or "")
    if sample and not sample.rstrip().endswith("...") and not digest_needs_values(sample):
        return ExplainChoice(sample)
    return ExplainChoice(
        None,
        "the digest keeps ? where the literals were and the server kept no whole sample of it",
        needs_values=True,
        hint=f"explain it with representative values, or {MYSQL_SAMPLES_HINT}",
    )


__all__ = [
    "MYSQL_SAMPLES_HINT",
    "ExplainChoice",
    "digest_needs_values",
    "explain_refusal",
    "statement_to_explain",
]
