"""The advisor's entry points used by the CLI and the UI.

- ``advise_plan(plan, query=…, adapter=…, facts=…, verify=True, calls=…, mean_time_ms=…)``: plan rules
  over the parsed plan, query rules over ``query`` (sqlglot), and index suggestions from the query's
  predicates — verified with HypoPG through ``adapter.hypothetical_explain`` when the adapter has the
  capability, otherwise "estimated, not verified" — plus the schema findings about the columns the plan
  filters or joins on (``tui.advisor.related``: a foreign key without an index, an invalid index).
- ``advise_schema(facts)``: schema rules over SchemaFacts.
- ``advise_query(query, …)``: query rules alone (no plan), for the editor.
All return findings ranked by ``rank_findings`` (severity, then impact = time or rows saved × calls).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tui.advisor.context import PlanContext, SchemaContext
from tui.advisor.engine import run_rules
from tui.advisor.ranking import rank_findings
from tui.advisor.rules import load_rules

if TYPE_CHECKING:
    from tui.adapters.base import Adapter
    from tui.core.finding import Finding
    from tui.core.plan import Plan
    from tui.core.session import SchemaFacts

_DIALECTS = {"postgresql": "postgres", "mysql": "mysql", "mariadb": "mysql"}


def dialect_for(engine: str, adapter: Adapter | None = None) -> str:
    if adapter is not None and getattr(adapter, "dialect", ""):
        return adapter.dialect
    return _DIALECTS.get(engine, "postgres")


def advise_plan(
    plan: Plan,
    *,
    query: str | None = None,
    adapter: Adapter | None = None,
    facts: SchemaFacts | None = None,
    verify: bool = True,
    calls: int | None = None,
    suggest: bool = True,
    mean_time_ms: float | None = None,
) -> list[Finding]:
    """Findings for one plan (plan rules, query rules on ``query``, verified index suggestions when an
    adapter is given), ranked.

    ``facts`` lets rules name columns, indexes and statistics; without them the adapter (when given) is
    asked for the detail of the statement's own tables, and without either, query rules that need the
    schema stay silent rather than guess. ``verify=False`` skips HypoPG even when available (the
    suggestions are then "estimated, not verified"). ``suggest=False`` skips index suggestions.
    ``calls`` (and ``mean_time_ms``, one run's time from the statement statistics) weight each finding's
    impact, so findings of different statements rank by what they save in total
    (``tui.advisor.ranking.rank_across_statements``)."""
    query = query or plan.query
    if facts is None and adapter is not None and query:
        facts = _statement_facts(adapter, query, plan.engine)
    ctx = PlanContext.build(plan, facts=facts, calls=calls, query=query, mean_time_ms=mean_time_ms)
    findings = run_rules(load_rules("plan", plan.engine), ctx)
    if query:
        from tui.advisor.merge import merge_suggestions
        from tui.advisor.querying import query_findings

        more, outcomes = query_findings(
            query,
            engine=plan.engine,
            dialect=dialect_for(plan.engine, adapter),
            facts=facts,
            plan=plan,
            adapter=adapter,
            verify=verify,
            suggest=suggest,
            calls=calls,
            mean_time_ms=mean_time_ms,
        )
        findings = merge_suggestions(findings + more, outcomes)
    if facts is not None and plan.engine == "postgresql":
        from tui.advisor.related import attach_related

        findings = attach_related(plan, facts, findings)
    return rank_findings(findings)


def advise_query(
    query: str,
    *,
    engine: str = "postgresql",
    adapter: Adapter | None = None,
    facts: SchemaFacts | None = None,
    verify: bool = True,
    calls: int | None = None,
) -> list[Finding]:
    """Query-text findings and index suggestions for a statement without a plan of its own."""
    from tui.advisor.querying import advise_query_text

    if facts is None and adapter is not None:
        facts = _statement_facts(adapter, query, engine)

    return rank_findings(
        advise_query_text(
            query,
            engine=engine,
            dialect=dialect_for(engine, adapter),
            facts=facts,
            plan=None,
            adapter=adapter,
            verify=verify,
            suggest=True,
            calls=calls,
        )
    )


def _statement_facts(adapter: Adapter, query: str, engine: str) -> SchemaFacts | None:
    """The tables of ``query`` read through the adapter, when the caller passed no SchemaFacts."""
    from tui.advisor.livefacts import facts_for_query

    return facts_for_query(adapter, query, dialect_for(engine, adapter))


def advise_schema(facts: SchemaFacts) -> list[Finding]:
    """Schema findings (FK without index, duplicate/unused/invalid indexes, no PK, bloat, sequences)."""
    return rank_findings(run_rules(load_rules("schema", facts.engine), SchemaContext.build(facts)))
