"""FittedFooter: Textual's Footer that never cuts a key off at the terminal's edge.

Textual's Footer lays its keys out in one line and lets the last ones fall off the right edge (at 80
columns the plan view's footer ended in "a Ad"). This one measures the keys first and, while they do
not fit beside the palette key, leaves out the keys that work everywhere (filter, explain, advisor,
top — the screen's and the app's), last first, so the focused pane's own keys stay; only then the
pane's own, last first. Every key is still listed by `?` and found by ctrl+p. It recomposes when its
width changes.
"""

from __future__ import annotations

from typing import NamedTuple

from rich.cells import cell_len
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.dom import DOMNode
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

# The palette key on the right: its left border, " ^p palette " and its right padding.
PALETTE_WIDTH = 14


class _Shown(NamedTuple):
    node: DOMNode
    binding: Binding
    enabled: bool
    tooltip: str


class FittedFooter(Footer):
    """A footer whose keys always fit its width (see the module docstring)."""

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._composed_width = 0

    def key_width(self, binding: Binding) -> int:
        """Cells a key takes: " key " and "description " (Textual's non-compact FooterKey), or a
        cell less each way when compact."""
        key = cell_len(self.app.get_key_display(binding))
        description = cell_len(binding.description)
        if self.compact:
            return key + 1 + description + 1
        return key + 2 + description + 1

    def fitted(self, room: int) -> list[_Shown]:
        """The keys to show in ``room`` cells, in the footer's order."""
        screen = self.screen
        shown: dict[str, _Shown] = {}
        for node, binding, enabled, tooltip in screen.active_bindings.values():
            if binding.show and binding.action not in shown:
                shown[binding.action] = _Shown(node, binding, enabled, tooltip)
        keys = list(shown.values())
        while keys and sum(self.key_width(k.binding) for k in keys) > room:
            everywhere = [i for i, k in enumerate(keys) if k.node is screen or k.node is self.app]
            del keys[everywhere[-1] if everywhere else -1]
        return keys

    def compose(self) -> ComposeResult:
        if not self._bindings_ready:
            return
        app = self.app
        palette = None
        if self.show_command_palette and app.ENABLE_COMMAND_PALETTE:
            palette = self.screen.active_bindings.get(app.COMMAND_PALETTE_BINDING)
        width = self.size.width or app.size.width
        self._composed_width = width
        room = width - (PALETTE_WIDTH if palette is not None else 0)
        for key in self.fitted(room):
            binding = key.binding
            yield FooterKey(
                binding.key,
                app.get_key_display(binding),
                binding.description,
                binding.action,
                disabled=not key.enabled,
                tooltip=key.tooltip,
            ).data_bind(compact=Footer.compact)
        if palette is not None:
            _node, binding, enabled, _tooltip = palette
            yield FooterKey(
                binding.key,
                app.get_key_display(binding),
                binding.description,
                binding.action,
                classes="-command-palette",
                disabled=not enabled,
                tooltip=binding.tooltip or binding.description,
            )

    def on_resize(self, event: events.Resize) -> None:
        if self._bindings_ready and event.size.width != self._composed_width:
            self.call_after_refresh(self.recompose)
