"""A ``TextArea`` that paints control and format characters as visible pictures (``␛``, ``�``).

The document keeps the exact text (copy, save and run get what the server or file holds), only the
painted strips pass the terminal sanitizer: a DDL, a statement or a value with ``\\x1b]0;…`` in it
cannot set the terminal's title from the DDL tab, the editor or a modal.
"""

from __future__ import annotations

from rich.segment import Segment
from textual.strip import Strip
from textual.widgets import TextArea

from tui.core import termsafe


def safe_strip(strip: Strip) -> Strip:
    """``strip`` with every segment's text through ``termsafe.pictures``, at the same cell length."""
    segments = list(strip)
    if all(termsafe.is_safe(segment.text) for segment in segments):
        return strip
    cleaned = [Segment(termsafe.pictures(text), style, control) for text, style, control in segments]
    return Strip(cleaned).adjust_cell_length(strip.cell_length)


class SafeTextArea(TextArea):
    """``TextArea`` whose painted lines never carry a raw control character."""

    def render_line(self, y: int) -> Strip:
        return safe_strip(super().render_line(y))
