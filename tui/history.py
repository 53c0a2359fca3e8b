"""Query history per connection, kept as JSON lines in the user's data directory.

One file per connection identity (engine, host, port, user, database — hashed, never a password),
readable by the user alone. Statements are stored with secrets masked (every literal after
``PASSWORD``/``IDENTIFIED``, URLs with credentials, ``password=`` pairs:
``tui.core.sqltext.mask_statement``). The file is trimmed to the newest ``max_entries``.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from tui.core.connspec import ConnectionSpec
from tui.core.files import private_fd
from tui.core.sqltext import mask_statement


@dataclass(slots=True)
class HistoryEntry:
    timestamp: str  # ISO 8601, UTC
    query: str
    duration_ms: float | None = None
    rows: int | None = None
    status: str = "ok"  # "ok" | "error: <one line>" | "cancelled"
    database: str = ""
    kind: str = "run"  # "run" | "explain" | "analyze"

    @property
    def when(self) -> datetime:
        return datetime.fromisoformat(self.timestamp)


def connection_key(spec: ConnectionSpec) -> str:
    identity = "|".join(
        str(part or "")
        for part in (spec.engine, spec.host or spec.params.get("host"), spec.port, spec.user, spec.database)
    )
    return f"{spec.engine}-{hashlib.sha256(identity.encode()).hexdigest()[:16]}"


class QueryHistory:
    """Append, list and search the statements run on one connection."""

    def __init__(self, path: Path, max_entries: int = 5000) -> None:
        self.path = path
        self.max_entries = max_entries

    @classmethod
    def for_connection(cls, spec: ConnectionSpec, data_dir: Path) -> QueryHistory:
        return cls(data_dir / "history" / f"{connection_key(spec)}.jsonl")

    def record(
        self,
        query: str,
        *,
        duration_ms: float | None = None,
        rows: int | None = None,
        status: str = "ok",
        database: str = "",
        kind: str = "run",
    ) -> HistoryEntry:
        entry = HistoryEntry(
            timestamp=datetime.now(UTC).isoformat(timespec="milliseconds"),
            query=mask_statement(query.strip()),
            duration_ms=duration_ms,
            rows=rows,
            status=mask_statement(status.splitlines()[0] if status else "ok"),
            database=database,
            kind=kind,
        )
        line = json.dumps(asdict(entry), ensure_ascii=False) + "\n"
        if self._ends_mid_line():
            line = "\n" + line  # a crash left a partial line: start on a fresh one
        with os.fdopen(private_fd(self.path, append=True), "a", encoding="utf-8") as handle:
            handle.write(line)
        self._trim()
        return entry

    def _ends_mid_line(self) -> bool:
        try:
            with self.path.open("rb") as handle:
                handle.seek(-1, os.SEEK_END)
                return handle.read(1) != b"\n"
        except OSError:  # missing or empty file
            return False

    def entries(self, limit: int | None = None) -> list[HistoryEntry]:
        """Newest first; unreadable lines are skipped (a crash mid-write leaves a partial line)."""
        if not self.path.exists():
            return []
        out: list[HistoryEntry] = []
        for line in self.path.read_text(encoding="utf-8", errors="replace").splitlines():
            try:
                data = json.loads(line)
                out.append(HistoryEntry(**data))
            except (ValueError, TypeError):
                continue
        out.reverse()
        return out[:limit] if limit else out

    def search(self, text: str, limit: int | None = None) -> list[HistoryEntry]:
        """Entries whose statement contains every word of ``text`` (case-insensitive)."""
        words = text.lower().split()
        found = [e for e in self.entries() if all(w in e.query.lower() for w in words)]
        return found[:limit] if limit else found

    def _trim(self) -> None:
        lines = self.path.read_text(encoding="utf-8", errors="replace").splitlines()
        if len(lines) <= self.max_entries:
            return
        tmp = self.path.with_suffix(".tmp")
        with os.fdopen(private_fd(tmp), "w", encoding="utf-8") as handle:
            handle.write("\n".join(lines[-self.max_entries :]) + "\n")
        tmp.replace(self.path)


__all__ = ["HistoryEntry", "QueryHistory", "connection_key", "mask_statement"]
