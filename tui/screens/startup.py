"""The start-up overlay: what dbscope is doing before the first catalog arrives (starting the demo
server, loading its data, connecting), one line per step."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

from tui.widgets.safetext import append_safe


class StartupScreen(ModalScreen[None]):
    """Shown over the main screen while a slow start (``--demo``) runs; dismissed once connected."""

    def __init__(self, title: str) -> None:
        super().__init__(id="startup")
        self.title_text = title
        self.lines: list[str] = []

    def compose(self) -> ComposeResult:
        with Vertical(id="startup-body", classes="modal-body") as body:
            body.border_title = self.title_text
            body.border_subtitle = "ctrl+q quits"
            yield Static("starting…", id="startup-log")

    def add_line(self, text: str) -> None:
        if self.lines and self.lines[-1] == text:
            return
        self.lines.append(text)
        shown = Text()
        for number, line in enumerate(self.lines[-12:]):
            if number:
                shown.append("\n")
            last = number == len(self.lines[-12:]) - 1
            append_safe(shown, ("› " if last else "✓ ") + line, "bold" if last else "dim")
        self.query_one("#startup-log", Static).update(shown)
