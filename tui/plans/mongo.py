"""MongoDB explain output → the neutral Plan: classic find explains, the slot-based engine
(``explainVersion: "2"``), aggregation explains (``stages[]`` with ``$cursor`` first) and sharded
explains (``SHARD_MERGE`` / ``SINGLE_SHARD`` with ``shards[]``, and sharded aggregates with
``shards: {name: {...}}``), as JSON / Extended JSON or as mongosh prints it.

Per node: ``operation`` is the stage, ``object`` the namespace on data-access stages, ``index`` the index
name, ``rows_actual`` = nReturned (loops 1), ``time_inclusive_ms`` = executionTimeMillisEstimate (inclusive
of the input stages; exclusive is derived). Every field the server gave stays verbatim in ``extra``
(keysExamined, docsExamined, works, isEOF, indexBounds, isMultiKey, memLimit, usedDisk, spills…).

For the slot-based engine the tree is ``winningPlan.queryPlan`` (the same stage names as the classic
engine, so rules need not care), and the SBE execution stages are folded onto it through
``planNodeId``: nReturned and time from the topmost SBE stage of each id, keysExamined/seeks summed,
docsExamined from the ``numReads`` of ``scan``/``seek`` stages. Rejected and candidate plans are parsed
subtrees in ``plan.header["rejected_plans"]`` / ``["candidate_plans"]``.
"""

from __future__ import annotations

import copy
import json
import math
from dataclasses import dataclass, field
from typing import Any

from tui.core.errors import PlanInputError, UsageError
from tui.core.plan import Plan, PlanNode

MAX_NODES = 100_000
MAX_DEPTH = 400

FORMAT_CLASSIC = "mongodb-classic"
FORMAT_SBE = "mongodb-sbe"
FORMAT_AGGREGATE = "mongodb-aggregate"
FORMAT_SHARDED = "mongodb-sharded"

# Where a stage keeps its input stages (Compass's explain-plan-helper walks the same keys).
CHILD_KEYS: tuple[tuple[str, str | None], ...] = (
    ("inputStage", None),
    ("outerStage", "Outer"),
    ("innerStage", "Inner"),
    ("thenStage", "Then"),
    ("elseStage", "Else"),
)
CHILD_LIST_KEYS = ("inputStages",)
STRUCTURAL = frozenset({key for key, _ in CHILD_KEYS} | set(CHILD_LIST_KEYS) | {"shards", "executionStages"})

# Stages that read a collection or an index: they carry the namespace as their object.
ACCESS_STAGES = frozenset(
    {
        "COLLSCAN",
        "IXSCAN",
        "FETCH",
        "IDHACK",
        "COUNT_SCAN",
        "DISTINCT_SCAN",
        "EXPRESS_IXSCAN",
        "EXPRESS_IDHACK",
        "EXPRESS_CLUSTERED_IXSCAN",
        "CLUSTERED_IXSCAN",
        "TEXT",
        "TEXT_MATCH",
        "TEXT_OR",
        "GEO_NEAR_2D",
        "GEO_NEAR_2DSPHERE",
        "EOF",
    }
)
INDEX_STAGES = frozenset(
    {"IXSCAN", "EXPRESS_IXSCAN", "COUNT_SCAN", "DISTINCT_SCAN", "IDHACK", "EXPRESS_IDHACK"}
)
SHARD_ROOTS = frozenset(
    {"SHARD_MERGE", "SINGLE_SHARD", "SHARD_MERGE_SORT", "SHARDED_AGGREGATE", "SHARD_WRITE"}
)
# Fields of an aggregation stage entry that are statistics, not the stage specification.
_AGG_STAT_KEYS = frozenset(
    {
        "nReturned",
        "executionTimeMillisEstimate",
        "totalDocsExamined",
        "totalKeysExamined",
        "collectionScans",
        "indexesUsed",
        "usedDisk",
        "spills",
        "spilledBytes",
        "spilledRecords",
        "spilledDataStorageSize",
        "totalDataSizeSortedBytesEstimate",
        "maxAccumulatorMemoryUsageBytes",
        "memLimit",
        "maxMemoryUsageBytes",
    }
)


# ---------------------------------------------------------------------------------------------------
# Entry points


def parse_mongo_plan(text: str) -> Plan:
    """A MongoDB explain output as text — JSON, Extended JSON, or mongosh's printout — into a Plan."""
    if not isinstance(text, str):
        raise PlanInputError(f"expected the explain output as text, not {type(text).__name__}")
    doc = _decode(text)
    plan = parse_mongo_explain(doc)
    return plan


def parse_mongo_explain(doc: Any) -> Plan:
    """An already decoded explain document (dict) into a Plan."""
    if isinstance(doc, list):
        doc = next((item for item in doc if isinstance(item, dict)), None)
    if not isinstance(doc, dict):
        raise PlanInputError("a MongoDB explain output is a document { ... }")
    try:
        return _Builder(doc).build()
    except PlanInputError:
        raise
    except (
        KeyError,
        TypeError,
        ValueError,
        AttributeError,
        IndexError,
        RecursionError,
        OverflowError,
    ) as exc:
        raise PlanInputError(
            f"this MongoDB explain output has an unexpected shape ({type(exc).__name__})"
        ) from None


def _decode(text: str) -> Any:
    stripped = text.strip().lstrip("\ufeff")
    if not stripped:
        raise PlanInputError("the input is empty: paste the output of .explain()")
    json_error: str | None = None
    try:
        return json.loads(stripped, parse_constant=lambda name: None)
    except json.JSONDecodeError as exc:
        json_error = f"{exc.msg} at line {exc.lineno}, column {exc.colno}"
    except RecursionError:
        raise PlanInputError("the explain output is nested too deeply to read") from None
    # mongosh prints relaxed syntax: unquoted keys, single quotes, Long('1'), ISODate(...), '…' + '…'.
    from tui.core import mongoshell

    try:
        value = mongoshell.parse_value(stripped)
    except UsageError as exc:
        quoted_keys = stripped.startswith("{") and '"' in stripped[:200] and "'" not in stripped[:200]
        detail = json_error if quoted_keys else exc.message
        raise PlanInputError(f"cannot read this MongoDB explain output: {detail}") from None
    return plain(value)


def plain(value: Any) -> Any:
    """mongosh helper values (``Long('5')``, ``ISODate(...)``…) → plain JSON-like Python values."""
    from tui.core import mongoshell as ms

    stack: list[Any] = []
    root: list[Any] = [value]
    stack.append((root, 0))
    while stack:
        container, key = stack.pop()
        item = container[key]
        if isinstance(item, dict):
            copy = dict(item)
            container[key] = copy
            stack.extend((copy, k) for k in copy)
        elif isinstance(item, list):
            copy_list = list(item)
            container[key] = copy_list
            stack.extend((copy_list, i) for i in range(len(copy_list)))
        elif isinstance(item, ms.Long | ms.Int32 | ms.Double):
            container[key] = item.value
        elif isinstance(item, ms.Decimal128):
            container[key] = item.text
        elif isinstance(item, ms.ShellDate):
            container[key] = None if item.value is None else item.value.isoformat().replace("+00:00", "Z")
        elif isinstance(item, ms.ObjectId):
            container[key] = item.hex
        elif isinstance(item, ms.Timestamp):
            container[key] = {"t": item.t, "i": item.i}
        elif isinstance(item, ms.Regex | ms.UUID | ms.Binary | ms.MinKey | ms.MaxKey):
            container[key] = ms.to_shell(item)
        elif isinstance(item, ms.Undefined):
            container[key] = None
    return root[0]


# ---------------------------------------------------------------------------------------------------
# Helpers


def num(value: Any) -> float | int | None:
    """A number from plain JSON or Extended JSON (``{"$numberLong": "5"}``); None when not a number."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict) and len(value) == 1:
        ((key, inner),) = value.items()
        if key in ("$numberLong", "$numberInt", "$numberDouble", "$numberDecimal") and isinstance(inner, str):
            try:
                number = float(inner) if key != "$numberLong" and key != "$numberInt" else int(inner)
            except ValueError:
                return None
            return number if not isinstance(number, float) or math.isfinite(number) else None
    return None


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _shell(value: Any) -> str:
    from tui.core.mongoshell import to_shell

    try:
        return to_shell(value)
    except (TypeError, UsageError):
        return json.dumps(value, default=str)


def describe_bounds(bounds: Any) -> str | None:
    """``indexBounds`` as one line: ``age: [33, 40]; name: [MinKey, MaxKey]``."""
    if isinstance(bounds, dict) and bounds:
        parts = []
        for key, value in bounds.items():
            if isinstance(value, list):
                parts.append(f"{key}: {', '.join(str(v) for v in value)}")
            else:
                parts.append(f"{key}: {_shell(value)}")
        return "; ".join(parts)
    return None


@dataclass(slots=True)
class _Context:
    """What the stages below a queryPlanner share."""

    namespace: str | None
    warnings: list[str] = field(default_factory=list)


# ---------------------------------------------------------------------------------------------------
# Building


class _Builder:
    def __init__(self, doc: dict[str, Any]) -> None:
        self.doc = doc
        self.count = 0
        self.warnings: list[str] = []
        self.rejected: list[PlanNode] = []
        self.candidates: list[PlanNode] = []
        self.frameworks: set[str] = set()
        self.namespaces: list[str] = []
        self.cursors: list[dict[str, Any]] = []
        self.first_planner: dict[str, Any] = {}

    # -- shapes --------------------------------------------------------------------------------------
    def build(self) -> Plan:
        doc = self.doc
        planner = _dict(doc.get("queryPlanner"))
        winning = _dict(planner.get("winningPlan"))
        stats = _dict(doc.get("executionStats"))
        if isinstance(doc.get("shards"), dict) and doc["shards"]:
            root, fmt = self.sharded_aggregate(doc), FORMAT_SHARDED
        elif isinstance(winning.get("shards"), list) or winning.get("stage") in SHARD_ROOTS:
            root, fmt = self.sharded_find(winning, stats), FORMAT_SHARDED
        elif isinstance(doc.get("stages"), list) and doc["stages"]:
            root, fmt = self.aggregate(doc["stages"]), FORMAT_AGGREGATE
        elif winning:
            root = self.cursor(planner, stats)
            fmt = FORMAT_SBE if "queryPlan" in winning else FORMAT_CLASSIC
        elif isinstance(doc.get("execStats"), dict):  # a system.profile document
            root = self.cursor({"namespace": doc.get("ns"), "winningPlan": doc["execStats"]}, {})
            root.extra.setdefault("from", "system.profile execStats")
            fmt = FORMAT_CLASSIC
        elif isinstance(doc.get("stage"), str):  # a bare winningPlan / executionStages tree
            root, fmt = self.stages(doc, _Context(None)), FORMAT_CLASSIC
        else:
            keys = ", ".join(repr(k) for k in list(doc)[:6]) or "none"
            raise PlanInputError(
                "not a MongoDB explain output: expected 'queryPlanner', 'stages' or 'shards' "
                f"(top-level keys: {keys})"
            )
        plan = Plan(engine="mongodb", format=fmt, root=root)
        self.header(plan, planner, stats)
        self.finalize(plan)
        return plan

    def header(self, plan: Plan, planner: dict[str, Any], stats: dict[str, Any]) -> None:
        doc = self.doc
        header = plan.header
        planner = planner or self.first_planner  # an aggregate's planner sits inside its $cursor
        for key in ("explainVersion", "queryShapeHash", "mergeType", "ok"):
            if key in doc:
                header[key] = doc[key]
        for key in (
            "namespace",
            "parsedQuery",
            "indexFilterSet",
            "queryHash",
            "planCacheShapeHash",
            "planCacheKey",
            "optimizedPipeline",
            "maxIndexedOrSolutionsReached",
            "maxIndexedAndSolutionsReached",
            "maxScansToExplodeReached",
            "prunedSimilarIndexes",
        ):
            if key in planner:
                header[key] = planner[key]
            elif key in self.first_planner:  # sharded: the shards' planners carry the query
                header[key] = self.first_planner[key]
        if "namespace" not in header and self.namespaces:
            header["namespace"] = self.namespaces[0]
        if not stats and len(self.cursors) == 1:
            for key in ("totalKeysExamined", "totalDocsExamined"):
                if self.cursors[0][key] is not None:
                    header[key] = self.cursors[0][key]
        for key in (
            "executionSuccess",
            "nReturned",
            "executionTimeMillis",
            "totalKeysExamined",
            "totalDocsExamined",
        ):
            if key in stats:
                header[key] = stats[key]
        server = _dict(doc.get("serverInfo"))
        if server:
            header["serverInfo"] = {k: server[k] for k in ("host", "port", "version") if k in server}
        if isinstance(doc.get("command"), dict):
            header["command"] = doc["command"]
            plan.query = _shell(doc["command"])
        elif "parsedQuery" in planner:
            plan.query = _shell(planner["parsedQuery"])
        if isinstance(doc.get("splitPipeline"), dict):
            header["splitPipeline"] = doc["splitPipeline"]
        header["cursors"] = self.cursors
        header["rejected_plans"] = self.rejected
        header["candidate_plans"] = self.candidates
        header["query_framework"] = (
            "sbe" if self.frameworks == {"sbe"} else "classic" if self.frameworks <= {"classic"} else "mixed"
        )
        execution = num(stats.get("executionTimeMillis"))
        if execution is None and isinstance(doc.get("stages"), list):
            last = doc["stages"][-1] if doc["stages"] else None
            execution = num(_dict(last).get("executionTimeMillisEstimate"))
        if execution is None and plan.format == FORMAT_SHARDED:
            execution = num(_dict(stats.get("executionStages")).get("executionTimeMillis"))
        plan.execution_time_ms = float(execution) if execution is not None else None
        plan.warnings.extend(self.warnings)

    def finalize(self, plan: Plan) -> None:
        nodes = list(plan.root.walk())
        for number, node in enumerate(nodes, start=1):
            node.node_id = number
        for node in reversed(nodes):
            if node.rows_actual is not None and node.loops:
                node.rows_actual_total = node.rows_actual * node.loops
            if node.time_inclusive_ms is not None:
                # Shards work in parallel: only the slowest one is inside the merging stage's time.
                below = sum(c.time_inclusive_ms or 0.0 for c in node.children if c.role != "Shard")
                below += max(
                    (c.time_inclusive_ms or 0.0 for c in node.children if c.role == "Shard"), default=0.0
                )
                node.time_exclusive_ms = max(0.0, node.time_inclusive_ms - below)
        for extra_tree in (*self.rejected, *self.candidates):
            for number, node in enumerate(extra_tree.walk(), start=1):
                node.node_id = -number  # not part of the winning tree
        plan.analyzed = any(n.rows_actual is not None for n in nodes)
        total = plan.total_time_ms
        if plan.analyzed and total:
            for node in nodes:
                if node.time_exclusive_ms is not None:
                    node.time_share = min(1.0, node.time_exclusive_ms / total)
        plan.header["summary"] = explain_summary(plan)

    # -- one query (queryPlanner + executionStats) ---------------------------------------------------
    def cursor(self, planner: dict[str, Any], stats: dict[str, Any]) -> PlanNode:
        namespace = _text(planner.get("namespace"))
        if namespace:
            self.namespaces.append(namespace)
        if not self.first_planner:
            self.first_planner = planner
        ctx = _Context(namespace)
        winning = _dict(planner.get("winningPlan"))
        exec_stages = _dict(stats.get("executionStages"))
        if "queryPlan" in winning:
            self.frameworks.add("sbe")
            root = self.stages(_dict(winning["queryPlan"]), ctx)
            if exec_stages:
                self.fold_sbe(root, exec_stages)
            if isinstance(winning.get("slotBasedPlan"), dict):
                root.extra["slotBasedPlan"] = winning["slotBasedPlan"]
        else:
            self.frameworks.add("classic")
            if not winning and not exec_stages:
                raise PlanInputError("the explain output has no winningPlan")
            if exec_stages and exec_stages.get("stage") is not None:
                root = self.stages(exec_stages, ctx)
                self.merge_planner_fields(root, winning)
            else:
                root = self.stages(winning, ctx)
        for raw in planner.get("rejectedPlans") or []:
            if isinstance(raw, dict):
                tree = raw.get("queryPlan") if isinstance(raw.get("queryPlan"), dict) else raw
                if isinstance(tree.get("stage"), str):
                    self.rejected.append(self.stages(tree, ctx))
        for candidate in stats.get("allPlansExecution") or []:
            if isinstance(candidate, dict) and isinstance(candidate.get("executionStages"), dict):
                node = self.stages(candidate["executionStages"], ctx)
                for key in (
                    "nReturned",
                    "executionTimeMillisEstimate",
                    "totalKeysExamined",
                    "totalDocsExamined",
                ):
                    if key in candidate:
                        node.extra.setdefault(f"candidate.{key}", candidate[key])
                self.candidates.append(node)
        self.warnings.extend(ctx.warnings)
        self.cursors.append(_cursor_totals(root, namespace, stats))
        return root

    def stages(self, raw: dict[str, Any], ctx: _Context, role: str | None = None) -> PlanNode:
        """A classic-format stage tree (winningPlan / executionStages / queryPlan) → PlanNodes."""
        root = self.node(raw, ctx, role)
        stack: list[tuple[dict[str, Any], PlanNode, int]] = [(raw, root, 0)]
        while stack:
            current, node, depth = stack.pop()
            if depth > MAX_DEPTH:
                raise PlanInputError(f"the plan is nested deeper than {MAX_DEPTH} stages")
            kids: list[tuple[dict[str, Any], str | None]] = []
            for key, child_role in CHILD_KEYS:
                child = current.get(key)
                if isinstance(child, dict):
                    kids.append((child, child_role))
            for key in CHILD_LIST_KEYS:
                for child in current.get(key) or []:
                    if isinstance(child, dict):
                        kids.append((child, None))
            for child, child_role in kids:
                child_node = self.node(child, ctx, child_role)
                node.children.append(child_node)
                stack.append((child, child_node, depth + 1))
        return root

    def node(self, raw: dict[str, Any], ctx: _Context, role: str | None = None) -> PlanNode:
        self.count += 1
        if self.count > MAX_NODES:
            raise PlanInputError(
                f"the plan has more than {MAX_NODES:,} stages; dbscope reads plans up to that size"
            )
        stage = raw.get("stage")
        if not isinstance(stage, str) or not stage:
            ctx.warnings.append("a stage without a 'stage' name was shown as '?'")
            stage = "?"
        extra = {k: v for k, v in raw.items() if k not in STRUCTURAL}
        index = _text(raw.get("indexName"))
        if index is None and stage in ("IDHACK", "EXPRESS_IDHACK"):
            index = "_id_"
        node = PlanNode(operation=stage, index=index, role=role, extra=extra)
        if stage in ACCESS_STAGES or index is not None:
            node.object = ctx.namespace
        node.rows_actual = num(raw.get("nReturned"))
        if node.rows_actual is not None:
            node.loops = 1
        node.time_inclusive_ms = _float(raw.get("executionTimeMillisEstimate"))
        cost = num(raw.get("costEstimate"))
        node.cost = float(cost) if cost is not None else None
        estimate = num(raw.get("cardinalityEstimate", raw.get("estimatedCardinality")))
        node.rows_estimated = float(estimate) if estimate is not None else None
        if "filter" in raw and raw["filter"] not in ({}, None):
            node.filter = raw["filter"] if isinstance(raw["filter"], str) else _shell(raw["filter"])
        node.index_condition = describe_bounds(raw.get("indexBounds"))
        return node

    def merge_planner_fields(self, root: PlanNode, winning: dict[str, Any]) -> None:
        """Copy planner-only fields (kept verbatim) onto the executed stages when the shapes agree."""
        if not winning:
            return
        pairs: list[tuple[PlanNode, dict[str, Any]]] = [(root, winning)]
        while pairs:
            node, raw = pairs.pop()
            if raw.get("stage") != node.operation:
                return
            for key, value in raw.items():
                if key not in STRUCTURAL:
                    node.extra.setdefault(key, value)
            raw_children = [raw[k] for k, _ in CHILD_KEYS if isinstance(raw.get(k), dict)]
            for key in CHILD_LIST_KEYS:
                raw_children.extend(c for c in raw.get(key) or [] if isinstance(c, dict))
            if len(raw_children) != len(node.children):
                return
            pairs.extend(zip(node.children, raw_children, strict=True))

    def fold_sbe(self, root: PlanNode, exec_root: dict[str, Any]) -> None:
        """Attach SBE execution statistics to the queryPlan nodes by planNodeId."""
        by_id: dict[int, PlanNode] = {}
        for node in root.walk():
            plan_id = num(node.extra.get("planNodeId"))
            if plan_id is not None:
                by_id[int(plan_id)] = node
        seen_ids: set[int] = set()
        unmatched: set[str] = set()
        stack: list[tuple[dict[str, Any], int]] = [(exec_root, 0)]
        sbe_count = 0
        while stack:
            raw, depth = stack.pop()
            sbe_count += 1
            if depth > MAX_DEPTH or sbe_count > MAX_NODES:
                raise PlanInputError("the slot-based execution tree is too deep or too large")
            plan_id = num(raw.get("planNodeId"))
            target = by_id.get(int(plan_id)) if plan_id is not None else None
            stage = raw.get("stage") if isinstance(raw.get("stage"), str) else "?"
            if target is None:
                unmatched.add(str(stage))
            else:
                sbe = target.extra.setdefault("sbe_stages", [])
                sbe.append(stage)
                if int(plan_id) not in seen_ids:  # topmost SBE stage of this plan node: its output
                    seen_ids.add(int(plan_id))
                    target.rows_actual = num(raw.get("nReturned"))
                    target.loops = 1 if target.rows_actual is not None else None
                    target.time_inclusive_ms = _float(raw.get("executionTimeMillisEstimate"))
                    for key in ("opens", "closes", "isEOF", "saveState", "restoreState"):
                        if key in raw:
                            target.extra[f"sbe.{key}"] = raw[key]
                for key in ("keysExamined", "seeks", "numTested", "spills", "spilledRecords", "spilledBytes"):
                    value = num(raw.get(key))
                    if value is not None:
                        target.extra[key] = (num(target.extra.get(key)) or 0) + value
                if (
                    stage in ("scan", "seek", "coscan")
                    and num(raw.get("numReads")) is not None
                    and stage != "coscan"
                ):
                    target.extra["docsExamined"] = (num(target.extra.get("docsExamined")) or 0) + num(
                        raw["numReads"]
                    )
                if raw.get("usedDisk") is True:
                    target.extra["usedDisk"] = True
                if stage in ("ixseek", "ixscan") and "indexName" in raw:
                    target.extra.setdefault("indexName", raw["indexName"])
            children: list[dict[str, Any]] = []
            for key, _ in CHILD_KEYS:
                if isinstance(raw.get(key), dict):
                    children.append(raw[key])
            for key in CHILD_LIST_KEYS:
                children.extend(c for c in raw.get(key) or [] if isinstance(c, dict))
            stack.extend((child, depth + 1) for child in reversed(children))
        if unmatched:
            self.warnings.append(
                "slot-based stages without a matching planNodeId were not attached: "
                + ", ".join(sorted(unmatched))
            )

    # -- aggregation ---------------------------------------------------------------------------------
    def aggregate(self, stages: list[Any], role: str | None = None) -> PlanNode:
        below: PlanNode | None = None
        for index, entry in enumerate(stages):
            if not isinstance(entry, dict):
                raise PlanInputError(f"stage {index + 1} of the aggregation explain is not a document")
            name = next((k for k in entry if isinstance(k, str) and k.startswith("$")), None)
            if name is None:
                raise PlanInputError(f"stage {index + 1} of the aggregation explain names no $stage")
            body = entry[name]
            extra = {k: v for k, v in entry.items() if k != name}
            if name in ("$cursor", "$geoNearCursor") and isinstance(body, dict):
                inner = self.cursor(_dict(body.get("queryPlanner")), _dict(body.get("executionStats")))
                node = PlanNode(
                    operation=name,
                    object=_text(_dict(body.get("queryPlanner")).get("namespace")),
                    extra=extra,
                )
                node.children.append(inner)
                for key in ("nReturned", "executionTimeMillis", "totalKeysExamined", "totalDocsExamined"):
                    if key in _dict(body.get("executionStats")):
                        node.extra[f"executionStats.{key}"] = body["executionStats"][key]
            else:
                node = PlanNode(operation=name, extra={"spec": body, **extra})
                if below is not None:
                    node.children.append(below)
            self.count += 1
            node.rows_actual = num(entry.get("nReturned"))
            node.loops = 1 if node.rows_actual is not None else None
            node.time_inclusive_ms = _float(entry.get("executionTimeMillisEstimate"))
            below = node
        assert below is not None
        below.role = role
        return below

    # -- sharding -----------------------------------------------------------------------------------
    def sharded_find(self, winning: dict[str, Any], stats: dict[str, Any]) -> PlanNode:
        exec_stages = _dict(stats.get("executionStages"))
        stage = _text(winning.get("stage")) or _text(exec_stages.get("stage")) or "SHARD_MERGE"
        root = PlanNode(operation=stage, extra={k: v for k, v in exec_stages.items() if k not in STRUCTURAL})
        for key, value in winning.items():
            if key not in STRUCTURAL:
                root.extra.setdefault(key, value)
        root.rows_actual = num(exec_stages.get("nReturned"))
        root.loops = 1 if root.rows_actual is not None else None
        root.time_inclusive_ms = _float(exec_stages.get("executionTimeMillis"))
        exec_by_name: dict[str, dict[str, Any]] = {}
        for shard_exec in exec_stages.get("shards") or []:
            if isinstance(shard_exec, dict):
                exec_by_name[str(shard_exec.get("shardName"))] = shard_exec
        for position, shard in enumerate(winning.get("shards") or []):
            if not isinstance(shard, dict):
                continue
            name = str(shard.get("shardName") or f"shard {position + 1}")
            shard_exec = exec_by_name.get(name, {})
            planner = shard.get("queryPlanner") if isinstance(shard.get("queryPlanner"), dict) else shard
            shard_stats = {"executionStages": shard_exec.get("executionStages")} if shard_exec else {}
            wrapper = self.shard_node(name, {**shard, **shard_exec})
            if isinstance(_dict(planner).get("winningPlan"), dict):
                child = self.cursor(planner, shard_stats)
                self.cursors[-1]["shard"] = name
                wrapper.children.append(child)
                if wrapper.rows_actual is None:
                    wrapper.rows_actual = (
                        num(shard_exec.get("nReturned", None))
                        if "nReturned" in shard_exec
                        else child.rows_actual
                    )
                    wrapper.loops = 1 if wrapper.rows_actual is not None else None
                if wrapper.time_inclusive_ms is None:
                    ms = _float(shard_exec.get("executionTimeMillis"))
                    wrapper.time_inclusive_ms = ms if ms is not None else child.time_inclusive_ms
            root.children.append(wrapper)
        return root

    def shard_node(self, name: str, raw: dict[str, Any]) -> PlanNode:
        keep = {
            k: v
            for k, v in raw.items()
            if k
            in (
                "shardName",
                "connectionString",
                "host",
                "executionSuccess",
                "nReturned",
                "executionTimeMillis",
                "totalKeysExamined",
                "totalDocsExamined",
            )
        }
        if isinstance(raw.get("serverInfo"), dict):
            keep["serverInfo"] = {
                k: raw["serverInfo"][k] for k in ("host", "port", "version") if k in raw["serverInfo"]
            }
        node = PlanNode(operation="SHARD", object=name, role="Shard", extra=keep)
        self.count += 1
        return node

    def sharded_aggregate(self, doc: dict[str, Any]) -> PlanNode:
        shards = doc["shards"]
        split = _dict(doc.get("splitPipeline"))
        merger = [s for s in split.get("mergerPart") or [] if isinstance(s, dict) and s]
        shard_nodes: list[PlanNode] = []
        for name, body in shards.items():
            if not isinstance(body, dict):
                continue
            wrapper = self.shard_node(str(name), body)
            before = len(self.cursors)
            if isinstance(body.get("stages"), list) and body["stages"]:
                child = self.aggregate(body["stages"])
            elif isinstance(body.get("queryPlanner"), dict):
                child = self.cursor(body["queryPlanner"], _dict(body.get("executionStats")))
                stats = _dict(body.get("executionStats"))
                for key in ("nReturned", "executionTimeMillis", "totalKeysExamined", "totalDocsExamined"):
                    if key in stats:
                        wrapper.extra.setdefault(key, stats[key])
            else:
                child = None
            for entry in self.cursors[before:]:
                entry["shard"] = str(name)
            if child is not None:
                wrapper.children.append(child)
                wrapper.rows_actual = (
                    num(wrapper.extra.get("nReturned", None))
                    if "nReturned" in wrapper.extra
                    else child.rows_actual
                )
                wrapper.loops = 1 if wrapper.rows_actual is not None else None
                ms = num(wrapper.extra.get("executionTimeMillis"))
                wrapper.time_inclusive_ms = float(ms) if ms is not None else child.time_inclusive_ms
            shard_nodes.append(wrapper)
        if not shard_nodes:
            raise PlanInputError("the sharded explain names no shard with a plan")
        merge = PlanNode(
            operation="SHARD_MERGE" if len(shard_nodes) > 1 else "SINGLE_SHARD",
            extra={k: doc[k] for k in ("mergeType",) if k in doc},
        )
        merge.children.extend(shard_nodes)
        top = merge
        for stage in merger:
            name = next(iter(stage))
            node = PlanNode(operation=str(name), extra={"spec": stage[name], "part": "mergerPart"})
            node.children.append(top)
            top = node
        return top


def _cursor_totals(root: PlanNode, namespace: str | None, stats: dict[str, Any]) -> dict[str, Any]:
    """nReturned / keys / docs examined / time of one query, from executionStats or summed from its stages."""
    keys: float = 0
    docs: float = 0
    measured = False
    for node in root.walk():
        for key, attr in (("keysExamined", "keys"), ("docsExamined", "docs")):
            value = num(node.extra.get(key))
            if value is not None:
                measured = True
                if attr == "keys":
                    keys += value
                else:
                    docs += value
    returned = num(stats.get("nReturned"))
    return {
        "namespace": namespace,
        "shard": None,
        "root": root,
        "nReturned": returned if returned is not None else root.rows_actual,
        "totalKeysExamined": num(stats.get("totalKeysExamined"))
        if "totalKeysExamined" in stats
        else (keys if measured else None),
        "totalDocsExamined": num(stats.get("totalDocsExamined"))
        if "totalDocsExamined" in stats
        else (docs if measured else None),
        "executionTimeMillis": num(stats.get("executionTimeMillis")),
    }


def _float(value: Any) -> float | None:
    number = num(value)
    return float(number) if number is not None else None


# ---------------------------------------------------------------------------------------------------
# Rejected and candidate plans as plans of their own


def alternative_plans(plan: Plan) -> list[Plan]:
    """The plans the query planner considered besides the winning one, each as a Plan that the plan
    view and the text output can show like any other: ``queryPlanner.rejectedPlans`` (shapes only) and
    ``executionStats.allPlansExecution`` (partial statistics gathered while the planner raced the
    candidates, winning plan included). ``header["variant"]`` says which one it is."""
    out: list[Plan] = []
    groups = (
        ("rejected plan", "the planner did not choose it", plan.header.get("rejected_plans") or []),
        (
            "candidate plan",
            "statistics from the trial run of plan selection only, not the full execution",
            plan.header.get("candidate_plans") or [],
        ),
    )
    for kind, note, roots in groups:
        for number, root in enumerate(roots, start=1):
            if not isinstance(root, PlanNode):
                continue
            variant = f"{kind} {number} of {len(roots)}"
            root = copy.deepcopy(root)  # numbered from 1 here; in the header they keep negative ids
            for position, node in enumerate(root.walk(), start=1):
                node.node_id = position
            alt = Plan(engine=plan.engine, format=plan.format, root=root, query=plan.query)
            alt.header = {"variant": variant, "namespace": plan.header.get("namespace")}
            alt.analyzed = any(n.rows_actual is not None for n in root.walk())
            alt.warnings = [f"This is {variant}: {note}."]
            out.append(alt)
    return out


# ---------------------------------------------------------------------------------------------------
# What Compass shows above the tree


def explain_summary(plan: Plan) -> dict[str, Any]:
    """Compass-like facts: used indexes (per shard), collection scan, in-memory sort, covered, multikey,
    index type (COLLSCAN | COVERED | INDEX | MULTIPLE | CLUSTERED | UNAVAILABLE)."""
    nodes = list(plan.nodes())
    used: list[dict[str, Any]] = []
    shard_indexes: dict[str, set[str | None]] = {}
    shard_of: dict[int, str] = {}
    for shard in (n for n in nodes if n.role == "Shard"):
        for below in shard.walk():
            shard_of[id(below)] = shard.object or ""
        shard_indexes[shard.object or ""] = set()
    for node in nodes:
        if node.operation in INDEX_STAGES or node.operation.startswith("EXPRESS_IX"):
            entry = {"index": node.index, "shard": shard_of.get(id(node))}
            used.append(entry)
            if id(node) in shard_of:
                shard_indexes[shard_of[id(node)]].add(node.index)
    for name, indexes in shard_indexes.items():
        if not indexes:
            used.append({"index": None, "shard": name})
    collscan = any(n.operation == "COLLSCAN" for n in nodes)
    clustered = any(n.operation in ("CLUSTERED_IXSCAN", "EXPRESS_CLUSTERED_IXSCAN") for n in nodes)
    in_memory_sort = any(n.operation in ("SORT", "$sort") for n in nodes)
    multikey = any(n.extra.get("isMultiKey") is True for n in nodes)
    docs = plan.header.get("totalDocsExamined")
    covered = False
    if any(n.operation in ("IXSCAN", "COUNT_SCAN", "DISTINCT_SCAN") for n in nodes):
        parents = {id(c): p for p in nodes for c in p.children}
        fetch_above = any(
            n.operation == "IXSCAN" and parents.get(id(n)) is not None and parents[id(n)].operation == "FETCH"
            for n in nodes
        )
        covered = (num(docs) == 0) if num(docs) is not None else not fetch_above
    distinct_sets = {frozenset(v) for v in shard_indexes.values()}
    if len(shard_indexes) > 1 and len(distinct_sets) > 1:
        index_type = "MULTIPLE"
    elif clustered:
        index_type = "CLUSTERED"
    elif collscan:
        index_type = "COLLSCAN"
    elif covered:
        index_type = "COVERED"
    elif used:
        index_type = "INDEX"
    else:
        index_type = "UNAVAILABLE"
    return {
        "used_indexes": used,
        "collection_scan": collscan,
        "clustered_scan": clustered,
        "in_memory_sort": in_memory_sort,
        "covered": covered,
        "multikey": multikey,
        "sharded": plan.format == FORMAT_SHARDED,
        "shards": len(shard_indexes),
        "index_type": index_type,
    }
