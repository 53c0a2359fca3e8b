"""``mongo.not-covered``: a FETCH stage right above an IXSCAN for a query whose projection could be
answered from an index alone (Compass's ``isCovered`` is false: documents were examined).

Fires when the query has an inclusion projection and its projected fields are all in the scanned index
(then only ``_id`` is missing: exclude it with ``_id: 0``), or when adding the projected fields to the
end of the index would cover it — never on a multikey index (a multikey index cannot cover) nor on
an index scan filtered after the FETCH. Info; warning when ≥ 1,000 documents were fetched.
"""

from __future__ import annotations

from typing import Any

from tui.advisor.context import PlanContext
from tui.advisor.registry import Rule
from tui.advisor.rules.common import plan_finding
from tui.advisor.rules.mongo_common import (
    MAX_INDEX_FIELDS,
    create_index,
    drop_index,
    existing_index_for,
    query_shape,
)
from tui.core import fmt
from tui.core import mongoshell as ms
from tui.core.finding import Finding

RULE_ID = "mongo.not-covered"
WARN_FETCHED = 1_000


def _included_fields(projection: dict[str, Any] | None) -> tuple[list[str], bool] | None:
    """(fields the projection includes, whether _id is excluded); None for exclusion projections."""
    if not projection:
        return None
    included = []
    id_excluded = False
    for key, value in projection.items():
        truthy = bool(value) if isinstance(value, bool | int | float) else None
        if key == "_id":
            id_excluded = truthy is False
            if truthy:
                included.append("_id")
            continue
        if truthy is None:
            return None  # computed fields ($slice, $elemMatch, expressions) need the document
        if not truthy:
            return None  # an exclusion projection returns every other field
        included.append(key)
    return (included, id_excluded) if included else None


def check(ctx: PlanContext) -> list[Finding]:
    shape = query_shape(ctx)
    projected = _included_fields(shape.projection)
    if projected is None or not shape.collection:
        return []
    fields, id_excluded = projected
    out: list[Finding] = []
    for node in ctx.plan.nodes():
        if node.operation != "FETCH" or node.filter or len(node.children) != 1:
            continue
        scan = node.children[0]
        if scan.operation != "IXSCAN" or scan.extra.get("isMultiKey") is True:
            continue
        pattern = scan.extra.get("keyPattern")
        if not isinstance(pattern, dict):
            continue
        fetched = node.extra.get("docsExamined")
        fetched_n = (
            float(fetched) if isinstance(fetched, int | float) and not isinstance(fetched, bool) else None
        )
        if ctx.plan.analyzed and not fetched_n:
            continue
        missing = [f for f in fields if f not in pattern and f != "_id"]
        needs_id = ("_id" in fields or not id_excluded) and "_id" not in pattern
        severity = "warning" if (fetched_n or 0) >= WARN_FETCHED else "info"
        ddl: list[str] = []
        rollback: list[str] = []
        if not missing:
            recommendation = (
                "Add _id: 0 to the projection; the index already holds every projected field."
                if needs_id
                else (
                    "The projection is already inside the index; the FETCH comes from elsewhere in the query."
                )
            )
            if not needs_id:
                continue
        else:
            keys = {**pattern, **{f: 1 for f in missing}}
            if len(keys) > MAX_INDEX_FIELDS:
                continue
            existing = existing_index_for(ctx, shape, keys)
            if existing is not None:
                recommendation = f"The index {existing} holds every projected field; hint it and add _id: 0 to the projection."
            else:
                name = ms.default_index_name(keys)
                ddl = [create_index(shape.collection, keys, name)]
                rollback = [drop_index(shape.collection, name)]
                recommendation = (
                    f"Extend {scan.index} with {', '.join(missing)} ({ms.to_shell(keys)})"
                    + (" and add _id: 0 to the projection" if needs_id else "")
                    + "; the query is then answered from the index alone."
                )
        out.append(
            plan_finding(
                RULE_ID,
                severity,
                ctx,
                node,
                obj=shape.namespace,
                title="Query not covered by its index",
                message=(
                    f"The query projects {', '.join(fields)}"
                    + ("" if id_excluded else " (and _id, not excluded)")
                    + " but fetches "
                    + (f"{fmt.num(fetched_n)} documents" if fetched_n is not None else "the documents")
                    + f" after scanning {scan.index}"
                    + (f", which lacks {', '.join(missing)}." if missing else ", which lacks _id.")
                ),
                reasoning=(
                    "A query whose filter and projection use only fields of one index is answered from the index "
                    "keys (PROJECTION_COVERED, docs examined 0); otherwise each match costs a document fetch."
                ),
                recommendation=recommendation,
                evidence={
                    "docs_fetched": fetched_n,
                    "projected_fields": len(fields),
                    "missing_fields": len(missing),
                },
                ddl=ddl,
                rollback=rollback,
                impact=(fetched_n or 0.0) / 2,
            )
        )
    return out


RULES = (
    Rule(
        id=RULE_ID,
        category="plan",
        engines=("mongodb",),
        check=check,
        summary="FETCH after IXSCAN where the projection could be covered by an index",
    ),
)
