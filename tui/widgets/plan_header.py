"""PlanHeader: the plan-level facts a DBA reads first — engine and format, planning and execution
time, total cost, node count, JIT, triggers, non-default settings and what the parser could not read.

API: ``PlanHeader()``; ``show_plan(plan, alternatives=0)``; ``show_empty(text)``; ``header_text(plan)`` (pure, Rich
Text) for reuse elsewhere.
"""

from __future__ import annotations

import json
from typing import Any

from rich.text import Text
from textual.widgets import Static

from tui.core import fmt
from tui.core.plan import Plan
from tui.widgets.safetext import append_safe, safe_text

_ENGINE_NAMES = {"postgresql": "PostgreSQL", "mysql": "MySQL", "mariadb": "MariaDB", "mongodb": "MongoDB"}


def _value(value: Any) -> str:
    if isinstance(value, dict | list):
        return json.dumps(value, separators=(", ", ": "), ensure_ascii=False)
    if isinstance(value, float):
        return fmt.smart(value)
    return str(value)


def _jit_text(jit: dict[str, Any]) -> str:
    parts = []
    if "Functions" in jit:
        parts.append(f"{fmt.num(jit['Functions'])} functions")
    timing = jit.get("Timing")
    if isinstance(timing, dict):
        total = timing.get("Total")
        if isinstance(total, int | float):
            parts.append(f"total {fmt.ms(total)}")
        for key in ("Generation", "Inlining", "Optimization", "Emission"):
            value = timing.get(key)
            if isinstance(value, int | float):
                parts.append(f"{key.lower()} {fmt.ms(value)}")
            elif isinstance(value, dict) and isinstance(value.get("Total"), int | float):
                parts.append(f"{key.lower()} {fmt.ms(value['Total'])}")
    options = jit.get("Options")
    if isinstance(options, dict):
        enabled = [name.lower() for name, on in options.items() if on]
        if enabled:
            parts.append("options: " + ", ".join(enabled))
    return " · ".join(parts) if parts else _value(jit)


def _trigger_text(trigger: dict[str, Any]) -> str:
    name = trigger.get("Trigger Name") or trigger.get("name") or "trigger"
    relation = trigger.get("Relation") or trigger.get("relation")
    time = trigger.get("Time") if "Time" in trigger else trigger.get("time")
    calls = trigger.get("Calls") if "Calls" in trigger else trigger.get("calls")
    text = str(name)
    if relation:
        text += f" on {relation}"
    if isinstance(time, int | float):
        text += f": {fmt.ms(time)}"
    if isinstance(calls, int | float):
        text += f" × {fmt.num(calls)} calls"
    return text


def header_text(plan: Plan, alternatives: int = 0) -> Text:
    """The header lines as Rich Text (first line always; others only when the plan has them).
    ``alternatives``: how many rejected/candidate plans ``p`` can show (MongoDB)."""
    engine = _ENGINE_NAMES.get(plan.engine, plan.engine)
    kind = "EXPLAIN ANALYZE" if plan.analyzed else "EXPLAIN"
    nodes = sum(1 for _ in plan.nodes())
    first = Text()
    first.append(f"{engine} ", style="bold")
    append_safe(first, f"{kind} ({plan.format})")
    facts = []
    if plan.planning_time_ms is not None:
        facts.append(("planning", fmt.ms(plan.planning_time_ms)))
    if plan.execution_time_ms is not None:
        facts.append(("execution", fmt.ms(plan.execution_time_ms)))
    total_cost = plan.total_cost if plan.total_cost is not None else plan.root.cost
    if total_cost is not None:
        facts.append(("total cost", fmt.num(total_cost, 2)))
    facts.append(("nodes", fmt.num(nodes)))
    for label, value in facts:
        first.append(" · ", style="dim")
        first.append(f"{label} ")
        first.append(value, style="bold")
    lines = [first]
    if plan.jit:
        lines.append(append_safe(Text.assemble(("JIT ", "bold")), _jit_text(plan.jit)))
    if plan.triggers:
        lines.append(
            append_safe(
                Text.assemble(("Triggers ", "bold")), "; ".join(_trigger_text(t) for t in plan.triggers)
            )
        )
    if plan.settings:
        settings = ", ".join(f"{key}={_value(value)}" for key, value in plan.settings.items())
        lines.append(append_safe(Text.assemble(("Settings ", "bold")), settings))
    for warning in plan.warnings:
        lines.append(safe_text(f"Note: {warning}", "italic"))
    if alternatives:
        rejected = len(plan.header.get("rejected_plans") or [])
        candidates = len(plan.header.get("candidate_plans") or [])
        parts = [f"{fmt.num(rejected)} rejected"] if rejected else []
        if candidates:
            parts.append(f"{fmt.num(candidates)} candidate (trial run)")
        lines.append(Text.assemble(("Other plans ", "bold"), ", ".join(parts) + " — p shows them in turn"))
    return Text("\n").join(lines)


class PlanHeader(Static):
    """One to a few lines above the plan tree."""

    DEFAULT_CSS = """
    PlanHeader { height: auto; max-height: 6; padding: 0 1; background: $panel; }
    """

    def show_plan(self, plan: Plan, alternatives: int = 0) -> None:
        self.update(header_text(plan, alternatives))

    def show_empty(self, text: str) -> None:
        self.update(safe_text(text, "italic", multiline=True))
