"""The adapter contract every engine implements (DESIGN.md §2).

Adapters are the only modules that import a driver. Every method here may block; the UI calls them from
thread workers and the CLI calls them directly. Errors raised are the typed errors of ``tui.core.errors``
and never carry a password.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import ClassVar

from tui.core.catalog import CatalogNode, ObjectDetail
from tui.core.connspec import ConnectionSpec
from tui.core.errors import DbscopeError
from tui.core.gate import RUN, Review
from tui.core.session import (
    Capabilities,
    ExplainOutput,
    ResultPage,
    SchemaFacts,
    ServerInfo,
    StatementStat,
)
from tui.core.sqllex import LexSettings


class Adapter(ABC):
    """One connected engine. Construct, ``connect()``, then browse, explain and run."""

    engine: ClassVar[str]
    dialect: ClassVar[str]  # sqlglot dialect name for the engine's SQL ("postgres", "mysql", "")

    def __init__(self, spec: ConnectionSpec) -> None:
        self.spec = spec
        self.server: ServerInfo | None = None
        self.capabilities = Capabilities()

    # -- session ----------------------------------------------------------------------------------
    @abstractmethod
    def connect(self) -> ServerInfo:
        """Open the session (read-only unless ``spec.read_write``) and probe capabilities."""

    @abstractmethod
    def close(self) -> None:
        """Close every connection; safe to call twice."""

    def cancel(self) -> bool:
        """Ask the server to stop the statement running on the query connection.

        Returns True when a cancel request was sent."""
        return False

    def ping(self) -> bool:
        """True when the session is still usable."""
        return self.server is not None

    def reconnect(self) -> ServerInfo:
        self.close()
        return self.connect()

    def databases(self) -> list[str]:
        """Other databases on the server that ``switch_database`` accepts."""
        return []

    def switch_database(self, name: str) -> ServerInfo:
        raise NotImplementedError(f"{self.engine} cannot switch databases")

    # -- catalog ----------------------------------------------------------------------------------
    @abstractmethod
    def roots(self) -> list[CatalogNode]:
        """The first level of the schema tree (schemas, or databases)."""

    @abstractmethod
    def children(self, node: CatalogNode) -> list[CatalogNode]:
        """The children of a node that has ``has_children``."""

    @abstractmethod
    def detail(self, node: CatalogNode) -> ObjectDetail:
        """Columns, indexes, constraints, FKs, statistics and DDL of a relation (or a lighter detail)."""

    def schema_facts(self, schema: str | None = None) -> SchemaFacts:
        """Bulk facts for the schema advisor (every table of ``schema``, or of the database)."""
        raise NotImplementedError

    # -- statements -------------------------------------------------------------------------------
    @abstractmethod
    def explain(self, query: str, *, analyze: bool = False, allow_writes: bool = False) -> ExplainOutput:
        """EXPLAIN ``query`` in the engine's richest machine-readable format.

        With ``analyze``, a statement that writes runs only when ``allow_writes`` is set, inside a
        transaction that is always rolled back (where the engine can roll it back)."""

    @abstractmethod
    def run(self, query: str, limit: int = 1000) -> ResultPage:
        """Run ``query`` and fetch at most ``limit`` rows with a server-side cursor."""

    def top_statements(self, limit: int = 50, sort: str = "total") -> list[StatementStat]:
        raise NotImplementedError(f"{self.engine} keeps no statement statistics dbscope can read")

    def hypothetical_explain(self, query: str, index_statements: list[str]) -> ExplainOutput:
        """EXPLAIN ``query`` as if the given CREATE INDEX statements had run (no real index built)."""
        raise NotImplementedError(f"{self.engine} has no hypothetical indexes")

    # -- the execution gate --------------------------------------------------------------------------
    def lex_settings(self) -> LexSettings | None:
        """How this server reads SQL text now (quoting settings); None for an engine without SQL."""
        return None

    def function_effects(self, names: set[str]) -> dict[str, str]:
        """Of the names a statement calls, those that are functions that may write, with the reason
        (a catalog lookup; may block)."""
        return {}

    def review(self, text: str, purpose: str = RUN, *, many: bool = False) -> Review | None:
        """The gate's review of ``text`` for this session (``tui.core.gate``); None without SQL. May
        block (function lookups): call it from a worker."""
        from tui.core.gate import review

        settings = self.lex_settings()
        if settings is None:
            return None

        def lookup(names: set[str]) -> dict[str, str]:
            try:
                return self.function_effects(names)
            except DbscopeError:  # unknown is not harmless: each call may write
                return {n: f"{n}() may write (the catalog could not be asked)" for n in names}

        return review(
            text, settings, read_write=self.spec.read_write, purpose=purpose, functions=lookup, many=many
        )

    def gate(self, statement: str, purpose: str) -> Review:
        """Review ``statement`` before anything is sent, and raise what the gate refuses: a read-only
        session's refusals as ``ReadOnlyViolation``, the rest (several statements, an unterminated quote)
        as ``UsageError``; EXPLAIN ANALYZE of a write in a read-only session is refused here too."""
        from tui.core.errors import ReadOnlyViolation, UsageError
        from tui.core.gate import ANALYZE
        from tui.core.sideeffects import READ_ONLY_HINT
        from tui.core.sqltext import short_statement

        checked = self.review(statement, purpose)
        assert checked is not None
        if checked.refusal and checked.read_only_refusal:
            raise ReadOnlyViolation(f"{checked.refusal}: {short_statement(statement)}", hint=READ_ONLY_HINT)
        if checked.refusal:
            raise UsageError(checked.refusal, hint="run the statements one by one")
        if purpose == ANALYZE and checked.writes and not self.spec.read_write:
            raise ReadOnlyViolation(
                f"EXPLAIN ANALYZE would execute a statement that writes ({'; '.join(checked.writing[0].writes)}): "
                f"{short_statement(statement)}",
                hint="start dbscope with --read-write; the statement then runs in a transaction that is "
                "rolled back",
            )
        return checked

    def statement_writes(self, query: str) -> bool:
        """Whether ``query`` may change data (used to demand confirmation before ANALYZE)."""
        checked = self.review(query, many=True)
        if checked is None:
            from tui.core.sqltext import statement_may_write

            return statement_may_write(query, self.dialect)
        return checked.writes or checked.refusal is not None
