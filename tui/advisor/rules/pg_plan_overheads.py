"""Time spent outside the executor's nodes.

- ``pg.jit-overhead``: JIT compilation (``JIT → Timing → Total``) > 10 % of execution time and
  ≥ 1 ms. Fix: ``SET jit = off`` for the session (paired with ``RESET jit``), or raise
  ``jit_above_cost`` above this plan's cost so short queries are not compiled.
- ``pg.planning-time``: planning time > execution time (and ≥ 1 ms). Fix: prepared statements (the
  plan is reused), fewer partitions or joins to consider.
"""

from __future__ import annotations

from tui.advisor.context import PlanContext
from tui.advisor.registry import Rule
from tui.advisor.rules.common import pct, plan_finding, rounded
from tui.core import fmt
from tui.core.finding import Finding

JIT_ID = "pg.jit-overhead"
PLANNING_ID = "pg.planning-time"
JIT_SHARE = 0.10
MIN_MS = 1.0


def _jit_total(ctx: PlanContext) -> float | None:
    """JIT → Timing → Total in ms (the parser keeps it as ``total_ms``; raw EXPLAIN keys as a fallback)."""
    jit = ctx.plan.jit or {}
    total = jit.get("total_ms")
    if total is None:
        timing = jit.get("Timing") or jit.get("timing")
        total = timing.get("Total") if isinstance(timing, dict) else None
    return float(total) if isinstance(total, int | float) else None


def _jit_functions(ctx: PlanContext) -> int | None:
    jit = ctx.plan.jit or {}
    value = jit.get("functions", jit.get("Functions"))
    return value if isinstance(value, int) else None


def check_jit(ctx: PlanContext) -> list[Finding]:
    execution = ctx.plan.execution_time_ms
    jit_ms = _jit_total(ctx)
    if not execution or jit_ms is None or jit_ms < MIN_MS or jit_ms / execution <= JIT_SHARE:
        return []
    functions = _jit_functions(ctx)
    share = jit_ms / execution
    return [
        plan_finding(
            JIT_ID,
            "warning" if share >= 0.4 else "info",
            ctx,
            None,
            title="JIT compilation dominates",
            message=(
                f"JIT compilation took {fmt.ms(jit_ms)} of {fmt.ms(execution)} execution time ({fmt.pct(share)})"
                + (f" for {fmt.num(functions)} functions" if isinstance(functions, int) else "")
                + f"; the plan's total cost is {fmt.num(ctx.plan.total_cost, 2)}."
            ),
            reasoning=(
                "PostgreSQL compiles expressions with LLVM when the plan's cost exceeds jit_above_cost (100,000 "
                "by default); for a query that runs in milliseconds the compilation costs more than it saves."
            ),
            recommendation=(
                "Turn JIT off for this session or role, or raise jit_above_cost above "
                f"{fmt.num(ctx.plan.total_cost, 0)} so this statement is not compiled."
            ),
            evidence={
                "jit_ms": rounded(jit_ms),
                "execution_ms": rounded(execution),
                "jit_share_pct": pct(share),
                "functions": functions if isinstance(functions, int) else None,
                "cost": ctx.plan.total_cost,
            },
            ddl=["SET jit = off;"],
            rollback=["RESET jit;"],
            impact=jit_ms,
        )
    ]


def check_planning(ctx: PlanContext) -> list[Finding]:
    planning, execution = ctx.plan.planning_time_ms, ctx.plan.execution_time_ms
    if planning is None or execution is None or planning < MIN_MS or planning <= execution:
        return []
    ratio = planning / execution if execution else None
    return [
        plan_finding(
            PLANNING_ID,
            "info",
            ctx,
            None,
            title="Planning takes longer than execution",
            message=(
                f"Planning took {fmt.ms(planning)} and execution {fmt.ms(execution)} "
                + (
                    f"({fmt.factor(ratio)} the execution time)."
                    if ratio
                    else "(execution took no measurable time)."
                )
            ),
            reasoning=(
                "Every execution of an unprepared statement is planned again; for short queries the planner's "
                "search over join orders, partitions and indexes becomes the main cost."
            ),
            recommendation=(
                "Use a prepared statement (server-side PREPARE or the driver's) so the plan is reused, and check "
                "for partitions that could be pruned earlier or joins that could be removed."
            ),
            evidence={
                "planning_ms": rounded(planning),
                "execution_ms": rounded(execution),
                "planning_factor": rounded(ratio, 1) if ratio else None,
            },
            impact=planning - execution,
        )
    ]


RULES = (
    Rule(
        id=JIT_ID,
        category="plan",
        engines=("postgresql",),
        check=check_jit,
        summary="JIT time > 10 % of execution",
    ),
    Rule(
        id=PLANNING_ID,
        category="plan",
        engines=("postgresql",),
        check=check_planning,
        summary="planning time > execution time",
    ),
)
