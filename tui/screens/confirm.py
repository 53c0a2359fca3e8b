"""A yes/no confirmation modal that names exactly what will happen (writes, EXPLAIN ANALYZE…): the whole
text, scrollable, never cut."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from tui.widgets.safetext import safe_text


class ConfirmModal(ModalScreen[bool]):
    """Returns True only when the user presses the confirm button or `y`."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "answer(True)", "Yes", id="confirm.yes"),
        Binding("n,escape", "answer(False)", "No", id="confirm.no"),
    ]

    def __init__(self, title: str, message: str, *, confirm_label: str = "Run it", detail: str = "") -> None:
        super().__init__()
        self.title_text = title
        self.message = message
        self.detail = detail
        self.confirm_label = confirm_label

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-body", classes="modal-body") as body:
            body.border_title = safe_text(self.title_text)
            yield Static(safe_text(self.message, multiline=True), id="confirm-message")
            if self.detail:
                with VerticalScroll(id="confirm-scroll"):
                    yield Static(safe_text(self.detail, multiline=True), id="confirm-detail")
            with Horizontal(classes="modal-buttons"):
                yield Button(f"{self.confirm_label} (y)", variant="warning", id="confirm-yes")
                yield Button("Cancel (n)", variant="primary", id="confirm-no")

    def on_mount(self) -> None:
        self.query_one("#confirm-no", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "confirm-yes")

    def action_answer(self, value: bool) -> None:
        self.dismiss(value)
