"""``pg.workers-not-launched``: a Gather / Gather Merge that launched fewer parallel workers than it
planned (``Workers Launched`` < ``Workers Planned``). The pool is ``max_parallel_workers`` within
``max_worker_processes``; when it is exhausted by concurrent queries the plan runs with fewer
processes than it was costed for. Severity: warning when none launched, info otherwise. No DDL: the
settings are server-wide (one needs a restart), so the finding names them with their current values.
"""

from __future__ import annotations

from tui.advisor.context import PlanContext
from tui.advisor.registry import Rule
from tui.advisor.rules.common import pct, plan_finding, rounded
from tui.core import fmt
from tui.core.finding import Finding

RULE_ID = "pg.workers-not-launched"
_SETTINGS = ("max_parallel_workers", "max_worker_processes", "max_parallel_workers_per_gather")


def check(ctx: PlanContext) -> list[Finding]:
    out: list[Finding] = []
    if not ctx.plan.analyzed:
        return out
    for node in ctx.plan.nodes():
        planned, launched = node.workers_planned, node.workers_launched
        if planned is None or launched is None or launched >= planned or node.never_executed:
            continue
        values = {}
        for name in _SETTINGS:
            value = ctx.plan.settings.get(name)
            if value is None and ctx.facts is not None:
                value = ctx.facts.settings.get(name)
            values[name] = value
        known = ", ".join(f"{k} = {v}" for k, v in values.items() if v is not None)
        out.append(
            plan_finding(
                RULE_ID,
                "warning" if launched == 0 else "info",
                ctx,
                node,
                title="Parallel workers not launched",
                message=(
                    f"The {node.operation} (node {node.node_id}) planned {fmt.num(planned)} workers and launched "
                    f"{fmt.num(launched)}; its subtree took {fmt.ms(node.time_inclusive_ms)}"
                    + (
                        f" ({fmt.pct(node.time_inclusive_ms / ctx.plan.total_time_ms)} of execution time)"
                        if ctx.plan.total_time_ms and node.time_inclusive_ms is not None
                        else ""
                    )
                    + "."
                ),
                reasoning=(
                    "Workers come from a server-wide pool (max_parallel_workers, itself within "
                    "max_worker_processes); when concurrent queries hold them, this plan runs with "
                    f"{fmt.num(launched + 1)} of the {fmt.num(planned + 1)} processes it was costed for."
                ),
                recommendation=(
                    "Check how many parallel workers are busy at this time of day (pg_stat_activity, "
                    "backend_type = 'parallel worker') and raise max_parallel_workers"
                    " (max_worker_processes needs a restart) if the CPUs have room"
                    + (f"; now {known}" if known else "; their current values are unknown here")
                    + "."
                ),
                evidence={
                    "workers_planned": planned,
                    "workers_launched": launched,
                    "time_ms": rounded(node.time_inclusive_ms),
                    "time_share_pct": pct(node.time_inclusive_ms / ctx.plan.total_time_ms)
                    if ctx.plan.total_time_ms and node.time_inclusive_ms is not None
                    else None,
                },
                impact=(node.time_inclusive_ms or 0.0) * (planned - launched) / (planned + 1),
            )
        )
    return out


RULES = (
    Rule(
        id=RULE_ID,
        category="plan",
        engines=("postgresql",),
        check=check,
        summary="Gather with Workers Launched < Workers Planned",
    ),
)
