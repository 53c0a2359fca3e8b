"""The CLI's only way to the terminal: every line ``dbscope`` prints passes the terminal sanitizer.

``out`` prints a result (text, markdown or JSON) on stdout, ``err`` a one-line message on stderr with
secrets masked. Text and markdown go through ``termsafe.block`` (newlines kept, every control and format
character as a visible escape); JSON is made safe with ``termsafe.json_text`` before it gets here, which
keeps it exact, so ``block`` finds nothing to change in it.
"""

from __future__ import annotations

import sys

from tui.core import termsafe


def out(text: str) -> None:
    """``text`` on stdout, sanitized, ending in one newline."""
    text = termsafe.block(text)
    sys.stdout.write(text if text.endswith("\n") else text + "\n")
    sys.stdout.flush()


def err(text: str, prefix: str = "dbscope: ") -> None:
    """One line on stderr: ``prefix`` + ``text`` with passwords masked and nothing a terminal acts on."""
    from tui.core.connspec import mask_secrets

    sys.stderr.write(prefix + termsafe.line(mask_secrets(text)) + "\n")
