"""Plans for scripts and people: the stable JSON of DESIGN.md §4, a readable text tree with box-drawing
guides, and markdown — each with the same numbers per node (time exclusive/inclusive and share, rows
estimated vs actual with the misestimate factor, loops, cost, rows removed, buffers) and the findings.

Every walk here is iterative, so plans of any depth render.
"""

from __future__ import annotations

import json
import math
from typing import Any

from tui.core import fmt, termsafe
from tui.core.finding import Finding
from tui.core.plan import Plan, PlanNode

NODE_KEYS = (
    "operation",
    "object",
    "index",
    "rows_estimated",
    "rows_actual",
    "loops",
    "time_inclusive_ms",
    "time_exclusive_ms",
    "cost",
    "children",
)
ENGINE_NAMES = {"postgresql": "PostgreSQL", "mysql": "MySQL", "mariadb": "MariaDB", "mongodb": "MongoDB"}
_BUFFER_LABELS = (
    ("shared_hit", "shared hit"),
    ("shared_read", "shared read"),
    ("shared_dirtied", "shared dirtied"),
    ("shared_written", "shared written"),
    ("local_hit", "local hit"),
    ("local_read", "local read"),
    ("local_dirtied", "local dirtied"),
    ("local_written", "local written"),
    ("temp_read", "temp read"),
    ("temp_written", "temp written"),
)
_IO_LABELS = (
    ("io_read_ms", "I/O read"),
    ("io_write_ms", "I/O write"),
    ("temp_io_read_ms", "temp I/O read"),
    ("temp_io_write_ms", "temp I/O write"),
)


# -- JSON ---------------------------------------------------------------------------------------------
def json_number(value: Any) -> int | float | None:
    """Numbers for the public JSON: NaN and ±Infinity become null, bools and non-numbers too."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _json_text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _node_dict(node: PlanNode) -> dict[str, Any]:
    return {
        "operation": node.operation,
        "object": _json_text(node.object),
        "index": _json_text(node.index),
        "rows_estimated": json_number(node.rows_estimated),
        "rows_actual": json_number(node.rows_actual),
        "loops": json_number(node.loops),
        "time_inclusive_ms": json_number(node.time_inclusive_ms),
        "time_exclusive_ms": json_number(node.time_exclusive_ms),
        "cost": json_number(node.cost),
        "children": [],
    }


def plan_to_json(plan: Plan) -> dict[str, Any]:
    """The plan tree as DESIGN.md §4 Nodes: one Node per plan node, exactly the documented keys."""
    root = _node_dict(plan.root)
    stack: list[tuple[PlanNode, dict[str, Any]]] = [(plan.root, root)]
    while stack:
        node, out = stack.pop()
        for child in node.children:
            child_out = _node_dict(child)
            out["children"].append(child_out)
            stack.append((child, child_out))
    return root


def sanitize_json(value: Any) -> Any:
    """A copy of ``value`` where non-finite floats are null (for findings' evidence), iteratively."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if not isinstance(value, dict | list | tuple):
        return value
    root: Any = {} if isinstance(value, dict) else []
    stack: list[tuple[Any, Any]] = [(value, root)]
    while stack:
        source, target = stack.pop()
        items = source.items() if isinstance(source, dict) else enumerate(source)
        for key, item in items:
            if isinstance(item, float) and not math.isfinite(item):
                item = None
            elif isinstance(item, dict | list | tuple):
                copy: Any = {} if isinstance(item, dict) else []
                stack.append((item, copy))
                item = copy
            if isinstance(target, dict):
                target[key] = item
            else:
                target.append(item)
    return root


def _alternatives(plan: Plan) -> list[Plan]:
    """MongoDB's rejected and candidate plans (other engines print none)."""
    if plan.engine != "mongodb":
        return []
    from tui.plans.mongo import alternative_plans

    return alternative_plans(plan)


def plan_document(plan: Plan, findings: list[Finding]) -> dict[str, Any]:
    """``{"engine", "plan", "findings", "warnings", "detection"}`` — what ``dbscope plan`` / ``explain``
    print as JSON (``warnings``: lines not understood, each naming its line; ``detection``: the format the
    input was read as and why). A MongoDB
    explain that lists them adds ``"rejected_plans"`` (queryPlanner.rejectedPlans) and
    ``"candidate_plans"`` (executionStats.allPlansExecution): lists of Nodes of the same shape."""
    document: dict[str, Any] = {
        "engine": plan.engine,
        "plan": plan_to_json(plan),
        "findings": [sanitize_json(f.to_json()) for f in findings],
        "warnings": list(plan.warnings),
        "detection": plan.detection or None,
    }
    for key, kind in (("rejected_plans", "rejected plan"), ("candidate_plans", "candidate plan")):
        trees = [plan_to_json(alt) for alt in _alternatives(plan) if alt.header["variant"].startswith(kind)]
        if trees:
            document[key] = trees
    return document


def dumps(document: Any) -> str:
    """JSON text as the CLI prints it (indent 2, UTF-8 kept, never NaN/Infinity, terminal-safe)."""
    text = json.dumps(document, indent=2, ensure_ascii=False, allow_nan=False, default=str)
    return termsafe.json_text(text)  # C1, bidi and format characters as \u escapes: the same JSON


# -- shared formatting ----------------------------------------------------------------------------------
def _rows(value: float | None) -> str:
    return fmt.smart(value)


def _title(node: PlanNode) -> str:
    text = f"#{node.node_id} "
    if node.subplan_name and node.role in ("InitPlan", "SubPlan", "CTE"):
        text += f"[{node.subplan_name}] "
    text += node.label
    if node.never_executed:
        text += " (never executed)"
    return text


def _time_part(node: PlanNode) -> str | None:
    if node.time_inclusive_ms is None:
        return None
    text = f"time {fmt.ms(node.time_exclusive_ms)} excl · {fmt.ms(node.time_inclusive_ms)} incl"
    if node.time_share is not None:
        text += f" ({fmt.pct(node.time_share)} of total)"
    return text


def _rows_part(node: PlanNode) -> str | None:
    if node.rows_actual is None and node.rows_estimated is None:
        return None
    if node.rows_actual is None:
        return f"rows {_rows(node.rows_estimated)} est"
    approx = "~" if (node.loops or 0) > 1 and isinstance(node.rows_actual, int) else ""
    text = f"rows {approx}{_rows(node.rows_actual)} actual"
    if node.rows_estimated is not None:
        text += f" vs {_rows(node.rows_estimated)} est"
    if node.estimate_factor is not None and node.estimate_direction:
        text += f" ({fmt.factor(node.estimate_factor)} {node.estimate_direction}estimated)"
    if node.loops is not None and node.loops != 1:
        text += f" · loops {fmt.num(node.loops)} ({approx}{_rows(node.rows_actual_total)} rows in total)"
    return text


def _cost_part(node: PlanNode) -> str | None:
    if node.cost is None:
        return None
    text = f"cost {fmt.smart(node.cost)}"
    if node.cost_exclusive is not None and node.cost_exclusive != node.cost:
        text += f" (excl {fmt.smart(node.cost_exclusive)})"
    return text


def _buffers_part(node: PlanNode) -> str | None:
    if not node.buffers:
        return None
    parts = []
    for key, label in _BUFFER_LABELS:
        incl = node.buffers.get(key)
        if not incl:
            continue
        excl = node.buffers_exclusive.get(key, incl)
        parts.append(f"{label} {fmt.num(excl)}" + (f" (incl {fmt.num(incl)})" if excl != incl else ""))
    for key, label in _IO_LABELS:
        incl = node.buffers.get(key)
        if incl:
            parts.append(f"{label} {fmt.ms(node.buffers_exclusive.get(key, incl))}")
    if not parts:
        return None
    return "buffers " + ", ".join(parts)


def _extra_parts(node: PlanNode) -> list[str]:
    parts: list[str] = []
    if node.rows_removed:
        parts.append(f"removed {fmt.num(node.rows_removed)} rows by filter/recheck")
    if node.workers_planned is not None:
        launched = "?" if node.workers_launched is None else fmt.num(node.workers_launched)
        parts.append(f"workers {launched} launched of {fmt.num(node.workers_planned)} planned")
    extra = node.extra
    method = extra.get("Sort Method")
    if isinstance(method, str):
        space = extra.get("Sort Space Used")
        kind = extra.get("Sort Space Type")
        text = f"sort {method}"
        if isinstance(space, int | float) and not isinstance(space, bool):
            text += f", {fmt.size(space * 1024)} {str(kind).lower() if kind else ''}".rstrip()
        parts.append(text)
    batches = extra.get("Hash Batches") or extra.get("HashAgg Batches")
    if isinstance(batches, int) and not isinstance(batches, bool) and batches > 1:
        parts.append(f"{fmt.num(batches)} batches (spilled to disk)")
    lossy = extra.get("Lossy Heap Blocks")
    if isinstance(lossy, int) and not isinstance(lossy, bool) and lossy > 0:
        parts.append(f"{fmt.num(lossy)} lossy heap blocks")
    fetches = extra.get("Heap Fetches")
    if isinstance(fetches, int) and not isinstance(fetches, bool) and fetches > 0:
        parts.append(f"{fmt.num(fetches)} heap fetches")
    if node.filter:
        parts.append(f"filter {node.filter}")
    if node.index_condition:
        parts.append(f"index cond {node.index_condition}")
    return parts


def node_detail_lines(node: PlanNode) -> list[str]:
    """The numbers of one node as short lines (time, rows, cost, buffers, the rest)."""
    first = [p for p in (_time_part(node), _rows_part(node), _cost_part(node)) if p]
    lines = [" · ".join(first)] if first else []
    buffers = _buffers_part(node)
    if buffers:
        lines.append(buffers)
    extra = _extra_parts(node)
    if extra:
        lines.append(" · ".join(extra))
    return lines


def _header_lines(plan: Plan) -> list[str]:
    engine = ENGINE_NAMES.get(plan.engine, plan.engine)
    head = f"{engine} plan ({plan.format}{', analyzed' if plan.analyzed else ', estimates only'})"
    numbers = []
    if plan.planning_time_ms is not None:
        numbers.append(f"planning {fmt.ms(plan.planning_time_ms)}")
    if plan.execution_time_ms is not None:
        numbers.append(f"execution {fmt.ms(plan.execution_time_ms)}")
    elif plan.root.time_inclusive_ms is not None:
        numbers.append(f"total {fmt.ms(plan.root.time_inclusive_ms)}")
    if plan.total_cost is not None:
        numbers.append(f"total cost {fmt.smart(plan.total_cost)}")
    lines = [head + (" — " + ", ".join(numbers) if numbers else "")]
    if plan.jit:
        lines.append("JIT: " + _jit_text(plan.jit))
    if plan.settings:
        lines.append("Settings: " + ", ".join(f"{k} = {v}" for k, v in sorted(plan.settings.items())))
    for trigger in plan.triggers:
        name = trigger.get("name") or "?"
        where = f" on {trigger['relation']}" if trigger.get("relation") else ""
        lines.append(
            f"Trigger {name}{where}: {fmt.ms(trigger.get('time_ms'))}, {fmt.num(trigger.get('calls'))} calls"
        )
    planning = plan.header.get("Planning")
    if isinstance(planning, dict):
        parts = [
            f"{label} {fmt.num(planning[key])}"
            for key, label in (
                ("Shared Hit Blocks", "shared hit"),
                ("Shared Read Blocks", "shared read"),
                ("Temp Read Blocks", "temp read"),
                ("Temp Written Blocks", "temp written"),
            )
            if isinstance(planning.get(key), int) and planning[key]
        ]
        for key, label in (("Memory Used", "memory used"), ("Memory Allocated", "allocated")):
            if isinstance(planning.get(key), int | float):
                parts.append(f"{label} {fmt.size(planning[key] * 1024)}")
        if parts:
            lines.append("Planning: " + ", ".join(parts))
    serialization = plan.header.get("Serialization")
    if isinstance(serialization, dict):
        time_ms = serialization.get("Time")
        volume = serialization.get("Output Volume")
        parts = []
        if isinstance(time_ms, int | float):
            parts.append(fmt.ms(time_ms))
        if isinstance(volume, int | float):
            parts.append(fmt.size(volume * 1024))
        if isinstance(serialization.get("Format"), str):
            parts.append(f"format {serialization['Format']}")
        if parts:
            lines.append("Serialization: " + ", ".join(parts))
    if plan.detection:
        lines.append(f"Input: {plan.detection}")
    lines.extend(f"Note: {warning}" for warning in plan.warnings)
    return lines


def _jit_text(jit: dict[str, Any]) -> str:
    parts = []
    if jit.get("functions") is not None:
        parts.append(f"{fmt.num(jit['functions'])} functions")
    timing = jit.get("timing") or {}
    if timing:
        total = timing.get("Total")
        steps = ", ".join(f"{k.lower()} {fmt.ms(v)}" for k, v in timing.items() if k != "Total")
        parts.append(f"{fmt.ms(total)} total" + (f" ({steps})" if steps else ""))
    options = jit.get("options") or {}
    if options:
        parts.append("options " + ", ".join(f"{k} {str(v).lower()}" for k, v in options.items()))
    return "; ".join(parts)


def findings_text(findings: list[Finding], plain: bool) -> str:
    try:
        from tui.advisor.voice import render_findings_text
    except ImportError:  # the voice is part of the advisor; a trimmed build still prints the facts
        return _plain_findings(findings)
    return render_findings_text(findings, plain=plain)


def findings_markdown(findings: list[Finding]) -> str:
    try:
        from tui.advisor.voice import render_findings_markdown
    except ImportError:
        return _plain_findings(findings)
    return render_findings_markdown(findings)


def _plain_findings(findings: list[Finding]) -> str:
    if not findings:
        return "No findings."
    lines = []
    for finding in findings:
        lines.append(f"{finding.severity.upper()}  {finding.title} [{finding.rule}]")
        lines.append(f"  {finding.message}")
        lines.extend(f"  {statement}" for statement in finding.ddl)
    return "\n".join(lines)


# -- text ----------------------------------------------------------------------------------------------
def render_tree_text(plan: Plan) -> str:
    """The indented tree with ├─ └─ │ guides and each node's numbers under its title."""
    hottest = plan.hottest()
    lines: list[str] = []
    # (node, prefix for the title line, prefix for the lines under it)
    stack: list[tuple[PlanNode, str, str]] = [(plan.root, "", "")]
    while stack:
        node, title_prefix, body_prefix = stack.pop()
        title = _title(node)
        if node is hottest and len(plan.root.children) > 0:
            title += "   ◀ hottest"
        lines.append(title_prefix + title)
        guide = "│  " if node.children else "   "
        lines.extend(body_prefix + guide + " " + detail for detail in node_detail_lines(node))
        count = len(node.children)
        for i in range(count - 1, -1, -1):
            last = i == count - 1
            stack.append(
                (
                    node.children[i],
                    body_prefix + ("└─ " if last else "├─ "),
                    body_prefix + ("   " if last else "│  "),
                )
            )
    return "\n".join(lines)


def render_alternatives_text(plan: Plan) -> str | None:
    """MongoDB's rejected and candidate plans, each as a tree under its label; None when there are none."""
    blocks = [
        f"{alt.header['variant'].capitalize()} — {alt.warnings[0].split(': ', 1)[1]}\n{render_tree_text(alt)}"
        for alt in _alternatives(plan)
    ]
    return "\n\n".join(blocks) if blocks else None


def render_plan_text(plan: Plan, findings: list[Finding], plain: bool = False) -> str:
    """Header, the tree, rejected/candidate plans (MongoDB), then the findings (in the advisor's voice
    unless ``plain``)."""
    parts = ["\n".join(_header_lines(plan)), render_tree_text(plan)]
    if plan.query:
        parts.insert(1, "Query: " + " ".join(plan.query.split()))
    alternatives = render_alternatives_text(plan)
    if alternatives:
        parts.append(alternatives)
    parts.append(findings_text(findings, plain))
    return "\n\n".join(parts) + "\n"


# -- markdown --------------------------------------------------------------------------------------------
def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_plan_markdown(plan: Plan, findings: list[Finding]) -> str:
    """A report: header facts as bullets, one table row per node (tree guides in the first column),
    then the findings."""
    engine = ENGINE_NAMES.get(plan.engine, plan.engine)
    header = _header_lines(plan)
    out = [f"# {engine} plan", ""]
    out += [f"- {_md(line)}" for line in header]
    if plan.query:
        out += ["", "```sql", plan.query.strip(), "```"]
    out += [
        "",
        "| Node | Time excl | Time incl | Share | Rows actual | Rows est | Estimate | Loops | Cost | Removed | Buffers |",
        "|---|---:|---:|---:|---:|---:|---|---:|---:|---:|---|",
    ]
    stack: list[tuple[PlanNode, int]] = [(plan.root, 0)]
    while stack:
        node, depth = stack.pop()
        prefix = "\u00a0\u00a0" * (depth - 1) + "└ " if depth else ""
        estimate = (
            f"{fmt.factor(node.estimate_factor)} {node.estimate_direction}"
            if node.estimate_factor is not None and node.estimate_direction
            else ""
        )
        buffers = _buffers_part(node) or ""
        cells = [
            prefix + _title(node),
            fmt.ms(node.time_exclusive_ms) if node.time_exclusive_ms is not None else "",
            fmt.ms(node.time_inclusive_ms) if node.time_inclusive_ms is not None else "",
            fmt.pct(node.time_share) if node.time_share is not None else "",
            _rows(node.rows_actual) if node.rows_actual is not None else "",
            _rows(node.rows_estimated) if node.rows_estimated is not None else "",
            estimate,
            fmt.num(node.loops) if node.loops is not None else "",
            fmt.smart(node.cost) if node.cost is not None else "",
            fmt.num(node.rows_removed) if node.rows_removed else "",
            buffers.removeprefix("buffers "),
        ]
        out.append("| " + " | ".join(_md(cell) for cell in cells) + " |")
        stack.extend((child, depth + 1) for child in reversed(node.children))
    alternatives = render_alternatives_text(plan)
    if alternatives:
        out += ["", "## Rejected and candidate plans", "", "```", alternatives, "```"]
    out += ["", "## Findings", "", findings_markdown(findings).rstrip(), ""]
    return "\n".join(out)
