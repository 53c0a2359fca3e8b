"""A modal for errors that need attention (not just a notification): title, message and hint of a
typed error, with the details selectable for copying."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from tui.core.connspec import mask_secrets
from tui.core.errors import DbscopeError
from tui.widgets.safetext import safe_text


def error_parts(error: BaseException) -> tuple[str, str, str]:
    """(title, message, hint) of any error, with secrets masked."""
    if isinstance(error, DbscopeError):
        return error.title, mask_secrets(error.message), mask_secrets(error.hint or "")
    text = str(error) or type(error).__name__
    return "Unexpected error", mask_secrets(f"{type(error).__name__}: {text}"), "this is a bug in dbscope"


class ErrorModal(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,enter,q", "close", "Close", id="error.close")]

    def __init__(self, error: BaseException, *, action: str = "") -> None:
        super().__init__()
        self.error = error
        self.action = action

    def compose(self) -> ComposeResult:
        title, message, hint = error_parts(self.error)
        with Vertical(id="error-body", classes="modal-body") as body:
            body.border_title = safe_text(title)
            if self.action:
                yield Static(safe_text(f"While {self.action}:", multiline=True), classes="error-action")
            yield Static(safe_text(message, multiline=True), id="error-message")
            if hint:
                yield Static(safe_text(f"Hint: {hint}", multiline=True), id="error-hint")
            with Horizontal(classes="modal-buttons"):
                yield Button("Close", variant="primary", id="error-close")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(None)

    def action_close(self) -> None:
        self.dismiss(None)
