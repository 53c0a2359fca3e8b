"""What a plan row shows and how loud it is: the metric switch, bar fractions and colour levels.

No Textual here, so the arithmetic is unit-testable. Thresholds are the anchors' (depesz/pgAdmin,
PEV2; plans-and-advisors.md §1.1–1.2, §1.8):
- share of the metric's total (time, cost, buffers): > 10 % level 1 (yellow), > 50 % level 2
  (orange), > 90 % level 3 (red);
- estimate error factor (per loop, max(actual/estimated, estimated/actual)): > 10× / > 100× / > 1000×;
- MySQL/MariaDB access type, as Workbench colours it: ALL red, index/range orange, ref/eq_ref/const/
  system green (``access_level``: 3 bad, 2 medium, 0 neutral, -1 good).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from tui.core import fmt
from tui.core.plan import Plan, PlanNode
from tui.plans.mysql_common import ACCESS_TYPES

METRICS = ("time", "rows", "cost", "buffers", "estimate")
METRIC_TITLES = {
    "time": "self time",
    "rows": "rows",
    "cost": "self cost",
    "buffers": "buffers",
    "estimate": "misestimate",
}
SHARE_THRESHOLDS = (0.10, 0.50, 0.90)
FACTOR_THRESHOLDS = (10.0, 100.0, 1000.0)

# MySQL Workbench Visual Explain colours of an access type (tui.plans.mysql_common.ACCESS_TYPES) as the
# tree's levels: red (ALL, index) 3, orange (range, subquery lookups) 2, yellow (fulltext) 1, green and
# blue (key lookups, index merge, constants) -1 — the theme has no blue, both read as "cheap".
_WORKBENCH_LEVELS = {"red": 3, "orange": 2, "yellow": 1, "green": -1, "blue": -1}
_ACCESS_LEVELS = {name.lower(): _WORKBENCH_LEVELS[colour] for name, (_label, colour) in ACCESS_TYPES.items()}
_BUFFER_KEYS = ("shared_hit", "shared_read", "local_hit", "local_read", "temp_read", "temp_written")


def share_level(fraction: float | None) -> int:
    """0..3 for a share of the total (0.1 / 0.5 / 0.9 thresholds, strictly greater)."""
    if fraction is None:
        return 0
    return sum(1 for limit in SHARE_THRESHOLDS if fraction > limit)


def factor_level(factor: float | None) -> int:
    """0..3 for an estimate error factor (10× / 100× / 1000×, strictly greater)."""
    if factor is None:
        return 0
    return sum(1 for limit in FACTOR_THRESHOLDS if factor > limit)


def access_level(access_type: str | None) -> int:
    """Workbench colouring of a MySQL access type: 3 red, 2 orange, 1 yellow, 0 plain, -1 green."""
    if not access_type:
        return 0
    return _ACCESS_LEVELS.get(access_type.lower(), 0)


def buffer_blocks(node: PlanNode) -> float | None:
    """Exclusive blocks touched by this node (shared/local hit + read, temp read + written)."""
    source = node.buffers_exclusive or {}
    values = [source[key] for key in _BUFFER_KEYS if key in source]
    return float(sum(values)) if values else None


def rows_produced(node: PlanNode, analyzed: bool) -> float | None:
    """Rows the node produced over all loops (estimated × loops when not analyzed)."""
    if analyzed and node.rows_actual_total is not None:
        return node.rows_actual_total
    if analyzed and node.rows_actual is not None:
        return node.rows_actual * (node.loops or 1)
    if node.rows_estimated is not None:
        return node.rows_estimated * (node.loops or 1)
    return None


@dataclass(slots=True)
class MetricScale:
    """Per-plan denominators, computed once per plan so a row costs no walk of the tree."""

    total_time: float | None
    total_cost: float | None
    max_rows: float | None
    total_buffers: float | None
    max_factor: float | None

    @classmethod
    def of(cls, plan: Plan) -> MetricScale:
        nodes = list(plan.nodes())
        rows = [v for n in nodes if (v := rows_produced(n, plan.analyzed)) is not None]
        blocks = [v for n in nodes if (v := buffer_blocks(n)) is not None]
        factors = [
            n.estimate_factor
            for n in nodes
            if n.estimate_factor is not None and math.isfinite(n.estimate_factor)
        ]
        total_cost = plan.root.cost if plan.root.cost is not None else plan.total_cost
        return cls(
            total_time=plan.total_time_ms if plan.analyzed else None,
            total_cost=total_cost,
            max_rows=max(rows) if rows else None,
            total_buffers=sum(blocks) if blocks else None,
            max_factor=max(factors) if factors else None,
        )

    def available(self, metric: str) -> bool:
        return {
            "time": bool(self.total_time),
            "rows": self.max_rows is not None,
            "cost": bool(self.total_cost),
            "buffers": bool(self.total_buffers),
            "estimate": self.max_factor is not None,
        }[metric]


def metric_value(node: PlanNode, metric: str, analyzed: bool) -> float | None:
    if metric == "time":
        return node.time_exclusive_ms
    if metric == "rows":
        return rows_produced(node, analyzed)
    if metric == "cost":
        return node.cost_exclusive
    if metric == "buffers":
        return buffer_blocks(node)
    return node.estimate_factor


def metric_fraction(node: PlanNode, metric: str, scale: MetricScale, analyzed: bool) -> float | None:
    """How full the bar is (0..1): a share of the total for time/cost/buffers, of the largest row
    count for rows, and log10(factor)/3 for the estimate (1,000× fills it)."""
    value = metric_value(node, metric, analyzed)
    if value is None:
        return None
    if metric == "time":
        if node.time_share is not None:
            return max(0.0, min(node.time_share, 1.0))
        denominator = scale.total_time
    elif metric == "rows":
        denominator = scale.max_rows
    elif metric == "cost":
        denominator = scale.total_cost
    elif metric == "buffers":
        denominator = scale.total_buffers
    else:
        if math.isinf(value):
            return 1.0
        return max(0.0, min(math.log10(max(value, 1.0)) / 3.0, 1.0))
    if not denominator:
        return None
    return max(0.0, min(value / denominator, 1.0))


def metric_level(node: PlanNode, metric: str, fraction: float | None) -> int:
    """Colour level of the bar: thresholds on the share (time, cost, buffers) or on the factor."""
    if metric == "estimate":
        return factor_level(node.estimate_factor)
    if metric == "rows":
        return 0  # many rows are not a problem by themselves; the estimate column says more
    return share_level(fraction)


def metric_text(node: PlanNode, metric: str, analyzed: bool) -> str:
    value = metric_value(node, metric, analyzed)
    if value is None:
        return "–"
    if metric == "time":
        return fmt.ms(value)
    if metric == "cost":
        return fmt.smart(value)
    if metric == "estimate":
        return fmt.factor(value)
    return fmt.num(value)


def rows_text(value: float | None, approximate: bool = False) -> str:
    """Row counts with thousands separators; fractional per-loop rows (PostgreSQL 18) keep 2 decimals."""
    if value is None:
        return "–"
    text = fmt.num(value) if float(value).is_integer() or abs(value) >= 100 else fmt.num(value, 2)
    return f"~{text}" if approximate else text


def actual_is_approximate(node: PlanNode) -> bool:
    """PEV2's "~": per-loop actual rows averaged over several loops and printed as a rounded integer
    (PostgreSQL before 18), so the true total is only approximately rows × loops."""
    if node.rows_actual is None or node.loops is None or node.loops <= 1:
        return False
    return float(node.rows_actual).is_integer()


def estimate_text(node: PlanNode) -> str:
    """``12×↑`` (under-estimated: more rows than planned) / ``12×↓`` (over-estimated)."""
    if node.estimate_factor is None or node.estimate_factor < 1.05:
        return ""  # on target: nothing to see
    arrow = {"under": "↑", "over": "↓"}.get(node.estimate_direction or "", "")
    return fmt.factor(node.estimate_factor) + arrow


def bar_cells(fraction: float | None, width: int) -> tuple[str, int]:
    """A bar of ``width`` cells with 1/8 resolution; returns (text, filled cells rounded up)."""
    if fraction is None or width <= 0:
        return " " * max(width, 0), 0
    eighths = round(max(0.0, min(fraction, 1.0)) * width * 8)
    if fraction > 0 and eighths == 0:
        eighths = 1  # something non-zero never looks like nothing
    full, part = divmod(eighths, 8)
    text = "█" * full + (" ▏▎▍▌▋▊▉"[part] if part else "")
    return text.ljust(width), full + (1 if part else 0)
