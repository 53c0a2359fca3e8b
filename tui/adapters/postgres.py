"""PostgreSQL adapter on psycopg 3: sessions, capabilities, lazy catalog, EXPLAIN, capped results,
statement statistics, hypothetical indexes and server-side cancel.

Two connections: one for catalog browsing, one for the user's statements, so a running query never
blocks the tree. Sessions are read-only unless the spec allows writes (``default_transaction_read_only``
set at connect, enforced by the server) and every statement carries ``statement_timeout`` and
``lock_timeout``. The URL, libpq's environment (PGHOST, PGPORT, PGUSER, PGDATABASE, PGPASSWORD,
PGSERVICE, PGSSLMODE…), service files and ``~/.pgpass`` all work because libpq resolves them.
"""

from __future__ import annotations

import contextlib
import os
import re
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg import errors as pg_errors
from psycopg.conninfo import conninfo_to_dict, make_conninfo
from psycopg.rows import dict_row

from tui.adapters import pg_catalog
from tui.adapters.base import Adapter
from tui.core.catalog import RELATION_KINDS, CatalogNode, ObjectDetail, Stat
from tui.core.connspec import ConnectionSpec, mask_secrets
from tui.core.errors import (
    Cancelled,
    ConnectError,
    DbscopeError,
    Disconnected,
    PasswordNeeded,
    PermissionError_,
    QueryError,
    ReadOnlyBreach,
    ReadOnlyViolation,
    UsageError,
    connect_value_error,
)
from tui.core.files import OPTION_FILE_LIMIT, TLS_FILE_LIMIT, check_file
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

_EXPLAIN_PREFIX = re.compile(
    r"^\s*explain\s*(\((?:[^()]|\([^()]*\))*\)\s*|(?:(?:analy[sz]e|verbose|costs|buffers)\s+)*)", re.I
)
_PARAM = re.compile(r"\$(\d+)")
_STREAMABLE = frozenset({"select", "values", "table"})
_NO_ROWS_DML = frozenset({"insert", "update", "delete", "merge"})
STREAM_CHUNK = 200  # rows per network chunk when a result is streamed (libpq 17 chunked mode)
SIDE_CONNECTIONS = 2  # extra catalog connections during schema_facts (indexes, columns)
# Leads every catalog query: pg_stat_statements keeps the comment, so Top leaves dbscope's own out.
OWN_QUERY_TAG = "/* dbscope */ "


def _connect_kwargs(spec: ConnectionSpec) -> dict[str, Any]:
    """libpq connection parameters from the spec (URL + our session options)."""
    url = spec.url
    if spec.scheme == "pg":
        url = "postgresql" + url[2:]
    try:
        params = conninfo_to_dict(url)
    except psycopg.ProgrammingError as exc:
        raise UsageError(f"malformed PostgreSQL URL {mask_secrets(url)}: {_first_line(exc)}") from None
    except UnicodeError:
        raise UsageError(
            "the PostgreSQL URL is not valid UTF-8 once percent-decoded",
            hint="percent-encode each byte of a non-ASCII name as UTF-8 (ä is %C3%A4)",
        ) from None
    if spec.password is not None:
        params["password"] = spec.password  # typed at a prompt, or handed over out of argv
    _check_libpq_files(params)
    options = [
        f"-c statement_timeout={int(spec.statement_timeout_ms)}",
        f"-c lock_timeout={int(spec.lock_timeout_ms)}",
        "-c idle_in_transaction_session_timeout=600000",
    ]
    if not spec.read_write:
        options.append("-c default_transaction_read_only=on")
    if params.get("options"):
        options.insert(0, str(params["options"]))
    params["options"] = " ".join(options)
    params.setdefault("application_name", "dbscope")
    params.setdefault("connect_timeout", "10")
    return params


# Files libpq opens because the URL (or its environment) names them: a URL may come from anywhere, so
# each is checked first (a regular file of bounded size; /dev/zero or a FIFO would hang or exhaust
# memory in the TLS library). A missing one is left to libpq, which knows when that matters.
_LIBPQ_FILES = (
    ("sslrootcert", "PGSSLROOTCERT", TLS_FILE_LIMIT),
    ("sslcert", "PGSSLCERT", TLS_FILE_LIMIT),
    ("sslkey", "PGSSLKEY", TLS_FILE_LIMIT),
    ("sslcrl", "PGSSLCRL", TLS_FILE_LIMIT),
    ("passfile", "PGPASSFILE", OPTION_FILE_LIMIT),
)


def _check_libpq_files(params: dict[str, Any]) -> None:
    for key, env, limit in _LIBPQ_FILES:
        value = str(params.get(key) or os.environ.get(env) or "")
        if value and not (key == "sslrootcert" and value == "system"):
            check_file(os.path.expanduser(value), what=f"{key} file", limit=limit, missing_ok=True)
    if params.get("service") or os.environ.get("PGSERVICE"):
        candidates = [os.environ.get("PGSERVICEFILE") or os.path.expanduser("~/.pg_service.conf")]
        if os.environ.get("PGSYSCONFDIR"):
            candidates.append(os.path.join(os.environ["PGSYSCONFDIR"], "pg_service.conf"))
        for path in candidates:
            check_file(path, what="service file", limit=OPTION_FILE_LIMIT, missing_ok=True)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def map_error(
    exc: BaseException, spec: ConnectionSpec | None = None, *, connecting: bool = False
) -> DbscopeError:
    """Translate a psycopg exception into a typed, password-free error."""
    raw = str(exc).strip()
    message = mask_secrets(raw)
    if spec is not None and spec.password:
        message = message.replace(spec.password, "***")
    line = message.splitlines()[0] if message else type(exc).__name__
    sqlstate = getattr(exc, "sqlstate", None)
    target = spec.display if spec else "the server"
    if isinstance(exc, pg_errors.QueryCanceled):
        if "statement timeout" in raw:
            return Cancelled(
                line,
                title="Statement timeout",
                hint="raise --statement-timeout or statement_timeout in the config",
            )
        if "lock timeout" in raw:
            return Cancelled(line, title="Lock timeout", hint="another session holds a conflicting lock")
        return Cancelled(line, title="Cancelled", hint="the server stopped the statement")
    if isinstance(exc, pg_errors.LockNotAvailable):
        return Cancelled(line, title="Lock timeout", hint="another session holds a conflicting lock")
    if isinstance(exc, pg_errors.ReadOnlySqlTransaction):
        return ReadOnlyViolation(
            line, hint="dbscope opened a read-only session; start it with --read-write to allow writes"
        )
    if isinstance(exc, pg_errors.InsufficientPrivilege):
        return PermissionError_(line, hint="ask for the privilege or connect as a role that has it")
    if "no password supplied" in raw:
        return PasswordNeeded(
            f"{target} wants a password and none was given",
            hint="put it in ~/.pgpass (chmod 600) or PGPASSWORD, use a profile URL with passfile=, "
            "or run dbscope in a terminal to be asked for it",
        )
    if sqlstate in ("28P01", "28000") or "password authentication failed" in raw:
        return ConnectError(
            f"authentication failed for {target}: {line}",
            title="Authentication failed",
            hint="check ~/.pgpass, PGPASSWORD or the role's pg_hba.conf entry",
        )
    if sqlstate == "3D000" or re.search(r'database ".*" does not exist', raw):
        return ConnectError(line, title="Database missing", hint="list databases with: psql -l")
    if isinstance(exc, psycopg.OperationalError) and (
        connecting or "server closed" in raw or "terminat" in raw
    ):
        if connecting:
            if "Connection refused" in raw or "could not connect" in raw or "timeout expired" in raw:
                hint = "is the server running and accepting connections there?"
                return ConnectError(
                    f"cannot reach {target}: {_connection_detail(line)}", title="Host unreachable", hint=hint
                )
            if "could not translate host name" in raw:
                return ConnectError(f"unknown host in {target}: {line}", title="Host unreachable")
            return ConnectError(f"{target}: {line}")
        return Disconnected(line, hint="press the reconnect key once the server is back")
    if isinstance(exc, pg_errors.AdminShutdown | pg_errors.CrashShutdown | pg_errors.CannotConnectNow):
        return Disconnected(line, hint="the server is shutting down or restarting")
    if isinstance(exc, psycopg.InterfaceError) or (
        isinstance(exc, psycopg.OperationalError) and "closed" in raw
    ):
        return Disconnected(line, hint="press the reconnect key")
    if isinstance(exc, psycopg.Error):
        detail = getattr(getattr(exc, "diag", None), "message_hint", None)
        return QueryError(line, hint=mask_secrets(detail) if detail else None)
    return QueryError(line)


def _connection_detail(line: str) -> str:
    match = re.search(r"connection to server (?:at|on) (.+?) failed: (.+)", line)
    if match:
        return f"{match.group(1)}: {match.group(2)}"
    return line


class PostgresAdapter(Adapter):
    engine = "postgresql"
    dialect = "postgres"

    def __init__(self, spec: ConnectionSpec) -> None:
        super().__init__(spec)
        self._params = _connect_kwargs(spec)
        self._catalog: psycopg.Connection[Any] | None = None
        self._query: psycopg.Connection[Any] | None = None
        self._catalog_lock = threading.RLock()
        self._query_lock = threading.RLock()
        self._database = ""

    # -- session -----------------------------------------------------------------------------------
    def _open(self) -> psycopg.Connection[Any]:
        try:
            conn = psycopg.connect(**self._params, autocommit=True, row_factory=dict_row)
        except psycopg.Error as exc:
            raise map_error(exc, self.spec, connecting=True) from None
        except (UnicodeError, ValueError) as exc:  # psycopg resolves host names in Python (idna)
            raise connect_value_error(exc, self.spec.display) from None
        # No automatic server-side prepared statements: they break behind pgbouncer and collide
        # with the PREPARE of the generic-plan path.
        conn.prepare_threshold = None
        return conn

    def connect(self) -> ServerInfo:
        self.close()
        self._catalog = self._open()
        self.server = self._probe()
        self._database = self.server.database
        return self.server

    def close(self) -> None:
        for conn in (self._query, self._catalog):
            if conn is not None:
                with contextlib.suppress(psycopg.Error):
                    conn.close()
        self._query = self._catalog = None

    def ping(self) -> bool:
        try:
            self._fetch("SELECT 1 AS ok")
            return True
        except DbscopeError:
            return False

    def _catalog_conn(self) -> psycopg.Connection[Any]:
        if self._catalog is None or self._catalog.closed:
            raise Disconnected("not connected", hint="press the reconnect key")
        return self._catalog

    def _query_conn(self) -> psycopg.Connection[Any]:
        if self._query is None or self._query.closed:
            self._query = self._open()
        return self._query

    def _fetch(self, sql: str, params: Sequence[Any] | None = None) -> list[dict[str, Any]]:
        """Run a catalog query on the catalog connection and return its rows as dicts."""
        sql = OWN_QUERY_TAG + sql
        with self._catalog_lock:
            conn = self._catalog_conn()
            try:
                cur = conn.execute(sql, params) if params is not None else conn.execute(sql)  # type: ignore[arg-type]
                return cur.fetchall() if cur.description else []
            except psycopg.Error as exc:
                raise map_error(exc, self.spec) from None

    def _open_sides(self, count: int) -> list[psycopg.Connection[Any]]:
        """Up to ``count`` more catalog connections for a bulk read (fewer when the server refuses)."""
        sides: list[psycopg.Connection[Any]] = []
        if self._catalog is None or self._catalog.closed:
            return sides
        for _ in range(count):
            try:
                sides.append(self._open())
            except DbscopeError:
                break  # e.g. the role's connection limit: the catalog connection does the rest
        return sides

    def _side_fetch(self, conn: psycopg.Connection[Any]) -> pg_catalog.Fetch:
        def fetch(sql: str, params: Sequence[Any] | None = None) -> list[dict[str, Any]]:
            sql = OWN_QUERY_TAG + sql
            try:
                cur = conn.execute(sql, params) if params is not None else conn.execute(sql)  # type: ignore[arg-type]
                return cur.fetchall() if cur.description else []
            except psycopg.Error as exc:
                raise map_error(exc, self.spec) from None

        return fetch

    def _probe(self) -> ServerInfo:
        row = self._fetch(
            """
            SELECT current_setting('server_version') AS version,
                   current_setting('server_version_num')::int AS version_num,
                   current_user AS "user", current_database() AS database,
                   coalesce(inet_server_addr()::text, current_setting('unix_socket_directories')) AS host,
                   (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) AS superuser,
                   current_setting('transaction_read_only') = 'on' AS read_only,
                   pg_is_in_recovery() AS in_recovery,
                   pg_has_role(current_user, 'pg_read_all_stats', 'MEMBER') AS read_all_stats
            """
        )[0]
        extensions = {
            r["extname"]: r["extversion"] for r in self._fetch("SELECT extname, extversion FROM pg_extension")
        }
        available = {
            r["name"]
            for r in self._fetch(
                "SELECT name FROM pg_available_extensions WHERE name IN ('hypopg', 'pg_stat_statements', 'pg_trgm')"
            )
        }
        settings = {
            r["name"]: r["setting"]
            for r in self._fetch(
                "SELECT name, setting FROM pg_settings WHERE name IN ('shared_preload_libraries', "
                "'statement_timeout', 'lock_timeout', 'default_transaction_read_only', 'work_mem', "
                "'max_parallel_workers_per_gather', 'jit', 'track_io_timing')"
            )
        }
        info = ServerInfo(
            engine="postgresql",
            version=str(row["version"]).split()[0],
            version_num=row["version_num"],
            user=row["user"],
            database=row["database"],
            host=str(row["host"] or ""),
            superuser=bool(row["superuser"]),
            read_only=bool(row["read_only"]),
            extensions=extensions,
            settings=settings,
        )
        info.settings["in_recovery"] = "on" if row["in_recovery"] else "off"
        self.capabilities = self._capabilities(info, available, bool(row["read_all_stats"]))
        return info

    def _capabilities(self, info: ServerInfo, available: set[str], read_all_stats: bool) -> Capabilities:
        caps = Capabilities(explain_formats=["json"])
        caps.analyze = Capability(
            True,
            "EXPLAIN ANALYZE runs the statement; statements that write run only with --read-write, "
            "after confirmation, inside a transaction that is rolled back",
        )
        caps.cancel = Capability(True, "pg_cancel_request through libpq")
        caps.switch_database = Capability(True)
        caps.index_usage = Capability(True, "pg_stat_user_indexes (since the statistics were last reset)")
        if "hypopg" in info.extensions:
            caps.hypothetical_indexes = Capability(True, f"HypoPG {info.extensions['hypopg']} is installed")
        elif "hypopg" in available:
            caps.hypothetical_indexes = Capability(
                False,
                "HypoPG is available on the server but not installed in this database: "
                "CREATE EXTENSION hypopg; (dbscope never installs it) — index suggestions are estimated, not verified",
            )
        else:
            caps.hypothetical_indexes = Capability(
                False,
                "HypoPG is not installed on this server (Debian: apt install postgresql-"
                f"{info.version_num // 10000}-hypopg) — index suggestions are estimated, not verified",
            )
        preload = info.settings.get("shared_preload_libraries", "")
        if "pg_stat_statements" in info.extensions and "pg_stat_statements" in preload:
            reason = "pg_stat_statements is installed and loaded"
            if not (info.superuser or read_all_stats):
                reason += "; other roles' query texts are hidden (grant pg_read_all_stats to see them)"
            caps.statement_stats = Capability(True, reason)
        elif "pg_stat_statements" in info.extensions:
            caps.statement_stats = Capability(
                False,
                "pg_stat_statements is installed but not loaded: add it to shared_preload_libraries "
                "in postgresql.conf and restart the server",
            )
        else:
            how = "CREATE EXTENSION pg_stat_statements; in this database"
            if "pg_stat_statements" not in preload:
                how = (
                    "set shared_preload_libraries = 'pg_stat_statements' in postgresql.conf, restart, then "
                    + how
                )
            caps.statement_stats = Capability(False, f"pg_stat_statements is not enabled: {how}")
        if info.settings.get("in_recovery") == "on":
            caps.notes.append("This server is a standby (in recovery): every session is read-only.")
        if info.settings.get("track_io_timing") != "on":
            caps.notes.append("track_io_timing is off: plans show no I/O timings.")
        return caps

    def databases(self) -> list[str]:
        return [
            r["datname"]
            for r in self._fetch(
                "SELECT datname FROM pg_database WHERE datallowconn AND NOT datistemplate "
                "AND has_database_privilege(datname, 'CONNECT') ORDER BY datname"
            )
        ]

    def switch_database(self, name: str) -> ServerInfo:
        old = dict(self._params)
        self._params["dbname"] = name
        try:
            return self.connect()
        except DbscopeError:
            self._params = old
            self.connect()
            raise

    def cancel(self) -> bool:
        conn = self._query
        if conn is None or conn.closed:
            return False
        try:
            conn.cancel_safe(timeout=5.0)
        except (psycopg.Error, AttributeError):
            try:
                conn.cancel()
            except psycopg.Error:
                return False
        return True

    # -- catalog -----------------------------------------------------------------------------------
    def roots(self) -> list[CatalogNode]:
        return pg_catalog.schema_nodes(self._fetch, self._database)

    def children(self, node: CatalogNode) -> list[CatalogNode]:
        key = node.key
        if not key:
            return []
        kind = key[0]
        if kind == "system-schemas":
            return pg_catalog.system_schema_nodes(self._fetch, self._database)
        if kind == "schema":
            return pg_catalog.relation_nodes(self._fetch, self._database, key[1])
        if kind == "sequences":
            return pg_catalog.sequence_nodes(self._fetch, self._database, key[1])
        if kind == "functions":
            return pg_catalog.function_nodes(self._fetch, self._database, key[1])
        if kind == "folder":
            return list(node.meta.get("children", []))
        if kind in ("relation", "relation-q"):
            return pg_catalog.relation_children(self.detail(node))
        return []

    def _regclass(self, node: CatalogNode) -> str:
        if node.key and node.key[0] == "relation":
            return (
                f'"{node.key[1].replace(chr(34), chr(34) * 2)}"."{node.key[2].replace(chr(34), chr(34) * 2)}"'
            )
        return node.qualified_name

    def detail(self, node: CatalogNode) -> ObjectDetail:
        if node.kind in RELATION_KINDS or (node.key and node.key[0] in ("relation", "relation-q")):
            found = pg_catalog.load_details(self._fetch, self._regclass(node), self._database)
            if not found:
                raise QueryError(f"{node.qualified_name} no longer exists", title="Object missing")
            detail = found[0]
            detail.ddl = pg_catalog.table_ddl(detail)
            detail.node.meta.pop("_row", None)
            return detail
        if node.kind == "sequence":
            return self._sequence_detail(node)
        if node.kind == "function":
            row = self._fetch("SELECT pg_get_functiondef(%s::oid) AS ddl", (int(node.key[2]),))
            return ObjectDetail(node=node, ddl=(row[0]["ddl"] if row else "") + ";\n")
        if node.kind == "schema":
            return self._schema_detail(node)
        return ObjectDetail(node=node, ddl=str(node.meta.get("definition", "")))

    def _sequence_detail(self, node: CatalogNode) -> ObjectDetail:
        facts = [
            s for s in pg_catalog.sequence_facts(self._fetch, [node.schema or ""]) if s.name == node.name
        ]
        detail = ObjectDetail(node=node)
        if facts:
            s = facts[0]
            used = (s.last_value or 0) / s.max_value if s.max_value else None
            detail.stats = [
                Stat("Type", s.data_type),
                Stat("Last value", s.last_value, "count"),
                Stat("Maximum", s.max_value, "count"),
                Stat("Increment", s.increment, "count"),
                Stat("Used", used, "%"),
                Stat("Owned by", s.owned_by or "–"),
            ]
            detail.ddl = (
                f"CREATE SEQUENCE {node.qualified_name} AS {s.data_type} INCREMENT BY {s.increment} "
                f"MAXVALUE {s.max_value};\n"
                + (f"SELECT setval('{node.qualified_name}', {s.last_value});\n" if s.last_value else "")
            )
        return detail

    def _schema_detail(self, node: CatalogNode) -> ObjectDetail:
        row = self._fetch(
            """
            SELECT pg_get_userbyid(n.nspowner) AS owner, obj_description(n.oid, 'pg_namespace') AS comment,
                   count(c.oid) FILTER (WHERE c.relkind IN ('r','p')) AS tables,
                   count(c.oid) FILTER (WHERE c.relkind = 'v') AS views,
                   count(c.oid) FILTER (WHERE c.relkind = 'm') AS matviews,
                   count(c.oid) FILTER (WHERE c.relkind = 'i') AS indexes,
                   coalesce(sum(pg_relation_size(c.oid)) FILTER (WHERE c.relkind IN ('r','m','i','t')), 0) AS bytes
            FROM pg_namespace n LEFT JOIN pg_class c ON c.relnamespace = n.oid
            WHERE n.nspname = %s GROUP BY n.oid
            """,
            (node.schema,),
        )
        detail = ObjectDetail(node=node, ddl=f"CREATE SCHEMA {node.qualified_name};\n")
        if row:
            r = row[0]
            detail.stats = [
                Stat("Owner", r["owner"]),
                Stat("Tables", r["tables"], "count"),
                Stat("Views", r["views"], "count"),
                Stat("Materialized views", r["matviews"], "count"),
                Stat("Indexes", r["indexes"], "count"),
                Stat("Size", r["bytes"], "bytes"),
            ]
            if r["comment"]:
                detail.stats.append(Stat("Comment", r["comment"]))
            detail.total_bytes = r["bytes"]
        return detail

    def schema_facts(self, schema: str | None = None) -> SchemaFacts:
        # Short-lived extra catalog connections read the indexes and the columns while this one reads
        # the rest (pg_catalog.load_details): on 10,000 tables that overlaps most of the server's work.
        sides = self._open_sides(SIDE_CONNECTIONS)
        try:
            facts = pg_catalog.schema_facts(
                self._fetch, self._database, schema, side=[self._side_fetch(conn) for conn in sides]
            )
        finally:
            for conn in sides:
                with contextlib.suppress(psycopg.Error):
                    conn.close()
        if self.server is not None:
            facts.server.setdefault("version", self.server.version)
            facts.server.setdefault("version_num", self.server.version_num)
            facts.server["extensions"] = dict(self.server.extensions)
        return facts

    # -- statements --------------------------------------------------------------------------------
    def _explain_options(self, analyze: bool, generic: bool) -> str:
        version = self.server.version_num if self.server else 150000
        options = ["FORMAT JSON", "VERBOSE"]
        if version >= 120000:
            options.append("SETTINGS")
        if analyze:
            options += ["ANALYZE", "BUFFERS"]
            if version >= 130000:
                options.append("WAL")
        elif generic:
            options.append("GENERIC_PLAN")
        return ", ".join(options)

    def explain(self, query: str, *, analyze: bool = False, allow_writes: bool = False) -> ExplainOutput:
        statement = strip_explain(query)
        if not statement:
            raise UsageError("nothing to explain: the statement is empty")
        # A typed "EXPLAIN ANALYZE …" asks for ANALYZE: honour it, with the same safety checks.
        analyze = analyze or explain_prefix_analyzes(query)
        checked = self.gate(statement, ANALYZE if analyze else EXPLAIN)
        writes = checked.writes
        version = self.server.version_num if self.server else 150000
        has_params = bool(_PARAM.search(statement))
        if analyze and has_params:
            raise UsageError(
                "EXPLAIN ANALYZE needs real values for the $n placeholders",
                hint="replace them with representative values, or explain without ANALYZE",
            )
        if analyze and writes:
            if not self.spec.read_write:
                raise ReadOnlyViolation(
                    f"EXPLAIN ANALYZE would execute a statement that writes: {short_statement(statement)}",
                    hint="start dbscope with --read-write; the statement then runs in a transaction "
                    "that is rolled back",
                )
            if not allow_writes:
                raise UsageError(
                    f"EXPLAIN ANALYZE of a statement that writes needs confirmation: {short_statement(statement)}",
                    hint="it runs inside a transaction that is always rolled back",
                )
        generic = has_params and not analyze
        if generic and version < 160000:
            return self._explain_generic_legacy(statement)
        return self._explain_now(statement, analyze, writes, generic)

    def _explain_now(self, statement: str, analyze: bool, writes: bool, generic: bool) -> ExplainOutput:
        sql = OWN_QUERY_TAG + f"EXPLAIN ({self._explain_options(analyze, generic)}) {statement}"
        with self._query_lock:
            conn = self._query_conn()
            try:
                # A transaction that is always rolled back: ANALYZE of a write leaves no trace.
                # READ ONLY in a read-only session whatever its defaults were set to: ANALYZE of a
                # SELECT that calls nextval() or a writing function is refused, not run and rolled back.
                begin = "BEGIN" if self.spec.read_write else "BEGIN READ ONLY"
                conn.execute("BEGIN READ WRITE" if analyze and writes else begin)
                try:
                    rows = self._send_user(conn, sql).rows
                finally:
                    conn.execute("ROLLBACK")
                self._check_still_read_only(conn)
            except psycopg.Error as exc:
                self._recover(conn)
                if not (generic and isinstance(exc, pg_errors.IndeterminateDatatype)):
                    raise map_error(exc, self.spec) from None
                rows = None
        if rows is None:  # GENERIC_PLAN could not type a parameter: PREPARE declares its type
            return self._explain_generic_legacy(statement)
        text = _plan_text(rows)
        return ExplainOutput(
            text=text, engine="postgresql", analyzed=analyze, query=statement, rolled_back=True
        )

    # -- the execution gate: the only place that sends text built from the user's statement -----------
    def lex_settings(self) -> LexSettings:
        conn = self._query if self._query is not None and not self._query.closed else self._catalog
        scs = conn.info.parameter_status("standard_conforming_strings") if conn is not None else None
        return LexSettings(standard_conforming_strings=scs != "off")

    def function_effects(self, names: set[str]) -> dict[str, str]:
        """Volatile functions outside pg_catalog among ``names`` may write (PostgreSQL refuses writes in
        STABLE and IMMUTABLE functions); procedures are called with CALL, which the gate already reads
        as a write."""
        plain = sorted({n.rsplit(".", 1)[-1] for n in names})
        if not plain:
            return {}
        rows = self._fetch(
            """
            SELECT DISTINCT p.proname, n.nspname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
            WHERE p.proname = ANY(%s) AND p.provolatile = 'v' AND p.prokind IN ('f', 'a', 'w')
              AND n.nspname NOT IN ('pg_catalog', 'information_schema')
            """,
            (plain,),
        )
        found: dict[str, str] = {}
        for r in rows:
            reason = f"{r['proname']}() is a VOLATILE function ({r['nspname']}), which may write"
            for name in names:
                if name == r["proname"] or name == f"{r['nspname']}.{r['proname']}":
                    found[name] = reason
        return found

    def _send_user(
        self, conn: psycopg.Connection[Any], sql: str, limit: int | None = None, *, drain: bool = False
    ) -> _Sent:
        """Send ``sql`` (text built from the user's statement) through the extended protocol, which
        carries exactly one statement: a second one is the server's error, never executed. Rows are
        streamed; at most ``limit`` + 1 are kept. With ``drain`` the rest is read and dropped (a write's
        RETURNING must finish), otherwise the statement is cancelled at the cap."""
        head = first_word(sql.removeprefix(OWN_QUERY_TAG))
        if head in _NO_ROWS_DML and "returning" not in sql.lower():
            with conn.cursor(row_factory=psycopg.rows.tuple_row) as cur:
                with conn.pipeline():
                    cur.execute(sql)  # type: ignore[arg-type]
                return _Sent([], [], [], False, cur.statusmessage or "", cur.rowcount)
        keep = None if limit is None else limit + 1
        rows: list[tuple[Any, ...]] = []
        truncated = False
        with conn.cursor(row_factory=psycopg.rows.tuple_row) as cur:
            # Chunked rows need libpq 17 (the binary wheel's); an older libpq streams row by row.
            chunk = STREAM_CHUNK if psycopg.pq.version() >= 170000 else 1
            stream = cur.stream(sql, size=chunk)  # type: ignore[arg-type]
            try:
                for row in stream:
                    if keep is None or len(rows) < keep:
                        rows.append(row)
                        continue
                    truncated = True
                    if not drain:
                        break
            except psycopg.ProgrammingError as exc:
                if "didn't produce a result" not in str(exc):
                    raise
                return _Sent([], [], [], False, f"{head.upper()}".strip() or "OK", -1)
            finally:
                stream.close()  # at the cap: psycopg cancels the statement and reads what is in flight
            columns, types = _describe(conn, cur.description)
            status = cur.statusmessage or ""
        if limit is not None and len(rows) > limit:
            truncated = True
            rows = rows[:limit]
        return _Sent(columns, types, rows, truncated, status, len(rows))

    def _check_still_read_only(self, conn: psycopg.Connection[Any]) -> None:
        """Belt and braces after every user statement of a read-only session: the session must still
        start read-only transactions. If anything lifted that, roll back, close the session, say so."""
        if self.spec.read_write:
            return
        try:
            row = conn.execute(
                OWN_QUERY_TAG + "SELECT current_setting('default_transaction_read_only') AS d, "
                "current_setting('transaction_read_only') AS t"
            ).fetchone()
            broken = row is None or row["d"] != "on" or row["t"] != "on"
        except psycopg.Error:
            broken = False  # the connection is gone or the transaction failed: nothing can be written
        if not broken:
            return
        with contextlib.suppress(psycopg.Error):
            conn.rollback()
        with contextlib.suppress(psycopg.Error):
            conn.close()
        self._query = None
        raise ReadOnlyBreach(
            "the last statement lifted this session's read-only mode; dbscope rolled back and closed the "
            "session",
            hint="reconnect to go on; the statement is in the history",
        )

    def _explain_generic_legacy(self, statement: str) -> ExplainOutput:
        """Before PostgreSQL 16 (and on 16+ when GENERIC_PLAN cannot type a parameter): PREPARE the
        normalized statement and EXPLAIN EXECUTE it with NULLs under plan_cache_mode=force_generic_plan
        (Dexter's approach), all rolled back. The plan never depends on the NULLs: it is generic."""
        with self._query_lock:
            conn = self._query_conn()
            try:
                conn.execute("BEGIN" if self.spec.read_write else "BEGIN READ ONLY")
                try:
                    rows = self._generic_rows_legacy(conn, statement)
                finally:
                    conn.execute("ROLLBACK")
                    self._deallocate_generic(conn)
                self._check_still_read_only(conn)
            except psycopg.Error as exc:
                self._recover(conn)
                raise map_error(exc, self.spec) from None
        return ExplainOutput(text=_plan_text(rows), engine="postgresql", query=statement, rolled_back=True)

    def _generic_rows_legacy(self, conn: psycopg.Connection[Any], statement: str) -> list[dict[str, Any]]:
        """EXPLAIN EXECUTE of ``statement`` prepared with a forced generic plan, inside the caller's
        transaction; the caller rolls back, then calls ``_deallocate_generic`` (PREPARE outlives it)."""
        count = max(int(n) for n in _PARAM.findall(statement))
        nulls = ", ".join(["NULL"] * count)
        conn.execute(OWN_QUERY_TAG + "SET LOCAL plan_cache_mode = force_generic_plan")
        self._prepare_generic(conn, statement, count)
        return conn.execute(
            OWN_QUERY_TAG
            + f"EXPLAIN ({self._explain_options(False, False)}) EXECUTE dbscope_generic({nulls})"  # type: ignore[arg-type]
        ).fetchall()

    def _prepare_generic(self, conn: psycopg.Connection[Any], statement: str, count: int) -> None:
        """PREPARE ``statement`` as ``dbscope_generic``. A parameter whose type nothing in the statement
        says (``$2 IS NULL``, ``SELECT $1``) stops PREPARE with "could not determine data type of
        parameter $n": that one is declared ``text`` and the others ``unknown`` (inferred as before),
        one retry per such parameter, inside a savepoint so the transaction goes on."""
        as_text: set[int] = set()
        while True:
            declared = (
                "(" + ", ".join("text" if n in as_text else "unknown" for n in range(1, count + 1)) + ")"
                if as_text
                else ""
            )
            conn.execute(OWN_QUERY_TAG + "SAVEPOINT dbscope_prepare")
            try:
                self._send_user(conn, OWN_QUERY_TAG + f"PREPARE dbscope_generic{declared} AS {statement}")
            except pg_errors.IndeterminateDatatype as exc:
                conn.execute(OWN_QUERY_TAG + "ROLLBACK TO SAVEPOINT dbscope_prepare")
                match = re.search(r"parameter \$(\d+)", str(exc))
                number = int(match.group(1)) if match else 0
                if not 1 <= number <= count or number in as_text:
                    raise
                as_text.add(number)
                continue
            conn.execute(OWN_QUERY_TAG + "RELEASE SAVEPOINT dbscope_prepare")
            return

    @staticmethod
    def _deallocate_generic(conn: psycopg.Connection[Any]) -> None:
        # When PREPARE itself failed there is nothing to deallocate: keep the PREPARE's error.
        with contextlib.suppress(psycopg.errors.InvalidSqlStatementName):
            conn.execute(OWN_QUERY_TAG + "DEALLOCATE dbscope_generic")

    def hypothetical_explain(self, query: str, index_statements: list[str]) -> ExplainOutput:
        if not self.capabilities.hypothetical_indexes:
            raise QueryError(
                self.capabilities.hypothetical_indexes.reason or "HypoPG is not available",
                title="No hypothetical indexes",
            )
        statement = strip_explain(query)
        self.gate(statement, EXPLAIN)
        generic = bool(_PARAM.search(statement))
        # GENERIC_PLAN exists from PostgreSQL 16; before, a $n statement is prepared as a generic plan.
        legacy = generic and (self.server.version_num if self.server else 150000) < 160000
        with self._query_lock:
            conn = self._query_conn()
            try:
                conn.execute("BEGIN" if self.spec.read_write else "BEGIN READ ONLY")
                try:
                    conn.execute(OWN_QUERY_TAG + "SELECT hypopg_reset()")
                    for ddl in index_statements:
                        conn.execute(
                            OWN_QUERY_TAG + "SELECT * FROM hypopg_create_index(%s)", (_hypopg_ddl(ddl),)
                        )
                    if legacy:
                        rows = self._generic_rows_legacy(conn, statement)
                    else:
                        rows = self._send_user(
                            conn,
                            OWN_QUERY_TAG + f"EXPLAIN ({self._explain_options(False, generic)}) {statement}",
                        ).rows
                finally:
                    # ROLLBACK first: after a failed statement the transaction accepts nothing else.
                    # Hypothetical indexes live in the backend, not the transaction: reset them after.
                    conn.execute("ROLLBACK")
                    conn.execute(OWN_QUERY_TAG + "SELECT hypopg_reset()")
                    if legacy:
                        self._deallocate_generic(conn)
                self._check_still_read_only(conn)
            except psycopg.Error as exc:
                self._recover(conn)
                raise map_error(exc, self.spec) from None
        return ExplainOutput(text=_plan_text(rows), engine="postgresql", query=statement, rolled_back=True)

    def run(self, query: str, limit: int = 1000) -> ResultPage:
        statement = query.strip().rstrip(";").strip()
        if not statement:
            raise UsageError("nothing to run: the statement is empty")
        checked = self.gate(statement, RUN)
        started = time.perf_counter()
        with self._query_lock:
            conn = self._query_conn()
            try:
                if self._streamable(statement, checked):
                    page = self._run_cursor(conn, statement, limit)
                elif self.spec.read_write:
                    page = self._run_plain(conn, statement, limit)
                else:
                    page = self._run_read_only(conn, statement, limit)
                self._check_still_read_only(conn)
            except psycopg.Error as exc:
                self._recover(conn)
                raise self._run_error(exc) from None
        page.elapsed_ms = (time.perf_counter() - started) * 1000
        return page

    def _streamable(self, statement: str, checked: Review) -> bool:
        """Whether the statement's rows can come through a server-side cursor (DECLARE … CURSOR takes
        a SELECT, VALUES or TABLE, and a WITH … SELECT without data-modifying CTEs); the others are
        read whole by the client, so only the statements that return few rows should take that path."""
        head = first_word(statement)
        if head in _STREAMABLE:
            return True
        return head == "with" and not checked.writes

    def _run_error(self, exc: psycopg.Error) -> DbscopeError:
        error = map_error(exc, self.spec)
        if self.spec.read_write or error.hint:
            return error
        if "multiple commands" in error.message:
            return UsageError(
                "a read-only session runs one statement at a time",
                hint="run the statements one by one (the editor runs the one under the cursor)",
            )
        if isinstance(exc, pg_errors.ActiveSqlTransaction):
            error.hint = (
                "a read-only session runs each statement in a READ ONLY transaction; maintenance "
                "commands need --read-write"
            )
        return error

    def _run_read_only(self, conn: psycopg.Connection[Any], statement: str, limit: int) -> ResultPage:
        """A read-only session's statement runs in its own ``BEGIN READ ONLY`` transaction, whatever the
        session's defaults were set to (``SET default_transaction_read_only = off`` is the user's to
        type), and through the extended protocol, which takes exactly one statement: neither
        ``SET transaction_read_only = off; INSERT …`` nor ``BEGIN READ WRITE`` then opens a way to write."""
        conn.execute("BEGIN READ ONLY")
        try:
            sent = self._send_user(conn, statement, limit)
        finally:
            # A statement cut at the cap was cancelled: COMMIT then ends the failed transaction.
            conn.execute("COMMIT")
        return sent.page()

    def _run_cursor(self, conn: psycopg.Connection[Any], statement: str, limit: int) -> ResultPage:
        """A server-side cursor: only ``limit`` + 1 rows ever cross the wire."""
        # psycopg's BEGIN says READ ONLY in a read-only session: a SELECT of a function that writes is
        # refused even after the user changed the session's default.
        conn.read_only = None if self.spec.read_write else True
        with conn.transaction(), conn.cursor(name="dbscope_page", row_factory=psycopg.rows.tuple_row) as cur:
            cur.execute(statement)  # type: ignore[arg-type]  # DECLARE … CURSOR: the extended protocol
            rows = cur.fetchmany(limit + 1)
            columns, types = _describe(conn, cur.description)
        truncated = len(rows) > limit
        rows = rows[:limit]
        return ResultPage(columns, types, rows, truncated=truncated, status=f"SELECT {len(rows)}")

    def _run_plain(self, conn: psycopg.Connection[Any], statement: str, limit: int) -> ResultPage:
        # A write runs to its end (its RETURNING rows past the cap are read and dropped).
        return self._send_user(conn, statement, limit, drain=True).page()

    def _recover(self, conn: psycopg.Connection[Any]) -> None:
        """Leave the query connection usable after an error (or drop it if it is broken)."""
        try:
            if conn.closed:
                self._query = None
            elif conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
                conn.rollback()
        except psycopg.Error:
            self._query = None

    def top_statements(self, limit: int = 50, sort: str = "total") -> list[StatementStat]:
        cap = self.capabilities.statement_stats
        if not cap:
            raise QueryError(cap.reason, title="No statement statistics", hint=cap.reason)
        version = self.server.version_num if self.server else 150000
        total, mean, maxt = (
            ("total_exec_time", "mean_exec_time", "max_exec_time")
            if version >= 130000
            else ("total_time", "mean_time", "max_time")
        )
        order = {"total": total, "mean": mean, "calls": "calls"}.get(sort)
        if order is None:
            raise UsageError(f"unknown sort {sort!r}: use total, mean or calls")
        schema = self._fetch(
            "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace "
            "WHERE e.extname = 'pg_stat_statements'"
        )[0]["nspname"]
        rows = self._fetch(
            f"""
            SELECT s.queryid::text AS query_id, s.query, s.calls, s.{total} AS total, s.{mean} AS mean,
                   s.{maxt} AS max, s.rows, s.shared_blks_hit, s.shared_blks_read,
                   s.temp_blks_read, s.temp_blks_written
            FROM "{schema}".pg_stat_statements s
            WHERE s.dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
              AND s.query NOT ILIKE '%%pg_stat_statements%%'
              AND s.query NOT LIKE %s
            ORDER BY s.{order} DESC NULLS LAST LIMIT %s
            """,
            (OWN_QUERY_TAG + "%", int(limit)),
        )
        return [
            StatementStat(
                query=r["query"],
                calls=r["calls"],
                total_time_ms=float(r["total"]),
                mean_time_ms=float(r["mean"]),
                max_time_ms=float(r["max"]),
                rows=r["rows"],
                query_id=r["query_id"],
                shared_blks_hit=r["shared_blks_hit"],
                shared_blks_read=r["shared_blks_read"],
                temp_blks_read=r["temp_blks_read"],
                temp_blks_written=r["temp_blks_written"],
            )
            for r in rows
        ]


def strip_explain(query: str) -> str:
    """The statement without a leading ``EXPLAIN (…)``, trailing semicolons and whitespace."""
    text = query.strip().rstrip(";").strip()
    match = _EXPLAIN_PREFIX.match(text)
    if match and match.group(0).strip():
        text = text[match.end() :].strip()
    return text


def explain_prefix_analyzes(query: str) -> bool:
    """Whether the text starts with an EXPLAIN whose options include ANALYZE (and not ANALYZE off)."""
    match = _EXPLAIN_PREFIX.match(query.strip())
    if not match or not match.group(0).strip():
        return False
    options = match.group(0).lower()
    return bool(re.search(r"\banaly[sz]e\b(?!\s+(off|false|0)\b)", options))


def _hypopg_ddl(ddl: str) -> str:
    """HypoPG takes a plain CREATE INDEX: drop CONCURRENTLY / IF NOT EXISTS and a trailing semicolon."""
    text = re.sub(r"\bCONCURRENTLY\b", "", ddl, flags=re.I)
    text = re.sub(r"\bIF\s+NOT\s+EXISTS\b", "", text, flags=re.I)
    return " ".join(text.split()).rstrip(";")


def _plan_text(rows: Sequence[Any]) -> str:
    """EXPLAIN (FORMAT JSON) returns one row whose single column holds the JSON document."""
    import json

    if not rows:
        raise QueryError("EXPLAIN returned no rows")
    first = rows[0]
    value = next(iter(first.values())) if isinstance(first, dict) else first[0]
    return value if isinstance(value, str) else json.dumps(value)


@dataclass(slots=True)
class _Sent:
    """What the gate's sender got back: at most the cap's rows, and the command tag."""

    columns: list[str]
    types: list[str]
    rows: list[tuple[Any, ...]]
    truncated: bool
    status: str
    rowcount: int

    def page(self) -> ResultPage:
        if not self.columns:
            return ResultPage([], [], [], rowcount=self.rowcount, status=self.status)
        return ResultPage(self.columns, self.types, self.rows, truncated=self.truncated, status=self.status)


def _describe(conn: psycopg.Connection[Any], description: Any) -> tuple[list[str], list[str]]:
    names = [col.name for col in description or []]
    types = []
    for col in description or []:
        info = conn.adapters.types.get(col.type_code)
        types.append(info.name if info else str(col.type_code))
    return names, types


__all__ = ["PostgresAdapter", "make_conninfo", "map_error", "strip_explain"]
