"""Ranking: findings by severity, then by impact (time or rows saved × how often the statement runs).

Rules set ``Finding.impact`` in the unit natural to them (ms saved, rows not read, bytes freed); the
order inside one severity is by that number, largest first, then by rule id (tui.core.finding).
Identical findings (same rule, object and DDL) from different sources are merged, keeping the one with
the larger impact.
"""

from __future__ import annotations

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
