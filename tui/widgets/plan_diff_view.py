"""PlanDiffView: two plans of one statement side by side (before / after a hypothetical index), each
row paired by ``tui.advisor.plan_diff.diff_plans``, changed nodes highlighted, cost and row deltas.

Public API:
- ``PlanDiffView(before=None, after=None, diff=None, *, id=None, classes=None)``;
  ``show_diff(before, after, diff=None)`` (computes the diff when not given); ``diff`` property.
- ``diff_from_verification(verification) -> PlanDiff | None``: the diff for a Finding's
  ``Verification.detail`` (keys ``plan_before``/``plan_after`` as Plan objects, optional ``diff``).
- ``PlanDiffScreen(diff, title)``: a modal holding the view (escape/q close) — what the advisor panel's
  ``d`` opens.
Rows: ``~`` changed (highlighted, with what changed under it), ``+`` added, ``-`` removed, blank same;
columns: before node | after node | cost before → after (Δ) | rows before → after.
"""

from __future__ import annotations

from typing import Any, ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from tui.core import fmt
from tui.core.finding import Verification
from tui.core.plan import Plan
from tui.widgets.safetext import safe_text

_STATUS_STYLE = {"changed": "bold yellow", "added": "green", "removed": "red", "same": ""}
_MARK = {"same": " ", "changed": "~", "added": "+", "removed": "-"}


def diff_from_verification(verification: Verification | None) -> Any:
    """The PlanDiff of a verified finding, or None when the verification kept no plans."""
    if verification is None:
        return None
    detail = verification.detail or {}
    if detail.get("diff") is not None:
        return detail["diff"]
    before, after = detail.get("plan_before"), detail.get("plan_after")
    if isinstance(before, Plan) and isinstance(after, Plan):
        from tui.advisor.plan_diff import diff_plans

        return diff_plans(before, after)
    return None


def _delta(before: float | None, after: float | None, digits: int) -> Text:
    text = Text(f"{fmt.num(before, digits)} → {fmt.num(after, digits)}")
    if before is not None and after is not None and before != after:
        change = after - before
        style = "green" if change < 0 else "red"
        sign = "+" if change > 0 else "−"
        text.append(f" ({sign}{fmt.num(abs(change), digits)})", style=style)
    return text


def diff_table(diff: Any) -> Table:
    """The side-by-side table (a Rich renderable) for a PlanDiff."""
    table = Table(expand=True, box=None, padding=(0, 1), show_edge=False)
    table.add_column("", width=1, no_wrap=True)
    table.add_column("before", ratio=1, overflow="fold")
    table.add_column("after", ratio=1, overflow="fold")
    table.add_column("cost", no_wrap=True, justify="right")
    table.add_column("rows", no_wrap=True, justify="right")
    for change in diff.nodes:
        style = _STATUS_STYLE[change.status]
        indent = "  " * change.depth
        left = safe_text(indent + change.label_before if change.before else "", style or "dim")
        right = safe_text(indent + change.label_after if change.after else "", style)
        table.add_row(
            Text(_MARK[change.status], style=style),
            left,
            right,
            _delta(change.cost_before, change.cost_after, 2),
            _delta(change.rows_before, change.rows_after, 0),
        )
        if change.status == "changed" and change.changes:
            table.add_row("", "", safe_text(indent + "  " + "; ".join(change.changes), "italic"), "", "")
    return table


def headline(diff: Any) -> Text:
    ratio = diff.cost_ratio
    text = Text("Estimated cost ", style="bold")
    text.append(f"{fmt.num(diff.cost_before, 2)} → {fmt.num(diff.cost_after, 2)}")
    if ratio:
        better = ratio >= 1
        text.append(
            f" ({fmt.factor(ratio if better else 1 / ratio)} {'lower' if better else 'higher'})",
            style="green" if better else "red",
        )
    if diff.time_before_ms is not None and diff.time_after_ms is not None:
        text.append(f" · time {fmt.ms(diff.time_before_ms)} → {fmt.ms(diff.time_after_ms)}")
    counts = diff.summary()
    text.append(
        f"\nNodes: {counts['changed']} changed (~), {counts['added']} added (+), "
        f"{counts['removed']} removed (-), {counts['same']} unchanged"
    )
    return text


class PlanDiffView(VerticalScroll):
    """Headline numbers and the side-by-side node table of a plan diff."""

    PANE_TITLE = "Plan diff"
    HELP = """
**Plan diff** — the statement's plan before and after the suggested index (created hypothetically,
never for real), node by node: `~` changed (what changed under it), `+` added, `-` removed, blank
unchanged; then cost and rows before → after with the change. `↑`/`↓`, `pgup`/`pgdn` scroll;
`esc` or `q` closes it.
"""

    DEFAULT_CSS = """
    PlanDiffView { background: $surface; padding: 0 1; }
    PlanDiffView > #diff-headline { height: auto; margin-bottom: 1; }
    PlanDiffView > #diff-table { height: auto; }
    """

    def __init__(
        self,
        before: Plan | None = None,
        after: Plan | None = None,
        diff: Any = None,
        *,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(id=id, classes=classes)
        self._diff = diff
        if diff is None and before is not None and after is not None:
            from tui.advisor.plan_diff import diff_plans

            self._diff = diff_plans(before, after)

    def compose(self) -> ComposeResult:
        yield Static("", id="diff-headline")
        yield Static("", id="diff-table")

    def on_mount(self) -> None:
        self._render_diff()

    @property
    def diff(self) -> Any:
        return self._diff

    def show_diff(self, before: Plan, after: Plan, diff: Any = None) -> None:
        if diff is None:
            from tui.advisor.plan_diff import diff_plans

            diff = diff_plans(before, after)
        self._diff = diff
        if self.is_mounted:
            self._render_diff()

    def _render_diff(self) -> None:
        if self._diff is None:
            self.query_one("#diff-headline", Static).update("No plans to compare.")
            self.query_one("#diff-table", Static).update("")
            return
        self.query_one("#diff-headline", Static).update(headline(self._diff))
        self.query_one("#diff-table", Static).update(diff_table(self._diff))


class PlanDiffScreen(ModalScreen[None]):
    """The plan diff in a modal: escape or q closes it."""

    DEFAULT_CSS = """
    PlanDiffScreen { align: center middle; }
    PlanDiffScreen > Vertical { width: 95%; height: 90%; border: round $primary; background: $surface; }
    PlanDiffScreen #diff-title { height: auto; text-style: bold; padding: 0 1; }
    PlanDiffScreen PlanDiffView { height: 1fr; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "dismiss", "Close", id="plan_diff.close"),
        # The app's own ?/F1 does not reach into a modal screen.
        Binding("question_mark,f1", "app.help", "Help", key_display="?", id="plan_diff.help"),
    ]

    def __init__(self, diff: Any, title: str = "Plan before → after") -> None:
        super().__init__()
        self._diff = diff
        self._title = title

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(safe_text(self._title), id="diff-title")
            yield PlanDiffView(diff=self._diff, id="plan-diff")

    def on_mount(self) -> None:
        self.query_one(PlanDiffView).focus()
