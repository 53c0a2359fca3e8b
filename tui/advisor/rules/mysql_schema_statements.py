"""``mysql.statement-no-index``: statements in ``performance_schema.events_statements_summary_by_digest``
that ran without an index (``SUM_NO_INDEX_USED``) or without a good one (``SUM_NO_GOOD_INDEX_USED`` —
the optimizer re-checked the range for each row of a join), with rows examined per row sent.

Input: ``SchemaFacts.server["statements"]`` — the digests the MySQL adapter reads with the schema facts
(dicts with ``query``, ``sample``, ``calls``, ``total_time_ms``, ``rows_sent``, ``rows_examined``,
``no_index_used``, ``no_good_index_used``). Severity: warning when at least half the executions used no
index and each examined ≥ 1,000 rows (or examined ≥ 100 rows per row sent), info otherwise. No DDL: the
statement's plan decides which index; the finding carries ``QUERY_SAMPLE_TEXT`` (a real statement, not
the ``?``-normalised digest) to EXPLAIN.
"""

from __future__ import annotations

from typing import Any

from tui.advisor.context import SchemaContext
from tui.advisor.registry import Rule
from tui.advisor.rules.common import schema_finding
from tui.advisor.rules.mysql_common import ENGINES
from tui.core import fmt
from tui.core.finding import Finding

RULE_ID = "mysql.statement-no-index"
EXAMINED_PER_CALL = 1_000
EXAMINED_PER_SENT = 100


def _number(row: dict[str, Any], key: str) -> float:
    value = row.get(key)
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else 0.0


def check(ctx: SchemaContext) -> list[Finding]:
    rows = ctx.facts.server.get("statements")
    if not isinstance(rows, list):
        return []
    out: list[Finding] = []
    for row in rows:
        if not isinstance(row, dict):
            continue
        calls = _number(row, "calls")
        no_index = _number(row, "no_index_used")
        no_good = _number(row, "no_good_index_used")
        if calls <= 0 or (no_index <= 0 and no_good <= 0):
            continue
        examined = _number(row, "rows_examined")
        sent = _number(row, "rows_sent")
        per_call = examined / calls
        per_sent = examined / sent if sent else None
        share = min(1.0, (no_index + no_good) / calls)
        heavy = per_call >= EXAMINED_PER_CALL or (per_sent is not None and per_sent >= EXAMINED_PER_SENT)
        severity = "warning" if share >= 0.5 and heavy else "info"
        query = str(row.get("query") or "")
        sample = str(row.get("sample") or "")
        short = " ".join(query.split())
        short = short if len(short) <= 160 else short[:159] + "…"
        out.append(
            schema_finding(
                RULE_ID,
                severity,
                obj=str(row.get("schema")) if row.get("schema") else None,
                title="Statement runs without a (good) index",
                message=(
                    f"{short} ran {fmt.num(calls)} times; {fmt.num(no_index)} executions used no index"
                    + (f" and {fmt.num(no_good)} no good index" if no_good else "")
                    + f". Each examined {fmt.num(per_call)} rows on average"
                    + (f" ({fmt.num(per_sent)} per row sent)" if per_sent is not None else "")
                    + f", {fmt.ms(_number(row, 'total_time_ms'))} in total."
                ),
                reasoning=(
                    "performance_schema counts an execution as 'no index used' when a table was read in full, and "
                    "'no good index' when the optimizer found no usable index for a join; rows examined far above "
                    "rows sent is the same waste seen from the outside."
                ),
                recommendation=(
                    "EXPLAIN the statement to see which table is scanned and index its filter or join columns"
                    + (
                        f": {sample}"
                        if sample
                        else " (QUERY_SAMPLE_TEXT is empty: take a real instance from the application log)."
                    )
                ),
                evidence={
                    "calls": calls,
                    "no_index_used": no_index,
                    "no_good_index_used": no_good,
                    "rows_examined_per_call": round(per_call, 1),
                    "rows_examined_per_sent": round(per_sent, 1) if per_sent is not None else None,
                    "total_time_ms": round(_number(row, "total_time_ms"), 3),
                },
                impact=_number(row, "total_time_ms") * share,
            )
        )
    return out


RULES = (
    Rule(
        id=RULE_ID,
        category="schema",
        engines=ENGINES,
        check=check,
        summary="statement digests with SUM_NO_INDEX_USED / SUM_NO_GOOD_INDEX_USED > 0",
    ),
)
