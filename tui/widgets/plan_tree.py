"""PlanTree: an EXPLAIN plan as a collapsible tree with aligned number columns (line API).

Built on ScrollView rather than Textual's Tree so a 5,000-node plan costs one O(n) pass to load and
only the visible lines are ever formatted (cached per row); a cursor move repaints two lines.

Each row: tree guides, expander, operation ``on`` object ``using`` index, the MySQL access type
(coloured as Workbench does), a ``!`` per advisor finding on the node, then columns: estimated rows,
actual rows per loop (``~`` when rounded over several loops), loops, estimate error (``12×↑`` means
12 times more rows than planned), the chosen metric's value, its bar and its share of the total.
Colours follow plan_metrics' thresholds; the hottest node carries a ``●``.

API (used by PlanView; reusable elsewhere):
- ``PlanTree()``; ``load(plan, findings=())``; ``set_findings(findings)``; ``metric`` / ``set_metric``
- ``expand_all()``, ``collapse_all()``, ``select_node(node)``, ``jump_to_hottest()``
- ``selected_node``; ``visible_nodes`` (what is on screen, in order)
- Message ``PlanTree.CursorMoved(node)``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import ClassVar

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.cache import LRUCache
from textual.geometry import Region, Size, Spacing
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from tui.core import fmt
from tui.core.finding import SEVERITY_RANK, Finding
from tui.core.plan import Plan, PlanNode
from tui.core.termsafe import line
from tui.widgets.plan_metrics import (
    METRIC_TITLES,
    METRICS,
    MetricScale,
    access_level,
    actual_is_approximate,
    bar_cells,
    estimate_text,
    factor_level,
    metric_fraction,
    metric_level,
    metric_text,
    rows_text,
)

MIN_LABEL = 28
BAR_WIDTH = 10
NARROW_BAR_WIDTH = 5  # the bar shrinks to this before it is dropped for the label
MIN_OPERATION = 10  # a too-long label keeps at least this much of the operation before "on object"


@dataclass(slots=True, frozen=True)
class _Column:
    key: str
    width: int
    title: str


# Dropped in this order while the widest label does not fit (then the bar shrinks, then goes), so
# "operation on object" stays readable at 80 columns; the metric's value column always stays, and the
# node detail beside or under the tree shows every number of the selected node anyway.
_DROP_ORDER = ("share", "loops", "error", "estimated", "actual")


class PlanTree(ScrollView, can_focus=True):
    """The plan rows with a fixed header line of column titles."""

    DEFAULT_CSS = """
    PlanTree { background: $surface; overflow-x: hidden; }
    PlanTree > .plan-tree--header { text-style: bold; color: $text-accent; background: $panel; }
    PlanTree > .plan-tree--cursor { background: $block-cursor-blurred-background; }
    PlanTree:focus > .plan-tree--cursor {
        background: $block-cursor-background;
        color: $block-cursor-foreground;
    }
    PlanTree > .plan-tree--guide { color: $text-disabled; }
    PlanTree > .plan-tree--dim { color: $text-disabled; }
    PlanTree > .plan-tree--object { color: $text-primary; }
    PlanTree > .plan-tree--index { color: $text-secondary; }
    PlanTree > .plan-tree--level-1 { color: $text-warning; }
    PlanTree > .plan-tree--level-2 { color: #ff8700; }
    PlanTree > .plan-tree--level-3 { color: $text-error; text-style: bold; }
    PlanTree > .plan-tree--good { color: $text-success; }
    PlanTree > .plan-tree--bar { color: $text-primary; }
    PlanTree > .plan-tree--hot { color: $text-error; text-style: bold; }
    """

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "plan-tree--header",
        "plan-tree--cursor",
        "plan-tree--guide",
        "plan-tree--dim",
        "plan-tree--object",
        "plan-tree--index",
        "plan-tree--level-1",
        "plan-tree--level-2",
        "plan-tree--level-3",
        "plan-tree--good",
        "plan-tree--bar",
        "plan-tree--hot",
    }

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up,k", "move(-1)", "Up", show=False, id="plan.up"),
        Binding("down,j", "move(1)", "Down", show=False, id="plan.down"),
        Binding("pageup", "page(-1)", "Page up", show=False, id="plan.page_up"),
        Binding("pagedown", "page(1)", "Page down", show=False, id="plan.page_down"),
        Binding("home,g", "edge(-1)", "First node", show=False, id="plan.first"),
        Binding("end,G", "edge(1)", "Last node", show=False, id="plan.last"),
        Binding("left", "collapse_or_parent", "Collapse / parent", show=False, id="plan.collapse"),
        Binding("right", "expand_or_child", "Expand / child", show=False, id="plan.expand"),
        Binding("enter,space", "toggle", "Fold", id="plan.toggle"),
    ]

    class CursorMoved(Message):
        """The cursor is on ``node`` now (after a move, a load or ``select_node``)."""

        def __init__(self, tree: PlanTree, node: PlanNode) -> None:
            super().__init__()
            self.tree = tree
            self.node = node

        @property
        def control(self) -> PlanTree:
            return self.tree

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._plan: Plan | None = None
        self._pnodes: list[PlanNode] = []
        self._parents: list[int] = []
        self._lasts: list[bool] = []
        self._ends: list[int] = []  # pre-order index one past the node's last descendant
        self._collapsed: set[int] = set()
        self._visible: list[int] = []
        self._row_of: dict[int, int] = {}  # node index → visible row (rebuilt with _visible)
        self._index_of: dict[int, int] = {}  # id(node) → node index
        self._scale: MetricScale | None = None
        self._hot: int = -1
        self._findings: dict[int, str] = {}  # node index → most severe severity
        self._metric = "time"
        self._metric_chosen = False  # by the user (m): kept across plans while they have its data
        self._columns: list[_Column] = []
        self._label_width = MIN_LABEL
        self._label_need = 0  # cells of the widest label of the plan (every node, folded or not)
        self._row_cache: LRUCache[tuple[int, bool, bool], Strip] = LRUCache(1024)
        self._styles: dict[str, Style] | None = None
        self.cursor = 0

    # -- loading ------------------------------------------------------------------------------------

    def load(self, plan: Plan, findings: Iterable[Finding] = ()) -> None:
        """Show ``plan`` fully expanded with the cursor on the root; picks the time metric when the
        plan was analyzed, else the cost metric."""
        self._plan = plan
        nodes: list[PlanNode] = []
        parent: list[int] = []
        is_last: list[bool] = []
        stack: list[tuple[PlanNode, int, bool]] = [(plan.root, -1, True)]
        while stack:
            node, parent_index, last = stack.pop()
            index = len(nodes)
            nodes.append(node)
            parent.append(parent_index)
            is_last.append(last)
            children = node.children
            for position in range(len(children) - 1, -1, -1):
                stack.append((children[position], index, position == len(children) - 1))
        end = list(range(1, len(nodes) + 1))
        for index in range(len(nodes) - 1, 0, -1):
            p = parent[index]
            if end[index] > end[p]:
                end[p] = end[index]
        self._pnodes, self._parents, self._lasts, self._ends = nodes, parent, is_last, end
        self._index_of = {id(node): i for i, node in enumerate(nodes)}
        self._scale = MetricScale.of(plan)
        hot = plan.hottest()
        self._hot = self._index_of.get(id(hot), -1) if hot is not None else -1
        self._collapsed = set()
        if not self._metric_chosen or not self._scale.available(self._metric):
            self._metric = self._default_metric()
        self._set_findings(findings)
        self._label_need = self._widest_label()
        self._rebuild_visible()
        self.cursor = 0
        self._relayout()
        self.scroll_to(0, 0, animate=False)
        if nodes:
            self.post_message(self.CursorMoved(self, nodes[0]))

    def clear(self) -> None:
        """Show nothing (no plan)."""
        self._plan = None
        self._pnodes, self._parents, self._lasts, self._ends = [], [], [], []
        self._index_of, self._findings, self._collapsed = {}, {}, set()
        self._scale = None
        self._hot = -1
        self._label_need = 0
        self._rebuild_visible()
        self.cursor = 0
        self.refresh()

    def _default_metric(self) -> str:
        assert self._scale is not None
        for metric in ("time", "cost", "rows", "estimate", "buffers"):
            if self._scale.available(metric):
                return metric
        return "time"

    def set_findings(self, findings: Iterable[Finding]) -> None:
        """Mark nodes that have advisor findings (``Finding.node_id``)."""
        self._set_findings(findings)
        need = self._widest_label()  # a finding's " !" may widen a label
        if need != self._label_need:
            self._label_need = need
            self._relayout()
        self._row_cache.clear()
        self.refresh()

    def _set_findings(self, findings: Iterable[Finding]) -> None:
        by_id = {node.node_id: i for i, node in enumerate(self._pnodes)}
        marks: dict[int, str] = {}
        for finding in findings:
            index = by_id.get(finding.node_id) if finding.node_id is not None else None
            if index is None:
                continue
            current = marks.get(index)
            if current is None or SEVERITY_RANK[finding.severity] < SEVERITY_RANK[current]:
                marks[index] = finding.severity
        self._findings = marks

    # -- state --------------------------------------------------------------------------------------

    @property
    def plan(self) -> Plan | None:
        return self._plan

    @property
    def metric(self) -> str:
        return self._metric

    @property
    def available_metrics(self) -> list[str]:
        if self._scale is None:
            return []
        return [m for m in METRICS if self._scale.available(m)]

    def set_metric(self, metric: str) -> None:
        if metric not in METRICS:
            raise ValueError(f"unknown metric {metric!r}; one of {', '.join(METRICS)}")
        self._metric = metric
        self._metric_chosen = True
        self._row_cache.clear()
        self.refresh()

    def cycle_metric(self) -> str:
        """Next metric with data in this plan (time → rows → cost → buffers → estimate)."""
        choices = self.available_metrics or list(METRICS)
        position = choices.index(self._metric) if self._metric in choices else -1
        self.set_metric(choices[(position + 1) % len(choices)])
        return self._metric

    @property
    def selected_node(self) -> PlanNode | None:
        if not self._visible:
            return None
        return self._pnodes[self._visible[self.cursor]]

    @property
    def visible_nodes(self) -> list[PlanNode]:
        return [self._pnodes[i] for i in self._visible]

    @property
    def hottest_node(self) -> PlanNode | None:
        return self._pnodes[self._hot] if self._hot >= 0 else None

    # -- folding ------------------------------------------------------------------------------------

    def _rebuild_visible(self) -> None:
        visible: list[int] = []
        index, total = 0, len(self._pnodes)
        collapsed, end = self._collapsed, self._ends
        while index < total:
            visible.append(index)
            index = end[index] if index in collapsed else index + 1
        self._visible = visible
        self._row_of = {node_index: row for row, node_index in enumerate(visible)}
        self._row_cache.clear()
        width = self.size.width or 80
        self.virtual_size = Size(width, len(visible) + 1)

    def _has_children(self, index: int) -> bool:
        return self._ends[index] > index + 1

    def _set_collapsed(self, collapsed: set[int]) -> None:
        node_index = self._visible[self.cursor] if self._visible else 0
        self._collapsed = collapsed
        # Keep the cursor on the same node, or on its nearest visible ancestor.
        while node_index > 0 and any(a in collapsed for a in self._ancestors(node_index) if a != node_index):
            node_index = self._parents[node_index]
        self._rebuild_visible()
        self.cursor = self._row_of.get(node_index, 0)
        self._scroll_to_cursor()
        self.refresh()

    def _ancestors(self, index: int) -> Iterable[int]:
        parent = self._parents[index]
        while parent >= 0:
            yield parent
            parent = self._parents[parent]

    def expand_all(self) -> None:
        self._set_collapsed(set())

    def collapse_all(self) -> None:
        """Fold every node with children below the root, so the root's direct children show."""
        self._set_collapsed({i for i in range(1, len(self._pnodes)) if self._has_children(i)})

    def toggle(self, node: PlanNode | None = None) -> None:
        index = self._index_of.get(id(node)) if node is not None else None
        if index is None:
            if not self._visible:
                return
            index = self._visible[self.cursor]
        if not self._has_children(index):
            return
        self._set_collapsed(self._collapsed ^ {index})

    def select_node(self, node: PlanNode) -> bool:
        """Unfold the node's ancestors and put the cursor on it. False when it is not in this plan."""
        index = self._index_of.get(id(node))
        if index is None:
            return False
        ancestors = set(self._ancestors(index))
        if ancestors & self._collapsed:
            self._set_collapsed(self._collapsed - ancestors)
        self._move_to(self._row_of[index], force_message=True)
        return True

    def jump_to_hottest(self) -> PlanNode | None:
        node = self.hottest_node
        if node is not None:
            self.select_node(node)
        return node

    # -- cursor -------------------------------------------------------------------------------------

    def _move_to(self, row: int, *, force_message: bool = False) -> None:
        if not self._visible:
            return
        row = max(0, min(row, len(self._visible) - 1))
        old = self.cursor
        if row == old and not force_message:
            return
        self.cursor = row
        self._refresh_row(old)
        self._refresh_row(row)
        self._scroll_to_cursor()
        self.post_message(self.CursorMoved(self, self._pnodes[self._visible[row]]))

    def _refresh_row(self, row: int) -> None:
        y = row + 1 - int(self.scroll_y)
        if 1 <= y < self.size.height:
            self.refresh(Region(0, y, self.size.width, 1))

    def _scroll_to_cursor(self) -> None:
        region = Region(0, self.cursor + 1, 1, 1)
        self.scroll_to_region(region, animate=False, spacing=Spacing(1, 0, 0, 0), force=True)

    def action_move(self, delta: int) -> None:
        self._move_to(self.cursor + delta)

    def action_page(self, direction: int) -> None:
        self._move_to(self.cursor + direction * max(self.size.height - 2, 1))

    def action_edge(self, direction: int) -> None:
        self._move_to(0 if direction < 0 else len(self._visible) - 1)

    def action_toggle(self) -> None:
        self.toggle()

    def action_collapse_or_parent(self) -> None:
        if not self._visible:
            return
        index = self._visible[self.cursor]
        if self._has_children(index) and index not in self._collapsed:
            self.toggle()
        elif self._parents[index] >= 0:
            self._move_to(self._row_of[self._parents[index]])

    def action_expand_or_child(self) -> None:
        if not self._visible:
            return
        index = self._visible[self.cursor]
        if index in self._collapsed:
            self.toggle()
        elif self._has_children(index):
            self._move_to(self.cursor + 1)

    async def _on_click(self, event: events.Click) -> None:
        if event.y == 0:
            return
        row = int(self.scroll_y) + event.y - 1
        if row >= len(self._visible):
            return
        if row == self.cursor:
            self.toggle()
        else:
            self._move_to(row)

    # -- layout and styles --------------------------------------------------------------------------

    def _on_resize(self, event: events.Resize) -> None:
        self._relayout()

    def _relayout(self) -> None:
        width = self.size.width or 80
        columns = [
            _Column("estimated", 9, "est rows"),
            _Column("actual", 10, "act rows"),
            _Column("loops", 7, "loops"),
            _Column("error", 8, "est err"),
            _Column("value", 10, METRIC_TITLES[self._metric]),
            _Column("bar", BAR_WIDTH, ""),
            _Column("share", 7, "share"),
        ]
        if self._plan is not None and not self._plan.analyzed:
            # Plain EXPLAIN: no actual rows, loops or estimate error to show; the label gets the room.
            columns = [c for c in columns if c.key not in ("actual", "loops", "error")]
        target = max(self._label_need, MIN_LABEL)
        for key in _DROP_ORDER:
            if width - _columns_width(columns) >= target:
                break
            columns = [c for c in columns if c.key != key]
        if width - _columns_width(columns) < target:
            columns = [_Column("bar", NARROW_BAR_WIDTH, "") if c.key == "bar" else c for c in columns]
        if width - _columns_width(columns) < target:
            columns = [c for c in columns if c.key != "bar"]
        self._columns = columns
        self._label_width = max(width - _columns_width(columns), 8)
        self._row_cache.clear()
        self.virtual_size = Size(width, len(self._visible) + 1)
        self.refresh()

    @property
    def column_keys(self) -> list[str]:
        return [c.key for c in self._columns]

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._styles = None
        self._row_cache.clear()
        self.refresh()

    def _style(self, name: str) -> Style:
        if self._styles is None:
            styles = {"base": self.rich_style}
            for component in self.COMPONENT_CLASSES:
                short = component.split("--", 1)[1]
                full = self.get_component_rich_style(component)
                if short in ("header", "cursor"):
                    styles[short] = full
                else:  # foreground only, so the cursor's background can go under it
                    styles[short] = Style(color=full.color, bold=full.bold, italic=full.italic)
            # Themes may set the middle threshold colour (Textual has no orange of its own), so that
            # yellow / orange / red stay three distinguishable colours on light backgrounds too.
            level_2 = self.app.theme_variables.get("plan-level-2")
            if level_2:
                from textual.color import Color

                styles["level-2"] = Style(color=Color.parse(level_2).rich_color)
            self._styles = styles
        return self._styles[name]

    def _level_style(self, level: int) -> Style:
        if level >= 3:
            return self._style("level-3")
        if level == 2:
            return self._style("level-2")
        if level == 1:
            return self._style("level-1")
        if level < 0:
            return self._style("good")
        return Style()

    # -- rendering ----------------------------------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        base = self._style("base")
        if y == 0:
            return self._header_strip(width)
        row = int(self.scroll_y) + y - 1
        if row >= len(self._visible) or self._plan is None:
            return Strip.blank(width, base)
        is_cursor = row == self.cursor
        key = (self._visible[row], is_cursor, is_cursor and self.has_focus)
        strip = self._row_cache.get(key)
        if strip is None:
            strip = self._row_strip(self._visible[row], is_cursor, width)
            self._row_cache[key] = strip
        return strip

    def _header_strip(self, width: int) -> Strip:
        style = self._style("header")
        title = f"plan · metric: {METRIC_TITLES[self._metric]} (m)"
        segments = [Segment(_fit(title, self._label_width).ljust(self._label_width), style)]
        for column in self._columns:
            text = METRIC_TITLES[self._metric] if column.key == "value" else column.title
            segments.append(Segment(" " + _fit(text, column.width).rjust(column.width), style))
        return Strip(segments).adjust_cell_length(width, style)

    def _row_strip(self, index: int, is_cursor: bool, width: int) -> Strip:
        node = self._pnodes[index]
        plan = self._plan
        assert plan is not None and self._scale is not None
        base = self._style("base")
        dim = node.never_executed
        segments = self._label_segments(index, node)
        label_len = sum(cell_len(s.text) for s in segments)
        over = label_len - self._label_width
        if over > 0 and node.object:
            # Too long: shorten the operation first (to MIN_OPERATION cells and an ellipsis), so
            # "on object" stays visible — the name a DBA looks for; the node detail has it all.
            shorten = min(over, cell_len(node.operation) - MIN_OPERATION - 1)
            if shorten > 0:
                segments = self._label_segments(index, node, shorten=shorten)
                label_len = sum(cell_len(s.text) for s in segments)
        if label_len > self._label_width:
            segments = [*Strip(segments).crop(0, self._label_width - 1), Segment("…", self._style("dim"))]
        elif label_len < self._label_width:
            segments.append(Segment(" " * (self._label_width - label_len)))
        analyzed = plan.analyzed
        fraction = metric_fraction(node, self._metric, self._scale, analyzed)
        level = metric_level(node, self._metric, fraction)
        for column in self._columns:
            text, style = self._cell(column.key, node, fraction, level, analyzed)
            if column.key == "bar":
                segments.append(Segment(" "))
                segments.append(Segment(text, style))
            else:
                segments.append(Segment(" " + _fit(text, column.width).rjust(column.width), style))
        strip = Strip(Segment.apply_style(segments, style=base))
        if dim:
            strip = strip.apply_style(self._style("dim"))
        if is_cursor:
            # Focused: the theme's cursor colours over the whole row (threshold colours on a bright
            # cursor background are unreadable); blurred: only the subtle background.
            cursor = self._style("cursor")
            color = cursor.color if self.has_focus else None
            strip = Strip(Segment.apply_style(strip, post_style=Style(color=color, bgcolor=cursor.bgcolor)))
        return strip.adjust_cell_length(width, base)

    def _widest_label(self) -> int:
        """Cells of the widest label (what ``_label_segments`` draws), without building segments:
        one O(n) pass at load, so the columns can make room before a label is cut."""
        widest = 0
        depth = [0] * len(self._pnodes)
        for index, node in enumerate(self._pnodes):
            parent = self._parents[index]
            if parent >= 0:
                depth[index] = depth[parent] + 1
            widest = max(widest, self._label_length(index, node, depth[index]))
        return widest

    def _label_length(self, index: int, node: PlanNode, depth: int) -> int:
        length = (3 * (depth - 1) + 2 if depth > 0 else 0) + 2 + cell_len(line(node.operation))
        if index == self._hot:
            length += 2
        if node.object:
            length += 4 + cell_len(line(node.object))
        if node.index:
            length += 7 + cell_len(line(node.index))
        if node.access_type:
            length += 3 + cell_len(line(node.access_type))
        if index in self._findings:
            length += 2
        if node.never_executed:
            length += len(" (never executed)")
        return length

    def _label_segments(self, index: int, node: PlanNode, shorten: int = 0) -> list[Segment]:
        """The row's label; ``shorten`` cells are taken off the operation (with an ellipsis) so the
        object and index after it stay visible in a narrow pane."""
        guide = self._style("guide")
        parts: list[str] = []
        ancestor = self._parents[index]
        while ancestor > 0:
            parts.append("   " if self._lasts[ancestor] else "│  ")
            ancestor = self._parents[ancestor]
        prefix = "".join(reversed(parts))
        if index > 0:
            prefix += "└─" if self._lasts[index] else "├─"
        if self._has_children(index):
            expander = "▸ " if index in self._collapsed else "▾ "
        else:
            expander = "─ " if index > 0 else "  "
        segments = [Segment(prefix + expander, guide)]
        if index == self._hot:
            segments.append(Segment("● ", self._style("hot")))
        op_style = Style(bold=True) if index == self._hot else Style()
        operation = line(node.operation)  # names and operations come from a server or a file
        if shorten:
            operation = set_cell_size(operation, max(cell_len(operation) - shorten - 1, 1)).rstrip() + "…"
        segments.append(Segment(operation, op_style))
        if node.object:
            segments.append(Segment(" on ", self._style("dim")))
            segments.append(Segment(line(node.object), self._style("object")))
        if node.index:
            segments.append(Segment(" using ", self._style("dim")))
            segments.append(Segment(line(node.index), self._style("index")))
        if node.access_type:
            level = access_level(node.access_type)
            segments.append(Segment(f" [{line(node.access_type)}]", self._level_style(level)))
        severity = self._findings.get(index)
        if severity is not None:
            level = {"critical": 3, "warning": 1}.get(severity, 0)
            style = self._level_style(level) if level else self._style("object")
            segments.append(Segment(" !", style + Style(bold=True)))
        if node.never_executed:
            segments.append(Segment(" (never executed)", self._style("dim")))
        return segments

    def _cell(
        self, key: str, node: PlanNode, fraction: float | None, level: int, analyzed: bool
    ) -> tuple[str, Style]:
        if key == "estimated":
            return rows_text(node.rows_estimated), Style()
        if key == "actual":
            return rows_text(node.rows_actual, actual_is_approximate(node)), Style()
        if key == "loops":
            return ("" if node.loops is None else fmt.num(node.loops)), self._style("dim")
        if key == "error":
            return estimate_text(node), self._level_style(factor_level(node.estimate_factor))
        if key == "value":
            return metric_text(node, self._metric, analyzed), self._level_style(level)
        if key == "bar":
            width = next((c.width for c in self._columns if c.key == "bar"), BAR_WIDTH)
            text, _ = bar_cells(fraction, width)
            return text, self._level_style(level) if level else self._style("bar")
        if key == "share":
            if self._metric in ("time", "cost", "buffers") and fraction is not None:
                return fmt.pct(fraction), self._level_style(level)
            return "", Style()
        raise KeyError(key)


def _columns_width(columns: list[_Column]) -> int:
    return sum(c.width + 1 for c in columns)


def _fit(text: str, width: int) -> str:
    if cell_len(text) <= width:
        return text
    return set_cell_size(text, max(width - 1, 0)) + "…"
