"""Query-level advice: the query rules over a statement's sqlglot facts, and index suggestions in
Equality → Sort → Range order, verified with HypoPG when the adapter can.

Verification (PostgreSQL, ``adapter.capabilities.hypothetical_indexes``): plain EXPLAIN of the statement
with no hypothetical index, then with each candidate alone (``adapter.hypothetical_explain``). A
candidate is suggested only if the planner uses it and the estimated cost falls by ≥ 50 % from an
initial cost ≥ 100 (Dexter's bar); the Verification carries both costs, both plans and their diff.
Without HypoPG, candidates are suggested only where the plan shows the table scanned with most rows
discarded, or sorted in full to keep a LIMIT's first rows (or, with no plan, on tables of ≥ 10,000
rows), as "estimated, not verified". No real index is ever created.

Impact (for ranking): time saved per call × calls (``Workload``) — the analyzed plan's execution time,
else the statement's mean time from its statistics, × the HypoPG cost saving (or the plan's share spent
on the table); query-rule findings are weighted by the calls too.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from tui.advisor.context import QueryContext, TableIndex
from tui.advisor.engine import run_rules
from tui.advisor.plan_diff import diff_plans
from tui.advisor.rules import load_rules
from tui.advisor.sqlfacts import QueryFacts, analyze_query
from tui.advisor.suggest import IndexCandidate, candidate_statements, candidates_for_query, describe_roles
from tui.core import fmt
from tui.core.errors import DbscopeError
from tui.core.finding import Finding, Verification
from tui.core.plan import Plan

if TYPE_CHECKING:
    from tui.adapters.base import Adapter
    from tui.core.catalog import ObjectDetail
    from tui.core.session import SchemaFacts

SUGGESTION_ID = "pg.index-suggestion"
MIN_INITIAL_COST = 100.0
MIN_SAVING = 0.5
MIN_ROWS_UNVERIFIED = 10_000


@dataclass(frozen=True, slots=True)
class Workload:
    """How often the statement runs and how long one run takes, when the server's statement statistics
    say so: an index suggestion's impact is then the time saved per call × calls."""

    calls: int | None = None
    mean_time_ms: float | None = None

    @property
    def multiplier(self) -> int:
        return self.calls if self.calls and self.calls > 0 else 1


@dataclass(slots=True)
class SuggestionOutcome:
    """What happened to one candidate: suggested or not, why, and its verification."""

    candidate: IndexCandidate
    accepted: bool
    reason: str
    verification: Verification | None = None
    finding: Finding | None = None

    @property
    def tested(self) -> bool:
        return self.verification is not None


def query_findings(
    query: str,
    *,
    engine: str,
    dialect: str,
    facts: SchemaFacts | None,
    plan: Plan | None,
    adapter: Adapter | None,
    verify: bool,
    suggest: bool,
    calls: int | None,
    mean_time_ms: float | None = None,
) -> tuple[list[Finding], list[SuggestionOutcome]]:
    """Query-rule findings (impact × calls) and the index suggestions with what happened to each."""
    workload = Workload(calls, mean_time_ms)
    qfacts = analyze_query(query, dialect, facts)
    if qfacts is None:
        return [], []
    extensions = dict(adapter.server.extensions) if adapter is not None and adapter.server is not None else {}
    ctx = QueryContext(
        query=query,
        dialect=dialect,
        tree=qfacts.tree,
        qfacts=qfacts,
        engine=engine,
        facts=facts,
        plan=plan,
        tables=TableIndex.build(facts),
        extensions=extensions,
    )
    findings = run_rules(load_rules("query", engine), ctx)
    for finding in findings:
        finding.impact *= workload.multiplier
    outcomes: list[SuggestionOutcome] = []
    if suggest and engine == "postgresql" and qfacts.kind in ("select", "update", "delete"):
        outcomes = suggest_indexes(
            query, qfacts, facts, plan=plan, adapter=adapter, verify=verify, workload=workload
        )
        findings.extend(o.finding for o in outcomes if o.finding is not None)
    return findings, outcomes


def advise_query_text(
    query: str,
    *,
    engine: str,
    dialect: str,
    facts: SchemaFacts | None,
    plan: Plan | None,
    adapter: Adapter | None,
    verify: bool,
    suggest: bool,
    calls: int | None,
    mean_time_ms: float | None = None,
) -> list[Finding]:
    findings, _ = query_findings(
        query,
        engine=engine,
        dialect=dialect,
        facts=facts,
        plan=plan,
        adapter=adapter,
        verify=verify,
        suggest=suggest,
        calls=calls,
        mean_time_ms=mean_time_ms,
    )
    return findings


# -- suggestions -------------------------------------------------------------------------------------


def _parse(text: str) -> Plan:
    from tui.plans.postgres import parse_postgres_plan

    return parse_postgres_plan(text)


def _cost(plan: Plan) -> float:
    return float(plan.total_cost if plan.total_cost is not None else plan.root.cost or 0.0)


def _uses_hypothetical(plan: Plan) -> bool:
    """HypoPG names its indexes ``<oid>btree_table_col``."""
    return any(n.index and n.index.startswith("<") and ">" in n.index for n in plan.nodes())


def _plan_evidence(plan: Plan | None, table: str) -> dict[str, float]:
    """Rows read and returned by the scans of ``table`` in an analyzed plan."""
    if plan is None or not plan.analyzed:
        return {}
    read = returned = 0.0
    for node in plan.nodes():
        if node.extra.get("Relation Name") != table:
            continue
        out = node.rows_actual_total or 0.0
        returned += out
        read += out + (node.rows_removed or 0.0)
    return {"rows_read": read, "rows_returned": returned} if read else {}


def _plan_shows_waste(plan: Plan, table: str, detail: ObjectDetail | None = None) -> bool:
    """The plan scans ``table`` sequentially with a filter that discards most rows (without ANALYZE: the
    planner expects it to keep under half of the table's rows, or the table's size is unknown), or sorts
    all of it to keep a LIMIT's first rows, or reads it through an index that discards most rows."""
    from tui.advisor.rules.common import estimated_total_rows
    from tui.advisor.rules.pg_plan_top_n_sort import top_n_sorts

    if any(shape.scan.extra.get("Relation Name") == table for shape in top_n_sorts(plan)):
        return True
    for node in plan.nodes():
        if node.extra.get("Relation Name") != table:
            continue
        if node.operation.endswith("Seq Scan") and node.filter:
            if not plan.analyzed:
                rows = detail.row_estimate if detail is not None else None
                if not rows or estimated_total_rows(plan, node) < 0.5 * rows:
                    return True
                continue
            kept = node.rows_actual_total or 0.0
            removed = node.rows_removed or 0.0
            if removed + kept >= 1_000 and removed >= kept:
                return True
        elif node.rows_removed and node.rows_removed > max(100.0, node.rows_actual_total or 0.0):
            return True
    return False


def suggest_indexes(
    query: str,
    qfacts: QueryFacts,
    facts: SchemaFacts | None,
    *,
    plan: Plan | None,
    adapter: Adapter | None,
    verify: bool,
    workload: Workload | None = None,
) -> list[SuggestionOutcome]:
    workload = workload or Workload()
    candidates = candidates_for_query(qfacts, facts)
    if not candidates:
        return []
    cap = adapter.capabilities.hypothetical_indexes if adapter is not None else None
    if verify and cap:
        try:
            return _verified(query, candidates, facts, adapter, plan, workload)  # type: ignore[arg-type]
        except DbscopeError as exc:
            reason = f"HypoPG verification failed: {exc.message}"
        except (ValueError, KeyError) as exc:  # a plan dbscope could not read back
            reason = f"HypoPG verification failed: {exc}"
    elif adapter is None:
        reason = "no live connection to test a hypothetical index"
    elif not verify:
        reason = "verification was turned off"
    else:
        reason = (cap.reason if cap is not None else "") or "HypoPG is not available"
    return _unverified(candidates, facts, plan, reason, workload)


def _verified(
    query: str,
    candidates: list[IndexCandidate],
    facts: SchemaFacts | None,
    adapter: Adapter,
    plan: Plan | None,
    workload: Workload,
) -> list[SuggestionOutcome]:
    before = _parse(adapter.hypothetical_explain(query, []).text)
    initial = _cost(before)
    out: list[SuggestionOutcome] = []
    for cand in candidates:
        after = _parse(adapter.hypothetical_explain(query, [cand.hypothetical_statement()]).text)
        final = _cost(after)
        used = _uses_hypothetical(after)
        saving = 1 - final / initial if initial else 0.0
        verification = Verification(
            "hypopg",
            round(initial, 2),
            round(final, 2),
            detail={"plan_before": before, "plan_after": after, "diff": diff_plans(before, after)},
        )
        if not used:
            reason = f"the planner did not use a hypothetical index on {cand.describe()}"
        elif initial < MIN_INITIAL_COST:
            reason = (
                f"the statement's estimated cost is {fmt.num(initial, 2)}, below the floor of "
                f"{fmt.num(MIN_INITIAL_COST)} where an index pays for its writes"
            )
        elif saving < MIN_SAVING:
            reason = (
                f"a hypothetical index on {cand.describe()} lowers the estimated cost from {fmt.num(initial, 2)} to "
                f"{fmt.num(final, 2)} ({fmt.num(saving * 100, 1)} %), below the 50 % bar"
            )
        else:
            outcome = SuggestionOutcome(cand, True, "verified", verification)
            outcome.finding = _finding(cand, facts, plan, verification, saving, workload, reason="")
            out.append(outcome)
            continue
        out.append(SuggestionOutcome(cand, False, reason, verification))
    return out


def _unverified(
    candidates: list[IndexCandidate],
    facts: SchemaFacts | None,
    plan: Plan | None,
    reason: str,
    workload: Workload,
) -> list[SuggestionOutcome]:
    tables = TableIndex.build(facts)
    out: list[SuggestionOutcome] = []
    for cand in candidates:
        detail = tables.find(cand.table, cand.schema)
        if plan is not None:
            worth = _plan_shows_waste(plan, cand.table, detail)
            why = "the plan does not show this table scanned wastefully"
        else:
            worth = detail is not None and (detail.row_estimate or 0) >= MIN_ROWS_UNVERIFIED
            why = f"the table has fewer than {fmt.num(MIN_ROWS_UNVERIFIED)} rows (or an unknown count)"
        if not worth:
            out.append(SuggestionOutcome(cand, False, why))
            continue
        outcome = SuggestionOutcome(cand, True, reason)
        outcome.finding = _finding(cand, facts, plan, None, None, workload, reason=reason)
        out.append(outcome)
    return out


def _table_share(plan: Plan, table: str) -> float | None:
    """The share of the plan's time (analyzed) or estimated cost spent in the nodes reading ``table``."""
    nodes = [n for n in plan.nodes() if n.extra.get("Relation Name") == table]
    if plan.analyzed and plan.total_time_ms:
        return min(1.0, sum(n.time_exclusive_ms or 0.0 for n in nodes) / plan.total_time_ms)
    total = plan.total_cost if plan.total_cost is not None else plan.root.cost
    if total:
        return min(1.0, sum(n.cost_exclusive or 0.0 for n in nodes) / total)
    return None


def suggestion_impact(
    plan: Plan | None,
    table: str,
    verification: Verification | None,
    saving: float | None,
    workload: Workload,
    detail: ObjectDetail | None = None,
) -> float:
    """What an index saves, × calls: time per call (the plan's execution time when analyzed, else the
    statement's mean time from its statistics) × the saved share (the HypoPG cost saving, else the share
    of the plan spent reading the table); without any time, the cost saved, else the table's rows."""
    per_call_ms = plan.total_time_ms if plan is not None and plan.analyzed else workload.mean_time_ms
    share = saving
    if share is None and plan is not None:
        share = _table_share(plan, table)
    if per_call_ms and share is not None:
        return per_call_ms * share * workload.multiplier
    if verification is not None:
        return (float(verification.before) - float(verification.after)) * workload.multiplier
    return float(detail.row_estimate or 0) * workload.multiplier if detail is not None else 0.0


def workload_evidence(
    plan: Plan | None, table: str, saving: float | None, workload: Workload
) -> dict[str, float | int | None]:
    """The numbers behind a top statement's ranking, shown with the suggestion: its calls, the time
    one call would save (time per call × the saved share) and that × calls. Empty without calls."""
    if not workload.calls:
        return {}
    out: dict[str, float | int | None] = {"calls": workload.calls}
    per_call_ms = plan.total_time_ms if plan is not None and plan.analyzed else workload.mean_time_ms
    share = saving if saving is not None else (_table_share(plan, table) if plan is not None else None)
    if per_call_ms and share is not None:
        saved = per_call_ms * share
        out["time_saved_per_call_ms"] = round(saved, 3)
        out["time_saved_ms"] = round(saved * workload.calls, 1)
    return out


def _finding(
    cand: IndexCandidate,
    facts: SchemaFacts | None,
    plan: Plan | None,
    verification: Verification | None,
    saving: float | None,
    workload: Workload,
    *,
    reason: str,
) -> Finding:
    tables = TableIndex.build(facts)
    detail = tables.find(cand.table, cand.schema)
    _name, create, drop = candidate_statements(cand, facts)
    existing = len(detail.indexes) if detail else None
    evidence: dict[str, float | int | None] = {
        "cost_before": verification.before if verification else None,
        "cost_after": verification.after if verification else None,
        "cost_saving_pct": round(saving * 100, 1) if saving is not None else None,
        "table_rows": detail.row_estimate if detail else None,
        **_plan_evidence(plan, cand.table),
        "existing_indexes": existing,
        "key_columns": len(cand.columns),
    }
    impact = suggestion_impact(plan, cand.table, verification, saving, workload, detail)
    evidence.update(workload_evidence(plan, cand.table, saving, workload))
    writes = (
        f" It adds one index write to every INSERT and to every UPDATE of these columns (the table has "
        f"{fmt.num(existing)} indexes now)."
        if existing is not None
        else ""
    )
    roles = describe_roles(cand)
    if set(cand.roles) == {"sort"}:
        recommendation = (
            f"The optimal indexing strategy for this ORDER BY … LIMIT is a B-tree index on {cand.describe()}, in "
            "the ORDER BY's own direction: an Index Scan returns the first rows in order and stops, instead of "
            "reading and sorting the whole table." + writes
        )
        message = (
            f"The statement orders {cand.qualified} by {cand.describe()} and keeps only the first rows; no "
            "existing index returns them in that order."
        )
    else:
        recommendation = (
            f"The optimal indexing strategy for this workload is a B-tree index on {cand.describe()}: equality "
            "columns first (the most selective first), then the ORDER BY columns, then one range column."
            + writes
        )
        message = (
            f"The statement filters {cand.qualified} on {roles}"
            + (" (a join key)" if cand.reason == "join key" else "")
            + f"; no existing index leads with {cand.describe()}."
        )
    if verification is None:
        recommendation += f" Not verified: {reason}."
    return Finding(
        rule=SUGGESTION_ID,
        severity="warning" if verification is not None else "info",
        object=cand.qualified,
        title="Index suggestion" + (" (verified with HypoPG)" if verification else " (estimated)"),
        message=message,
        reasoning=(
            "Without an index on these columns PostgreSQL reads the table and discards the rows that do not "
            "match; an index in Equality → Sort → Range order reads only the matching entries, already in the "
            "requested order."
        ),
        recommendation=recommendation,
        evidence={k: v for k, v in evidence.items() if v is not None},
        ddl=[create],
        rollback=[drop],
        verification=verification,
        impact=impact,
        category="index",
    )
