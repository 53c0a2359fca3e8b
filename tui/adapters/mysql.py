"""MySQL and MariaDB adapter on PyMySQL: sessions, capabilities, lazy catalog, EXPLAIN / ANALYZE,
capped results with an unbuffered cursor, statement digests and server-side cancel.

Connections (PyMySQL's are not thread-safe): one for catalog browsing, one for the user's statements
(opened on first use), each behind its own lock, and a short-lived side connection for ``KILL QUERY``.
Every session is read-only unless the spec allows writes (``SET SESSION TRANSACTION READ ONLY``; with
autocommit every statement is its own read-only transaction, enforced by the server) and carries a
statement timeout (MySQL ``max_execution_time`` in ms — SELECTs only —, MariaDB ``max_statement_time``
in seconds) and ``lock_wait_timeout``. Parameters come from the URL, option files and the environment
(``tui.adapters.mysql_options``).
"""

from __future__ import annotations

import contextlib
import math
import re
import threading
import time
from datetime import datetime, timedelta
from typing import Any

import pymysql
import pymysql.cursors
from pymysql.constants import CLIENT, FIELD_TYPE

from tui.adapters import mysql_catalog as catalog
from tui.adapters.base import Adapter
from tui.adapters.mysql_errors import (
    MARIADB_STATEMENT_TIMEOUT,
    MYSQL_STATEMENT_TIMEOUT,
    QUERY_INTERRUPTED,
    map_error,
)
from tui.adapters.mysql_options import MySQLParams, resolve
from tui.adapters.mysql_sql import (
    READ_ONLY_HINT,
    is_read_only_select,
    qualified,
    quote_ident,
    read_only_refusal,
    strip_explain,
)
from tui.core.catalog import RELATION_KINDS, CatalogNode, ObjectDetail, Stat
from tui.core.connspec import ConnectionSpec
from tui.core.errors import (
    Cancelled,
    DbscopeError,
    Disconnected,
    QueryError,
    ReadOnlyBreach,
    ReadOnlyViolation,
    UsageError,
    connect_value_error,
)
from tui.core.gate import ANALYZE, EXPLAIN, RUN, Review
from tui.core.session import (
    Capabilities,
    Capability,
    ExplainOutput,
    ResultPage,
    SchemaFacts,
    ServerInfo,
    StatementStat,
)
from tui.core.sqllex import LexSettings
from tui.core.sqltext import first_word, short_statement

_TYPE_NAMES = {
    value: name.lower()
    for name, value in vars(FIELD_TYPE).items()
    if name.isupper() and isinstance(value, int)
}
_VARIABLES = (
    "version",
    "version_comment",
    "hostname",
    "port",
    "socket",
    "performance_schema",
    "performance_schema_max_sql_text_length",
    "read_only",
    "super_read_only",
    "innodb_page_size",
    "max_execution_time",
    "max_statement_time",
    "lock_wait_timeout",
    "userstat",
    "explain_json_format_version",
    "sql_mode",
    "character_set_server",
    "tx_read_only",
    "transaction_read_only",
)
PERFORMANCE_SCHEMA_HINT = (
    "add performance_schema=ON under [mysqld] in the server's my.cnf (e.g. /etc/mysql/my.cnf) and "
    "restart the server; statement digests are then kept in "
    "performance_schema.events_statements_summary_by_digest"
)
DIGEST_SORTS = {
    "total": "SUM_TIMER_WAIT",
    "mean": "AVG_TIMER_WAIT",
    "calls": "COUNT_STAR",
    "max": "MAX_TIMER_WAIT",
    "rows": "SUM_ROWS_EXAMINED",
    "no_index": "SUM_NO_INDEX_USED + SUM_NO_GOOD_INDEX_USED",
}
PICOSECONDS_PER_MS = 1e9
STATEMENT_TIMEOUTS = (MYSQL_STATEMENT_TIMEOUT, MARIADB_STATEMENT_TIMEOUT)
_TRANSACTIONAL_ENGINES = frozenset({"innodb", "xtradb", "ndbcluster", "ndb", "tokudb", "rocksdb"})


def flavor_and_version(server_version: str) -> tuple[str, str, int]:
    """``("mariadb", "10.11.19", 101119)`` from ``5.5.5-10.11.19-MariaDB-0+deb12u1`` or ``10.11.19-…``;
    ``("mysql", "8.0.36", 80036)`` from ``8.0.36``."""
    text = server_version or ""
    flavor = "mariadb" if "mariadb" in text.lower() else "mysql"
    if flavor == "mariadb" and text.startswith("5.5.5-"):
        text = text[len("5.5.5-") :]
    match = re.match(r"(\d+)\.(\d+)\.(\d+)", text)
    if not match:
        return flavor, text, 0
    major, minor, patch = (int(g) for g in match.groups())
    return flavor, f"{major}.{minor}.{patch}", major * 10000 + minor * 100 + patch


class MySQLAdapter(Adapter):
    engine = "mysql"
    dialect = "mysql"

    def __init__(self, spec: ConnectionSpec) -> None:
        super().__init__(spec)
        self._params: MySQLParams = resolve(spec)
        self._catalog: pymysql.connections.Connection | None = None
        self._query: pymysql.connections.Connection | None = None
        self._catalog_lock = threading.RLock()
        self._query_lock = threading.RLock()
        self._state_lock = threading.Lock()
        self._query_thread_id: int | None = None
        self._running = False
        self._cancel_requested = False
        self.flavor = "mysql"
        self.version_num = 0
        self._database = self._params.database or ""
        self._usage_source: str | None = None
        self._page_size = 16384
        self._uptime_s: float | None = None
        self._sql_mode = ""  # the query session's, read after each user statement (the lexer follows it)

    # -- session -----------------------------------------------------------------------------------
    @property
    def target(self) -> str:
        return self._params.target

    def _map(self, exc: BaseException, *, connecting: bool = False) -> DbscopeError:
        return map_error(
            exc, target=self.target, password=self._params.password or None, connecting=connecting
        )

    def _open(self, *, timeout: int | None = None) -> pymysql.connections.Connection:
        kwargs = self._params.pymysql_kwargs()
        kwargs["database"] = self._database or None
        # Never CLIENT_MULTI_STATEMENTS: the server then runs one statement per query, whatever the text.
        kwargs["client_flag"] = int(kwargs.get("client_flag") or 0) & ~CLIENT.MULTI_STATEMENTS
        if timeout is not None:
            kwargs["connect_timeout"] = timeout
        statement_s = self.spec.statement_timeout_ms / 1000
        if statement_s > 0:
            # A dead network must not hang a worker: the socket gives up a while after the server would
            # have stopped the statement itself.
            kwargs["read_timeout"] = kwargs["write_timeout"] = int(statement_s + 60)
        try:
            conn = pymysql.connect(**kwargs, autocommit=True, cursorclass=pymysql.cursors.DictCursor)
        except (pymysql.Error, OSError) as exc:
            raise self._map(exc, connecting=True) from None
        except (UnicodeError, ValueError) as exc:  # a host name the resolver rejects, a password's bytes
            raise connect_value_error(exc, self.target) from None
        try:
            self._init_session(conn)
        except pymysql.Error as exc:
            with contextlib.suppress(pymysql.Error, OSError):
                conn.close()
            raise self._map(exc) from None
        return conn

    def _session_statements(self) -> list[str]:
        statements = []
        if not self.spec.read_write:
            statements.append("SET SESSION TRANSACTION READ ONLY")
        timeout_ms = max(0, int(self.spec.statement_timeout_ms))
        if self.flavor == "mariadb":
            statements.append(f"SET SESSION max_statement_time = {timeout_ms / 1000:.3f}")
        elif self.version_num >= 50708:
            statements.append(f"SET SESSION max_execution_time = {timeout_ms}")
        lock_s = (
            max(1, math.ceil(self.spec.lock_timeout_ms / 1000)) if self.spec.lock_timeout_ms else 31536000
        )
        statements.append(f"SET SESSION lock_wait_timeout = {lock_s}")
        return statements

    def _init_session(self, conn: pymysql.connections.Connection) -> None:
        self.flavor, _, self.version_num = flavor_and_version(conn.get_server_info())
        with conn.cursor() as cur:
            for statement in self._session_statements():
                cur.execute(statement)
            lock_s = (
                max(1, math.ceil(self.spec.lock_timeout_ms / 1000))
                if self.spec.lock_timeout_ms
                else 1073741824
            )
            for optional in (
                f"SET SESSION innodb_lock_wait_timeout = {min(lock_s, 1073741824)}",
                # EXPLAIN FORMAT=JSON in version 1 (MySQL 9.5 defaults to 2): the advisor reads
                # possible_keys, filtered and used_key_parts, which version 2 does not print.
                "SET SESSION explain_json_format_version = 1" if self.flavor == "mysql" else "",
            ):
                if optional:
                    with contextlib.suppress(pymysql.Error):
                        cur.execute(optional)

    def connect(self) -> ServerInfo:
        self.close()
        self._catalog = self._open()
        self.server = self._probe()
        self.server.notices = list(self._params.notices)  # option files read or ignored
        return self.server

    def close(self) -> None:
        for conn in (self._query, self._catalog):
            if conn is not None:
                with contextlib.suppress(pymysql.Error, OSError, AttributeError):
                    conn.close()
        self._query = self._catalog = None
        self._query_thread_id = None

    def ping(self) -> bool:
        with self._catalog_lock:
            if self._catalog is None:
                return False
            try:
                self._catalog.ping(reconnect=False)
                return True
            except (pymysql.Error, OSError):
                return False

    def _catalog_conn(self) -> pymysql.connections.Connection:
        if self._catalog is None or not self._catalog.open:
            if self.server is None:
                raise Disconnected("not connected", hint="connect first")
            self._catalog = self._open()
        return self._catalog

    def _query_conn(self) -> pymysql.connections.Connection:
        if self._query is None or not self._query.open:
            self._query = self._open()
            self._query_thread_id = self._query.thread_id()
        return self._query

    def _fetch(self, sql: str, params: Any = None) -> list[dict[str, Any]]:
        """One catalog query on the catalog connection; rows as dicts."""
        with self._catalog_lock:
            conn = self._catalog_conn()
            try:
                with conn.cursor() as cur:
                    cur.execute(sql, params)
                    return list(cur.fetchall()) if cur.description else []
            except (pymysql.Error, OSError) as exc:
                error = self._map(exc)
                if isinstance(error, Disconnected):
                    self._drop(conn, "_catalog")
                raise error from None

    def _drop(self, conn: pymysql.connections.Connection, attribute: str) -> None:
        with contextlib.suppress(pymysql.Error, OSError, AttributeError):
            conn.close()
        if getattr(self, attribute) is conn:
            setattr(self, attribute, None)

    def _probe(self) -> ServerInfo:
        rows = self._fetch(
            "SHOW VARIABLES WHERE Variable_name IN (" + ", ".join(["%s"] * len(_VARIABLES)) + ")", _VARIABLES
        )
        settings = {str(r["Variable_name"]): str(r["Value"]) for r in rows}
        who = self._fetch("SELECT CURRENT_USER() AS user, DATABASE() AS db, CONNECTION_ID() AS id")[0]
        flavor, version, version_num = flavor_and_version(settings.get("version", ""))
        self.flavor, self.version_num = flavor, version_num
        self._database = who["db"] or ""
        self._page_size = int(settings.get("innodb_page_size") or 16384)
        superuser = False
        with contextlib.suppress(DbscopeError):
            grants = " ".join(str(next(iter(r.values()))) for r in self._fetch("SHOW GRANTS"))
            superuser = bool(re.search(r"GRANT ALL PRIVILEGES ON \*\.\*|\bSUPER\b", grants))
        with contextlib.suppress(DbscopeError, IndexError, ValueError):
            self._uptime_s = float(self._fetch("SHOW GLOBAL STATUS LIKE 'Uptime'")[0]["Value"])
        read_only_value = settings.get("transaction_read_only", settings.get("tx_read_only", "OFF"))
        info = ServerInfo(
            engine=flavor,
            version=version,
            version_num=version_num,
            user=str(who["user"]).rsplit("@", 1)[0],  # CURRENT_USER() is user@host; the host is shown apart
            database=self._database,
            host=self.target,
            superuser=superuser,
            read_only=read_only_value.upper() in ("ON", "1"),
            settings=settings,
        )
        self.capabilities = self._capabilities(info)
        self._sql_mode = settings.get("sql_mode", "")
        return info

    def _readable(self, sql: str) -> str | None:
        """None when ``sql`` runs, else the one-line reason it does not."""
        try:
            self._fetch(sql)
            return None
        except DbscopeError as exc:
            return exc.message

    def _capabilities(self, info: ServerInfo) -> Capabilities:
        caps = Capabilities()
        mariadb = info.engine == "mariadb"
        caps.explain_formats = ["json"] if mariadb else ["json", "tree"]
        if mariadb:
            caps.analyze = Capability(
                True,
                "ANALYZE FORMAT=JSON executes the statement: only read-only SELECTs unless --read-write "
                "and a confirmation (DML then runs in a transaction that is rolled back)",
            )
        elif info.version_num >= 80018:
            caps.analyze = Capability(
                True,
                "EXPLAIN ANALYZE executes the statement: only read-only SELECTs unless --read-write and a "
                "confirmation (DML then runs in a transaction that is rolled back)",
            )
        else:
            caps.analyze = Capability(
                False, f"EXPLAIN ANALYZE needs MySQL 8.0.18 or later (this is {info.version})"
            )
        caps.hypothetical_indexes = Capability(
            False,
            "MySQL and MariaDB have no hypothetical indexes; test an index on a copy, or hide one before "
            "dropping it: ALTER TABLE … ALTER INDEX … INVISIBLE (MySQL 8) / IGNORED (MariaDB 10.6+)",
        )
        caps.cancel = Capability(True, "KILL QUERY from a short-lived side connection")
        caps.switch_database = Capability(True, "USE on both sessions")
        ps_on = info.settings.get("performance_schema", "OFF").upper() in ("ON", "1")
        if not ps_on:
            caps.statement_stats = Capability(False, f"performance_schema is OFF: {PERFORMANCE_SCHEMA_HINT}")
        else:
            problem = self._readable(
                "SELECT 1 FROM performance_schema.events_statements_summary_by_digest LIMIT 1"
            )
            if problem:
                caps.statement_stats = Capability(
                    False,
                    f"the digest table is not readable ({problem}): GRANT SELECT ON performance_schema.* TO the user",
                )
            else:
                consumer = []
                with contextlib.suppress(DbscopeError):
                    consumer = self._fetch(
                        "SELECT ENABLED FROM performance_schema.setup_consumers WHERE NAME = 'statements_digest'"
                    )
                if consumer and str(consumer[0]["ENABLED"]).upper() != "YES":
                    caps.statement_stats = Capability(
                        False,
                        "the statements_digest consumer is disabled: UPDATE performance_schema.setup_consumers "
                        "SET ENABLED = 'YES' WHERE NAME = 'statements_digest'",
                    )
                else:
                    caps.statement_stats = Capability(
                        True, "performance_schema.events_statements_summary_by_digest" + self._since_text()
                    )
        self._usage_source = None
        if ps_on and not self._readable(
            "SELECT 1 FROM performance_schema.table_io_waits_summary_by_index_usage LIMIT 1"
        ):
            self._usage_source = "performance_schema"
            caps.index_usage = Capability(
                True, "performance_schema.table_io_waits_summary_by_index_usage" + self._since_text()
            )
        elif mariadb and info.settings.get("userstat", "OFF").upper() in ("ON", "1"):
            self._usage_source = "userstat"
            caps.index_usage = Capability(True, "information_schema.INDEX_STATISTICS (userstat=ON)")
        else:
            how = PERFORMANCE_SCHEMA_HINT.split(";")[0]
            if mariadb:
                how += ", or SET GLOBAL userstat = ON to collect information_schema.INDEX_STATISTICS"
            caps.index_usage = Capability(False, f"no index usage statistics: {how}")
        if info.settings.get("read_only", "OFF").upper() in ("ON", "1"):
            caps.notes.append(
                "The server runs with read_only=ON (a replica?): writes fail for non-SUPER users."
            )
        if not ps_on:
            caps.notes.append(
                f"performance_schema is OFF: no statement digests or index usage. {PERFORMANCE_SCHEMA_HINT}."
            )
        return caps

    def _since_text(self) -> str:
        if self._uptime_s is None:
            return " (since the server started)"
        return f" (since the server started {self._uptime_s / 86400:,.1f} days ago)"

    def databases(self) -> list[str]:
        names = [
            r["name"] for r in self._fetch("SELECT SCHEMA_NAME AS name FROM information_schema.SCHEMATA")
        ]
        user = sorted(n for n in names if n.lower() not in catalog.SYSTEM_DATABASES)
        return user + sorted(n for n in names if n.lower() in catalog.SYSTEM_DATABASES)

    def switch_database(self, name: str) -> ServerInfo:
        if name not in self.databases():
            raise QueryError(f"unknown database {name!r}", title="Database missing", hint="SHOW DATABASES")
        statement = f"USE {quote_ident(name)}"
        with self._catalog_lock:
            conn = self._catalog_conn()
            try:
                with conn.cursor() as cur:
                    cur.execute(statement)
            except (pymysql.Error, OSError) as exc:
                raise self._map(exc) from None
        with self._query_lock:
            if self._query is not None and self._query.open:
                try:
                    with self._query.cursor() as cur:
                        cur.execute(statement)
                except (pymysql.Error, OSError) as exc:
                    raise self._map(exc) from None
        self._database = name
        if self.server is not None:
            self.server.database = name
        return self.server or self.connect()

    def cancel(self) -> bool:
        """KILL QUERY the statement running on the query connection, from a side connection."""
        with self._state_lock:
            thread_id, running = self._query_thread_id, self._running
            if not running or thread_id is None:
                return False
            self._cancel_requested = True
        try:
            side = self._open(timeout=5)
        except DbscopeError:
            return False
        try:
            with side.cursor() as cur:
                cur.execute(f"KILL QUERY {int(thread_id)}")
            return True
        except (pymysql.Error, OSError):
            return False
        finally:
            with contextlib.suppress(pymysql.Error, OSError):
                side.close()

    # -- catalog -----------------------------------------------------------------------------------
    def roots(self) -> list[CatalogNode]:
        user = catalog.database_nodes(self._fetch, system=False, current=self._database or None)
        system = catalog.database_nodes(self._fetch, system=True)
        return [*user, catalog.system_folder(len(system))]

    def children(self, node: CatalogNode) -> list[CatalogNode]:
        key = node.key
        if not key:
            return []
        kind = key[0]
        if kind == "system-databases":
            return catalog.database_nodes(self._fetch, system=True)
        if kind == "database":
            return catalog.database_folders(self._fetch, key[1])
        if kind in ("tables", "views", "sequences"):
            return catalog.table_nodes(self._fetch, key[1], kind)
        if kind == "routines":
            return catalog.routine_nodes(self._fetch, key[1])
        if kind == "folder":
            return list(node.meta.get("children", []))
        if kind in ("table", "view"):
            found = self._details(key[1], [key[2]])
            return catalog.relation_children(found[0]) if found else []
        return []

    def _details(self, database: str, tables: list[str] | None) -> list[ObjectDetail]:
        return catalog.load_details(
            self._fetch, database, tables, usage=self._usage_source, page_size=self._page_size
        )

    def detail(self, node: CatalogNode) -> ObjectDetail:
        key = node.key
        kind = key[0] if key else ""
        if node.kind in RELATION_KINDS or node.kind == "sequence" or kind in ("table", "view", "sequence"):
            database, name = (
                (key[1], key[2]) if len(key) >= 3 else (node.database or self._database, node.name)
            )
            found = self._details(database, [name])
            if not found:
                raise QueryError(f"{node.qualified_name} no longer exists", title="Object missing")
            detail = found[0]
            detail.ddl = self._show_create(found[0].node.kind, database, name)
            if self._usage_source is None and detail.node.kind != "view":
                detail.notes.append(
                    "Index usage is not shown: "
                    + self.capabilities.index_usage.reason.removeprefix("no index usage statistics: ")
                )
            return detail
        if node.kind == "database":
            return self._database_detail(node)
        if node.kind == "function" and kind == "routine":
            return self._routine_detail(node)
        return ObjectDetail(node=node, ddl=str(node.meta.get("definition", "") or ""))

    def _show_create(self, kind: str, database: str, name: str) -> str:
        what = {"view": "VIEW", "sequence": "SEQUENCE"}.get(kind, "TABLE")
        try:
            rows = self._fetch(f"SHOW CREATE {what} {qualified(database, name)}")
        except DbscopeError as exc:
            return f"-- SHOW CREATE {what} failed: {exc.message}\n"
        if not rows:
            return ""
        row = rows[0]
        text = row.get(f"Create {what.title()}") or row.get("Create Table") or list(row.values())[1]
        return f"{text};\n"

    def _database_detail(self, node: CatalogNode) -> ObjectDetail:
        database = node.key[1] if len(node.key) > 1 else node.name
        detail = ObjectDetail(node=node)
        rows = self._fetch(
            "SELECT SUM(TABLE_TYPE IN ('BASE TABLE', 'SYSTEM VERSIONED')) AS tables, "
            "SUM(TABLE_TYPE IN ('VIEW', 'SYSTEM VIEW')) AS views, SUM(DATA_LENGTH) AS data_bytes, "
            "SUM(INDEX_LENGTH) AS index_bytes, SUM(DATA_FREE) AS free_bytes "
            "FROM information_schema.TABLES WHERE TABLE_SCHEMA = %s",
            (database,),
        )
        if rows:
            r = rows[0]
            data, index = int(r["data_bytes"] or 0), int(r["index_bytes"] or 0)
            detail.stats = [
                Stat("Tables", int(r["tables"] or 0), "count"),
                Stat("Views", int(r["views"] or 0), "count"),
                Stat("Data size", data, "bytes"),
                Stat("Index size", index, "bytes"),
                Stat("Total size", data + index, "bytes"),
                Stat("Free space (data_free)", int(r["free_bytes"] or 0), "bytes"),
            ]
            detail.total_bytes = data + index
        if node.meta.get("charset"):
            detail.stats.append(Stat("Character set", node.meta["charset"]))
            detail.stats.append(Stat("Collation", node.meta.get("collation")))
        try:
            created = self._fetch(f"SHOW CREATE DATABASE {quote_ident(database)}")
            detail.ddl = f"{created[0]['Create Database']};\n" if created else ""
        except DbscopeError as exc:
            detail.notes.append(f"No DDL: {exc.message}")
        return detail

    def _routine_detail(self, node: CatalogNode) -> ObjectDetail:
        _, database, name, routine_type = node.key
        what = "FUNCTION" if str(routine_type).upper() == "FUNCTION" else "PROCEDURE"
        detail = ObjectDetail(node=node)
        try:
            rows = self._fetch(f"SHOW CREATE {what} {qualified(database, name)}")
        except DbscopeError as exc:
            detail.notes.append(f"No definition: {exc.message}")
            return detail
        body = rows[0].get(f"Create {what.title()}") if rows else None
        if body:
            detail.ddl = f"{body};\n"
        else:
            detail.notes.append(
                "The definition is hidden: it needs the SHOW_ROUTINE privilege (MySQL 8.0.20+), "
                "SELECT on mysql.proc (MariaDB) or being the routine's definer"
            )
        return detail

    def schema_facts(self, schema: str | None = None) -> SchemaFacts:
        database = schema or self._database
        if not database:
            raise UsageError("no database selected", hint="connect with a database in the URL or pick one")
        tables = [d for d in self._details(database, None) if d.node.kind in ("table", "partitioned_table")]
        facts = SchemaFacts(engine=self.flavor, database=database, tables=tables)
        if self.server is not None:
            facts.server.update(version=self.server.version, version_num=self.server.version_num)
            facts.settings = dict(self.server.settings)
        facts.server["index_usage_source"] = self._usage_source
        if self._usage_source == "performance_schema" and self._uptime_s is not None:
            facts.stats_age_days = self._uptime_s / 86400
            facts.stats_since = (datetime.now() - timedelta(seconds=self._uptime_s)).isoformat(
                sep=" ", timespec="seconds"
            )
        elif self._usage_source is None:
            facts.notes.append(self.capabilities.index_usage.reason)
        if self.capabilities.statement_stats:
            try:
                facts.server["statements"] = [
                    _statement_facts(stat) for stat in self._digests(database, 50, DIGEST_SORTS["no_index"])
                ]
            except DbscopeError as exc:
                facts.notes.append(f"statement digests are not readable: {exc.message}")
        if self._usage_source == "performance_schema":
            for view, column in (
                ("schema_unused_indexes", "object_schema"),
                ("schema_redundant_indexes", "table_schema"),
            ):
                try:
                    facts.server[f"sys.{view}"] = self._fetch(
                        f"SELECT * FROM sys.{view} WHERE {column} = %s", (database,)
                    )
                except DbscopeError as exc:
                    facts.notes.append(f"sys.{view} is not readable: {exc.message}")
        return facts

    # -- statements --------------------------------------------------------------------------------
    def _begin(self) -> pymysql.connections.Connection:
        conn = self._query_conn()
        with self._state_lock:
            self._running = True
            self._cancel_requested = False
            self._query_thread_id = conn.thread_id()
        return conn

    def _end(self) -> bool:
        """Mark the statement finished; True when the user asked to cancel it meanwhile."""
        with self._state_lock:
            self._running = False
            requested, self._cancel_requested = self._cancel_requested, False
        return requested

    def _failed(self, conn: pymysql.connections.Connection, exc: BaseException) -> DbscopeError:
        error = self._map(exc)
        if isinstance(error, Disconnected) or not conn.open:
            self._drop(conn, "_query")
        return error

    def explain(self, query: str, *, analyze: bool = False, allow_writes: bool = False) -> ExplainOutput:
        statement = strip_explain(query)
        if not statement:
            raise UsageError("nothing to explain: the statement is empty")
        checked = self.gate(statement, ANALYZE if analyze else EXPLAIN)
        writes = checked.writes or not is_read_only_select(statement, self.dialect)
        if analyze:
            self._refuse_in_read_only(statement)
            if not self.capabilities.analyze and self.server is not None:
                raise QueryError(self.capabilities.analyze.reason, title="No EXPLAIN ANALYZE")
            if writes:
                self._check_analyze_write(statement, allow_writes)
                self._refuse_what_rollback_cannot_undo(statement, checked)
        if self.flavor == "mariadb":
            sql = f"{'ANALYZE' if analyze else 'EXPLAIN'} FORMAT=JSON {statement}"
        else:
            # FORMAT=TREE is accepted with ANALYZE from 8.0.21; it keeps TREE output even where the server's
            # explain_format is JSON (which ANALYZE would refuse with json_format_version 1).
            tree = " FORMAT=TREE" if self.version_num >= 80021 else ""
            sql = f"EXPLAIN ANALYZE{tree} {statement}" if analyze else f"EXPLAIN FORMAT=JSON {statement}"
        rolled_back = analyze and writes
        with self._query_lock:
            conn = self._begin()
            try:
                with conn.cursor(pymysql.cursors.Cursor) as cur:
                    if rolled_back:
                        cur.execute("START TRANSACTION")
                    try:
                        row = self._send_user(cur, sql)
                    finally:
                        if rolled_back:
                            cur.execute("ROLLBACK")
                self._check_still_read_only(conn)
            except (pymysql.Error, OSError) as exc:
                self._end()
                raise self._failed(conn, exc) from None
            if self._end():
                raise Cancelled("EXPLAIN ANALYZE was cancelled", hint="the server stopped the statement")
        if not row or row[0] is None:
            raise QueryError("EXPLAIN returned no plan")
        text = row[0].decode() if isinstance(row[0], bytes) else str(row[0])
        return ExplainOutput(
            text=text, engine=self.flavor, analyzed=analyze, query=statement, rolled_back=rolled_back
        )

    # -- the execution gate: the only place that sends text built from the user's statement -----------
    def lex_settings(self) -> LexSettings:
        return LexSettings.for_mysql_mode(self._sql_mode)

    def function_effects(self, names: set[str]) -> dict[str, str]:
        """Stored functions among ``names``: MySQL/MariaDB do not enforce READS SQL DATA or NO SQL, so
        each may write (its declared data access is named)."""
        plain = sorted({n.rsplit(".", 1)[-1] for n in names})
        if not plain:
            return {}
        rows = self._fetch(
            "SELECT ROUTINE_SCHEMA AS db, ROUTINE_NAME AS name, SQL_DATA_ACCESS AS access "
            "FROM information_schema.ROUTINES WHERE ROUTINE_TYPE = 'FUNCTION' AND LOWER(ROUTINE_NAME) IN ("
            + ", ".join(["%s"] * len(plain))
            + ")",
            plain,
        )
        found: dict[str, str] = {}
        for r in rows:
            name, db = str(r["name"]).lower(), str(r["db"]).lower()
            reason = f"{name}() is a stored function (declared {r['access']}), which may write"
            for called in names:
                if called in (name, f"{db}.{name}"):
                    found[called] = reason
        return found

    def _send_user(self, cur: Any, sql: str, *, fetch: bool = True) -> Any:
        """Send ``sql`` (text built from the user's statement). The session never asks for
        CLIENT_MULTI_STATEMENTS, so the server refuses a second statement instead of running it.
        Returns the first row when ``fetch``."""
        cur.execute(sql)
        return cur.fetchone() if fetch else None

    def _check_still_read_only(self, conn: pymysql.connections.Connection) -> None:
        """After every user statement of a read-only session: it must still be read-only. If anything
        lifted that, roll back, close the session, say so. Also follows ``sql_mode`` for the lexer."""
        variable = "transaction_read_only" if self.flavor == "mysql" else "tx_read_only"
        try:
            with conn.cursor(pymysql.cursors.Cursor) as cur:
                cur.execute(f"SELECT @@session.{variable}, @@session.sql_mode")
                row = cur.fetchone()
        except (pymysql.Error, OSError):
            return  # the session is gone: nothing more can be written through it
        if row is not None:
            self._sql_mode = str(row[1] or "")
        if self.spec.read_write or (row is not None and int(row[0] or 0) == 1):
            return
        with contextlib.suppress(pymysql.Error, OSError):
            conn.rollback()
        self._drop(conn, "_query")
        raise ReadOnlyBreach(
            "the last statement lifted this session's read-only mode; dbscope rolled back and closed the "
            "session",
            hint="reconnect to go on; the statement is in the history",
        )

    def _refuse_what_rollback_cannot_undo(self, statement: str, checked: Review) -> None:
        """ANALYZE of a write runs it and rolls back; refuse it where the rollback would not undo it:
        tables of a non-transactional engine (MyISAM, Aria, MEMORY…), views (the tables behind them are
        not read here), triggers (their bodies may write anywhere) and stored functions."""
        reasons = [w for s in checked.statements for w in s.writes if "stored function" in w]
        try:
            import sqlglot
            from sqlglot import exp

            tree = sqlglot.parse_one(statement, read="mysql")
            tables = {(t.db or self._database, t.name) for t in tree.find_all(exp.Table) if t.name}
        except Exception:
            tables = None
        if tables is None:
            reasons.append("dbscope could not read which tables it touches")
        elif tables:
            marks = ", ".join(["(%s, %s)"] * len(tables))
            flat = [v for pair in sorted(tables) for v in pair]
            known = {
                (str(r["db"]), str(r["name"])): r
                for r in self._fetch(
                    "SELECT TABLE_SCHEMA AS db, TABLE_NAME AS name, ENGINE AS engine, TABLE_TYPE AS kind "
                    f"FROM information_schema.TABLES WHERE (TABLE_SCHEMA, TABLE_NAME) IN ({marks})",
                    flat,
                )
            }
            triggers = {
                (str(r["db"]), str(r["name"]))
                for r in self._fetch(
                    "SELECT EVENT_OBJECT_SCHEMA AS db, EVENT_OBJECT_TABLE AS name FROM information_schema.TRIGGERS "
                    f"WHERE (EVENT_OBJECT_SCHEMA, EVENT_OBJECT_TABLE) IN ({marks})",
                    flat,
                )
            }
            for key in sorted(tables):
                row = known.get(key)
                label = ".".join(key)
                if row is None:
                    continue  # the server will say it does not exist
                if str(row["kind"]).upper() == "VIEW":
                    reasons.append(f"{label} is a view")
                elif str(row["engine"] or "").lower() not in _TRANSACTIONAL_ENGINES:
                    reasons.append(f"{label} uses {row['engine']}, which a rollback does not undo")
                if key in triggers:
                    reasons.append(f"{label} has triggers, which may write where a rollback does not reach")
        if reasons:
            raise UsageError(
                f"ANALYZE would run a write that a rollback may not undo ({'; '.join(reasons)}): "
                f"{short_statement(statement)}",
                hint="explain it without ANALYZE",
            )

    def _refuse_in_read_only(self, statement: str) -> None:
        """The second layer of a read-only session, before anything that executes the user's statement
        (run, ANALYZE): what a read-only transaction lets through (KILL, SET GLOBAL, GET_LOCK()…) is
        refused here, naming the statement."""
        if self.spec.read_write:
            return
        reason = read_only_refusal(statement)
        if reason:
            raise ReadOnlyViolation(f"{reason}: {short_statement(statement)}", hint=READ_ONLY_HINT)

    def _check_analyze_write(self, statement: str, allow_writes: bool) -> None:
        short = short_statement(statement)
        if not self.spec.read_write:
            raise ReadOnlyViolation(
                f"ANALYZE executes the statement and only read-only SELECTs are analyzed in a read-only "
                f"session: {short}",
                hint=READ_ONLY_HINT,
            )
        if first_word(statement) not in ("insert", "update", "delete", "replace"):
            raise UsageError(
                f"ANALYZE would execute a statement that cannot be rolled back: {short}",
                hint="MySQL/MariaDB commit DDL implicitly; explain it without ANALYZE",
            )
        if not allow_writes:
            raise UsageError(
                f"ANALYZE of a statement that writes needs confirmation: {short}",
                hint="it runs in a transaction that is rolled back; changes to MyISAM/Aria tables cannot "
                "be rolled back",
            )

    def run(self, query: str, limit: int = 1000) -> ResultPage:
        statement = query.strip().rstrip(";").strip()
        if not statement:
            raise UsageError("nothing to run: the statement is empty")
        self.gate(statement, RUN)
        self._refuse_in_read_only(statement)
        limit = max(1, int(limit))
        started = time.perf_counter()
        with self._query_lock:
            conn = self._begin()
            try:
                page = self._run_unbuffered(conn, statement, limit)
                self._check_still_read_only(conn)
            except (pymysql.Error, OSError) as exc:
                self._end()
                raise self._failed(conn, exc) from None
            if self._end():
                # KILL QUERY makes SLEEP() return 1 instead of failing: the statement did not finish.
                raise Cancelled("the statement was cancelled", hint="the server stopped it (KILL QUERY)")
        page.elapsed_ms = (time.perf_counter() - started) * 1000
        return page

    def _run_unbuffered(self, conn: pymysql.connections.Connection, statement: str, limit: int) -> ResultPage:
        cur = conn.cursor(pymysql.cursors.SSCursor)
        self._send_user(cur, statement, fetch=False)
        if cur.description is None:
            rowcount = cur.rowcount if cur.rowcount is not None and cur.rowcount >= 0 else None
            cur.close()
            word = first_word(statement).upper() or "OK"
            return ResultPage(
                [],
                [],
                [],
                rowcount=rowcount,
                status=f"{word} {rowcount if rowcount is not None else ''}".strip(),
            )
        columns = [d[0] for d in cur.description]
        types = [_TYPE_NAMES.get(d[1], str(d[1])) for d in cur.description]
        rows = list(cur.fetchmany(limit + 1))
        truncated = len(rows) > limit
        if truncated:
            self._stop_streaming(conn, cur)
        else:
            cur.close()
        rows = rows[:limit]
        return ResultPage(columns, types, rows, truncated=truncated, status=f"SELECT {len(rows)}")

    def _stop_streaming(self, conn: pymysql.connections.Connection, cur: pymysql.cursors.SSCursor) -> None:
        """End an unbuffered result at the cap and keep the session (user variables, SET SESSION,
        temporary tables, an open transaction). The server would stream every remaining row, and the
        protocol can only skip rows by reading them: ``KILL QUERY`` from a side connection stops the
        statement, then the rows already in flight are read and dropped until the server's
        "interrupted" error (or the end, when the statement had finished sending). A stale KILL QUERY
        that reaches an idle session is harmless: the server resets it when the next command starts.
        Only when no side connection can be opened is the query connection closed instead (the next
        statement then opens a fresh session)."""
        try:
            side = self._open(timeout=5)
        except DbscopeError:
            side = None
        if side is not None:
            try:
                with side.cursor() as side_cur:
                    side_cur.execute(f"KILL QUERY {int(conn.thread_id())}")
                killed = True
            except (pymysql.Error, OSError):
                killed = False
            finally:
                with contextlib.suppress(pymysql.Error, OSError):
                    side.close()
            if killed:
                try:
                    result = getattr(cur, "_result", None)
                    if result is not None:
                        result._finish_unbuffered_query()
                    cur.close()
                    return
                except pymysql.OperationalError as exc:
                    if exc.args and exc.args[0] in (QUERY_INTERRUPTED, *STATEMENT_TIMEOUTS):
                        cur.connection = None  # the result ended with the interruption: nothing left
                        return
                except (pymysql.Error, OSError):
                    pass
        result = getattr(cur, "_result", None)
        if result is not None:
            result.unbuffered_active = False
        cur.connection = None
        self._drop(conn, "_query")

    def top_statements(self, limit: int = 50, sort: str = "total") -> list[StatementStat]:
        cap = self.capabilities.statement_stats
        if not cap:
            if cap.reason.startswith("performance_schema is OFF"):
                raise QueryError(
                    "performance_schema is OFF on this server, so it keeps no statement digests",
                    title="No statement statistics",
                    hint=PERFORMANCE_SCHEMA_HINT,
                )
            raise QueryError(cap.reason, title="No statement statistics", hint=cap.reason)
        order = DIGEST_SORTS.get(sort)
        if order is None:
            raise UsageError(f"unknown sort {sort!r}: use {', '.join(DIGEST_SORTS)}")
        return self._digests(self._database, limit, order)

    def _digests(self, database: str, limit: int, order: str) -> list[StatementStat]:
        columns = {
            str(r["COLUMN_NAME"]).upper()
            for r in self._fetch(
                "SELECT COLUMN_NAME FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = 'performance_schema' "
                "AND TABLE_NAME = 'events_statements_summary_by_digest'"
            )
        }
        sample = ", QUERY_SAMPLE_TEXT AS sample" if "QUERY_SAMPLE_TEXT" in columns else ""
        where, params = (
            ("WHERE SCHEMA_NAME = %s", [database]) if database else ("WHERE DIGEST IS NOT NULL", [])
        )
        rows = self._fetch(
            "SELECT SCHEMA_NAME AS db, DIGEST AS digest, DIGEST_TEXT AS text, COUNT_STAR AS calls, "
            "SUM_TIMER_WAIT AS total_ps, AVG_TIMER_WAIT AS mean_ps, MAX_TIMER_WAIT AS max_ps, "
            "SUM_LOCK_TIME AS lock_ps, SUM_ROWS_SENT AS rows_sent, SUM_ROWS_EXAMINED AS rows_examined, "
            "SUM_NO_INDEX_USED AS no_index, SUM_NO_GOOD_INDEX_USED AS no_good_index, "
            "SUM_CREATED_TMP_DISK_TABLES AS tmp_disk_tables, SUM_SORT_MERGE_PASSES AS sort_merge_passes, "
            f"SUM_SELECT_FULL_JOIN AS full_joins, FIRST_SEEN AS first_seen, LAST_SEEN AS last_seen{sample} "
            f"FROM performance_schema.events_statements_summary_by_digest {where} "
            f"ORDER BY {order} DESC LIMIT %s",
            (*params, int(limit)),
        )
        if not sample and rows:
            self._history_samples(rows)
        return [_statement(r) for r in rows]

    def _history_samples(self, rows: list[dict[str, Any]]) -> None:
        """A real instance of each digest (its literals, for EXPLAIN) where the digest table keeps none
        (MariaDB, MySQL before 8.0.3): the slowest one still in ``events_statements_history_long`` or
        ``events_statements_history`` (kept while those consumers are enabled). Texts cut at
        ``performance_schema_max_sql_text_length`` are not samples."""
        digests = [str(r["digest"]) for r in rows if r.get("digest")]
        if not digests:
            return
        settings = self.server.settings if self.server is not None else {}
        try:
            cut = int(settings.get("performance_schema_max_sql_text_length") or 1024)
        except ValueError:
            cut = 1024
        marks = ", ".join(["%s"] * len(digests))
        found: dict[str, tuple[int, str]] = {}
        for table in ("events_statements_history_long", "events_statements_history"):
            try:
                history = self._fetch(
                    f"SELECT DIGEST AS digest, SQL_TEXT AS text, TIMER_WAIT AS wait_ps "
                    f"FROM performance_schema.{table} WHERE DIGEST IN ({marks}) AND SQL_TEXT IS NOT NULL",
                    digests,
                )
            except DbscopeError:
                continue
            for h in history:
                text = h["text"].decode() if isinstance(h["text"], bytes) else str(h["text"] or "")
                wait = int(h["wait_ps"] or 0)
                if not text or len(text) >= cut:
                    continue
                best = found.get(str(h["digest"]))
                if best is None or wait > best[0]:
                    found[str(h["digest"])] = (wait, text)
        for r in rows:
            hit = found.get(str(r.get("digest")))
            if hit is not None:
                r["sample"] = hit[1]


def _statement(r: dict[str, Any]) -> StatementStat:
    def ms(value: Any) -> float:
        return float(value or 0) / PICOSECONDS_PER_MS

    extra = {
        "schema": r.get("db"),
        "rows_examined": int(r.get("rows_examined") or 0),
        "lock_time_ms": ms(r.get("lock_ps")),
        "tmp_disk_tables": int(r.get("tmp_disk_tables") or 0),
        "sort_merge_passes": int(r.get("sort_merge_passes") or 0),
        "full_joins": int(r.get("full_joins") or 0),
        "first_seen": str(r.get("first_seen") or ""),
        "last_seen": str(r.get("last_seen") or ""),
    }
    if r.get("sample"):
        extra["sample"] = r["sample"]
    return StatementStat(
        query=str(r.get("text") or r.get("sample") or ""),
        calls=int(r.get("calls") or 0),
        total_time_ms=ms(r.get("total_ps")),
        mean_time_ms=ms(r.get("mean_ps")),
        rows=int(r.get("rows_sent") or 0),
        max_time_ms=ms(r.get("max_ps")),
        query_id=r.get("digest"),
        no_index_used=int(r.get("no_index") or 0),
        no_good_index_used=int(r.get("no_good_index") or 0),
        extra=extra,
    )


def _statement_facts(stat: StatementStat) -> dict[str, Any]:
    """A digest as the schema rules read it (``SchemaFacts.server["statements"]``)."""
    return {
        "query": stat.query,
        "sample": stat.extra.get("sample", ""),
        "schema": stat.extra.get("schema"),
        "calls": stat.calls,
        "total_time_ms": stat.total_time_ms,
        "mean_time_ms": stat.mean_time_ms,
        "rows_sent": stat.rows,
        "rows_examined": stat.extra.get("rows_examined", 0),
        "no_index_used": stat.no_index_used or 0,
        "no_good_index_used": stat.no_good_index_used or 0,
    }


__all__ = ["MySQLAdapter", "flavor_and_version"]
