"""MongoDB sharded plans.

- ``mongo.shard-plans-differ``: the shards of one query run different plans — one collection-scans or
  uses another index while the others use an index (Compass's ``indexType = MULTIPLE``). Usually the
  index is missing or was built differently on some shards. Warning; the DDL builds the index the other
  shards use (``createIndex`` through mongos builds it on every shard that lacks it).
- ``mongo.shard-key-missing``: the query was broadcast to several shards (``SHARD_MERGE``) and its
  filter has no equality on the shard key's first field, so mongos cannot route it to one shard. Needs
  the shard key from SchemaFacts (``node.meta["shard_key"]``, read from config.collections). Warning.
"""

from __future__ import annotations

from typing import Any

from tui.advisor.context import PlanContext
from tui.advisor.registry import Rule
from tui.advisor.rules.common import plan_finding
from tui.advisor.rules.mongo_common import (
    classify,
    collection_detail,
    create_index,
    drop_index,
    query_shape,
)
from tui.core import fmt
from tui.core import mongoshell as ms
from tui.core.finding import Finding
from tui.core.plan import PlanNode

DIFFER_ID = "mongo.shard-plans-differ"
KEY_ID = "mongo.shard-key-missing"


def _shards(ctx: PlanContext) -> list[PlanNode]:
    return [n for n in ctx.plan.nodes() if n.role == "Shard"]


def _access(shard: PlanNode) -> tuple[tuple[str, ...], dict[str, Any] | None, float]:
    """(index names or COLLSCAN, a key pattern used, documents examined) of one shard's plan."""
    names: list[str] = []
    pattern: dict[str, Any] | None = None
    docs = 0.0
    for node in shard.walk():
        if node.operation == "COLLSCAN":
            names.append("COLLSCAN")
        elif node.index and node.operation != "SHARD":
            names.append(node.index)
            if isinstance(node.extra.get("keyPattern"), dict):
                pattern = node.extra["keyPattern"]
        value = node.extra.get("docsExamined")
        if isinstance(value, int | float) and not isinstance(value, bool):
            docs += value
    return tuple(sorted(set(names))), pattern, docs


def check_differ(ctx: PlanContext) -> list[Finding]:
    shards = _shards(ctx)
    if len(shards) < 2:
        return []
    access = {shard.object or "?": _access(shard) for shard in shards}
    if len({a[0] for a in access.values()}) < 2:
        return []
    shape = query_shape(ctx)
    indexed = {name: a for name, a in access.items() if a[1] is not None}
    lagging = sorted(name for name, a in access.items() if a[1] is None or "COLLSCAN" in a[0])
    pattern = next((a[1] for a in indexed.values() if a[1]), None)
    index_name = next((n for a in indexed.values() for n in a[0] if n != "COLLSCAN"), None)
    ddl: list[str] = []
    rollback: list[str] = []
    collection = shape.collection
    if pattern and collection and lagging:
        ddl = [create_index(collection, dict(pattern), index_name)]
        rollback = [drop_index(collection, index_name or ms.default_index_name(dict(pattern)))]
        recommendation = (
            f"Build {index_name} {ms.to_shell(dict(pattern))} on every shard: run createIndex through mongos "
            f"(it skips shards that already have it), then check {', '.join(lagging)} again."
        )
    else:
        recommendation = (
            "Compare the indexes of each shard (db.collection.getIndexes() on each shard's primary)."
        )
    plans = "; ".join(
        f"{name}: {', '.join(a[0]) or 'no scan'} ({fmt.num(a[2])} docs examined)"
        for name, a in sorted(access.items())
    )
    worst = max(a[2] for a in access.values())
    return [
        plan_finding(
            DIFFER_ID,
            "warning",
            ctx,
            ctx.plan.root,
            obj=shape.namespace,
            title="Shards run different plans",
            message=f"The {len(shards)} shards do not agree on a plan — {plans}.",
            reasoning=(
                "Each shard plans with its own indexes and statistics; a shard without the index scans its "
                "whole chunk range, and the query waits for the slowest shard."
            ),
            recommendation=recommendation,
            evidence={
                "shards": len(shards),
                "shards_without_index": len(lagging),
                "max_docs_examined": worst,
            },
            ddl=ddl,
            rollback=rollback,
            impact=worst,
        )
    ]


def check_shard_key(ctx: PlanContext) -> list[Finding]:
    shards = _shards(ctx)
    merge = next((n for n in ctx.plan.nodes() if n.operation in ("SHARD_MERGE", "SHARD_MERGE_SORT")), None)
    if merge is None or len(shards) < 2:
        return []
    shape = query_shape(ctx)
    detail = collection_detail(ctx, shape)
    key = detail.node.meta.get("shard_key") if detail is not None else None
    if not isinstance(key, dict) or not key:
        return []
    first = next(iter(key))
    value = shape.filter.get(first)
    if value is not None and classify(value, has_sort=False) in (1, 2):
        return []
    return [
        plan_finding(
            KEY_ID,
            "warning",
            ctx,
            merge,
            obj=shape.namespace,
            title="Shard key missing from the filter",
            message=(
                f"The query was sent to {fmt.num(len(shards))} shards ({merge.operation}): its filter has no equality "
                f"on {first}, the first field of the shard key {ms.to_shell(key)}."
            ),
            reasoning=(
                "mongos routes a query to a single shard only when the filter pins the shard key's leading field; "
                "otherwise every shard runs it (scatter-gather) and the slowest one sets the latency."
            ),
            recommendation=f"Add an equality on {first} to the filter when the application knows it.",
            evidence={"shards": len(shards)},
            impact=float(len(shards)),
        )
    ]


RULES = (
    Rule(
        id=DIFFER_ID,
        category="plan",
        engines=("mongodb",),
        check=check_differ,
        summary="shards of one query use different indexes or collection scans",
    ),
    Rule(
        id=KEY_ID,
        category="plan",
        engines=("mongodb",),
        check=check_shard_key,
        summary="broadcast query whose filter lacks the shard key's first field (shard key from SchemaFacts)",
    ),
)
