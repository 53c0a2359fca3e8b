"""The help screen (`?`/F1): what the focused pane is for, its keys, then the keys that work
everywhere, then Textual's standard keys. Built from the live bindings, so a key remapped in the
config file's ``[keys]`` table shows as remapped, next to the binding id it is remapped by."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.dom import DOMNode
from textual.keys import format_key
from textual.screen import ModalScreen
from textual.widgets import Markdown, Static

from tui.widgets.safetext import safe_text


@dataclass(slots=True)
class KeyRow:
    """One action: its keys as shown (``"k ↑"``), what it does, its binding id (None for Textual's
    own bindings) and whether the user's ``[keys]`` table remapped it."""

    keys: str
    description: str
    binding_id: str | None = None
    remapped: bool = False
    detail: str = ""  # the binding's tooltip: a longer description, shown instead when present


@dataclass(slots=True)
class HelpContent:
    pane: str
    description: str
    pane_keys: list[KeyRow]
    global_keys: list[KeyRow]
    standard_keys: list[KeyRow] = field(default_factory=list)  # Textual's, without ids
    config_path: str = ""


DEFAULT_DESCRIPTION = "Tab and shift+tab move between the panes; ctrl+p searches every command."


def describe_focus(screen_node: DOMNode, focused: DOMNode | None) -> tuple[str, str, set[int]]:
    """(pane title, pane description markdown, ids of the nodes between the focus and the screen).

    The title is the nearest ``PANE_TITLE`` (else the nearest widget with ``HELP``, in words); the
    description joins every ``HELP`` text on the way up, the focused widget's first, dropping texts that
    another one already contains (a pane whose HELP extends its tree's)."""
    chain: list[DOMNode] = []
    node = focused
    while node is not None and node is not screen_node:
        chain.append(node)
        node = node.parent
    titled = next((item for item in chain if getattr(item, "PANE_TITLE", None)), None)
    helped = [item for item in chain if getattr(item, "HELP", None)]
    title = "Main screen"
    if titled is not None:
        title = str(titled.PANE_TITLE)  # type: ignore[attr-defined]
    elif helped:
        title = _words(type(helped[0]).__name__)
    texts: list[str] = []
    for item in helped:
        text = str(item.HELP).strip()
        if any(text in other for other in texts):
            continue
        texts = [other for other in texts if other not in text]
        texts.append(text)
    description = "\n\n".join(texts) or DEFAULT_DESCRIPTION
    return title, description, {id(item) for item in chain}


def _words(name: str) -> str:
    """``QueryEditor`` → ``Query editor``."""
    words = re.findall(r"[A-Z][a-z0-9]*|[a-z0-9]+", name) or [name]
    return " ".join([words[0], *(w.lower() for w in words[1:])])


_NAMED_KEYS = {"escape": "esc", "pageup": "pgup", "pagedown": "pgdn", "space": "space"}


def key_label(key: str) -> str:
    """A key as a person types it: ``ctrl+q``, ``shift+tab``, ``?``, ``F1``, ``↑``, ``enter``."""
    *modifiers, name = key.split("+")
    if re.fullmatch(r"f\d{1,2}", name):
        shown = name.upper()
    elif name in _NAMED_KEYS:
        shown = _NAMED_KEYS[name]
    elif name == "enter":
        shown = "enter"
    else:
        shown = format_key(name)
    return "+".join([*modifiers, shown])


def collect_help(screen: object) -> HelpContent:
    """Gather the focused pane's, the global and Textual's standard keys from ``screen.active_bindings``."""
    from textual.screen import Screen

    assert isinstance(screen, Screen)
    app = screen.app
    title, description, pane_nodes = describe_focus(screen, screen.focused)
    remapped_ids = set(getattr(app, "keymap_ids", None) or {})  # [keys] by current binding ids
    groups: dict[str, dict[tuple[str, str | None], KeyRow]] = {"pane": {}, "global": {}, "standard": {}}
    for key, active in screen.active_bindings.items():
        binding: Binding = active.binding
        if not binding.description or binding.system:
            continue
        if binding.id is None:
            group = "standard"
        elif id(active.node) in pane_nodes:
            group = "pane"
        else:
            group = "global"
        row = groups[group].setdefault(
            (binding.description, binding.id),
            KeyRow("", binding.description, binding.id, binding.id in remapped_ids, binding.tooltip),
        )
        shown = key_label(key)
        if shown not in row.keys.split(" "):
            row.keys = f"{row.keys} {shown}".strip()
    if app.COMMAND_PALETTE_BINDING and not any(
        row.description.lower().endswith("palette") for group in groups.values() for row in group.values()
    ):
        groups["standard"][("Command palette", None)] = KeyRow(
            key_label(app.COMMAND_PALETTE_BINDING), "Command palette"
        )
    config_path = ""
    try:
        from tui.config import default_config_path

        config_path = str(default_config_path())
    except Exception:  # the help must open even when the environment is odd
        config_path = ""
    return HelpContent(
        title,
        description,
        list(groups["pane"].values()),
        list(groups["global"].values()),
        list(groups["standard"].values()),
        config_path,
    )


def _key_table(
    rows: list[KeyRow],
    *,
    with_ids: bool = True,
    key_style: str = "bold",
    widths: tuple[int, int, int] = (10, 20, 16),
) -> Table:
    """Keys, what they do (the tooltip when there is one) and the binding id; ``widths`` (keys, what,
    id) are shared by the screen's tables so their columns line up."""
    table = Table.grid(padding=(0, 2))
    table.add_column(no_wrap=True, min_width=widths[0])
    table.add_column(min_width=widths[1], max_width=widths[1])
    if with_ids:  # never cut: the id is what a user copies into [keys]
        table.add_column(style="dim", no_wrap=True, min_width=widths[2])
    for row in rows:
        keys = safe_text(row.keys, key_style)  # keys can come from the config file's [keys]
        if row.remapped:
            keys.append(" *", style="bold reverse")
        # Text, not str: a Rich table reads a str cell as markup.
        cells: list[Text | str] = [keys, safe_text(row.detail or row.description)]
        if with_ids:
            cells.append(safe_text(row.binding_id or ""))
        table.add_row(*cells)
    return table


class HelpScreen(ModalScreen[None]):
    """Keys of the focused pane and of the whole app; escape, q, ? or F1 closes it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,question_mark,f1", "dismiss", "Close", id="help.close"),
        Binding("j,down", "scroll_down", "Scroll down", show=False, id="help.scroll_down"),
        Binding("k,up", "scroll_up", "Scroll up", show=False, id="help.scroll_up"),
    ]

    def __init__(self, content: HelpContent) -> None:
        super().__init__()
        self.content = content

    def compose(self) -> ComposeResult:
        content = self.content
        with VerticalScroll(id="help-body") as body:
            body.border_title = f"Help — {content.pane}"
            body.border_subtitle = "esc closes · j/k scroll"
            yield Markdown(content.description, id="help-description")
            yield Static(Text("Keys in this pane", style="bold underline"), classes="help-heading")
            if content.pane_keys:
                yield Static(id="help-pane-keys")
            else:
                yield Static(Text("(none besides the keys below)", style="italic"), id="help-pane-keys")
            yield Static(Text("Everywhere", style="bold underline"), classes="help-heading")
            yield Static(id="help-global-keys")
            if content.standard_keys:
                yield Static(Text("Standard keys", style="bold underline"), classes="help-heading")
                yield Static(id="help-standard-keys")
            remapped = any(row.remapped for row in (*content.pane_keys, *content.global_keys))
            note = Text()
            if remapped:
                note.append(" * ", style="bold reverse")
                note.append(" remapped by your config file.\n")
            note.append("Remap any key by its id in the config file's [keys] table, e.g. ")
            note.append('plan.hottest = "H"', style="bold")
            if content.config_path:
                note.append(f" in {content.config_path}")
            note.append(". Other panes list their keys here when focused (tab moves); ")
            note.append("ctrl+p", style="bold")
            note.append(" searches every command.")
            yield Static(note, id="help-note", classes="help-heading")

    def on_mount(self) -> None:
        self._fill_tables()

    def on_resize(self) -> None:
        self._fill_tables()

    def _fill_tables(self) -> None:
        """Render the key tables with shared column widths that fit the body's width now."""
        content = self.content
        theme = self.app.current_theme
        key_style = f"bold {theme.accent or theme.primary}" if theme is not None else "bold"
        every = [*content.pane_keys, *content.global_keys, *content.standard_keys]
        key_width = max((len(row.keys) + 2 for row in every), default=10)
        id_width = max((len(row.binding_id or "") for row in every), default=0)
        # The body is at most 90 columns (95 % of narrow screens), less its border, padding, scrollbar.
        room = min(90, int(self.app.size.width * 0.95)) - 8 - key_width - id_width - 4
        longest = max((len(row.detail or row.description) for row in every), default=20)
        widths = (key_width, max(12, min(room, longest)), id_width)
        tables = (
            ("#help-pane-keys", content.pane_keys, True),
            ("#help-global-keys", content.global_keys, True),
            ("#help-standard-keys", content.standard_keys, False),
        )
        for selector, rows, with_ids in tables:
            if rows:
                table = _key_table(rows, with_ids=with_ids, key_style=key_style, widths=widths)
                self.query_one(selector, Static).update(table)

    async def action_dismiss(self, result: None = None) -> None:
        self.dismiss(result)

    def action_scroll_down(self) -> None:
        self.query_one("#help-body", VerticalScroll).scroll_down()

    def action_scroll_up(self) -> None:
        self.query_one("#help-body", VerticalScroll).scroll_up()
