"""The status bar: engine and server version, user@host/db (masked), the READ-ONLY / READ-WRITE badge,
the running work with its cancel key, and the disconnected state with its reconnect key."""

from __future__ import annotations

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from tui.widgets.safetext import append_safe

ENGINE_NAMES = {"postgresql": "PostgreSQL", "mysql": "MySQL", "mariadb": "MariaDB", "mongodb": "MongoDB"}


class StatusBar(Widget):
    """One line at the bottom of the main screen. State is set by the screen; it renders only."""

    DEFAULT_CSS = """
    StatusBar {
        height: 1;
        background: $panel;
        color: $foreground;
    }
    """

    engine: reactive[str] = reactive("")
    version: reactive[str] = reactive("")
    where: reactive[str] = reactive("")
    read_write: reactive[bool] = reactive(False)
    connected: reactive[bool] = reactive(False)
    state: reactive[str] = reactive("connecting…")  # connecting… | ready | disconnected | failed
    work: reactive[str] = reactive("")
    cancel_key: reactive[str] = reactive("ctrl+g")
    reconnect_key: reactive[str] = reactive("ctrl+r")
    hint: reactive[str] = reactive("?/F1 help  ^q quit")  # right-aligned; always visible

    def on_mount(self) -> None:
        # Keys remapped in the config's [keys] table show as remapped (F1 works while typing, ? not).
        keymap = getattr(self.app, "keymap_value", None)
        if callable(keymap):
            help_key, quit_key = keymap("app.help"), keymap("app.quit")
            if help_key or quit_key:
                self.hint = f"{help_key or '?/F1'} help  {quit_key or '^q'} quit"

    def render(self) -> Text:
        # The state on the left (cut with an ellipsis when narrow), the help hint on the right.
        text = self._state_text()
        hint = f" {self.hint} " if self.hint else ""
        width = self.size.width
        if not hint or width < len(hint) + 24:
            return text
        room = width - len(hint)
        if text.cell_len > room:
            text.truncate(room, overflow="ellipsis")
        text.pad_right(room - text.cell_len)
        text.append(hint, style="dim")
        return text

    def _state_text(self) -> Text:
        # Most important first, so a narrow terminal cuts off the host, never the badge or the work.
        text = Text(no_wrap=True, overflow="ellipsis", end="")
        if self.engine:
            append_safe(text, f" {ENGINE_NAMES.get(self.engine, self.engine)} {self.version} ", "bold")
            if self.read_write:
                text.append(" READ-WRITE ", style="bold reverse red")
            else:
                text.append(" READ-ONLY ", style="bold reverse green")
            text.append(" ")
        if not self.connected:
            if self.state == "disconnected":
                text.append(" DISCONNECTED ", style="bold reverse red")
                text.append(f" {self.reconnect_key} reconnects ")
            else:
                append_safe(text, f" {self.state} ", "italic")
        if self.work:
            append_safe(text, f" ⟳ {self.work} ", "bold")
            text.append(f"({self.cancel_key} cancels) ", style="dim")
        if self.where:
            append_safe(text, f" {self.where}", "dim" if self.work else "")
        return text
