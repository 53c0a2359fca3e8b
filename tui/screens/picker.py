"""A small list chooser (databases, themes…): type to narrow, enter picks, escape cancels."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList
from textual.widgets.option_list import Option

from tui.widgets.safetext import safe_text


class PickerModal(ModalScreen[str | None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="picker.cancel"),
        Binding("down", "move(1)", "Next", show=False, id="picker.down"),
        Binding("up", "move(-1)", "Previous", show=False, id="picker.up"),
    ]

    def __init__(self, title: str, choices: list[str], current: str | None = None) -> None:
        super().__init__()
        self.title_text = title
        self.choices = choices
        self.current = current

    def compose(self) -> ComposeResult:
        with Vertical(id="picker-body", classes="modal-body") as body:
            body.border_title = safe_text(self.title_text)
            body.border_subtitle = "enter picks · escape cancels"
            yield Input(placeholder="type to narrow", id="picker-input")
            yield OptionList(id="picker-options")

    def on_mount(self) -> None:
        self._fill("")
        self.query_one("#picker-input", Input).focus()

    def _fill(self, text: str) -> None:
        options = self.query_one("#picker-options", OptionList)
        options.clear_options()
        needle = text.strip().lower()
        shown = [c for c in self.choices if needle in c.lower()]
        options.add_options(
            [Option(safe_text(f"{c}  (current)" if c == self.current else c), id=c) for c in shown]
        )
        if shown:
            options.highlighted = shown.index(self.current) if self.current in shown else 0

    def on_input_changed(self, event: Input.Changed) -> None:
        self._fill(event.value)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        options = self.query_one("#picker-options", OptionList)
        if options.highlighted is not None:
            self.dismiss(options.get_option_at_index(options.highlighted).id)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_move(self, delta: int) -> None:
        options = self.query_one("#picker-options", OptionList)
        if options.option_count:
            current = options.highlighted if options.highlighted is not None else -1
            options.highlighted = max(0, min(options.option_count - 1, current + delta))

    def action_cancel(self) -> None:
        self.dismiss(None)
