"""Plan diff: what changed between two plans of the same statement (before/after an index, a setting,
a rewrite). A pure function over two Plans, rendered by the UI, the text output and the markdown
report alike.

Matching: the roots are paired; then, recursively, each child of the "after" node is paired with the
unmatched "before" child that shares the most (same relation +2, same operation +1, same position
+0.5; at least one of relation or operation must agree). Nodes left over are "removed" (before only)
or "added" (after only); a removed and an added node on the same relation are then paired as
"changed" (a Seq Scan on orders that became an Index Scan on orders, deeper in the tree).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from tui.core import fmt
from tui.core.plan import Plan, PlanNode


@dataclass(slots=True)
class NodeChange:
    status: str  # "same" | "changed" | "added" | "removed"
    before: PlanNode | None
    after: PlanNode | None
    depth: int
    changes: list[str] = field(default_factory=list)  # "operation Seq Scan → Index Scan", …

    @property
    def label_before(self) -> str:
        return self.before.label if self.before else ""

    @property
    def label_after(self) -> str:
        return self.after.label if self.after else ""

    @property
    def cost_before(self) -> float | None:
        return self.before.cost if self.before else None

    @property
    def cost_after(self) -> float | None:
        return self.after.cost if self.after else None

    @property
    def cost_delta(self) -> float | None:
        if self.cost_before is None or self.cost_after is None:
            return None
        return self.cost_after - self.cost_before

    @property
    def rows_before(self) -> float | None:
        return _rows(self.before)

    @property
    def rows_after(self) -> float | None:
        return _rows(self.after)

    @property
    def rows_delta(self) -> float | None:
        if self.rows_before is None or self.rows_after is None:
            return None
        return self.rows_after - self.rows_before

    @property
    def time_before_ms(self) -> float | None:
        return self.before.time_inclusive_ms if self.before else None

    @property
    def time_after_ms(self) -> float | None:
        return self.after.time_inclusive_ms if self.after else None


def _rows(node: PlanNode | None) -> float | None:
    if node is None:
        return None
    if node.rows_actual is not None:
        return node.rows_actual
    return node.rows_estimated


@dataclass(slots=True)
class PlanDiff:
    before: Plan
    after: Plan
    nodes: list[NodeChange]

    @property
    def cost_before(self) -> float | None:
        return _plan_cost(self.before)

    @property
    def cost_after(self) -> float | None:
        return _plan_cost(self.after)

    @property
    def cost_ratio(self) -> float | None:
        """before / after (how many times cheaper the after plan is)."""
        if not self.cost_before or not self.cost_after:
            return None
        return self.cost_before / self.cost_after

    @property
    def time_before_ms(self) -> float | None:
        return self.before.total_time_ms

    @property
    def time_after_ms(self) -> float | None:
        return self.after.total_time_ms

    def changed(self) -> list[NodeChange]:
        return [n for n in self.nodes if n.status != "same"]

    def summary(self) -> dict[str, int]:
        counts = {"same": 0, "changed": 0, "added": 0, "removed": 0}
        for node in self.nodes:
            counts[node.status] += 1
        return counts


def _plan_cost(plan: Plan) -> float | None:
    return plan.total_cost if plan.total_cost is not None else plan.root.cost


def _score(before: PlanNode, after: PlanNode, same_position: bool) -> float:
    score = 0.0
    if before.object and before.object == after.object:
        score += 2
    if before.operation == after.operation:
        score += 1
    if score == 0:
        return 0.0
    return score + (0.5 if same_position else 0.0)


def _describe_changes(before: PlanNode, after: PlanNode) -> list[str]:
    out = []
    if before.operation != after.operation:
        out.append(f"operation {before.operation} → {after.operation}")
    if before.index != after.index:
        out.append(f"index {before.index or 'none'} → {after.index or 'none'}")
    if before.object != after.object:
        out.append(f"relation {before.object or 'none'} → {after.object or 'none'}")
    if before.cost is not None and after.cost is not None and round(before.cost, 2) != round(after.cost, 2):
        out.append(f"cost {fmt.num(before.cost, 2)} → {fmt.num(after.cost, 2)}")
    rb, ra = _rows(before), _rows(after)
    if rb is not None and ra is not None and rb != ra:
        out.append(f"rows {fmt.num(rb)} → {fmt.num(ra)}")
    tb, ta = before.time_inclusive_ms, after.time_inclusive_ms
    if tb is not None and ta is not None and round(tb, 3) != round(ta, 3):
        out.append(f"time {fmt.ms(before.time_inclusive_ms)} → {fmt.ms(after.time_inclusive_ms)}")
    return out


def _structural(before: PlanNode, after: PlanNode) -> bool:
    return before.operation != after.operation or before.index != after.index or before.object != after.object


def diff_plans(before: Plan, after: Plan) -> PlanDiff:
    """Pair the nodes of two plans and say what changed (a pure function)."""
    pairs: dict[int, PlanNode] = {}  # id(after node) → before node
    matched_before: set[int] = set()

    def match(b: PlanNode, a: PlanNode) -> None:
        pairs[id(a)] = b
        matched_before.add(id(b))
        free = list(b.children)
        for pos, child in enumerate(a.children):
            best, best_score = None, 0.0
            for bpos, cand in enumerate(b.children):
                if id(cand) in matched_before or cand not in free:
                    continue
                score = _score(cand, child, bpos == pos)
                if score > best_score:
                    best, best_score = cand, score
            if best is not None:
                free.remove(best)
                match(best, child)

    match(before.root, after.root)
    unmatched_before = [n for n in before.nodes() if id(n) not in matched_before]
    for a in after.nodes():  # second pass: same relation anywhere
        if id(a) in pairs or not a.object:
            continue
        for b in unmatched_before:
            if b.object == a.object and id(b) not in matched_before:
                pairs[id(a)] = b
                matched_before.add(id(b))
                break

    out: list[NodeChange] = []
    for node, depth in after.root.walk_with_depth():
        b = pairs.get(id(node))
        if b is None:
            out.append(NodeChange("added", None, node, depth, [f"new {node.label}"]))
            continue
        changes = _describe_changes(b, node)
        status = "changed" if _structural(b, node) or changes else "same"
        out.append(NodeChange(status, b, node, depth, changes))
    removed_depths = dict(_depths(before.root))
    for b in before.nodes():
        if id(b) not in matched_before:
            out.append(NodeChange("removed", b, None, removed_depths.get(id(b), 0), [f"gone {b.label}"]))
    return PlanDiff(before, after, out)


def _depths(root: PlanNode) -> Iterator[tuple[int, int]]:
    for node, depth in root.walk_with_depth():
        yield id(node), depth


_MARK = {"same": " ", "changed": "~", "added": "+", "removed": "-"}


def diff_rows(diff: PlanDiff) -> list[tuple[str, str, str, str, str]]:
    """(mark, before label, after label, cost before → after, rows before → after) per node, for a
    table or a side-by-side view. ``mark``: ``~`` changed, ``+`` added, ``-`` removed, blank same."""
    rows = []
    for change in diff.nodes:
        indent = "  " * change.depth
        rows.append(
            (
                _MARK[change.status],
                indent + change.label_before if change.before else "",
                indent + change.label_after if change.after else "",
                f"{fmt.num(change.cost_before, 2)} → {fmt.num(change.cost_after, 2)}",
                f"{fmt.num(change.rows_before)} → {fmt.num(change.rows_after)}",
            )
        )
    return rows


def _headline(diff: PlanDiff) -> str:
    ratio = diff.cost_ratio
    text = f"Estimated cost {fmt.num(diff.cost_before, 2)} → {fmt.num(diff.cost_after, 2)}"
    if ratio:
        text += f" ({fmt.factor(ratio)} {'lower' if ratio >= 1 else 'higher'})"
    if diff.time_before_ms is not None and diff.time_after_ms is not None:
        text += f"; time {fmt.ms(diff.time_before_ms)} → {fmt.ms(diff.time_after_ms)}"
    counts = diff.summary()
    text += (
        f". Nodes: {counts['changed']} changed, {counts['added']} added, {counts['removed']} removed, "
        f"{counts['same']} unchanged."
    )
    return text


def render_plan_diff_text(diff: PlanDiff, width: int = 100) -> str:
    """Side-by-side text: before | after, with a change mark per row and the headline numbers."""
    col = max(20, (width - 5) // 2)
    lines = [_headline(diff), ""]
    lines.append(f"  {'before'.ljust(col)} | after")
    lines.append(f"  {'-' * col}-+-{'-' * col}")
    for mark, left, right, cost, rows in diff_rows(diff):
        left_text = left[:col].ljust(col)
        lines.append(f"{mark} {left_text} | {right[:col]}")
        change = f"cost {cost}, rows {rows}"
        if mark in ("~",):
            lines.append(f"  {''.ljust(col)} |   {change[:col]}")
    return "\n".join(lines)


def render_plan_diff_markdown(diff: PlanDiff) -> str:
    lines = [_headline(diff), "", "| | Before | After | Cost | Rows |", "|---|---|---|---|---|"]
    for mark, left, right, cost, rows in diff_rows(diff):
        left_md = left.replace("|", "\\|").replace("  ", "&nbsp;&nbsp;")
        right_md = right.replace("|", "\\|").replace("  ", "&nbsp;&nbsp;")
        lines.append(f"| {mark.strip() or '='} | {left_md} | {right_md} | {cost} | {rows} |")
    return "\n".join(lines) + "\n"
