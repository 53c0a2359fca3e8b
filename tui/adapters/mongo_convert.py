"""Pure conversions between MongoDB server documents and dbscope's models: mongosh helper values → bson,
a MongoQuery → the command document, listCollections / listIndexes / $indexStats / $collStats /
system.profile / $currentOp documents → catalog nodes, indexes, sizes, statement statistics, and
result documents → a grid of rows.

Nothing here talks to a server; ``tui.adapters.mongo`` feeds these functions what PyMongo returns, and the
tests feed them recorded outputs.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

import bson
from bson.int64 import Int64
from bson.son import SON

from tui.adapters.mongo_schema import bson_type_name
from tui.core import mongoshell as ms
from tui.core.catalog import CatalogNode, Index, ObjectDetail, Stat
from tui.core.errors import DbscopeError
from tui.core.session import ResultPage, StatementStat

# ---------------------------------------------------------------------------------------------------
# mongosh values ↔ bson


def to_bson(value: Any, *, now: datetime | None = None) -> Any:
    """Replace the mongosh reader's helper values by the bson types PyMongo sends."""
    if isinstance(value, dict):
        return {k: to_bson(v, now=now) for k, v in value.items()}
    if isinstance(value, list):
        return [to_bson(v, now=now) for v in value]
    if isinstance(value, ms.ObjectId):
        return bson.ObjectId(value.hex)
    if isinstance(value, ms.ShellDate):
        return value.value if value.value is not None else (now or datetime.now(UTC))
    if isinstance(value, ms.Long):
        return Int64(value.value)
    if isinstance(value, ms.Int32):
        return value.value
    if isinstance(value, ms.Double):
        return value.value
    if isinstance(value, ms.Decimal128):
        return bson.Decimal128(value.text)
    if isinstance(value, ms.Timestamp):
        return bson.Timestamp(value.t, value.i)
    if isinstance(value, ms.Regex):
        return bson.Regex(value.pattern, _bson_flags(value.flags))
    if isinstance(value, ms.UUID):
        return bson.Binary(bytes.fromhex(value.hex), 4)
    if isinstance(value, ms.Binary):
        return bson.Binary(value.data, value.subtype)
    if isinstance(value, ms.MinKey):
        return bson.MinKey()
    if isinstance(value, ms.MaxKey):
        return bson.MaxKey()
    if isinstance(value, ms.Undefined):
        return None
    return value


def _bson_flags(flags: str) -> str:
    # BSON regexes know i, m, s, x, u (and l); JavaScript-only flags (g, y, d, v) change nothing server-side.
    return "".join(f for f in flags if f in "imsxlu")


def from_bson(value: Any) -> Any:
    """The inverse of ``to_bson``: bson values → mongosh helper values (for rendering in shell syntax)."""
    if isinstance(value, dict):
        return {str(k): from_bson(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [from_bson(v) for v in value]
    if isinstance(value, bson.ObjectId):
        return ms.ObjectId(str(value))
    if isinstance(value, datetime):
        aware = value if value.tzinfo else value.replace(tzinfo=UTC)
        return ms.ShellDate(aware.astimezone(UTC))
    if isinstance(value, bson.DatetimeMS):
        try:
            return ms.ShellDate(value.as_datetime())
        except (OverflowError, ValueError):
            return ms.Long(int(value))
    if isinstance(value, Int64):
        return ms.Long(int(value))
    if isinstance(value, bson.Decimal128):
        return ms.Decimal128(str(value))
    if isinstance(value, bson.Timestamp):
        return ms.Timestamp(value.time, value.inc)
    if isinstance(value, bson.Regex):
        return ms.Regex(str(value.pattern), _regex_flag_text(value.flags))
    if isinstance(value, re.Pattern):
        return ms.Regex(value.pattern, "")
    if isinstance(value, bson.Binary):
        if value.subtype == 4 and len(value) == 16:
            return ms.UUID(bytes(value).hex())
        return ms.Binary(bytes(value), value.subtype)
    if isinstance(value, bytes):
        return ms.Binary(value, 0)
    if isinstance(value, bson.MinKey):
        return ms.MinKey()
    if isinstance(value, bson.MaxKey):
        return ms.MaxKey()
    if type(value).__name__ == "UUID":
        return ms.UUID(value.hex)
    return value


def _regex_flag_text(flags: Any) -> str:
    if isinstance(flags, str):
        return "".join(f for f in flags if f in "imsxu")
    names = {re.IGNORECASE: "i", re.MULTILINE: "m", re.DOTALL: "s", re.VERBOSE: "x", re.UNICODE: "u"}
    return "".join(letter for bit, letter in names.items() if int(flags) & bit)


def shell_text(value: Any, *, indent: int | None = None) -> str:
    """Any server value as mongosh text."""
    return ms.to_shell(from_bson(value), indent=indent)


# ---------------------------------------------------------------------------------------------------
# MongoQuery → command documents


def query_command(
    query: ms.MongoQuery, *, max_time_ms: int | None, comment: Any = None, batch: int | None = None
) -> SON:
    """The command document (verb first) that runs ``query`` server-side: find, aggregate, count or distinct."""
    filter_ = to_bson(query.filter)
    options = {k: v for k, v in query.options.items() if k != "estimated"}
    time_limit = options.pop("maxTimeMS", None)
    limit_ms = _smaller(time_limit, max_time_ms)
    user_comment = options.pop("comment", None)
    if query.operation == "aggregate":
        cmd = SON([("aggregate", query.collection), ("pipeline", to_bson(query.pipeline or []))])
        cmd["cursor"] = {"batchSize": batch} if batch else {}
        if query.hint is not None:
            cmd["hint"] = to_bson(query.hint)
        for key in ("allowDiskUse", "collation", "let"):
            if key in options:
                cmd[key] = to_bson(options[key])
    elif query.operation == "count":
        cmd = SON([("count", query.collection)])
        if filter_ and not query.options.get("estimated"):
            cmd["query"] = filter_
        for key in ("limit", "skip"):
            if getattr(query, key) is not None:
                cmd[key] = getattr(query, key)
        if query.hint is not None:
            cmd["hint"] = to_bson(query.hint)
        if "collation" in options:
            cmd["collation"] = to_bson(options["collation"])
    elif query.operation == "distinct":
        cmd = SON([("distinct", query.collection), ("key", query.distinct_key or "")])
        if filter_:
            cmd["query"] = filter_
        if "collation" in options:
            cmd["collation"] = to_bson(options["collation"])
    else:
        cmd = SON([("find", query.collection), ("filter", filter_)])
        if query.projection is not None:
            cmd["projection"] = to_bson(query.projection)
        if query.sort is not None:
            cmd["sort"] = to_bson(query.sort)
        if query.skip:
            cmd["skip"] = query.skip
        if query.limit is not None:
            cmd["limit"] = query.limit
        if batch:
            cmd["batchSize"] = batch
        if query.hint is not None:
            cmd["hint"] = to_bson(query.hint)
        for key in ("collation", "allowDiskUse"):
            if key in options:
                cmd[key] = to_bson(options[key])
    if limit_ms:
        cmd["maxTimeMS"] = int(limit_ms)
    if comment is not None or user_comment is not None:
        cmd["comment"] = comment if comment is not None else to_bson(user_comment)
    return cmd


def _smaller(a: Any, b: Any) -> Any:
    values = [v for v in (a, b) if isinstance(v, int) and not isinstance(v, bool) and v > 0]
    return min(values) if values else None


def explain_verbosity(query: ms.MongoQuery, analyze: bool) -> str:
    """The verbosity asked for in the text (``.explain("…")``), else executionStats with analyze."""
    if query.verbosity:
        if query.verbosity == "queryPlanner" and analyze:
            return "executionStats"
        return query.verbosity
    return "executionStats" if analyze else "queryPlanner"


# ---------------------------------------------------------------------------------------------------
# Catalog: collections, indexes, usage, sizes


def collection_type_label(info: dict[str, Any]) -> str:
    """``collection``, ``view on orders``, ``time-series (ts)``, ``capped 1 MB``, ``clustered``…"""
    kind = info.get("type") or "collection"
    options = info.get("options") if isinstance(info.get("options"), dict) else {}
    name = str(info.get("name", ""))
    if kind == "view":
        source = options.get("viewOn")
        return f"view on {source}" if source else "view"
    if kind == "timeseries" or "timeseries" in options:
        ts = options.get("timeseries") if isinstance(options.get("timeseries"), dict) else {}
        field = ts.get("timeField")
        return f"time-series ({field})" if field else "time-series"
    parts = []
    if options.get("capped"):
        size = options.get("size")
        parts.append(f"capped {_size_text(size)}" if isinstance(size, int | float) else "capped")
    if options.get("clusteredIndex"):
        parts.append("clustered")
    if name.startswith("system."):
        parts.append("system")
    if isinstance(info.get("info"), dict) and info["info"].get("readOnly"):
        parts.append("read-only")
    return ", ".join(parts) if parts else "collection"


def _size_text(size: float) -> str:
    from tui.core.fmt import size as fmt_size

    return fmt_size(size)


def collection_nodes(database: str, infos: Iterable[dict[str, Any]]) -> list[CatalogNode]:
    """listCollections documents → collection nodes (views are kind ``view``), sorted by name with
    system collections last."""
    nodes = []
    for info in infos:
        if not isinstance(info, dict) or not isinstance(info.get("name"), str):
            continue
        name = info["name"]
        kind = "view" if info.get("type") == "view" else "collection"
        nodes.append(
            CatalogNode(
                kind,
                name,
                f"{database}.{name}",
                type_label=collection_type_label(info),
                has_children=kind == "collection",
                database=database,
                table=name,
                key=("collection", database, name),
                meta={"info": info},
            )
        )
    nodes.sort(key=lambda n: (n.name.startswith("system."), n.name))
    return nodes


_INDEX_METHODS = {
    "text": "text",
    "2dsphere": "2dsphere",
    "2d": "2d",
    "hashed": "hashed",
    "geoHaystack": "geoHaystack",
}


def index_key_dict(key: Any) -> dict[str, Any]:
    """An index key pattern as an ordered dict, from a document, SON, or PyMongo's [(field, dir)] list."""
    if isinstance(key, dict):
        return dict(key)
    if isinstance(key, list | tuple):
        out = {}
        for item in key:
            if isinstance(item, list | tuple) and len(item) == 2:
                out[str(item[0])] = item[1]
        return out
    return {}


def index_from_spec(spec: dict[str, Any], name: str | None = None, collection: str | None = None) -> Index:
    """One listIndexes document (or an index_information() entry with its name) → Index; with the
    collection, ``definition`` is the createIndex command that recreates it."""
    keys = index_key_dict(spec.get("key"))
    index_name = str(name or spec.get("name") or ms.default_index_name(keys))
    values = [v for v in keys.values()]
    method = next((_INDEX_METHODS[v] for v in values if isinstance(v, str) and v in _INDEX_METHODS), "btree")
    if any("$**" in k for k in keys):
        method = "wildcard"
    options: dict[str, Any] = {"key": keys}
    for option in (
        "sparse",
        "expireAfterSeconds",
        "partialFilterExpression",
        "collation",
        "weights",
        "default_language",
        "wildcardProjection",
        "2dsphereIndexVersion",
        "textIndexVersion",
        "v",
    ):
        if option in spec:
            options[option] = spec[option]
    partial = spec.get("partialFilterExpression")
    index = Index(
        name=index_name,
        columns=list(keys),
        definition=ms.render_create_index(
            "<collection>", _shell_keys(keys), _create_options(spec, index_name)
        ),
        method=method,
        unique=bool(spec.get("unique")) or index_name == "_id_",
        primary=index_name == "_id_",
        predicate=shell_text(partial) if isinstance(partial, dict) else None,
        visible=not spec.get("hidden", False),
        options=options,
    )
    if collection:
        index.definition = create_index_command(collection, index)
    return index


def _shell_keys(keys: dict[str, Any]) -> dict[str, Any]:
    return {k: (int(v) if isinstance(v, float) and v.is_integer() else from_bson(v)) for k, v in keys.items()}


def _create_options(spec: dict[str, Any], name: str) -> dict[str, Any]:
    out: dict[str, Any] = {"name": name}
    for option in (
        "unique",
        "sparse",
        "expireAfterSeconds",
        "partialFilterExpression",
        "collation",
        "hidden",
        "weights",
        "default_language",
        "language_override",
        "wildcardProjection",
    ):
        if option in spec and not (option == "unique" and name == "_id_"):
            out[option] = from_bson(spec[option])
    return out


def create_index_command(collection: str, index: Index) -> str:
    """``db.getCollection("c").createIndex({...}, {name: …, unique: …})`` that recreates ``index``."""
    spec = {"key": index.options.get("key", {c: 1 for c in index.columns}), "name": index.name}
    spec.update({k: v for k, v in index.options.items() if k not in ("key", "v")})
    if index.unique and not index.primary:
        spec["unique"] = True
    if not index.visible:
        spec["hidden"] = True
    return ms.render_create_index(collection, _shell_keys(spec["key"]), _create_options(spec, index.name))


def indexes_from_listing(
    specs: Iterable[dict[str, Any]] | dict[str, Any], collection: str | None = None
) -> list[Index]:
    """listIndexes documents (a list) or ``index_information()`` (a name → spec dict) → Indexes."""
    if isinstance(specs, dict):
        return [
            index_from_spec(spec, name, collection) for name, spec in specs.items() if isinstance(spec, dict)
        ]
    return [index_from_spec(spec, None, collection) for spec in specs if isinstance(spec, dict)]


def _as_datetime(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, ms.ShellDate):
        return value.value
    if isinstance(value, dict) and "$date" in value:
        inner = value["$date"]
        if isinstance(inner, dict) and "$numberLong" in inner:
            inner = int(inner["$numberLong"])
        if isinstance(inner, int | float):
            return datetime.fromtimestamp(inner / 1000, UTC)
        if isinstance(inner, str):
            try:
                return datetime.fromisoformat(inner.replace("Z", "+00:00"))
            except ValueError:
                return None
    return None


def _as_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, ms.Long | ms.Int32):
        return value.value
    if isinstance(value, dict) and len(value) == 1:
        inner = next(iter(value.values()))
        if (
            next(iter(value)) in ("$numberLong", "$numberInt")
            and isinstance(inner, str)
            and inner.lstrip("-").isdigit()
        ):
            return int(inner)
    return None


def replica_members(hello: dict[str, Any]) -> list[str]:
    """The data-bearing members a replica set member's ``hello`` lists — ``hosts`` (electable) and
    ``passives`` (priority 0) — as ``host:port``; arbiters hold no index. Hidden members are never
    listed by ``hello``. Empty for a standalone or a mongos."""
    if not hello.get("setName") or hello.get("msg") == "isdbgrid":
        return []
    members: list[str] = []
    for key in ("hosts", "passives"):
        for host in hello.get(key) or []:
            if isinstance(host, str) and host and host not in members:
                members.append(host)
    return members


# URL/client options that make no sense, or must not carry over, on a direct connection to one member.
_MEMBER_DROPPED_OPTIONS = frozenset(
    {
        "replicaset",
        "readpreference",
        "readpreferencetags",
        "maxstalenessseconds",
        "directconnection",
        "srvservicename",
        "srvmaxhosts",
        "loadbalanced",
        "document_class",
        "tz_aware",
        "connect",
        "event_listeners",
        "uuidrepresentation",
        "appname",
        "serverselectiontimeoutms",
        "connecttimeoutms",
        "sockettimeoutms",
        "username",
        "password",
    }
)


def member_client_kwargs(
    member: str, options: dict[str, Any], base: dict[str, Any], user: str | None, password: str | None
) -> dict[str, Any]:
    """Keyword arguments for a MongoClient that talks to ``member`` alone (directConnection): the
    session's validated options (authSource, TLS, compressors… — ``MongoClient.options._options``,
    which for ``mongodb+srv://`` already holds the TXT record's) without the replica-set and read
    preference ones, plus ``base`` (dbscope's own client options) and the credentials."""
    host, _, port = member.rpartition(":")
    if not host or not port.isdigit():
        host, port = member, "27017"
    kwargs = {k: v for k, v in options.items() if k.lower() not in _MEMBER_DROPPED_OPTIONS}
    kwargs.update(base)
    kwargs.update(host=host.strip("[]"), port=int(port), directConnection=True)
    if user:
        kwargs["username"] = user
        kwargs["password"] = password or ""
    return kwargs


def merge_index_stats(
    indexes: list[Index], stats: Iterable[dict[str, Any]], missing_hosts: dict[str, str] | None = None
) -> datetime | None:
    """Fold ``$indexStats`` documents (one per index per host) into the Indexes.

    ``Index.scans`` becomes the sum of ``accesses.ops`` over every host (an index unused on the primary
    may serve reads on a secondary); ``options["usage"]`` keeps the per-host rows and
    ``options["stats_since"]`` the earliest ``accesses.since``. ``missing_hosts`` (member → why) are the
    members whose statistics could not be read: every index then carries them in
    ``options["usage_missing_hosts"]`` and cannot be called unused. Returns the earliest since overall."""
    if missing_hosts:
        for index in indexes:
            index.options["usage_missing_hosts"] = dict(missing_hosts)
    by_name = {index.name: index for index in indexes}
    earliest: datetime | None = None
    for doc in stats:
        if not isinstance(doc, dict):
            continue
        index = by_name.get(str(doc.get("name")))
        if index is None:
            continue
        accesses = doc.get("accesses") if isinstance(doc.get("accesses"), dict) else {}
        ops = _as_int(accesses.get("ops"))
        since = _as_datetime(accesses.get("since"))
        usage = index.options.setdefault("usage", [])
        usage.append({"host": doc.get("host"), "shard": doc.get("shard"), "ops": ops, "since": since})
        if ops is not None:
            index.scans = (index.scans or 0) + ops
        if since is not None:
            current = index.options.get("stats_since")
            index.options["stats_since"] = since if current is None else min(current, since)
            earliest = since if earliest is None else min(earliest, since)
        if doc.get("building"):
            index.valid = False
            index.options["building"] = True
    return earliest


def apply_coll_stats(detail: ObjectDetail, docs: Iterable[dict[str, Any]]) -> None:
    """Fold ``$collStats`` (storageStats + count) documents — one per shard — into the detail."""
    totals: dict[str, float] = {}
    index_sizes: dict[str, float] = {}
    shards = 0
    capped = False
    for doc in docs:
        if not isinstance(doc, dict):
            continue
        storage = doc.get("storageStats") if isinstance(doc.get("storageStats"), dict) else doc
        shards += 1
        for key in (
            "count",
            "size",
            "storageSize",
            "totalIndexSize",
            "totalSize",
            "freeStorageSize",
            "nindexes",
        ):
            value = _as_int(storage.get(key))
            if value is not None:
                totals[key] = totals.get(key, 0) + value
        if isinstance(doc.get("count"), int) and "count" not in storage:
            totals["count"] = totals.get("count", 0) + doc["count"]
        for name, size in (storage.get("indexSizes") or {}).items():
            value = _as_int(size)
            if value is not None:
                index_sizes[str(name)] = index_sizes.get(str(name), 0) + value
        capped = capped or bool(storage.get("capped"))
    if not shards:
        return
    count = totals.get("count")
    detail.row_estimate = int(count) if count is not None else detail.row_estimate
    total = totals.get("totalSize")
    if total is None and "storageSize" in totals:
        total = totals["storageSize"] + totals.get("totalIndexSize", 0)
    detail.total_bytes = int(total) if total is not None else detail.total_bytes
    labels = [
        ("Documents", "count", "rows"),
        ("Data size (uncompressed)", "size", "bytes"),
        ("Storage size", "storageSize", "bytes"),
        ("Free storage", "freeStorageSize", "bytes"),
        ("Index size", "totalIndexSize", "bytes"),
        ("Total size", "totalSize", "bytes"),
    ]
    for label, key, unit in labels:
        if key in totals:
            detail.stats.append(Stat(label, int(totals[key]), unit))
    if count and "size" in totals:
        detail.stats.append(Stat("Average document", int(totals["size"] / count), "bytes"))
    if shards > 1:
        detail.stats.append(Stat("Shards", shards, "count"))
    if capped:
        detail.stats.append(Stat("Capped", "yes"))
    for index in detail.indexes:
        if index.name in index_sizes:
            index.size_bytes = int(index_sizes[index.name])


# ---------------------------------------------------------------------------------------------------
# Profiler and current operations


def _shape(value: Any, depth: int = 0) -> Any:
    """A query's shape: field names and operators kept, values replaced by ``?``."""
    if depth > 20:
        return "…"
    if isinstance(value, dict):
        return {
            k: (_shape(v, depth + 1) if str(k).startswith("$") or isinstance(v, dict | list) else "?")
            for k, v in value.items()
        }
    if isinstance(value, list):
        shapes = [_shape(v, depth + 1) for v in value]
        return shapes if any(isinstance(s, dict | list) for s in shapes) else ["?"]
    return "?"


_COMMAND_NOISE = frozenset(
    {
        "lsid",
        "$clusterTime",
        "$db",
        "$readPreference",
        "comment",
        "maxTimeMS",
        "batchSize",
        "txnNumber",
        "cursor",
        "$audit",
        "signature",
    }
)


def profile_statement_text(doc: dict[str, Any]) -> str:
    """A system.profile document → the normalised statement dbscope groups by, in shell syntax."""
    ns = str(doc.get("ns") or "")
    collection = ns.split(".", 1)[1] if "." in ns else ns
    command = doc.get("command") if isinstance(doc.get("command"), dict) else {}
    op = str(doc.get("op") or "")
    verb = next(iter(command), op) if command else op
    body = {k: _shape(from_bson(v)) for k, v in command.items() if k not in _COMMAND_NOISE and k != verb}
    if op == "update" and "q" in command:
        body = {"q": _shape(from_bson(command.get("q"))), "u": _shape(from_bson(command.get("u")))}
    if op == "remove" and "q" in command:
        body = {"q": _shape(from_bson(command.get("q")))}
    try:
        shape_text = ms.to_shell(body)
    except (TypeError, ValueError):
        shape_text = str(body)
    return f"{ms.collection_ref(collection)} {op or verb} {shape_text}"


def profile_sample(doc: dict[str, Any]) -> str | None:
    """The operation a profiler (or ``$currentOp``) document recorded, with its real values, as a
    mongosh read dbscope can explain: find, aggregate, count, distinct. None for writes and commands
    the explain path does not take (their shape is all there is)."""
    ns = str(doc.get("ns") or "")
    command = doc.get("command") if isinstance(doc.get("command"), dict) else None
    if not command or "." not in ns:
        return None
    database, collection = ns.split(".", 1)
    verb = next(iter(command))
    if verb in ("find", "aggregate", "count", "distinct") and isinstance(command.get(verb), str):
        collection = command[verb]
    value = from_bson(command)
    try:
        if verb == "find":
            query = ms.MongoQuery(
                collection,
                "find",
                filter=value.get("filter") or {},
                projection=value.get("projection"),
                sort=value.get("sort"),
                skip=value.get("skip"),
                limit=value.get("limit"),
                hint=value.get("hint"),
            )
        elif verb == "aggregate" and isinstance(value.get("pipeline"), list):
            query = ms.MongoQuery(collection, "aggregate", pipeline=value["pipeline"], hint=value.get("hint"))
        elif verb == "count":
            query = ms.MongoQuery(collection, "count", filter=value.get("query") or {})
        elif verb == "distinct" and isinstance(value.get("key"), str):
            query = ms.MongoQuery(
                collection, "distinct", filter=value.get("query") or {}, distinct_key=value["key"]
            )
        else:
            return None
        query.database = database or None
        text = ms.render_query(query)
        ms.parse_query(text)  # only what the explain path reads back
    except (TypeError, ValueError, AttributeError, DbscopeError):
        return None
    return text


def profile_statements(
    docs: Iterable[dict[str, Any]], *, limit: int = 50, sort: str = "total"
) -> list[StatementStat]:
    """Group system.profile documents by statement shape → StatementStat, ranked by ``sort``
    (total | mean | calls | max | rows)."""
    groups: dict[str, StatementStat] = {}
    for doc in docs:
        if not isinstance(doc, dict):
            continue
        text = profile_statement_text(doc)
        millis = float(_as_int(doc.get("millis")) or 0)
        returned = _as_int(doc.get("nreturned")) or _as_int(doc.get("nMatched")) or 0
        stat = groups.get(text)
        if stat is None:
            stat = groups[text] = StatementStat(
                query=text,
                calls=0,
                total_time_ms=0.0,
                mean_time_ms=0.0,
                rows=0,
                max_time_ms=0.0,
                query_id=str(doc.get("queryHash") or doc.get("planCacheShapeHash") or "") or None,
                extra={
                    "namespace": doc.get("ns"),
                    "op": doc.get("op"),
                    "keysExamined": 0,
                    "docsExamined": 0,
                    "planSummary": set(),
                },
            )
        stat.calls += 1
        stat.total_time_ms += millis
        if millis >= (stat.max_time_ms or 0.0) or "sample" not in stat.extra:
            sample = profile_sample(doc)  # the slowest run's values: what EXPLAIN should see
            if sample is not None:
                stat.extra["sample"] = sample
        stat.max_time_ms = max(stat.max_time_ms or 0.0, millis)
        stat.rows += returned
        for key in ("keysExamined", "docsExamined"):
            stat.extra[key] += _as_int(doc.get(key)) or 0
        if isinstance(doc.get("planSummary"), str):
            stat.extra["planSummary"].add(doc["planSummary"])
        if doc.get("hasSortStage"):
            stat.extra["hasSortStage"] = True
        if isinstance(doc.get("ts"), datetime | dict):
            when = _as_datetime(doc["ts"])
            if when is not None:
                last = stat.extra.get("last_seen")
                stat.extra["last_seen"] = when if last is None else max(last, when)
    stats = list(groups.values())
    for stat in stats:
        stat.mean_time_ms = stat.total_time_ms / stat.calls if stat.calls else 0.0
        stat.extra["planSummary"] = sorted(stat.extra["planSummary"])
        if any(p.startswith("COLLSCAN") for p in stat.extra["planSummary"]):
            stat.no_index_used = stat.calls
    key = {
        "total": lambda s: s.total_time_ms,
        "mean": lambda s: s.mean_time_ms,
        "calls": lambda s: float(s.calls),
        "max": lambda s: s.max_time_ms or 0.0,
        "rows": lambda s: float(s.rows),
    }.get(sort, lambda s: s.total_time_ms)
    stats.sort(key=lambda s: (-key(s), s.query))
    return stats[:limit]


def current_op_statements(ops: Iterable[dict[str, Any]], *, limit: int = 50) -> list[StatementStat]:
    """Active operations from ``$currentOp`` as statements (one call each, running time so far)."""
    out = []
    for op in ops:
        if not isinstance(op, dict) or not op.get("active", True) or not op.get("ns"):
            continue
        micros = _as_int(op.get("microsecs_running"))
        running_ms = (
            micros / 1000 if micros is not None else float(_as_int(op.get("secs_running")) or 0) * 1000
        )
        doc = {"ns": op.get("ns"), "op": op.get("op"), "command": op.get("command") or {}}
        text = profile_statement_text(doc)
        sample = profile_sample(doc)
        out.append(
            StatementStat(
                query=text,
                calls=1,
                total_time_ms=running_ms,
                mean_time_ms=running_ms,
                rows=0,
                max_time_ms=running_ms,
                query_id=str(op.get("opid")),
                extra={
                    "opid": op.get("opid"),
                    "client": op.get("client"),
                    "planSummary": op.get("planSummary"),
                    "desc": op.get("desc"),
                    "host": op.get("host"),
                    **({"sample": sample} if sample else {}),
                },
            )
        )
    out.sort(key=lambda s: -s.total_time_ms)
    return out[:limit]


def tagged_operation_ids(ops: Iterable[dict[str, Any]], tag: str) -> list[Any]:
    """opids of the operations that carry dbscope's comment ``tag`` (on the command, inside an explain,
    or on the cursor's originating command)."""
    found = []
    for op in ops:
        if not isinstance(op, dict) or "opid" not in op:
            continue
        command = op.get("command") if isinstance(op.get("command"), dict) else {}
        explained = command.get("explain") if isinstance(command.get("explain"), dict) else {}
        cursor = op.get("cursor") if isinstance(op.get("cursor"), dict) else {}
        origin = (
            cursor.get("originatingCommand") if isinstance(cursor.get("originatingCommand"), dict) else {}
        )
        if tag in (command.get("comment"), explained.get("comment"), origin.get("comment")):
            found.append(op["opid"])
    return found


# ---------------------------------------------------------------------------------------------------
# Results grid


def grid_value(value: Any) -> Any:
    """A cell: numbers, strings, booleans, None and dates as they are; everything else as shell text."""
    if value is None or isinstance(value, bool | str | float):
        return value
    if isinstance(value, int) and not isinstance(value, Int64):
        return value
    if isinstance(value, Int64):
        return int(value)
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    try:
        return shell_text(value)
    except (TypeError, ValueError):
        return str(value)


def documents_to_page(
    docs: list[Any], *, truncated: bool, elapsed_ms: float = 0.0, status: str = ""
) -> ResultPage:
    """Documents → rows: columns are the union of top-level fields in first-seen order (``_id`` first);
    a missing field is None. Column types are the dominant BSON type of each column."""
    columns: list[str] = []
    seen: set[str] = set()
    rows_docs = [d if isinstance(d, dict) else {"value": d} for d in docs]
    for doc in rows_docs:
        for key in doc:
            name = str(key)
            if name not in seen:
                seen.add(name)
                columns.append(name)
    if "_id" in seen:
        columns.remove("_id")
        columns.insert(0, "_id")
    types: list[str] = []
    for column in columns:
        counts: dict[str, int] = {}
        for doc in rows_docs:
            if column in doc:
                kind = bson_type_name(doc[column])
                counts[kind] = counts.get(kind, 0) + 1
        non_null = {k: v for k, v in counts.items() if k != "null"} or counts
        types.append(max(sorted(non_null), key=lambda k: non_null[k]) if non_null else "null")
    rows = [tuple(grid_value(doc.get(column)) for column in columns) for doc in rows_docs]
    return ResultPage(
        columns=columns,
        column_types=types,
        rows=rows,
        truncated=truncated,
        status=status or f"{len(rows):,} document{'s' if len(rows) != 1 else ''}",
        elapsed_ms=elapsed_ms,
    )
