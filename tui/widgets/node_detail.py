"""NodeDetail: everything known about one plan node — the derived numbers first (time, rows, estimate
error, cost, buffers, workers, conditions), the advisor's findings on it, then every field the engine
gave for the node, verbatim.

API: ``NodeDetail()``; ``show_node(plan, node, findings=())``; ``clear()``;
``detail_rows(plan, node, findings)`` (pure) → ``[(section, label, value)]`` for tests and reuse.
"""

from __future__ import annotations

import json
import textwrap
from collections.abc import Iterable
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from tui.core import fmt, termsafe
from tui.core.finding import Finding
from tui.core.plan import Plan, PlanNode
from tui.widgets.plan_metrics import actual_is_approximate, buffer_blocks, estimate_text, rows_text

_HIDDEN_EXTRA = {"Plans", "Plan"}  # children: shown as the tree, not as fields


def _verbatim(value: Any) -> str:
    if isinstance(value, dict | list):
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            return ", ".join(value)
        return json.dumps(value, ensure_ascii=False, separators=(", ", ": "))
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


MAX_VALUE_CHARS = 4000  # a hostile or absurd field must not stall the wrap of the detail pane


def _cap(value: str) -> str:
    if len(value) <= MAX_VALUE_CHARS:
        return value
    return f"{value[:MAX_VALUE_CHARS]}… (+{len(value) - MAX_VALUE_CHARS:,} characters; all of it in the raw view)"


def _wrap(value: str, width: int) -> list[str]:
    """Wrap on spaces where possible, hard-cut long words; keeps explicit line breaks."""
    out: list[str] = []
    for paragraph in value.split("\n") or [""]:
        out.extend(textwrap.wrap(paragraph, width, break_long_words=True, break_on_hyphens=False) or [""])
    return out


def detail_rows(plan: Plan, node: PlanNode, findings: Iterable[Finding] = ()) -> list[tuple[str, str, str]]:
    """(section, label, value) rows: "node", "numbers", "findings", "engine"."""
    rows: list[tuple[str, str, str]] = [("node", "operation", node.operation)]
    for label, value in (
        ("object", node.object),
        ("index", node.index),
        ("access type", node.access_type),
        ("role", node.role),
        ("subplan", node.subplan_name),
        ("filter", node.filter),
        ("index condition", node.index_condition),
    ):
        if value:
            rows.append(("node", label, str(value)))
    if node.never_executed:
        rows.append(("node", "executed", "never executed"))

    numbers: list[tuple[str, str]] = []
    if node.rows_estimated is not None:
        numbers.append(("est. rows per loop", rows_text(node.rows_estimated)))
    if node.rows_actual is not None:
        approx = actual_is_approximate(node)
        note = " (rounded average over loops)" if approx else ""
        numbers.append(("rows per loop", rows_text(node.rows_actual, approx) + note))
    if node.loops is not None:
        numbers.append(("loops", fmt.num(node.loops)))
    if node.rows_actual_total is not None:
        numbers.append(("rows total", rows_text(node.rows_actual_total)))
    if node.rows_removed is not None:
        numbers.append(("rows removed total", rows_text(node.rows_removed)))
    if node.estimate_factor is not None:
        words = {"under": "under-estimated", "over": "over-estimated"}.get(node.estimate_direction or "", "")
        label = estimate_text(node) or fmt.factor(node.estimate_factor)
        numbers.append(("estimate error", f"{label} {words}".strip()))
    if node.time_inclusive_ms is not None:
        numbers.append(("time inclusive", fmt.ms(node.time_inclusive_ms)))
    if node.time_exclusive_ms is not None:
        numbers.append(("time exclusive", fmt.ms(node.time_exclusive_ms)))
    if node.time_share is not None:
        numbers.append(("share of total time", fmt.pct(node.time_share)))
    if node.cost is not None:
        cost = fmt.num(node.cost, 2)
        if node.startup_cost is not None:
            cost = f"{fmt.num(node.startup_cost, 2)} .. {cost}"
        numbers.append(("cost startup..total", cost))
    if node.cost_exclusive is not None:
        numbers.append(("cost exclusive", fmt.num(node.cost_exclusive, 2)))
    blocks = buffer_blocks(node)
    if blocks is not None:
        numbers.append(("blocks exclusive", f"{fmt.num(blocks)} ({fmt.size(blocks * 8192)})"))
    for key, value in (node.buffers_exclusive or {}).items():
        if value:
            numbers.append((f"{key.replace('_', ' ')} (exclusive)", fmt.num(value)))
    if node.workers_planned is not None or node.workers_launched is not None:
        numbers.append(
            (
                "workers launched",
                f"{fmt.num(node.workers_launched)} of {fmt.num(node.workers_planned)} planned",
            )
        )
    rows.extend(("numbers", label, value) for label, value in numbers)

    for finding in findings:
        if finding.node_id is not None and finding.node_id == node.node_id:
            rows.append(("findings", finding.severity, finding.title))

    for key, value in node.extra.items():
        if key not in _HIDDEN_EXTRA:
            rows.append(("engine", key, _verbatim(value)))
    return [(section, label, _cap(value)) for section, label, value in rows]


_SECTION_TITLES = {
    "node": "Node",
    "numbers": "Derived numbers",
    "findings": "Advisor findings on this node",
    "engine": "Engine fields (verbatim)",
}


class NodeDetail(VerticalScroll):
    """A scrollable two-column table of the selected node."""

    PANE_TITLE = "Plan node detail"
    HELP = """
**Node detail** — everything known about the node under the plan tree's cursor: operation, object,
index, filter and conditions in full (the tree shortens labels that do not fit), the derived numbers
(time, rows per loop, estimate error, cost, buffers, workers), the advisor's findings on the node,
then every field the engine printed, verbatim. `↑`/`↓`, `pgup`/`pgdn` scroll; `n` goes back to the tree.
"""

    DEFAULT_CSS = """
    NodeDetail { background: $surface; padding: 0 1; }
    NodeDetail > #node-detail-body { width: 100%; }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.rows: list[tuple[str, str, str]] = []

    def compose(self) -> ComposeResult:
        yield Static("", id="node-detail-body")

    def show_node(self, plan: Plan, node: PlanNode, findings: Iterable[Finding] = ()) -> None:
        self.rows = detail_rows(plan, node, findings)
        self._render_rows()

    def on_resize(self) -> None:
        if self.rows:
            self._render_rows()

    def _render_rows(self) -> None:
        # Plain Text with hand-made hanging indents: a Rich Table re-measures every cell on each
        # cursor move, which cost ~40 ms per key press on this machine class.
        width = max(self.scrollable_content_region.width, 20)
        label_width = min(max((len(termsafe.line(label)) for _s, label, _v in self.rows), default=8), 22)
        stacked = width - label_width - 1 < 20  # too narrow for two columns: value under its label
        value_width = width - 2 if stacked else width - label_width - 1
        text = Text()
        section = ""
        for current, raw_label, raw_value in self.rows:
            # Names, expressions and engine fields come from a server or a file.
            label, value = termsafe.line(raw_label), termsafe.block(raw_value)
            if current != section:
                if section:
                    text.append("\n")
                text.append(_SECTION_TITLES[current] + "\n", style="bold")
                section = current
            style = (
                {"critical": "bold red", "warning": "yellow"}.get(label, "") if current == "findings" else ""
            )
            lines = _wrap(value, value_width)
            if stacked:
                text.append(label + "\n", style="dim")
                for line in lines:
                    text.append("  " + line + "\n", style=style)
                continue
            text.append(label[:label_width].ljust(label_width) + " ", style="dim")
            text.append(lines[0] + "\n", style=style)
            for line in lines[1:]:
                text.append(" " * (label_width + 1) + line + "\n", style=style)
        text.rstrip()
        self.query_one("#node-detail-body", Static).update(text)

    def clear(self) -> None:
        self.rows = []
        self.query_one("#node-detail-body", Static).update("")
