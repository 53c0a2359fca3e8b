"""The MongoDB adapter: PyMongo behind the Adapter contract, issuing read commands only.

Every server call goes through ``MongoAdapter._command`` / ``_cursor``, which refuse any command whose
name is not in ``READ_COMMANDS`` and put ``maxTimeMS`` (from ``spec.statement_timeout_ms``) on every
command that accepts it. A command listener records every command the driver actually sends
(``commands_sent``) so tests can prove nothing else left the client. The URL goes to MongoClient as is,
so replica sets, ``authSource``, TLS and ``readPreference`` are honoured; commands run with the URL's
read preference.

Everything that is not a PyMongo call lives in pure modules: ``tui.core.mongoshell`` (the query text),
``tui.adapters.mongo_convert`` (documents ↔ models), ``tui.adapters.mongo_schema`` (sampling analysis),
``tui.adapters.mongo_errors`` (typed errors).
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, ClassVar

from bson import json_util
from bson.son import SON
from pymongo import MongoClient, monitoring
from pymongo.errors import PyMongoError

from tui.adapters import mongo_convert as conv
from tui.adapters.base import Adapter
from tui.adapters.mongo_errors import map_error
from tui.adapters.mongo_schema import SampledSchema, analyze_sample, columns_from_sample
from tui.core import mongoshell
from tui.core.catalog import CatalogNode, Index, ObjectDetail, Stat
from tui.core.connspec import ConnectionSpec
from tui.core.errors import (
    ConnectError,
    DbscopeError,
    PermissionError_,
    QueryError,
    ReadOnlyViolation,
    UsageError,
    connect_value_error,
)
from tui.core.files import TLS_FILE_LIMIT, check_file
from tui.core.session import (
    Capabilities,
    Capability,
    ExplainOutput,
    ResultPage,
    SchemaFacts,
    ServerInfo,
    StatementStat,
)

# The only commands dbscope sends. getMore/killCursors belong to reading a cursor; killOp is sent only
# for operations that carry this session's own comment tag (cancellation); "profile" only with -1
# (read the level, never set it).
READ_COMMANDS = frozenset(
    {
        "ping",
        "hello",
        "isMaster",  # servers before 4.4.2 do not know hello
        "buildInfo",
        "connectionStatus",
        "listDatabases",
        "listCollections",
        "listIndexes",
        "find",
        "aggregate",
        "count",
        "distinct",
        "explain",
        "dbStats",
        "collStats",
        "profile",
        "getMore",
        "killCursors",
        "killOp",
    }
)
# Commands the driver sends on its own (handshake, authentication, monitoring, session cleanup).
DRIVER_COMMANDS = frozenset(
    {
        "hello",
        "isMaster",
        "ismaster",
        "ping",
        "saslStart",
        "saslContinue",
        "authenticate",
        "endSessions",
        "getnonce",
    }
)
# Commands that take maxTimeMS.
TIMED_COMMANDS = frozenset(
    {
        "listCollections",
        "listIndexes",
        "find",
        "aggregate",
        "count",
        "distinct",
        "dbStats",
        "collStats",
        "listDatabases",
    }
)
DEFAULT_SAMPLE_SIZE = 200
SERVER_SELECTION_TIMEOUT_MS = 5_000


def check_command(command: Any) -> str:
    """The command's name when dbscope may send it; ReadOnlyViolation otherwise."""
    if not isinstance(command, dict) or not command:
        raise ReadOnlyViolation("an empty command is not sent")
    name = str(next(iter(command)))
    if name not in READ_COMMANDS:
        raise ReadOnlyViolation(
            f"dbscope does not send the {name!r} command",
            hint="MongoDB sessions in dbscope issue read commands only; use mongosh for changes",
        )
    if name == "profile" and command[name] != -1:
        raise ReadOnlyViolation("dbscope only reads the profiling level (profile: -1), it never sets it")
    if name == "aggregate":
        pipeline = command.get("pipeline") or []
        if any(isinstance(stage, dict) and mongoshell.WRITE_STAGES & set(stage) for stage in pipeline):
            raise ReadOnlyViolation("the pipeline writes ($out / $merge); dbscope only reads")
    return name


class _CommandRecorder(monitoring.CommandListener):
    """Records the name of every command the driver starts (proof of what was sent)."""

    def __init__(self) -> None:
        self.names: set[str] = set()
        self.unexpected: list[str] = []
        self.untimed: list[str] = []  # commands that should carry maxTimeMS but did not
        self._lock = threading.Lock()

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        name = event.command_name
        command = event.command
        inner = command.get("explain") if name == "explain" else command
        with self._lock:
            self.names.add(name)
            if name not in READ_COMMANDS | DRIVER_COMMANDS:
                self.unexpected.append(name)
            if (
                (name in TIMED_COMMANDS or name == "explain")
                and isinstance(inner, dict)
                and "maxTimeMS" not in inner
            ):
                self.untimed.append(name)

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        pass

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        pass


def _version_num(version: str) -> int:
    parts = [int(p) if p.isdigit() else 0 for p in ([*version.split("-")[0].split("."), "0", "0"])[:3]]
    return parts[0] * 10_000 + parts[1] * 100 + parts[2]


# Files PyMongo (Python's ssl module) opens because the URL names them: checked first, as every file a
# URL names (tui.core.files): a FIFO would block the connect, a device would be read without end.
_TLS_FILE_OPTIONS = ("tlscafile", "tlscertificatekeyfile", "tlscrlfile", "ssl_ca_certs", "ssl_certfile")


def _check_tls_files(params: dict[str, str]) -> None:
    for key, value in params.items():
        if key.lower() in _TLS_FILE_OPTIONS and value:
            check_file(os.path.expanduser(value), what=f"{key} file", limit=TLS_FILE_LIMIT, missing_ok=True)


class MongoAdapter(Adapter):
    engine: ClassVar[str] = "mongodb"
    dialect: ClassVar[str] = ""

    def __init__(
        self,
        spec: ConnectionSpec,
        *,
        sample_size: int = DEFAULT_SAMPLE_SIZE,
        client_factory: Callable[..., Any] | None = None,
    ) -> None:
        """``client_factory`` is the test seam at the PyMongo boundary: it is called exactly as
        ``pymongo.MongoClient`` would be (the URL and options; a member's keyword arguments) and returns
        the client every command goes through. None (the default, and the only value outside tests) is
        ``MongoClient``; tests/tui/mongo_double.py passes a replay of recorded server answers."""
        super().__init__(spec)
        self._client_factory: Callable[..., Any] = client_factory or MongoClient
        self.sample_size = max(1, int(sample_size))
        self._client: MongoClient[dict[str, Any]] | None = None
        self._recorder = _CommandRecorder()
        self._database: str | None = spec.database
        self._session_tag = f"dbscope:{uuid.uuid4().hex[:12]}"
        self._sequence = 0
        self._running: str | None = None
        self._lock = threading.Lock()
        self._version_num = 0
        self._members: list[str] = []  # replica set members read one by one for $indexStats
        self._member_clients: dict[str, MongoClient[dict[str, Any]]] = {}
        self._member_lock = threading.Lock()

    # -- what was sent ----------------------------------------------------------------------------
    @property
    def commands_sent(self) -> set[str]:
        return set(self._recorder.names)

    @property
    def unexpected_commands(self) -> list[str]:
        return list(self._recorder.unexpected)

    @property
    def untimed_commands(self) -> list[str]:
        return list(self._recorder.untimed)

    # -- session ----------------------------------------------------------------------------------
    def _client_options(self) -> dict[str, Any]:
        given = {k.lower() for k in self.spec.params}
        timeout = max(1, int(self.spec.statement_timeout_ms or 30_000))
        options: dict[str, Any] = {
            "appname": "dbscope",
            "tz_aware": True,
            "uuidRepresentation": "standard",
            "event_listeners": [self._recorder],
            "connect": False,
        }
        defaults = {
            "serverselectiontimeoutms": (
                "serverSelectionTimeoutMS",
                min(SERVER_SELECTION_TIMEOUT_MS, timeout),
            ),
            "connecttimeoutms": ("connectTimeoutMS", min(SERVER_SELECTION_TIMEOUT_MS, timeout)),
            # A socket that stays silent well past maxTimeMS means the network is gone, not a slow query.
            "sockettimeoutms": ("socketTimeoutMS", timeout + 15_000),
        }
        for lower, (name, value) in defaults.items():
            if lower not in given:
                options[name] = value
        return options

    def connect(self) -> ServerInfo:
        _check_tls_files(self.spec.params)
        options = self._client_options()
        if self.spec.password is not None and self.spec.user:
            # Typed at a prompt or handed over out of argv: it wins over the URL's (which it equals).
            options["username"], options["password"] = self.spec.user, self.spec.password
        try:
            self._client = self._client_factory(self.spec.url, **options)
            self._command("admin", SON([("ping", 1)]))
            build = self._command("admin", SON([("buildInfo", 1)]))
            try:
                hello = self._command("admin", SON([("hello", 1)]))
            except QueryError:
                hello = self._command("admin", SON([("isMaster", 1)]))
            try:  # read only for the user name: a server or proxy that refuses it still opens
                status = self._command("admin", SON([("connectionStatus", 1)]))
            except QueryError:
                status = {}
        except DbscopeError:
            self.close()
            raise
        except PyMongoError as exc:
            self.close()
            raise map_error(exc, self.spec, connecting=True) from None
        except (UnicodeError, ValueError) as exc:  # a host name the resolver rejects (idna)
            self.close()
            raise connect_value_error(exc, self.spec.display) from None
        except OSError as exc:  # ssl.SSLError loading tlsCAFile…: the file is not what TLS needs
            self.close()
            raise ConnectError(
                f"TLS set-up for {self.spec.display} failed: {getattr(exc, 'reason', None) or exc.strerror or 'error'}",
                title="TLS failed",
                hint="check tlsCAFile / tlsCertificateKeyFile in the URL: PEM files of certificates",
            ) from None
        version = str(build.get("version", ""))
        self._version_num = _version_num(version)
        self._members = conv.replica_members(hello)
        users = (status.get("authInfo") or {}).get("authenticatedUsers") or []
        user = users[0].get("user", "") if users and isinstance(users[0], dict) else (self.spec.user or "")
        topology = (
            "sharded (mongos)"
            if hello.get("msg") == "isdbgrid"
            else (f"replica set {hello['setName']}" if hello.get("setName") else "standalone")
        )
        self.server = ServerInfo(
            engine="mongodb",
            version=version,
            version_num=self._version_num,
            user=str(user),
            database=self._database or "",
            host=self.spec.display,
            superuser=False,
            read_only=True,  # read commands only, whatever the mode
            settings={
                "topology": topology,
                "readPreference": self._client.read_preference.name if self._client else "",
                "index_usage_scope": self._usage_scope(topology),
            },
        )
        self.capabilities = self._probe_capabilities()
        return self.server

    def _usage_scope(self, topology: str) -> str:
        """Which mongods ``$indexStats`` covers: usage is counted per mongod since its restart."""
        if self._members:
            return f"every replica set member ({len(self._members)}, each read directly)"
        if topology.startswith("sharded"):
            return "one member per shard (the one mongos reads from); other members are not read"
        return "the one server"

    def _probe_capabilities(self) -> Capabilities:
        topology = self.server.settings.get("topology", "") if self.server is not None else ""
        caps = Capabilities(
            explain_formats=list(mongoshell.VERBOSITIES),
            analyze=Capability(
                True, "explain executionStats runs the winning plan; explain never applies writes"
            ),
            hypothetical_indexes=Capability(False, "MongoDB has no hypothetical indexes"),
            cancel=Capability(True, "killOp on dbscope's own operations, found by their comment tag"),
            switch_database=Capability(True),
        )
        if self._database:
            try:
                level = self._profiling_level(self._database)
                caps.statement_stats = Capability(
                    level > 0,
                    ""
                    if level > 0
                    else f"profiling is off in {self._database}: db.setProfilingLevel(1, {{ slowms: 100 }})",
                )
            except DbscopeError as exc:
                caps.statement_stats = Capability(False, exc.message)
            caps.index_usage = Capability(
                True, f"$indexStats from {self._usage_scope(topology)}; checked when a collection is opened"
            )
        else:
            caps.statement_stats = Capability(False, "no database in the URL: the profiler is per database")
            caps.index_usage = Capability(True, f"$indexStats from {self._usage_scope(topology)}")
        return caps

    def close(self) -> None:
        client, self._client = self._client, None
        with self._member_lock:
            members, self._member_clients = list(self._member_clients.values()), {}
        for each in (client, *members):
            if each is not None:
                with contextlib.suppress(PyMongoError):
                    each.close()

    def ping(self) -> bool:
        if self._client is None:
            return False
        try:
            self._command("admin", SON([("ping", 1)]))
        except DbscopeError:
            return False
        return True

    def databases(self) -> list[str]:
        result = self._command(
            "admin", SON([("listDatabases", 1), ("nameOnly", True), ("authorizedDatabases", True)])
        )
        return sorted(str(d.get("name")) for d in result.get("databases") or [] if isinstance(d, dict))

    def switch_database(self, name: str) -> ServerInfo:
        if not name or "/" in name or "." in name or " " in name:
            raise UsageError(f"{name!r} is not a MongoDB database name")
        self._database = name
        if self.server is not None:
            self.server.database = name
        return self.server if self.server is not None else self.connect()

    # -- the only way out -------------------------------------------------------------------------
    def _db(self, name: str) -> Any:
        if self._client is None:
            raise QueryError("not connected", title="Not connected", hint="connect first")
        return self._client[name]

    def _prepare(self, command: SON) -> SON:
        name = check_command(command)
        if name in TIMED_COMMANDS and "maxTimeMS" not in command and self.spec.statement_timeout_ms:
            command["maxTimeMS"] = int(self.spec.statement_timeout_ms)
        return command

    def _command(self, database: str, command: SON) -> dict[str, Any]:
        command = self._prepare(command)
        db = self._db(database)
        try:
            return dict(db.command(command, read_preference=db.read_preference))
        except PyMongoError as exc:
            raise map_error(exc, self.spec) from None

    def _cursor(self, database: str, command: SON, *, limit: int | None = None) -> list[dict[str, Any]]:
        """Run a cursor command and read at most ``limit`` documents (all when None); closes the cursor."""
        command = self._prepare(command)
        db = self._db(database)
        out: list[dict[str, Any]] = []
        try:
            with db.cursor_command(command, read_preference=db.read_preference) as cursor:
                for doc in cursor:
                    out.append(doc)
                    if limit is not None and len(out) >= limit:
                        break
        except PyMongoError as exc:
            raise map_error(exc, self.spec) from None
        return out

    def _member_cursor(self, member: str, database: str, command: SON) -> list[dict[str, Any]]:
        """A cursor command on one replica set member over its own direct connection (same credentials,
        TLS and timeouts; the same read-command guard and recorder)."""
        command = self._prepare(command)
        if self._client is None:
            raise QueryError("not connected", title="Not connected", hint="connect first")
        with self._member_lock:
            client = self._member_clients.get(member)
            if client is None:
                kwargs = conv.member_client_kwargs(
                    member,
                    dict(self._client.options._options),
                    self._client_options(),
                    self.spec.user,
                    self.spec.password,
                )
                try:
                    client = self._member_clients[member] = self._client_factory(**kwargs)
                except PyMongoError as exc:
                    raise map_error(exc, self.spec) from None
        try:
            with client[database].cursor_command(command) as cursor:
                return list(cursor)
        except PyMongoError as exc:
            raise map_error(exc, self.spec) from None

    def _next_tag(self) -> str:
        with self._lock:
            self._sequence += 1
            return f"{self._session_tag}:{self._sequence}"

    # -- catalog ----------------------------------------------------------------------------------
    def roots(self) -> list[CatalogNode]:
        try:
            names = self.databases()
        except PermissionError_ as exc:
            if not self._database:
                return [
                    CatalogNode(
                        "message", f"cannot list databases: {exc.message}", "", type_label="permission"
                    )
                ]
            names = [self._database]
        if self._database and self._database not in names:
            names.insert(0, self._database)
        return [
            CatalogNode(
                "database",
                name,
                name,
                type_label="database",
                has_children=True,
                database=name,
                key=("database", name),
            )
            for name in names
        ]

    def children(self, node: CatalogNode) -> list[CatalogNode]:
        key = node.key
        if not key:
            return []
        kind = key[0]
        if kind == "database":
            return conv.collection_nodes(key[1], self._collection_infos(key[1]))
        if kind == "collection":
            database, collection = key[1], key[2]
            folders = []
            if node.kind == "collection":
                folders.append(self._folder("Indexes", "indexes", database, collection))
            folders.append(
                self._folder(f"Fields (sample of {self.sample_size:,})", "fields", database, collection)
            )
            return folders
        if kind == "indexes":
            indexes = conv.indexes_from_listing(self._list_indexes(key[1], key[2]), key[2])
            return [self._index_node(key[1], key[2], index) for index in indexes]
        if kind == "fields":
            schema = self._sample(key[1], key[2])
            return [
                CatalogNode(
                    "field",
                    stat.path,
                    f"{key[1]}.{key[2]}.{stat.path}",
                    type_label=f"{stat.type_label} · {stat.presence:.0%}",
                    database=key[1],
                    table=key[2],
                    key=("field", key[1], key[2], stat.path),
                    meta={"stat": stat},
                )
                for stat in schema.fields
            ]
        return []

    @staticmethod
    def _folder(label: str, kind: str, database: str, collection: str) -> CatalogNode:
        return CatalogNode(
            "folder",
            label,
            f"{label} of {database}.{collection}",
            has_children=True,
            database=database,
            table=collection,
            key=(kind, database, collection),
        )

    @staticmethod
    def _index_node(database: str, collection: str, index: Index) -> CatalogNode:
        flags = []
        if index.unique:
            flags.append("unique")
        if index.method != "btree":
            flags.append(index.method)
        if "expireAfterSeconds" in index.options:
            flags.append(f"TTL {index.options['expireAfterSeconds']} s")
        if index.predicate:
            flags.append("partial")
        if index.options.get("sparse"):
            flags.append("sparse")
        if not index.visible:
            flags.append("hidden")
        return CatalogNode(
            "index",
            index.name,
            f"{database}.{collection}.{index.name}",
            type_label=" ".join(flags) or "index",
            database=database,
            table=collection,
            key=("index", database, collection, index.name),
            meta={"keys": index.options.get("key", {})},
        )

    def _collection_infos(self, database: str, name: str | None = None) -> list[dict[str, Any]]:
        command = SON([("listCollections", 1), ("nameOnly", False), ("authorizedCollections", True)])
        if name is not None:
            command["filter"] = {"name": name}
        return self._cursor(database, command)

    def _list_indexes(self, database: str, collection: str) -> list[dict[str, Any]]:
        return self._cursor(database, SON([("listIndexes", collection)]))

    def _index_stats(self, database: str, collection: str) -> tuple[list[dict[str, Any]], dict[str, str]]:
        """``$indexStats`` documents and the members that could not be read (member → why).

        A replica set's members are each read over a direct connection (usage is counted per mongod: an
        index idle on the primary may serve the secondaries' reads); through mongos one member per shard
        answers; a standalone answers for itself."""

        def command() -> SON:
            return SON([("aggregate", collection), ("pipeline", [{"$indexStats": {}}]), ("cursor", {})])

        if not self._members:
            return self._cursor(database, command()), {}
        docs: list[dict[str, Any]] = []
        missing: dict[str, str] = {}
        for member in self._members:
            try:
                docs.extend(self._member_cursor(member, database, command()))
            except DbscopeError as exc:
                missing[member] = exc.message
        if len(missing) == len(self._members):  # no member reachable directly: what the set answers
            return self._cursor(database, command()), missing
        return docs, missing

    def _coll_stats(self, database: str, collection: str) -> list[dict[str, Any]]:
        pipeline = [{"$collStats": {"storageStats": {}, "count": {}}}]
        return self._cursor(
            database, SON([("aggregate", collection), ("pipeline", pipeline), ("cursor", {})])
        )

    def _sample(self, database: str, collection: str, size: int | None = None) -> SampledSchema:
        pipeline = [{"$sample": {"size": int(size or self.sample_size)}}]
        docs = self._cursor(
            database, SON([("aggregate", collection), ("pipeline", pipeline), ("cursor", {})])
        )
        return analyze_sample(docs)

    def detail(self, node: CatalogNode) -> ObjectDetail:
        key = node.key
        if node.kind in ("collection", "view") and key and key[0] == "collection":
            return self._collection_detail(node, key[1], key[2])
        if node.kind == "database" and key:
            return self._database_detail(node, key[1])
        if node.kind == "index" and key and key[0] == "index":
            indexes = conv.indexes_from_listing(self._list_indexes(key[1], key[2]), key[2])
            found = [i for i in indexes if i.name == key[3]]
            if not found:
                raise QueryError(
                    f"index {key[3]} no longer exists on {key[1]}.{key[2]}", title="Object missing"
                )
            return ObjectDetail(
                node=node, indexes=found, ddl=conv.create_index_command(key[2], found[0]) + "\n"
            )
        if node.kind == "field" and node.meta.get("stat") is not None:
            stat = node.meta["stat"]
            detail = ObjectDetail(node=node)
            detail.stats = [
                Stat("Types", stat.type_label),
                Stat("Present in", stat.presence * 100, "%"),
                Stat("Examples", ", ".join(stat.examples) or "–"),
            ]
            return detail
        return ObjectDetail(node=node)

    def _collection_detail(self, node: CatalogNode, database: str, collection: str) -> ObjectDetail:
        detail = ObjectDetail(node=node)
        infos = self._collection_infos(database, collection)
        if not infos:
            raise QueryError(f"{database}.{collection} no longer exists", title="Object missing")
        info = infos[0]
        node.type_label = conv.collection_type_label(info)
        is_view = info.get("type") == "view"
        if not is_view:
            detail.indexes = conv.indexes_from_listing(self._list_indexes(database, collection), collection)
            self._try(
                detail,
                "index usage ($indexStats)",
                lambda: self._merge_usage(detail, database, collection),
            )
            self._try(
                detail,
                "sizes ($collStats)",
                lambda: conv.apply_coll_stats(detail, self._coll_stats(database, collection)),
            )
        try:
            schema = self._sample(database, collection)
            detail.columns = columns_from_sample(schema)
            detail.stats.append(Stat("Sampled documents", schema.sampled, "count"))
            if schema.truncated:
                detail.notes.append("the sample has more field paths or deeper nesting than dbscope lists")
        except DbscopeError as exc:
            detail.notes.append(f"sampled fields unavailable: {exc.message}")
        detail.stats.insert(0, Stat("Type", node.type_label))
        detail.ddl = self._collection_ddl(database, collection, info, detail.indexes)
        return detail

    def _merge_usage(self, detail: ObjectDetail, database: str, collection: str) -> None:
        stats, missing = self._index_stats(database, collection)
        conv.merge_index_stats(detail.indexes, stats, missing)
        for member, why in missing.items():
            detail.notes.append(f"index usage of member {member} unavailable: {why}")

    @staticmethod
    def _try(detail: ObjectDetail, what: str, action: Any) -> None:
        try:
            action()
        except DbscopeError as exc:
            detail.notes.append(f"{what} unavailable: {exc.message}")

    @staticmethod
    def _collection_ddl(database: str, collection: str, info: dict[str, Any], indexes: list[Index]) -> str:
        options = {k: v for k, v in (info.get("options") or {}).items() if k not in ("uuid",)}
        ref = f"db.getSiblingDB({mongoshell.quote(database)})"
        lines = []
        if info.get("type") == "view":
            pipeline = conv.shell_text(options.get("pipeline") or [])
            lines.append(
                f"{ref}.createView({mongoshell.quote(collection)}, {mongoshell.quote(str(options.get('viewOn', '')))}, {pipeline})"
            )
        else:
            created = f"{ref}.createCollection({mongoshell.quote(collection)}"
            created += f", {conv.shell_text(options)})" if options else ")"
            lines.append(created)
            lines.extend(
                conv.create_index_command(collection, index) for index in indexes if not index.primary
            )
        return "\n".join(lines) + "\n"

    def _database_detail(self, node: CatalogNode, database: str) -> ObjectDetail:
        detail = ObjectDetail(node=node)
        stats = self._command(database, SON([("dbStats", 1)]))
        for label, key, unit in (
            ("Collections", "collections", "count"),
            ("Views", "views", "count"),
            ("Documents", "objects", "rows"),
            ("Data size", "dataSize", "bytes"),
            ("Storage size", "storageSize", "bytes"),
            ("Indexes", "indexes", "count"),
            ("Index size", "indexSize", "bytes"),
            ("Total size", "totalSize", "bytes"),
        ):
            if key in stats:
                detail.stats.append(Stat(label, int(stats[key]), unit))
        total = stats.get("totalSize") or ((stats.get("storageSize") or 0) + (stats.get("indexSize") or 0))
        detail.total_bytes = int(total) if total else None
        detail.row_estimate = int(stats["objects"]) if "objects" in stats else None
        return detail

    def schema_facts(self, schema: str | None = None) -> SchemaFacts:
        database = schema or self._database
        if not database:
            raise UsageError(
                "name a database for MongoDB schema advice", hint="put it in the URL: mongodb://host/mydb"
            )
        facts = SchemaFacts(engine="mongodb", database=database)
        shard_keys = self._shard_keys(database, facts)
        earliest: datetime | None = None
        hosts: set[str] = set()
        for node in conv.collection_nodes(database, self._collection_infos(database)):
            if (
                node.kind != "collection"
                or node.name.startswith("system.")
                or node.type_label.startswith("time-series")
            ):
                continue
            detail = ObjectDetail(node=node)
            try:
                detail.indexes = conv.indexes_from_listing(self._list_indexes(database, node.name), node.name)
            except DbscopeError as exc:
                facts.notes.append(f"{node.name}: indexes unavailable: {exc.message}")
                continue
            try:
                stats, missing = self._index_stats(database, node.name)
                since = conv.merge_index_stats(detail.indexes, stats, missing)
                hosts.update(str(s.get("host")) for s in stats if s.get("host"))
                for member, why in missing.items():
                    facts.notes.append(f"{node.name}: index usage of member {member} unavailable: {why}")
                if since is not None:
                    earliest = since if earliest is None else min(earliest, since)
            except DbscopeError as exc:
                facts.notes.append(f"{node.name}: index usage unavailable: {exc.message}")
            self._try(
                detail,
                "sizes ($collStats)",
                lambda d=detail, n=node.name: conv.apply_coll_stats(d, self._coll_stats(database, n)),
            )
            if node.name in shard_keys:
                node.meta["shard_key"] = shard_keys[node.name]
            facts.tables.append(detail)
        if earliest is not None:
            facts.stats_since = earliest.isoformat()
            facts.stats_age_days = (datetime.now(UTC) - earliest).total_seconds() / 86_400
        facts.server = {
            "version": self.server.version if self.server else "",
            "hosts": sorted(hosts),
            "collected_at": datetime.now(UTC).isoformat(),
        }
        if self.server is not None:
            facts.server["topology"] = self.server.settings.get("topology", "")
            facts.server["index_usage_scope"] = self.server.settings.get("index_usage_scope", "")
        return facts

    def _shard_keys(self, database: str, facts: SchemaFacts) -> dict[str, dict[str, Any]]:
        if not self.server or "sharded" not in self.server.settings.get("topology", ""):
            return {}
        try:
            docs = self._cursor(
                "config",
                SON(
                    [
                        ("find", "collections"),
                        ("filter", {"_id": {"$regex": f"^{_regex_escape(database)}\\."}}),
                    ]
                ),
            )
        except DbscopeError as exc:
            facts.notes.append(f"shard keys unavailable: {exc.message}")
            return {}
        return {
            str(d["_id"]).split(".", 1)[1]: dict(d.get("key") or {})
            for d in docs
            if "." in str(d.get("_id", ""))
        }

    # -- statements -------------------------------------------------------------------------------
    def statement_writes(self, query: str) -> bool:
        return mongoshell.statement_is_write(query)

    def _parse(self, query: str) -> mongoshell.MongoQuery:
        return mongoshell.parse_query(query)

    def _database_for(self, parsed: mongoshell.MongoQuery) -> str:
        return parsed.database or self._database or "test"

    def explain(self, query: str, *, analyze: bool = False, allow_writes: bool = False) -> ExplainOutput:
        parsed = self._parse(query)
        verbosity = conv.explain_verbosity(parsed, analyze)
        if parsed.writes and verbosity != "queryPlanner" and not allow_writes:
            raise ReadOnlyViolation(
                "the pipeline writes ($out / $merge); dbscope explains it with queryPlanner only"
            )
        tag = self._next_tag()
        inner = conv.query_command(parsed, max_time_ms=self.spec.statement_timeout_ms)
        command = SON([("explain", inner), ("verbosity", verbosity)])
        if self._version_num >= 40400:
            command["comment"] = tag
        self._running = tag
        try:
            result = self._command(self._database_for(parsed), command)
        finally:
            self._running = None
        result.pop("$clusterTime", None)
        result.pop("operationTime", None)
        text = json_util.dumps(result, json_options=json_util.RELAXED_JSON_OPTIONS, indent=2)
        return ExplainOutput(text=text, engine="mongodb", analyzed=verbosity != "queryPlanner", query=query)

    def run(self, query: str, limit: int = 1000) -> ResultPage:
        parsed = self._parse(query)
        if parsed.verbosity:
            output = self.explain(query, analyze=parsed.verbosity != "queryPlanner")
            return ResultPage(
                columns=["explain"], column_types=["object"], rows=[(output.text,)], status="explain"
            )
        if parsed.writes:
            raise ReadOnlyViolation("the pipeline writes ($out / $merge); dbscope only reads")
        cap = max(1, int(limit))
        database = self._database_for(parsed)
        tag = self._next_tag()
        started = time.perf_counter()
        self._running = tag
        try:
            if parsed.operation in ("find", "aggregate"):
                capped = _capped_query(parsed, cap + 1)
                command = conv.query_command(
                    capped, max_time_ms=self.spec.statement_timeout_ms, comment=tag, batch=min(cap + 1, 1000)
                )
                docs = self._cursor(database, command, limit=cap + 1)
                elapsed = (time.perf_counter() - started) * 1000
                return conv.documents_to_page(docs[:cap], truncated=len(docs) > cap, elapsed_ms=elapsed)
            command = conv.query_command(
                parsed,
                max_time_ms=self.spec.statement_timeout_ms,
                comment=tag if self._version_num >= 40400 else None,
            )
            result = self._command(database, command)
        finally:
            self._running = None
        elapsed = (time.perf_counter() - started) * 1000
        if parsed.operation == "count":
            return ResultPage(
                columns=["count"],
                column_types=["long"],
                rows=[(int(result.get("n", 0)),)],
                status="count",
                elapsed_ms=elapsed,
            )
        values = list(result.get("values") or [])
        rows = [(conv.grid_value(v),) for v in values[:cap]]
        return ResultPage(
            columns=[parsed.distinct_key or "value"],
            column_types=["mixed"],
            rows=rows,
            truncated=len(values) > cap,
            status=f"{len(values):,} distinct values",
            elapsed_ms=elapsed,
        )

    def cancel(self) -> bool:
        tag = self._running
        if tag is None or self._client is None:
            return False
        pipeline = [
            {"$currentOp": {"allUsers": False, "idleConnections": False}},
            {
                "$match": {
                    "$or": [
                        {"command.comment": tag},
                        {"command.explain.comment": tag},
                        {"cursor.originatingCommand.comment": tag},
                    ]
                }
            },
        ]
        try:
            ops = self._cursor("admin", SON([("aggregate", 1), ("pipeline", pipeline), ("cursor", {})]))
            opids = conv.tagged_operation_ids(ops, tag)
            for opid in opids:
                self._command("admin", SON([("killOp", 1), ("op", opid)]))
        except DbscopeError:
            return False
        return bool(opids)

    def _profiling_level(self, database: str) -> int:
        status = self._command(database, SON([("profile", -1)]))
        return int(status.get("was", 0))

    def top_statements(
        self, limit: int = 50, sort: str = "total", *, source: str = "profiler"
    ) -> list[StatementStat]:
        if source == "currentOp":
            pipeline = [{"$currentOp": {"allUsers": True, "idleConnections": False}}]
            ops = self._cursor("admin", SON([("aggregate", 1), ("pipeline", pipeline), ("cursor", {})]))
            return conv.current_op_statements(ops, limit=limit)
        database = self._database
        if not database:
            raise UsageError(
                "the MongoDB profiler is kept per database: name one in the URL",
                hint="e.g. mongodb://host/mydb",
            )
        level = self._profiling_level(database)
        command = SON(
            [
                ("find", "system.profile"),
                ("filter", {}),
                ("sort", {"millis": -1}),
                ("limit", max(1000, limit * 20)),
            ]
        )
        docs = self._cursor(database, command)
        if not docs:
            hint = "enable it with db.setProfilingLevel(1, { slowms: 100 }) in mongosh (it writes system.profile)"
            if level == 0:
                raise QueryError(
                    f"profiling is off in {database} and system.profile is empty",
                    title="Profiler off",
                    hint=hint,
                )
            raise QueryError(
                f"system.profile in {database} has no operations yet",
                title="No profiled operations",
                hint=hint,
            )
        return conv.profile_statements(docs, limit=limit, sort=sort)


def _capped_query(query: mongoshell.MongoQuery, cap: int) -> mongoshell.MongoQuery:
    """The query with at most ``cap`` results asked of the server (the user's own limit if smaller)."""
    from dataclasses import replace

    if query.operation == "aggregate":
        pipeline = list(query.pipeline or [])
        return replace(query, pipeline=[*pipeline, {"$limit": cap}])
    return replace(query, limit=min(query.limit, cap) if query.limit else cap)


def _regex_escape(text: str) -> str:
    import re

    return re.escape(text)
