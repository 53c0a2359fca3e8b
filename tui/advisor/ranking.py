"""Ranking: findings by severity, then by impact (time or rows saved × how often the statement runs).

Rules set ``Finding.impact`` in the unit natural to them (ms saved, rows not read, bytes freed) and
multiply it by the statement's calls when known; the order inside one severity is by that number,
largest first, then by rule id (tui.core.finding). Identical findings (same rule, object and DDL) from
different sources are merged, keeping the one with the larger impact.

Across statements (``dbscope top --explain``, the top-statements view) severity does not decide:
``rank_across_statements`` orders statements by the largest impact among their findings, so a warning
on a statement that runs 100,000 times outranks a critical finding on one that ran once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from tui.core.finding import SEVERITY_RANK, Finding, sort_findings


def dedupe(findings: list[Finding]) -> list[Finding]:
    kept: dict[tuple[str, str | None, tuple[str, ...], int | None], Finding] = {}
    for finding in findings:
        key = (finding.rule, finding.object, tuple(finding.ddl), finding.node_id)
        other = kept.get(key)
        if other is None or (SEVERITY_RANK[finding.severity], -finding.impact) < (
            SEVERITY_RANK[other.severity],
            -other.impact,
        ):
            kept[key] = finding
    return list(kept.values())


def rank_findings(findings: list[Finding]) -> list[Finding]:
    return sort_findings(dedupe(findings))


@dataclass(frozen=True, slots=True)
class RankedStatement:
    """One statement's place in the cross-statement order: ``position`` in the input, its ``calls``,
    its findings ranked (severity, then impact) and ``impact``, the largest finding impact (findings
    of one statement often describe the same saving, so they are not added up)."""

    position: int
    calls: int | None
    findings: list[Finding]
    impact: float


def rank_across_statements(
    statements: Sequence[tuple[int | None, Sequence[Finding]]],
) -> list[RankedStatement]:
    """``[(calls, findings)]`` per statement, findings from ``advise_plan(…, calls=calls)`` (their
    impact already counts the calls) → the statements by impact, largest first; ties by calls, then
    input order. Statements without findings come last."""
    ranked = [
        RankedStatement(
            i, calls, rank_findings(list(findings)), max((f.impact for f in findings), default=0.0)
        )
        for i, (calls, findings) in enumerate(statements)
    ]
    return sorted(ranked, key=lambda r: (not r.findings, -r.impact, -(r.calls or 0), r.position))
