"""Small input modals of the workbench: a connection URL to switch to, and the values of a normalized
statement's placeholders (a MySQL/MariaDB digest's ``?``) before it is explained."""

from __future__ import annotations

import re
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Static, TextArea

from tui.credentials import join_url_password, split_url_password
from tui.widgets.safe_textarea import SafeTextArea


class UrlModal(ModalScreen[str | None]):
    """Ask for a connection URL and, in a field of its own that never shows what is typed, its
    password; enter connects, escape cancels. A password typed or pasted into the URL moves to the
    password field at once, so the screen never shows it (someone may be looking over the DBA's
    shoulder, or the session may be shared with tmux)."""

    DEFAULT_CSS = """
    UrlModal { align: center middle; }
    UrlModal #url-body { height: auto; }
    UrlModal #url-help { color: $text-muted; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel", id="url.cancel")]

    def compose(self) -> ComposeResult:
        with Vertical(id="url-body", classes="modal-body") as body:
            body.border_title = "Connect to a URL"
            body.border_subtitle = "enter connects · escape cancels"
            yield Input(placeholder="postgresql://user@host:5432/db  ·  mysql://user@host/db", id="url-input")
            yield Input(placeholder="password (optional)", password=True, id="url-password")
            yield Static(
                "The password may also come from libpq's .pgpass, ~/.my.cnf or the environment.",
                id="url-help",
            )

    def on_mount(self) -> None:
        self.query_one("#url-input", Input).focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id != "url-input":
            return
        without, password = split_url_password(event.value)
        if password is None:
            return
        event.input.value = without
        self.query_one("#url-password", Input).value = password

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        url, typed = split_url_password(self.query_one("#url-input", Input).value.strip())
        password = self.query_one("#url-password", Input).value or typed or ""
        self.dismiss(join_url_password(url, password) if url else None)

    def action_cancel(self) -> None:
        self.dismiss(None)


class ValuesModal(ModalScreen[str | None]):
    """The statement in an editable box: replace each ``?`` with a representative value, then
    ``ctrl+e`` (or the button) explains it; escape cancels."""

    DEFAULT_CSS = """
    ValuesModal { align: center middle; }
    ValuesModal #values-body { width: 100; height: 22; }
    ValuesModal TextArea { height: 1fr; }
    ValuesModal #values-help { color: $text-muted; height: auto; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        # priority: the TextArea's own ctrl+e (end of line) would take it first.
        Binding("ctrl+e,f5", "submit", "Explain", id="values.explain", priority=True),
        Binding("escape", "cancel", "Cancel", id="values.cancel"),
    ]

    HELP_DIGEST = (
        "The server keeps this statement normalized: replace each ? (and each (...) list) with "
        "representative values (a typical customer id, a real status…). ctrl+e explains it, escape cancels."
    )

    def __init__(
        self, statement: str, *, title: str = "Values for the placeholders", help: str | None = None
    ) -> None:
        super().__init__()
        self.statement = statement
        self.title_text = title
        self.help_text = help or self.HELP_DIGEST

    def compose(self) -> ComposeResult:
        with Vertical(id="values-body", classes="modal-body") as body:
            body.border_title = self.title_text
            yield Static(self.help_text, id="values-help", markup=False)
            yield SafeTextArea(self.statement, soft_wrap=True, show_line_numbers=False, id="values-text")
            with Horizontal(classes="modal-buttons"):
                yield Button("Explain (ctrl+e)", variant="primary", id="values-explain")
                yield Button("Cancel (esc)", id="values-cancel")

    def on_mount(self) -> None:
        area = self.query_one(TextArea)
        area.focus()
        # Put the cursor on the first placeholder: that is what gets edited first.
        dollar = re.search(r"\$\d+", self.statement)
        found = (self.statement.find("?"), self.statement.find("(...)"), dollar.start() if dollar else -1)
        marks = [i for i in found if i >= 0]
        if marks:
            index = min(marks)
            area.move_cursor(area.document.get_location_from_index(index))

    @property
    def text(self) -> str:
        return self.query_one(TextArea).text

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "values-explain":
            self.action_submit()
        else:
            self.action_cancel()

    def action_submit(self) -> None:
        text = self.text.strip().rstrip(";").strip()
        self.dismiss(text or None)

    def action_cancel(self) -> None:
        self.dismiss(None)
