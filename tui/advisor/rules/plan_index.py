"""The index advice plan rules attach to a scan: a B-tree on the columns of the node's condition, in
Equality → Range order, or the reason there is none (an index already serves them; no column can lead
an index). Shared by the seq-scan, index-filter and nested-loop rules."""

from __future__ import annotations

from tui.advisor.context import PlanContext
from tui.advisor.rules.common import Relation
from tui.advisor.suggest import candidate_from_filter, candidate_statements, covered_by, describe_roles
from tui.core.plan import PlanNode


def index_advice(
    node: PlanNode, ctx: PlanContext, rel: Relation, condition: str | None = None, *, joins: bool = False
) -> tuple[str, list[str], list[str]]:
    """(recommendation, [CREATE INDEX …], [DROP INDEX …]) for the columns of ``condition`` (default:
    the node's filter)."""
    condition = condition or node.filter
    if not condition:
        return "", [], []
    alias = node.extra.get("Alias")
    cand = candidate_from_filter(
        condition,
        rel.schema,
        rel.table,
        rel.detail,
        include_joins=joins,
        alias=alias if isinstance(alias, str) else None,
        check_covered=False,
    )
    if cand is None:
        return (
            "No plain column of the condition can lead a B-tree index (functions, casts, OR or "
            "non-indexable types); rewrite the predicate so the column stands alone, or index the "
            "expression.",
            [],
            [],
        )
    existing = covered_by(cand, rel.detail) if rel.detail is not None else None
    if existing is not None:
        return (
            f"The existing index {existing.name} already leads with {cand.describe()}, yet the planner "
            f"did not use it here; refresh the statistics (ANALYZE {rel.qualified}) and compare the "
            "estimated and actual row counts before adding anything.",
            [],
            [],
        )
    _name, create, drop = candidate_statements(cand, ctx.facts)
    text = f"The optimal indexing strategy for this predicate is a B-tree index on {cand.describe()}"
    if len(cand.columns) > 1:
        text += f": {describe_roles(cand)}, equality columns first, the most selective first"
    if rel.detail is None:
        text += (
            "; the table's existing indexes are unknown here (no schema facts), so check that none "
            "already leads with these columns"
        )
    return text + ".", [create], [drop]
