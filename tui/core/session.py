"""Models an adapter returns besides the catalog: server facts, capabilities, result pages,
statement statistics, raw EXPLAIN output and the bulk facts the schema advisor reads."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tui.core.catalog import ObjectDetail


@dataclass(slots=True)
class Capability:
    """Whether something is possible here, and when it is not, why (missing privilege, extension…)."""

    available: bool
    reason: str = ""

    def __bool__(self) -> bool:
        return self.available


@dataclass(slots=True)
class ServerInfo:
    engine: str  # "postgresql" | "mysql" | "mariadb" | "mongodb"
    version: str  # human version string, e.g. "15.20"
    version_num: int = 0  # comparable number, e.g. 150020
    user: str = ""
    database: str = ""
    host: str = ""
    superuser: bool = False
    read_only: bool = True
    extensions: dict[str, str] = field(default_factory=dict)  # name → version
    settings: dict[str, str] = field(default_factory=dict)  # a few relevant server settings
    notices: list[str] = field(default_factory=list)  # for the user: option files read or ignored…


@dataclass(slots=True)
class Capabilities:
    explain_formats: list[str] = field(default_factory=list)
    analyze: Capability = field(default_factory=lambda: Capability(False))
    hypothetical_indexes: Capability = field(default_factory=lambda: Capability(False))
    statement_stats: Capability = field(default_factory=lambda: Capability(False))
    cancel: Capability = field(default_factory=lambda: Capability(False))
    switch_database: Capability = field(default_factory=lambda: Capability(False))
    index_usage: Capability = field(default_factory=lambda: Capability(False))
    notes: list[str] = field(default_factory=list)

    def explain(self) -> list[tuple[str, bool, str]]:
        """(name, available, reason) rows for the capabilities screen and ``dbscope doctor``."""
        rows = []
        for name in (
            "analyze",
            "hypothetical_indexes",
            "statement_stats",
            "cancel",
            "switch_database",
            "index_usage",
        ):
            cap: Capability = getattr(self, name)
            rows.append((name.replace("_", " "), cap.available, cap.reason))
        return rows


@dataclass(slots=True)
class ResultPage:
    """A capped page of rows. ``truncated`` says the cap was hit (more rows exist on the server)."""

    columns: list[str]
    column_types: list[str]
    rows: list[tuple[Any, ...]]
    truncated: bool = False
    rowcount: int | None = None  # rows affected for statements that do not return rows
    status: str = ""  # command tag, e.g. "SELECT 1000"
    elapsed_ms: float = 0.0


@dataclass(slots=True)
class StatementStat:
    """One row of the server's statement statistics (pg_stat_statements, digests, profiler)."""

    query: str
    calls: int
    total_time_ms: float
    mean_time_ms: float
    rows: int
    max_time_ms: float | None = None
    query_id: str | None = None
    shared_blks_hit: int | None = None
    shared_blks_read: int | None = None
    temp_blks_read: int | None = None
    temp_blks_written: int | None = None
    no_index_used: int | None = None
    no_good_index_used: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "query": self.query,
            "calls": self.calls,
            "total_time_ms": self.total_time_ms,
            "mean_time_ms": self.mean_time_ms,
            "rows": self.rows,
            "max_time_ms": self.max_time_ms,
        }
        for key in (
            "query_id",
            "shared_blks_hit",
            "shared_blks_read",
            "temp_blks_read",
            "temp_blks_written",
            "no_index_used",
            "no_good_index_used",
        ):
            value = getattr(self, key)
            if value is not None:
                data[key] = value
        return data


@dataclass(slots=True)
class ExplainOutput:
    """What the server printed for EXPLAIN: the text to feed a plan parser, and how it was produced."""

    text: str
    engine: str
    analyzed: bool = False
    query: str = ""
    rolled_back: bool = False  # the statement ran inside a transaction that was rolled back


@dataclass(slots=True)
class SequenceFacts:
    schema: str
    name: str
    data_type: str
    last_value: int | None
    max_value: int
    increment: int = 1
    owned_by: str | None = None  # schema.table.column


@dataclass(slots=True)
class SchemaFacts:
    """Bulk facts for the schema advisor, gathered with few catalog queries."""

    engine: str
    database: str
    tables: list[ObjectDetail] = field(default_factory=list)
    sequences: list[SequenceFacts] = field(default_factory=list)
    stats_since: str | None = None  # when usage statistics were last reset (ISO text), if known
    stats_age_days: float | None = None
    settings: dict[str, str] = field(default_factory=dict)
    server: dict[str, Any] = field(default_factory=dict)  # cache hit ratio, connections, etc.
    notes: list[str] = field(default_factory=list)
