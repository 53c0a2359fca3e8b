"""Joining plan findings with index suggestions about the same table, so the DBA reads one finding
per problem: the seq-scan (or index-filter, or nested-loop) finding carries the suggested index, its
HypoPG numbers and the plan diff; a candidate HypoPG rejected removes the unverified index from the
plan finding and says why."""

from __future__ import annotations

from dataclasses import replace

from tui.advisor.ddl import parse_create_index
from tui.advisor.querying import SUGGESTION_ID, SuggestionOutcome
from tui.core.finding import SEVERITY_RANK, Finding

SCAN_RULES = (
    "pg.seq-scan-selective",
    "pg.index-filter-removal",
    "pg.nested-loop-inner",
    "pg.top-n-sort-without-index",
)


def _creates_index(finding: Finding) -> bool:
    return any(
        stmt.lstrip().upper().startswith(("CREATE INDEX", "CREATE UNIQUE INDEX")) for stmt in finding.ddl
    )


def _keys(finding: Finding) -> set[str]:
    return {c.key_text for c in (parse_create_index(s) for s in finding.ddl) if c is not None}


def _matching_suggestion(finding: Finding, suggestions: list[Finding], used: set[int]) -> Finding | None:
    """The suggestion about the same table, preferring the one whose index has the same keys as the
    plan finding's own (a table can have several candidates: sort keys, filter columns, join keys)."""
    same_table = [s for s in suggestions if s.object == finding.object and id(s) not in used]
    own = _keys(finding)
    return next((s for s in same_table if own and _keys(s) == own), same_table[0] if same_table else None)


def merge_suggestions(findings: list[Finding], outcomes: list[SuggestionOutcome]) -> list[Finding]:
    scan = [f for f in findings if f.rule in SCAN_RULES and f.object]
    others = [f for f in findings if f not in scan]
    suggestions = [f for f in others if f.rule == SUGGESTION_ID]
    rest = [f for f in others if f.rule != SUGGESTION_ID]
    merged_scan: list[Finding] = []
    used: set[int] = set()
    for finding in sorted(scan, key=lambda f: (SEVERITY_RANK[f.severity], -f.impact)):
        suggestion = _matching_suggestion(finding, suggestions, used)
        if suggestion is not None:
            used.add(id(suggestion))
            severity = min(finding.severity, suggestion.severity, key=lambda s: SEVERITY_RANK[s])
            merged_scan.append(
                replace(
                    finding,
                    severity=severity,
                    ddl=list(suggestion.ddl),
                    rollback=list(suggestion.rollback),
                    verification=suggestion.verification,
                    recommendation=suggestion.recommendation,
                    evidence={
                        **finding.evidence,
                        **{k: v for k, v in suggestion.evidence.items() if k not in finding.evidence},
                    },
                    # the index is the fix: its impact (time saved per call × calls) ranks the finding
                    impact=suggestion.impact or finding.impact,
                )
            )
            continue
        tested = [
            o for o in outcomes if o.tested and not o.accepted and o.candidate.qualified == finding.object
        ]
        if tested and _creates_index(finding):
            reasons = "; ".join(o.reason for o in tested)
            merged_scan.append(
                replace(
                    finding,
                    ddl=[s for s in finding.ddl if not s.lstrip().upper().startswith("CREATE")],
                    rollback=[],
                    recommendation=f"I tested hypothetical indexes with HypoPG and do not recommend one: {reasons}.",
                )
            )
            continue
        merged_scan.append(finding)
    # A table with several scan findings: only the first carries the CREATE INDEX.
    seen_tables: set[str] = set()
    final_scan: list[Finding] = []
    for finding in merged_scan:
        if _creates_index(finding) and finding.object in seen_tables:
            finding = replace(
                finding,
                ddl=[],
                rollback=[],
                recommendation=finding.recommendation
                + " (The index is given once, with the first finding on this table.)",
            )
        elif _creates_index(finding) and finding.object:
            seen_tables.add(finding.object)
        final_scan.append(finding)
    return rest + final_scan + [s for s in suggestions if id(s) not in used]
