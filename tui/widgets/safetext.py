"""Rich ``Text`` from server or file text, passed through the terminal sanitizer (tui.core.termsafe).

Widgets build what they show from these instead of interpolating names into markup: a ``Text`` is never
parsed as markup, so ``[red]x[/]`` or ``[link=…]`` in a table name stays literal, and the escapes that
stand for control characters are styled apart so ``\\x1b`` typed in a name and a real ESC look different.
"""

from __future__ import annotations

from rich.style import Style
from rich.text import Text

from tui.core import termsafe

ESCAPE_STYLE = Style(reverse=True)


def safe_text(
    text: str,
    style: str | Style = "",
    *,
    multiline: bool = False,
    no_wrap: bool | None = None,
    end: str = "\n",
) -> Text:
    """``text`` as a Rich ``Text`` that cannot reach the terminal as a control sequence or as markup:
    one line (newline ``↵``) unless ``multiline``; escapes in reverse video."""
    result = Text(style=style, no_wrap=no_wrap, end=end)
    append_safe(result, text, multiline=multiline)
    return result


def append_safe(target: Text, text: str, style: str | Style = "", *, multiline: bool = False) -> Text:
    """Append ``text`` (sanitized, escapes styled) to ``target`` and return ``target``."""
    for piece, escaped in termsafe.pieces(text, multiline=multiline):
        target.append(piece, style)
        if escaped:
            target.stylize(ESCAPE_STYLE, len(target) - len(piece))
    return target
