"""MongoDB scans that read far more than they return.

- ``mongo.collection-scan``: a COLLSCAN stage (Compass's ``isCollectionScan``). Severity: critical when
  it examined ≥ 100,000 documents and returned < 1 % of them, warning from 1,000 documents examined
  (or whenever the plan was not executed), info below. DDL: an ESR index on the query's filter and sort.
- ``mongo.docs-examined``: an index was used, yet the query examined far more documents than it
  returned — docs examined − returned > 500 (the Performance Advisor's bar) and ≥ 10× the returned
  documents: a filtered field is missing from the index. Warning; critical above 100,000 wasted.
- ``mongo.keys-examined``: index keys examined ≥ 10× the documents returned and > 500 more: the index's
  field order makes the scan walk keys it then discards (range before equality, or a sort field first).
Each is judged per query (per shard for sharded plans) from the explain's own counters.
"""

from __future__ import annotations

from typing import Any

from tui.advisor.context import PlanContext
from tui.advisor.registry import Rule
from tui.advisor.rules.common import pct, plan_finding, rounded
from tui.advisor.rules.mongo_common import (
    MIN_RATIO,
    MIN_WASTED,
    cursor_label,
    cursor_of,
    index_suggestion,
    query_shape,
)
from tui.core import fmt
from tui.core.finding import Finding
from tui.core.plan import PlanNode

COLLSCAN_ID = "mongo.collection-scan"
DOCS_ID = "mongo.docs-examined"
KEYS_ID = "mongo.keys-examined"
SMALL_SCAN = 1_000
LARGE_SCAN = 100_000


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def check_collscan(ctx: PlanContext) -> list[Finding]:
    out: list[Finding] = []
    shape = query_shape(ctx)
    for node in ctx.plan.nodes():
        if node.operation != "COLLSCAN":
            continue
        examined = _number(node.extra.get("docsExamined"))
        returned = node.rows_actual
        cursor = cursor_of(ctx, node) or {}
        final = _number(cursor.get("nReturned"))
        selectivity = (final if final is not None else returned or 0.0) / examined if examined else None
        if examined is None:
            severity = "warning"  # not executed: the planner still chose to read every document
        elif examined >= LARGE_SCAN and selectivity is not None and selectivity < 0.01:
            severity = "critical"
        elif examined >= SMALL_SCAN:
            severity = "warning"
        else:
            severity = "info"
        advice, ddl, rollback, _ = index_suggestion(ctx, shape)
        where = cursor_label(cursor) if cursor else node.object or "the collection"
        counted = (
            f" It examined {fmt.num(examined)} documents and returned {fmt.num(final if final is not None else returned)}"
            f" (selectivity {fmt.pct(selectivity)}) in {fmt.ms(node.time_inclusive_ms)}."
            if examined is not None
            else ""
        )
        filter_text = (
            f" Filter: {node.filter}." if node.filter else " There is no filter: every document is returned."
        )
        out.append(
            plan_finding(
                COLLSCAN_ID,
                severity,
                ctx,
                node,
                obj=node.object,
                title="Collection scan",
                message=f"The query reads {where} with a COLLSCAN.{counted}{filter_text}",
                reasoning=(
                    "A collection scan loads every document of the collection and tests the filter on each; its "
                    "cost grows with the collection, not with the result."
                ),
                recommendation=advice,
                evidence={
                    "docs_examined": examined,
                    "docs_returned": final if final is not None else returned,
                    "selectivity_pct": pct(selectivity),
                    "time_ms": rounded(node.time_inclusive_ms),
                },
                ddl=ddl,
                rollback=rollback,
                impact=(examined or 0.0) - (final or 0.0),
            )
        )
    return out


def _has_collscan(root: PlanNode) -> bool:
    return any(n.operation == "COLLSCAN" for n in root.walk())


def _cursor_findings(ctx: PlanContext) -> list[tuple[dict[str, Any], PlanNode]]:
    out = []
    for entry in ctx.plan.header.get("cursors") or []:
        root = entry.get("root")
        if isinstance(root, PlanNode):
            out.append((entry, root))
    return out


def check_docs_examined(ctx: PlanContext) -> list[Finding]:
    out: list[Finding] = []
    shape = query_shape(ctx)
    for entry, root in _cursor_findings(ctx):
        docs = _number(entry.get("totalDocsExamined"))
        returned = _number(entry.get("nReturned"))
        if docs is None or returned is None or _has_collscan(root):
            continue
        wasted = docs - returned
        ratio = docs / returned if returned else float("inf")
        if wasted <= MIN_WASTED or ratio < MIN_RATIO:
            continue
        fetch = next((n for n in root.walk() if n.operation == "FETCH" and n.filter), None)
        used = sorted({n.index for n in root.walk() if n.index})
        advice, ddl, rollback, _ = index_suggestion(ctx, shape)
        filter_text = f" The FETCH stage then filters on {fetch.filter}." if fetch is not None else ""
        out.append(
            plan_finding(
                DOCS_ID,
                "critical" if wasted > 100_000 else "warning",
                ctx,
                fetch or root,
                obj=entry.get("namespace"),
                title="Documents examined far exceed documents returned",
                message=(
                    f"The query on {cursor_label(entry)} examined {fmt.num(docs)} documents to return "
                    f"{fmt.num(returned)} ({fmt.num(wasted)} read for nothing"
                    + (f", {fmt.factor(ratio)} the result" if returned else "")
                    + f") using {', '.join(used) or 'an index'}.{filter_text}"
                ),
                reasoning=(
                    "The index narrows the search only on its leading fields; every other predicate is checked "
                    "after the whole document is fetched. The Performance Advisor flags queries whose examined "
                    "minus returned documents exceed 500."
                ),
                recommendation=advice,
                evidence={
                    "docs_examined": docs,
                    "docs_returned": returned,
                    "docs_wasted": wasted,
                    "ratio": rounded(ratio, 1) if returned else None,
                },
                ddl=ddl,
                rollback=rollback,
                impact=wasted,
            )
        )
    return out


def check_keys_examined(ctx: PlanContext) -> list[Finding]:
    out: list[Finding] = []
    shape = query_shape(ctx)
    for entry, root in _cursor_findings(ctx):
        keys = _number(entry.get("totalKeysExamined"))
        returned = _number(entry.get("nReturned"))
        if keys is None or returned is None or keys == 0:
            continue
        wasted = keys - returned
        ratio = keys / returned if returned else float("inf")
        if wasted <= MIN_WASTED or ratio < MIN_RATIO:
            continue
        scan = max(
            (n for n in root.walk() if n.index),
            key=lambda n: _number(n.extra.get("keysExamined")) or 0.0,
            default=root,
        )
        bounds = f" Index bounds: {scan.index_condition}." if scan.index_condition else ""
        advice, ddl, rollback, candidate = index_suggestion(ctx, shape)
        out.append(
            plan_finding(
                KEYS_ID,
                "warning",
                ctx,
                scan,
                obj=entry.get("namespace"),
                title="Index keys examined far exceed documents returned",
                message=(
                    f"The query on {cursor_label(entry)} examined {fmt.num(keys)} index keys"
                    + (f" of {scan.index}" if scan.index else "")
                    + f" to return {fmt.num(returned)} documents"
                    + (f" ({fmt.factor(ratio)} the result)." if returned else ".")
                    + bounds
                ),
                reasoning=(
                    "An index answers a query efficiently when its equality fields come first: a range or sort "
                    "field ahead of them makes the scan walk every key in the range and discard most of them."
                ),
                recommendation=advice
                if candidate is not None and not candidate.empty
                else "Reorder the index fields: equality first, then sort, then range.",
                evidence={
                    "keys_examined": keys,
                    "docs_returned": returned,
                    "keys_wasted": wasted,
                    "ratio": rounded(ratio, 1) if returned else None,
                },
                ddl=ddl,
                rollback=rollback,
                impact=wasted / 10,  # a key costs less than a document
            )
        )
    return out


RULES = (
    Rule(
        id=COLLSCAN_ID,
        category="plan",
        engines=("mongodb",),
        check=check_collscan,
        summary="COLLSCAN stage (critical from 100,000 documents examined at < 1 % selectivity)",
    ),
    Rule(
        id=DOCS_ID,
        category="plan",
        engines=("mongodb",),
        check=check_docs_examined,
        summary="indexed query examining > 500 and ≥ 10× more documents than it returns",
    ),
    Rule(
        id=KEYS_ID,
        category="plan",
        engines=("mongodb",),
        check=check_keys_examined,
        summary="index keys examined > 500 and ≥ 10× the documents returned",
    ),
)
