"""PlanView: an EXPLAIN plan as a header, an interactive tree with a metric switch, the selected
node's detail, a raw view of what the engine printed, and "open a saved plan file".

Public API (for the screen that hosts it):

- ``PlanView(*, id=None, classes=None)`` — starts empty ("no plan yet").
- ``show_plan(plan, findings=())`` shows a parsed ``tui.core.plan.Plan`` (cursor on the root, the
  time metric when analyzed, else cost); ``set_findings(findings)`` marks nodes with advisor findings
  later (``Finding.node_id``); ``clear()``.
- ``select_node(node) -> bool`` (e.g. when the advisor panel selects a finding),
  ``jump_to_hottest()``, ``set_metric(name)`` / ``cycle_metric()`` (time, rows, cost, buffers,
  estimate), ``expand_all()``, ``collapse_all()``, ``toggle_raw()``, ``prompt_open()``,
  ``open_path(path)`` (reads and parses in a thread worker, group ``plan-open``),
  ``show_other_plan()`` (MongoDB: the rejected and candidate plans in turn, then the explained plan).
- Properties: ``plan``, ``shown_plan``, ``findings``, ``selected_node``, ``metric``, ``raw_visible``, ``tree``.
- Messages (each has ``view`` and ``control``):
  ``PlanView.NodeSelected(plan, node)`` whenever the cursor lands on a node (the advisor panel can
  follow; the node detail itself waits until keys moving the cursor in quick succession stop); ``PlanView.PlanOpened(plan, path)`` after ``o`` opened a file (the host may run the advisor
  and call ``set_findings``); ``PlanView.OpenFailed(path, error)`` with the message shown to the user.
- Bindings (ids for ``App.set_keymap``): ``plan.metric`` ``m``, ``plan.hottest`` ``h``,
  ``plan.expand_all`` ``+``/``*``, ``plan.collapse_all`` ``-``, ``plan.raw`` ``v``, ``plan.open`` ``o``,
  ``plan.other_plans`` ``p``, ``plan.node_detail`` ``n`` (focus the node detail and back);
  inside the tree: ``plan.toggle`` enter/space, ``plan.up``/``plan.down`` (↑↓ j k),
  ``plan.collapse``/``plan.expand`` (← →), ``plan.page_up``/``plan.page_down``,
  ``plan.first``/``plan.last`` (home/end, g/G). In the open prompt ``escape`` cancels.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.events import Key, Resize
from textual.message import Message
from textual.timer import Timer
from textual.widgets import Input, Static, TextArea

from tui.core.errors import DbscopeError
from tui.core.finding import Finding
from tui.core.plan import Plan, PlanNode
from tui.widgets.node_detail import NodeDetail
from tui.widgets.plan_header import PlanHeader
from tui.widgets.plan_metrics import METRIC_TITLES
from tui.widgets.plan_tree import PlanTree
from tui.widgets.safe_textarea import SafeTextArea
from tui.widgets.safetext import safe_text

EMPTY_TEXT = (
    "No plan yet. Explain a statement from the query editor, or press o to open a saved EXPLAIN file."
)
NARROW_WIDTH = 110  # below this the node detail goes under the tree instead of beside it
# Cursor moves by key closer together than this (a held key, fast typing) show the node detail once
# the keys stop: drawing it costs most of a move (~50 ms), the cursor alone a few ms.
DETAIL_SETTLE_S = 0.12


def read_plan_file(path: Path, should_stop: Callable[[], bool] | None = None) -> Plan:
    """Read and parse a saved EXPLAIN output; every failure is a DbscopeError with a clear message.
    ``should_stop`` is polled while a long plan is read (``Cancelled`` when it returns True)."""
    from tui.core.errors import PlanInputError
    from tui.plans.detect import parse_plan

    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise PlanInputError(f"{path} does not exist", title="Cannot open the file") from None
    except IsADirectoryError:
        raise PlanInputError(f"{path} is a directory, not a file", title="Cannot open the file") from None
    except PermissionError:
        raise PlanInputError(f"no permission to read {path}", title="Cannot open the file") from None
    except UnicodeDecodeError:
        raise PlanInputError(f"{path} is not UTF-8 text", title="Cannot open the file") from None
    except OSError as exc:
        raise PlanInputError(f"{path}: {exc.strerror}", title="Cannot open the file") from None
    import gc

    # A full collection over the objects a big plan creates holds the GIL for ~100 ms, which the UI
    # thread would feel as a stall; collect once the plan is built instead.
    gc.disable()
    try:
        return parse_plan(text, should_stop)
    finally:
        gc.enable()


def _alternatives(plan: Plan) -> list[Plan]:
    """The plan's rejected and candidate plans (MongoDB explains list them; other engines none)."""
    if plan.engine != "mongodb":
        return []
    if not (plan.header.get("rejected_plans") or plan.header.get("candidate_plans")):
        return []
    from tui.plans.mongo import alternative_plans

    return alternative_plans(plan)


def raw_text(plan: Plan) -> str:
    """What the engine printed: JSON pretty-printed, text formats as they were."""
    if plan.raw is None:
        return "(the parser kept no raw output for this plan)"
    if isinstance(plan.raw, str):
        return plan.raw
    return json.dumps(plan.raw, indent=2, ensure_ascii=False, default=str)


class PlanView(Vertical):
    """Header, tree and node detail of one plan; raw view and open-file prompt on demand."""

    HELP = """
**EXPLAIN plan** — one row per plan node: operation on object using index, rows estimated vs actual
per loop (`~` when rounded over loops), loops, estimate error (`12×↑` = 12 times more rows than
planned), then the chosen metric with a bar. Yellow / orange / red: more than 10 / 50 / 90 % of the
total, or an estimate off by more than 10× / 100× / 1000×; `●` marks the hottest node, `!` a finding.

`m` metric (time, rows, cost, buffers, estimate) · `h` hottest node · `enter`/`space` fold ·
`←`/`→` fold or move · `+`/`-` expand / collapse all · `v` raw output · `o` open a saved plan file ·
`p` MongoDB's rejected and candidate plans in turn · `n` into the node detail and back (a narrow pane
shortens long labels; the detail has them whole).
"""

    DEFAULT_CSS = """
    PlanView { height: 1fr; }
    PlanView > #plan-body { height: 1fr; }
    PlanView #plan-tree { width: 5fr; height: 1fr; }
    PlanView #plan-detail { width: 2fr; min-width: 40; height: 1fr; border-left: vkey $panel-lighten-2; }
    PlanView.-narrow > #plan-body { layout: vertical; }
    PlanView.-narrow #plan-tree { width: 1fr; height: 2fr; }
    PlanView.-narrow #plan-detail { width: 1fr; height: 1fr; border-left: none; border-top: hkey $panel-lighten-2; }
    PlanView > #plan-raw { height: 1fr; display: none; }
    PlanView.-raw > #plan-raw { display: block; }
    PlanView.-raw > #plan-body { display: none; }
    PlanView > #plan-open { height: auto; display: none; padding: 0 1; background: $panel; }
    PlanView.-opening > #plan-open { display: block; }
    PlanView #plan-open-error { color: $text-error; height: auto; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("m", "cycle_metric", "Metric", id="plan.metric"),
        Binding("h", "hottest", "Hottest", id="plan.hottest"),
        Binding("plus,asterisk", "expand_all", "Expand all", show=False, id="plan.expand_all"),
        Binding("minus", "collapse_all", "Collapse all", show=False, id="plan.collapse_all"),
        Binding("v", "toggle_raw", "Raw", show=False, id="plan.raw"),
        Binding("o", "prompt_open", "Open file", id="plan.open"),
        Binding(
            "p",
            "other_plan",
            "Other plans",
            show=False,
            id="plan.other_plans",
            tooltip="MongoDB: show the rejected and candidate plans in turn, then the winning plan again",
        ),
        Binding(
            "n",
            "toggle_detail_focus",
            "Node detail",
            id="plan.node_detail",
            tooltip="Move into the node detail to scroll it (n again: back to the tree)",
        ),
    ]

    class NodeSelected(Message):
        """The cursor is on ``node`` of ``plan``."""

        def __init__(self, view: PlanView, plan: Plan, node: PlanNode) -> None:
            super().__init__()
            self.view = view
            self.plan = plan
            self.node = node

        @property
        def control(self) -> PlanView:
            return self.view

    class PlanOpened(Message):
        """A plan file was opened and is shown; ``path`` is where it came from."""

        def __init__(self, view: PlanView, plan: Plan, path: Path) -> None:
            super().__init__()
            self.view = view
            self.plan = plan
            self.path = path

        @property
        def control(self) -> PlanView:
            return self.view

    class OpenFailed(Message):
        """Opening ``path`` failed; ``error`` is the text shown under the prompt."""

        def __init__(self, view: PlanView, path: Path, error: str) -> None:
            super().__init__()
            self.view = view
            self.path = path
            self.error = error

        @property
        def control(self) -> PlanView:
            return self.view

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._plan: Plan | None = None
        self._shown: Plan | None = None  # the plan in the tree: ``_plan`` or one of its alternatives
        self._alternatives: list[Plan] = []
        self._findings: list[Finding] = []
        self._raw_for: Plan | None = None
        self._key_at = 0.0  # monotonic time of the last key seen (they bubble here before the action)
        self._keyed_move_at = 0.0  # of the last cursor move a key caused
        self._pending_detail: PlanNode | None = None
        self._detail_timer: Timer | None = None

    def compose(self) -> ComposeResult:
        yield PlanHeader(EMPTY_TEXT, id="plan-header")
        with Horizontal(id="plan-body"):
            yield PlanTree(id="plan-tree")
            yield NodeDetail(id="plan-detail")
        yield SafeTextArea("", read_only=True, soft_wrap=False, id="plan-raw")
        with Vertical(id="plan-open"):
            yield Input(
                placeholder="path of a saved EXPLAIN output (JSON or text) — enter opens, escape cancels",
                id="plan-open-input",
            )
            yield Static("", id="plan-open-error", markup=False)

    # -- public API ---------------------------------------------------------------------------------

    @property
    def tree(self) -> PlanTree:
        return self.query_one("#plan-tree", PlanTree)

    @property
    def plan(self) -> Plan | None:
        return self._plan

    @property
    def findings(self) -> list[Finding]:
        return list(self._findings)

    @property
    def selected_node(self) -> PlanNode | None:
        return self.tree.selected_node

    @property
    def metric(self) -> str:
        return self.tree.metric

    @property
    def raw_visible(self) -> bool:
        return self.has_class("-raw")

    @property
    def shown_plan(self) -> Plan | None:
        """The plan in the tree: the explained plan, or a rejected/candidate one after ``p``."""
        return self._shown

    def show_plan(self, plan: Plan, findings: Iterable[Finding] = ()) -> None:
        """Show ``plan`` (and mark the nodes ``findings`` are about)."""
        self._plan = self._shown = plan
        self._alternatives = _alternatives(plan)
        self._findings = list(findings)
        self.query_one(PlanHeader).show_plan(plan, alternatives=len(self._alternatives))
        self.tree.load(plan, self._findings)
        if self.raw_visible:
            self._fill_raw()

    def show_other_plan(self) -> Plan | None:
        """Show the next of the plan's rejected/candidate plans (after the last: the plan itself);
        None when it has none."""
        if self._plan is None or not self._alternatives:
            return None
        cycle = [self._plan, *self._alternatives]
        position = next((i for i, p in enumerate(cycle) if p is self._shown), 0)
        shown = self._shown = cycle[(position + 1) % len(cycle)]
        winning = shown is self._plan
        self.query_one(PlanHeader).show_plan(shown, alternatives=len(self._alternatives) if winning else 0)
        self.tree.load(shown, self._findings if winning else [])
        return shown

    def set_findings(self, findings: Iterable[Finding]) -> None:
        self._findings = list(findings)
        if self._shown is not self._plan:
            return  # marks belong to the explained plan; they come back with it
        self.tree.set_findings(self._findings)
        node = self.tree.selected_node
        if self._plan is not None and node is not None:
            self.query_one(NodeDetail).show_node(self._plan, node, self._findings)

    def clear(self) -> None:
        self._pending_detail = None
        self._plan = self._shown = None
        self._alternatives = []
        self._findings = []
        self.query_one(PlanHeader).show_empty(EMPTY_TEXT)
        self.query_one(NodeDetail).clear()
        self.tree.clear()

    def select_node(self, node: PlanNode) -> bool:
        return self.tree.select_node(node)

    def jump_to_hottest(self) -> PlanNode | None:
        return self.tree.jump_to_hottest()

    def set_metric(self, metric: str) -> None:
        self.tree.set_metric(metric)

    def cycle_metric(self) -> str:
        return self.tree.cycle_metric()

    def expand_all(self) -> None:
        self.tree.expand_all()

    def collapse_all(self) -> None:
        self.tree.collapse_all()

    def toggle_raw(self) -> None:
        show = not self.raw_visible
        if show:
            self._fill_raw()
        self.set_class(show, "-raw")
        (self.query_one("#plan-raw", TextArea) if show else self.tree).focus()

    def prompt_open(self) -> None:
        self.add_class("-opening")
        self.query_one("#plan-open-input", Input).focus()

    def open_path(self, path: str | Path) -> None:
        """Read and parse ``path`` in a worker; on success show it and post PlanOpened."""
        self._open_worker(Path(path).expanduser())

    # -- internals ----------------------------------------------------------------------------------

    def _fill_raw(self) -> None:
        if self._plan is None or self._raw_for is self._plan:
            return
        self.query_one("#plan-raw", TextArea).load_text(raw_text(self._plan))
        self._raw_for = self._plan

    def on_resize(self, event: Resize) -> None:
        self.set_class(event.size.width < NARROW_WIDTH, "-narrow")

    def on_key(self, event: Key) -> None:
        self._key_at = time.monotonic()

    @on(PlanTree.CursorMoved)
    def _node_moved(self, event: PlanTree.CursorMoved) -> None:
        event.stop()
        if self._plan is None or self._shown is None:
            return
        now = time.monotonic()
        keyed = now - self._key_at < DETAIL_SETTLE_S
        burst = keyed and now - self._keyed_move_at < DETAIL_SETTLE_S
        if keyed:
            self._keyed_move_at = now
        if burst:
            # A key held down: move the cursor now, draw the detail when the keys stop.
            self._pending_detail = event.node
            if self._detail_timer is not None:
                self._detail_timer.stop()
            self._detail_timer = self.set_timer(DETAIL_SETTLE_S, self._show_pending_detail)
        else:
            self._show_detail(event.node)
        self.post_message(self.NodeSelected(self, self._shown, event.node))

    def _show_detail(self, node: PlanNode) -> None:
        self._pending_detail = None
        if self._detail_timer is not None:
            self._detail_timer.stop()
            self._detail_timer = None
        if self._shown is not None:
            findings = self._findings if self._shown is self._plan else []
            self.query_one(NodeDetail).show_node(self._shown, node, findings)

    def _show_pending_detail(self) -> None:
        self._detail_timer = None
        if self._pending_detail is not None:
            self._show_detail(self._pending_detail)

    @on(Input.Submitted, "#plan-open-input")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        text = event.value.strip()
        if not text:
            self._show_open_error("Type the path of a file that holds EXPLAIN output.")
            return
        self.open_path(text)

    def key_escape(self) -> None:
        if self.has_class("-opening"):
            self._close_prompt()

    def _close_prompt(self) -> None:
        self.remove_class("-opening")
        self.query_one("#plan-open-error", Static).update("")
        self.tree.focus()

    def _show_open_error(self, text: str) -> None:
        self.add_class("-opening")
        self.query_one("#plan-open-error", Static).update(safe_text(text, multiline=True))

    @work(thread=True, exclusive=True, exit_on_error=False, group="plan-open")
    def _open_worker(self, path: Path) -> None:
        from textual.worker import get_current_worker

        from tui.core.errors import Cancelled

        worker = get_current_worker()
        try:
            plan = read_plan_file(path, lambda: worker.is_cancelled)
        except Cancelled:
            self.app.call_from_thread(self.notify, f"Stopped reading {path}.", title="Plan", timeout=3)
            return
        except DbscopeError as exc:
            self.app.call_from_thread(self._open_failed, path, exc.one_line())
            return
        self.app.call_from_thread(self._opened, path, plan)

    def _open_failed(self, path: Path, error: str) -> None:
        self._show_open_error(error)
        self.notify(error, title="Cannot open the plan", severity="error")
        self.post_message(self.OpenFailed(self, path, error))

    def _opened(self, path: Path, plan: Plan) -> None:
        self._close_prompt()
        self.show_plan(plan)
        self.notify(f"Opened {path}", title="Plan loaded")
        self.post_message(self.PlanOpened(self, plan, path))

    # -- actions ------------------------------------------------------------------------------------

    def action_other_plan(self) -> None:
        shown = self.show_other_plan()
        if shown is None:
            self.notify(
                "This plan lists no rejected or candidate plans (MongoDB explains do, with several indexes).",
                title="Other plans",
                timeout=3,
            )
            return
        variant = shown.header.get("variant") if shown is not self._plan else None
        self.notify(
            f"Showing the {variant}." if variant else "Showing the winning plan again.",
            title="Other plans",
            timeout=2,
        )

    def action_cycle_metric(self) -> None:
        metric = self.cycle_metric()
        self.notify(f"Bars now show {METRIC_TITLES[metric]}.", title="Metric", timeout=2)

    def action_hottest(self) -> None:
        node = self.jump_to_hottest()
        if node is None:
            self.notify("This plan has no timing or cost to rank its nodes by.", severity="warning")
        else:
            self.tree.focus()

    def action_expand_all(self) -> None:
        self.expand_all()

    def action_collapse_all(self) -> None:
        self.collapse_all()

    def action_toggle_detail_focus(self) -> None:
        """The node detail is a scrollable pane of its own (a short terminal shows a few lines)."""
        detail = self.query_one("#plan-detail", NodeDetail)
        if detail.has_focus:
            self.tree.focus()
        elif not self.raw_visible:
            detail.focus()

    def action_toggle_raw(self) -> None:
        if self._plan is None:
            self.notify("No plan to show yet.", severity="warning")
            return
        self.toggle_raw()

    def action_prompt_open(self) -> None:
        self.prompt_open()
