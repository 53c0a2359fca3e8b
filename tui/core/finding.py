"""The advisor's output model: a Finding with its evidence, DDL and how (or whether) it was verified."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

SEVERITIES = ("critical", "warning", "info")
SEVERITY_RANK = {name: rank for rank, name in enumerate(SEVERITIES)}


@dataclass(slots=True)
class Verification:
    """How a claim was checked: ``method`` names it (``hypopg``, ``explain``, ``invisible-index``…);
    ``before``/``after`` are the measured numbers (a cost, a time, or a small dict of them)."""

    method: str
    before: Any = None
    after: Any = None
    detail: dict[str, Any] = field(default_factory=dict)  # e.g. plans before/after for the diff view

    def to_json(self) -> dict[str, Any]:
        return {"method": self.method, "before": self.before, "after": self.after}


@dataclass(slots=True)
class Finding:
    """One diagnosis. ``message`` is plain prose; the analytical voice is rendered from the fields.

    ``ddl`` holds statements that run as printed. ``rollback`` pairs each change with its undo;
    ``impact`` is the estimated saving used for ranking (milliseconds × calls, or rows, or bytes).
    """

    rule: str
    severity: str
    object: str | None
    title: str
    message: str
    evidence: dict[str, Any] = field(default_factory=dict)
    ddl: list[str] = field(default_factory=list)
    verification: Verification | None = None
    rollback: list[str] = field(default_factory=list)
    impact: float = 0.0
    node_id: int | None = None  # the plan node the finding is about
    reasoning: str = ""  # why it matters (the mechanism), for the voice
    category: str = "plan"  # "plan" | "schema" | "query" | "index"
    recommendation: str = ""  # what to do, in plain prose (the DDL carries the exact statements)

    def __post_init__(self) -> None:
        if self.severity not in SEVERITY_RANK:
            raise ValueError(f"unknown severity {self.severity!r}")

    def to_json(self) -> dict[str, Any]:
        """The stable public shape of DESIGN.md §4 (exactly these keys)."""
        return {
            "rule": self.rule,
            "severity": self.severity,
            "object": self.object,
            "title": self.title,
            "message": self.message,
            "evidence": self.evidence,
            "ddl": list(self.ddl),
            "verification": self.verification.to_json() if self.verification else None,
        }


def sort_findings(findings: list[Finding]) -> list[Finding]:
    """Most severe first, then by impact (largest first), then by rule id for a stable order."""
    return sorted(findings, key=lambda f: (SEVERITY_RANK[f.severity], -f.impact, f.rule, f.object or ""))
