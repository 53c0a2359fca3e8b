"""``pg.invalid-index``: an index left invalid (``indisvalid`` false), usually by a failed or cancelled
``CREATE INDEX CONCURRENTLY``. The planner ignores it, yet every write still maintains it (once it is
ready). Fix: ``DROP INDEX CONCURRENTLY`` then recreate it from its definition with CONCURRENTLY, after
removing what made the build fail (duplicates for a unique index, an expression that errors on a row).
Severity warning.
"""

from __future__ import annotations

from tui.advisor import ddl
from tui.advisor.context import SchemaContext
from tui.advisor.registry import Rule
from tui.advisor.rules.common import schema_finding, table_name, table_qualified, tables_of
from tui.core import fmt
from tui.core.finding import Finding

RULE_ID = "pg.invalid-index"


def check(ctx: SchemaContext) -> list[Finding]:
    out: list[Finding] = []
    for detail in tables_of(ctx.facts):
        for index in detail.indexes:
            if index.valid:
                continue
            schema, table = detail.node.schema, table_name(detail)
            recreate = ddl.recreate_index(index, schema, table)
            drop = ddl.drop_index(schema, index.name)
            out.append(
                schema_finding(
                    RULE_ID,
                    "warning",
                    obj=table_qualified(detail),
                    title="Invalid index",
                    message=(
                        f"The index {index.name} on {table_qualified(detail)} is invalid; it takes "
                        f"{fmt.size(index.size_bytes)}. Definition: {index.definition or '(unknown)'}"
                    ),
                    reasoning=(
                        "An invalid index is never used by the planner, but once it is ready PostgreSQL still "
                        "updates it on every write; it is what a failed or cancelled CREATE INDEX CONCURRENTLY "
                        "leaves behind."
                    ),
                    recommendation=(
                        "Drop it and build it again concurrently"
                        + (
                            "; for a unique index, remove the duplicate keys first or the rebuild fails the same way"
                            if index.unique
                            else "; fix the rows that made the build fail first"
                        )
                        + "."
                    ),
                    evidence={"size_bytes": index.size_bytes},
                    ddl=[drop, recreate],
                    rollback=[
                        "-- nothing to restore: the dropped index was invalid and unused by the planner",
                        drop,
                    ],
                    impact=float(index.size_bytes or 0),
                )
            )
    return out


RULES = (
    Rule(
        id=RULE_ID,
        category="schema",
        engines=("postgresql",),
        check=check,
        summary="index with indisvalid false",
    ),
)
