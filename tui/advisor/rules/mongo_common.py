"""What the MongoDB rules share: the query behind a plan (filter, sort, projection — from the explain's
``command``, the typed mongosh text, or ``parsedQuery``), Equality → Sort → Range index candidates, the
collection's known indexes (SchemaFacts), and mongosh DDL (createIndex / hideIndex / dropIndex).

ESR (https://www.mongodb.com/docs/manual/tutorial/equality-sort-range-guideline/): equality fields
first, then the sort fields, then range fields. Operators are classed as the Performance Advisor
does: equality (a value, ``$eq``, a one-value ``$in``, ``$elemMatch``/``$all`` equality on arrays),
range (``$gt/$gte/$lt/$lte``, a prefix regex, a many-value ``$in`` when the query also sorts),
then ``$type``, ``$exists`` and other operators after the ranges. At most 16 fields (the Advisor's cap).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tui.advisor.context import PlanContext
from tui.core import mongoshell as ms
from tui.core.catalog import Index, ObjectDetail
from tui.core.errors import UsageError
from tui.core.plan import PlanNode

MAX_INDEX_FIELDS = 16
RANGE_OPS = frozenset({"$gt", "$gte", "$lt", "$lte"})
EQUALITY_OPS = frozenset({"$eq"})
ARRAY_OPS = frozenset({"$elemMatch", "$all", "$size"})
LATER_OPS = {"$type": 4, "$exists": 5}
# Wasted-work thresholds: the Performance Advisor suggests an index only when
# docs examined − docs returned > 500; a ratio of 10 is ours (plans-and-advisors.md §2 #30/#31).
MIN_WASTED = 500
MIN_RATIO = 10.0


@dataclass(slots=True)
class QueryShape:
    """The parts of the explained query the index rules need."""

    database: str | None
    collection: str | None
    filter: dict[str, Any] = field(default_factory=dict)
    sort: dict[str, Any] = field(default_factory=dict)
    projection: dict[str, Any] | None = None
    source: str = ""  # "command" | "query" | "parsedQuery" | ""

    @property
    def namespace(self) -> str | None:
        if self.database and self.collection:
            return f"{self.database}.{self.collection}"
        return self.collection


def _split_namespace(namespace: Any) -> tuple[str | None, str | None]:
    if isinstance(namespace, str) and "." in namespace:
        database, collection = namespace.split(".", 1)
        return database, collection
    return None, namespace if isinstance(namespace, str) else None


def _leading_match_and_sort(pipeline: list[Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The filter of the leading $match stages and the $sort right after them (what the planner pushes
    down into the query), from an aggregation pipeline."""
    filter_: dict[str, Any] = {}
    sort: dict[str, Any] = {}
    for stage in pipeline:
        if not isinstance(stage, dict) or len(stage) != 1:
            break
        name, body = next(iter(stage.items()))
        if name == "$match" and isinstance(body, dict):
            filter_ = {"$and": [filter_, body]} if filter_ else dict(body)
            continue
        if name == "$sort" and isinstance(body, dict):
            sort = dict(body)
        break
    return filter_, sort


def query_shape(ctx: PlanContext) -> QueryShape:
    """Filter, sort and projection of the explained query, from the best source available; a sort
    the source does not state is read from the plan's SORT stage."""
    shape = _query_shape(ctx)
    if not shape.sort:
        for node in ctx.plan.nodes():
            pattern = node.extra.get("sortPattern")
            if node.operation == "SORT" and isinstance(pattern, dict) and pattern:
                shape.sort = dict(pattern)
                break
    return shape


def _query_shape(ctx: PlanContext) -> QueryShape:
    header = ctx.plan.header
    database, collection = _split_namespace(header.get("namespace"))
    command = header.get("command")
    if isinstance(command, dict) and command:
        verb = next(iter(command))
        if isinstance(command.get("$db"), str):
            database = command["$db"]
        if verb == "find":
            return QueryShape(
                database,
                str(command["find"]),
                dict(command.get("filter") or {}),
                dict(command.get("sort") or {}),
                command.get("projection") if isinstance(command.get("projection"), dict) else None,
                "command",
            )
        if verb == "aggregate" and isinstance(command.get("pipeline"), list):
            filter_, sort = _leading_match_and_sort(command["pipeline"])
            return QueryShape(database, str(command["aggregate"]), filter_, sort, None, "command")
        if verb in ("count", "distinct"):
            return QueryShape(
                database, str(command[verb]), dict(command.get("query") or {}), {}, None, "command"
            )
    if ctx.query:
        try:
            query = ms.parse_query(ctx.query)
        except UsageError:
            query = None
        if query is not None:
            if query.operation == "aggregate":
                filter_, sort = _leading_match_and_sort(query.pipeline or [])
                return QueryShape(query.database or database, query.collection, filter_, sort, None, "query")
            return QueryShape(
                query.database or database,
                query.collection,
                dict(query.filter),
                dict(query.sort or {}),
                query.projection,
                "query",
            )
    parsed = header.get("parsedQuery")
    return QueryShape(
        database,
        collection,
        dict(parsed) if isinstance(parsed, dict) else {},
        {},
        None,
        "parsedQuery" if parsed else "",
    )


# -- ESR --------------------------------------------------------------------------------------------


@dataclass(slots=True)
class EsrCandidate:
    keys: dict[str, int]
    equality: list[str]
    sort: list[str]
    range: list[str]
    other: list[str]
    skipped: list[str]  # predicates no single index can serve ($or, $expr, $text, $where…)

    @property
    def empty(self) -> bool:
        return not self.keys

    def roles(self) -> str:
        parts = []
        for label, names in (
            ("equality", self.equality),
            ("sort", self.sort),
            ("range", self.range),
            ("other", self.other),
        ):
            if names:
                parts.append(f"{label}: {', '.join(names)}")
        return "; ".join(parts)


def _conjuncts(filter_: dict[str, Any], skipped: list[str], depth: int = 0) -> list[tuple[str, Any]]:
    out: list[tuple[str, Any]] = []
    if depth > 20:
        return out
    for key, value in filter_.items():
        if key == "$and" and isinstance(value, list):
            for part in value:
                if isinstance(part, dict):
                    out.extend(_conjuncts(part, skipped, depth + 1))
        elif key.startswith("$"):
            skipped.append(key)
        else:
            out.append((key, value))
    return out


def classify(value: Any, *, has_sort: bool) -> int:
    """1 equality, 2 array, 3 range, 4 $type, 5 $exists, 6 other (the Performance Advisor's classes)."""
    if isinstance(value, ms.Regex):
        return 3 if value.pattern.startswith("^") and "i" not in value.flags else 6
    if not isinstance(value, dict) or not value or not all(str(k).startswith("$") for k in value):
        return 1  # a literal value (or a whole sub-document) is an equality match
    classes = []
    for op, arg in value.items():
        if op in EQUALITY_OPS:
            classes.append(1)
        elif op == "$in":
            many = isinstance(arg, list) and len(arg) > 1
            classes.append(3 if many and has_sort else 1)
        elif op in ARRAY_OPS:
            classes.append(2)
        elif op in RANGE_OPS:
            classes.append(3)
        elif op == "$regex":
            pattern = arg.pattern if isinstance(arg, ms.Regex) else str(arg)
            options = str(value.get("$options", "")) + (arg.flags if isinstance(arg, ms.Regex) else "")
            classes.append(3 if pattern.startswith("^") and "i" not in options else 6)
        elif op == "$options":
            continue
        elif op in LATER_OPS:
            classes.append(LATER_OPS[op])
        else:
            classes.append(6)  # $ne, $nin, $not, $mod, $geoWithin…
    return min(classes) if classes else 6


def esr_candidate(shape: QueryShape) -> EsrCandidate:
    """An index key pattern for ``shape`` in Equality → Sort → Range order (then $type, $exists, other)."""
    skipped: list[str] = []
    sort_fields = [k for k in shape.sort if isinstance(k, str) and not k.startswith("$")]
    classes: dict[str, int] = {}
    for name, value in _conjuncts(shape.filter, skipped):
        cls = classify(value, has_sort=bool(sort_fields))
        classes[name] = min(cls, classes.get(name, 9))
    equality = [n for n, c in classes.items() if c in (1, 2)]
    equality.sort(key=lambda n: classes[n])  # scalar equality before array predicates
    ranges = [n for n, c in classes.items() if c == 3 and n not in sort_fields]
    others = [
        n for n, c in sorted(classes.items(), key=lambda item: item[1]) if c > 3 and n not in sort_fields
    ]
    keys: dict[str, int] = {}
    for name in equality:
        keys[name] = 1
    sort_used = []
    for name in sort_fields:
        if name in keys:
            continue  # an equality field is constant: it does not change the sort order
        direction = shape.sort[name]
        keys[name] = -1 if isinstance(direction, int | float) and direction < 0 else 1
        sort_used.append(name)
    for name in [*ranges, *others]:
        keys.setdefault(name, 1)
    trimmed = dict(list(keys.items())[:MAX_INDEX_FIELDS])
    return EsrCandidate(trimmed, equality, sort_used, ranges, others, skipped)


# -- existing indexes --------------------------------------------------------------------------------


def collection_detail(ctx: PlanContext, shape: QueryShape) -> ObjectDetail | None:
    if ctx.facts is None or not shape.collection:
        return None
    for detail in ctx.facts.tables:
        if (detail.node.table or detail.node.name) == shape.collection:
            return detail
    return None


def index_keys(index: Index) -> dict[str, Any]:
    keys = index.options.get("key")
    if isinstance(keys, dict) and keys:
        return dict(keys)
    return {column: 1 for column in index.columns}


def _same_direction(a: Any, b: Any) -> bool:
    try:
        return (float(a) < 0) == (float(b) < 0)
    except (TypeError, ValueError):
        return a == b


def serves(existing: dict[str, Any], wanted: dict[str, Any]) -> bool:
    """True when an index with key pattern ``existing`` leads with every field of ``wanted`` in order,
    with the same directions (or all reversed, which a backward scan serves)."""
    if len(existing) < len(wanted):
        return False
    pairs = list(zip(list(existing.items())[: len(wanted)], wanted.items(), strict=True))
    if any(e[0] != w[0] for e, w in pairs):
        return False
    forward = all(_same_direction(e[1], w[1]) for e, w in pairs)
    backward = all(not _same_direction(e[1], w[1]) for e, w in pairs)
    return forward or backward


def existing_index_for(ctx: PlanContext, shape: QueryShape, keys: dict[str, Any]) -> str | None:
    """The name of a known index that already serves ``keys`` (from SchemaFacts, or an index the plan
    itself scans), so no suggestion duplicates it."""
    detail = collection_detail(ctx, shape)
    if detail is not None:
        for index in detail.indexes:
            if index.visible and not index.predicate and serves(index_keys(index), keys):
                return index.name
    for node in ctx.plan.nodes():
        pattern = node.extra.get("keyPattern")
        if isinstance(pattern, dict) and node.index and serves(pattern, keys):
            return node.index
    return None


# -- mongosh DDL -------------------------------------------------------------------------------------


def create_index(collection: str, keys: dict[str, Any], name: str | None = None) -> str:
    return ms.render_create_index(collection, keys, {"name": name or ms.default_index_name(keys)})


def drop_index(collection: str, name: str) -> str:
    return ms.render_index_call(collection, "dropIndex", name)


def hide_index(collection: str, name: str) -> str:
    return ms.render_index_call(collection, "hideIndex", name)


def unhide_index(collection: str, name: str) -> str:
    return ms.render_index_call(collection, "unhideIndex", name)


def recreate_index(collection: str, index: Index) -> str:
    """The createIndex command that recreates ``index``: the adapter's definition when it wrote one,
    else built from the key pattern and the plain options."""
    if index.definition.startswith("db.") and ".createIndex(" in index.definition:
        return index.definition
    options: dict[str, Any] = {"name": index.name}
    if index.unique and not index.primary:
        options["unique"] = True
    for key in ("sparse", "expireAfterSeconds", "partialFilterExpression", "collation"):
        if key in index.options:
            options[key] = index.options[key]
    if not index.visible:
        options["hidden"] = True
    try:
        return ms.render_create_index(collection, index_keys(index), options)
    except TypeError:
        return ms.render_create_index(collection, index_keys(index), {"name": index.name})


def index_suggestion(
    ctx: PlanContext, shape: QueryShape
) -> tuple[str, list[str], list[str], EsrCandidate | None]:
    """(recommendation, ddl, rollback, candidate) for an ESR index on the explained query; no DDL when
    the collection is unknown, the filter gives no indexable field, or an index already serves it."""
    if not shape.collection:
        return ("Add an index on the filtered fields in Equality → Sort → Range order.", [], [], None)
    candidate = esr_candidate(shape)
    if candidate.empty:
        note = (
            f" ({', '.join(sorted(set(candidate.skipped)))} cannot use a single compound index)"
            if candidate.skipped
            else ""
        )
        return (
            f"The query gives no field an index can serve{note}; review the predicate.",
            [],
            [],
            candidate,
        )
    existing = existing_index_for(ctx, shape, candidate.keys)
    if existing is not None:
        return (
            f"The index {existing} already leads with {', '.join(candidate.keys)}; check why the planner did not "
            "use it (hint it to compare, or look for a type mismatch in the filter).",
            [],
            [],
            candidate,
        )
    name = ms.default_index_name(candidate.keys)
    text = (
        f"Create the index {ms.to_shell(candidate.keys)} on {shape.collection} — Equality → Sort → Range "
        f"({candidate.roles()})."
    )
    return (
        text,
        [create_index(shape.collection, candidate.keys, name)],
        [drop_index(shape.collection, name)],
        candidate,
    )


def cursor_of(ctx: PlanContext, node: PlanNode) -> dict[str, Any] | None:
    """The header ``cursors`` entry (nReturned / keys / docs examined of one query) ``node`` belongs to."""
    for entry in ctx.plan.header.get("cursors") or []:
        root = entry.get("root")
        if isinstance(root, PlanNode) and any(n is node for n in root.walk()):
            return entry
    return None


def cursor_label(entry: dict[str, Any]) -> str:
    label = str(entry.get("namespace") or "the collection")
    return f"{label} on shard {entry['shard']}" if entry.get("shard") else label
