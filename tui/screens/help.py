"""The help screen (`?`/F1): the focused pane's description and keys, then the keys that work
everywhere. Built from the live bindings, so remapped keys show as remapped."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.dom import DOMNode
from textual.screen import ModalScreen
from textual.widgets import Markdown, Static


@dataclass(slots=True, frozen=True)
class KeyRow:
    keys: str
    description: str


@dataclass(slots=True)
class HelpContent:
    pane: str
    description: str
    pane_keys: list[KeyRow]
    global_keys: list[KeyRow]


# Descriptions for hosted pane widgets that carry no HELP of their own (keys come from their bindings).
FALLBACK_HELP = {
    "PlanView": (
        "Plan",
        "**EXPLAIN plan** — the plan as a tree: every row shows the operation, object, rows estimated "
        "vs actual, loops and the share of time. `m` switches the metric, `h` jumps to the hottest node, "
        "`v` shows the raw output, `o` opens a saved plan file.",
    ),
    "ResultsGrid": (
        "Results",
        "**Results** — the rows of the last statement, capped (the cap says when more rows exist).",
    ),
    "QueryEditor": (
        "Query editor",
        "**Query editor** — SQL with highlighting; `e` explains the statement under the cursor, `E` runs "
        "EXPLAIN ANALYZE (asking first when it writes, and rolling back).",
    ),
    "AdvisorPanel": (
        "Advisor",
        "**Advisor** — findings with their evidence, reasoning and DDL; `y` copies the DDL.",
    ),
}


def describe_focus(screen_node: DOMNode, focused: DOMNode | None) -> tuple[str, str, set[int]]:
    """(pane title, pane description markdown, ids of the nodes that belong to the pane)."""
    chain: list[DOMNode] = []
    node = focused
    while node is not None and node is not screen_node:
        chain.append(node)
        node = node.parent
    title, description = "Main screen", "Tab and shift+tab move between the panes."
    # The nearest pane (a widget naming itself with PANE_TITLE) describes the focus best; otherwise
    # the nearest widget with a HELP text (Textual's convention, used by the pane widgets too).
    for item in chain:
        fallback = FALLBACK_HELP.get(type(item).__name__)
        if fallback is not None and not getattr(item, "HELP", None):
            return fallback[0], fallback[1], {id(node) for node in chain}
    pane = next((item for item in chain if getattr(item, "PANE_TITLE", None)), None)
    helped = next((item for item in chain if getattr(item, "HELP", None)), None)
    chosen = pane or helped
    if chosen is not None:
        title = getattr(chosen, "PANE_TITLE", None) or _words(type(chosen).__name__)
        description = getattr(chosen, "HELP", None) or description
    return title, description, {id(item) for item in chain}


def _words(name: str) -> str:
    """``QueryEditor`` → ``Query editor``."""
    import re

    words = re.findall(r"[A-Z][a-z0-9]*|[a-z0-9]+", name) or [name]
    return " ".join([words[0], *(w.lower() for w in words[1:])])


def collect_help(screen: object) -> HelpContent:
    """Gather the focused pane's and the global keys from ``screen.active_bindings``."""
    from textual.screen import Screen

    assert isinstance(screen, Screen)
    app = screen.app
    title, description, pane_nodes = describe_focus(screen, screen.focused)
    pane_keys: dict[str, list[str]] = {}
    global_keys: dict[str, list[str]] = {}
    ours: set[str] = set()  # descriptions of dbscope's own bindings, listed before Textual's defaults
    for key, active in screen.active_bindings.items():
        binding: Binding = active.binding
        if not binding.description or binding.system:
            continue
        target = pane_keys if id(active.node) in pane_nodes else global_keys
        display = app.get_key_display(binding) if key == binding.key else key
        target.setdefault(binding.description, [])
        if binding.id or type(active.node).__module__.startswith("tui."):
            ours.add(binding.description)
        if display not in target[binding.description]:
            target[binding.description].append(display)
    if screen.app.COMMAND_PALETTE_BINDING and "Command palette" not in global_keys:
        global_keys["Command palette"] = [screen.app.COMMAND_PALETTE_DISPLAY or "ctrl+p"]

    def rows(found: dict[str, list[str]]) -> list[KeyRow]:
        rows_ = [KeyRow(" ".join(keys), text) for text, keys in found.items()]
        return sorted(rows_, key=lambda r: (r.description not in ours, r.keys))

    return HelpContent(title, description, rows(pane_keys), rows(global_keys))


def _key_table(rows: list[KeyRow]) -> Table:
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold", no_wrap=True)
    table.add_column()
    for row in rows:
        table.add_row(row.keys, row.description)
    return table


class HelpScreen(ModalScreen[None]):
    """Keys of the focused pane and of the whole app; escape, q, ? or F1 closes it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,question_mark,f1", "dismiss", "Close", id="help-close"),
        Binding("j", "scroll_down", show=False),
        Binding("k", "scroll_up", show=False),
    ]

    def __init__(self, content: HelpContent) -> None:
        super().__init__()
        self.content = content

    def compose(self) -> ComposeResult:
        content = self.content
        with VerticalScroll(id="help-body") as body:
            body.border_title = f"Help — {content.pane}"
            body.border_subtitle = "escape closes"
            yield Markdown(content.description, id="help-description")
            yield Static(Text("Keys in this pane", style="bold underline"), classes="help-heading")
            if content.pane_keys:
                yield Static(_key_table(content.pane_keys), id="help-pane-keys")
            else:
                yield Static(Text("(none besides the global keys)", style="italic"), id="help-pane-keys")
            yield Static(Text("Everywhere", style="bold underline"), classes="help-heading")
            yield Static(_key_table(content.global_keys), id="help-global-keys")
            yield Static(
                Text(
                    "Every key can be remapped in the config file's [keys] table (binding id = key); "
                    "ctrl+p lists every command.",
                    style="italic",
                ),
                classes="help-heading",
            )

    async def action_dismiss(self, result: None = None) -> None:
        self.dismiss(result)

    def action_scroll_down(self) -> None:
        self.query_one("#help-body", VerticalScroll).scroll_down()

    def action_scroll_up(self) -> None:
        self.query_one("#help-body", VerticalScroll).scroll_up()
