"""tui.core.termsafe: whatever comes in, nothing a terminal acts on goes out, and the escapes can be read
back unambiguously (one-line form) or are stable (multi-line form)."""

from __future__ import annotations

import sys
import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from tui.core import termsafe

UNSAFE_CATEGORIES = {"Cc", "Cf", "Zl", "Zp", "Cs"}
# Cf in Unicode 15 (Python 3.12+), unassigned in the 14.0 of Python 3.11: escaped on every version.
NEWER_FORMAT_CHARACTERS = set(range(0x13439, 0x13440))


def terminal_acts_on(text: str) -> list[str]:
    """Code points of ``text`` a terminal would interpret or hide (newline included)."""
    return [c for c in text if unicodedata.category(c) in UNSAFE_CATEGORIES]


# Sequences a terminal interprets: OSC title, CSI clear/alt-screen, 8-bit CSI, DCS, bidi override…
SEQUENCES = [
    "\x1b]0;pwned\x07",
    "\x1b]8;;http://evil/\x1b\\link\x1b]8;;\x1b\\",
    "\x1b[2J",
    "\x1b[?1049h",
    "\x1b[31m",
    "\x9b2J",
    "\x9d0;pwned\x9c",
    "\x1bP+q544e\x1b\\",
    "\x1b_apc\x1b\\",
    "\x1bc",
    "\x1b(0",
    "\r\x1b[K",
    "\x08\x08",
    "\u202eevil\u202c",
    "\u2066x\u2069",
    "\u200b\ufeff",
    "\u2028\u2029",
    "\udcff",
    "[red]x[/]",
    "[link=http://evil]y[/link]",
    "↵",
    "\\x1b",
    "\\\\",
    "\\u202e",
]
hostile = st.lists(
    st.one_of(st.sampled_from(SEQUENCES), st.text(), st.characters(codec=None), st.sampled_from("\\↵xuUtr0")),
    max_size=12,
).map("".join)
safe_text = st.text(
    st.characters(exclude_categories=("Cc", "Cf", "Zl", "Zp", "Cs"), exclude_characters="\\↵"), max_size=60
)


def test_the_unsafe_class_is_every_control_and_format_code_point() -> None:
    missing, extra = [], []
    for code in range(sys.maxunicode + 1):
        char = chr(code)
        acts = unicodedata.category(char) in UNSAFE_CATEGORIES
        if acts and termsafe.is_safe(char):
            missing.append(hex(code))
        elif not acts and not termsafe.is_safe(char) and code not in NEWER_FORMAT_CHARACTERS:
            extra.append(hex(code))
    assert missing == [] and extra == []


@given(hostile)
@settings(max_examples=200)
def test_line_leaves_nothing_a_terminal_acts_on_and_reads_back(text: str) -> None:
    shown = termsafe.line(text)
    assert terminal_acts_on(shown) == []
    assert "\n" not in shown
    assert termsafe.unescape_line(shown) == text


@given(hostile)
@settings(max_examples=200)
def test_block_leaves_nothing_but_newlines_and_is_idempotent(text: str) -> None:
    shown = termsafe.block(text)
    assert [c for c in terminal_acts_on(shown) if c != "\n"] == []
    assert termsafe.block(shown) == shown
    assert shown.count("\n") == text.replace("\r\n", "\n").count("\n")


@given(safe_text)
def test_safe_text_comes_back_unchanged(text: str) -> None:
    assert termsafe.line(text) is text
    assert termsafe.block(text) is text


@given(st.text(max_size=40), st.text(max_size=40))
def test_different_strings_never_look_the_same_on_one_line(a: str, b: str) -> None:
    if a != b:
        assert termsafe.line(a) != termsafe.line(b)


def test_the_escapes_a_person_reads() -> None:
    assert termsafe.line("orders\x1b]0;pwned\x07") == "orders\\x1b]0;pwned\\x07"
    assert termsafe.line("two\nlines") == "two↵lines"
    assert termsafe.line("tab\there") == "tab\\there"
    assert termsafe.line("crlf\r\n") == "crlf\\r↵"
    assert termsafe.line("\u202egnp.exe") == "\\u202egnp.exe"
    assert termsafe.line("\x9b2J") == "\\x9b2J"
    assert termsafe.line("tag\U000e0041") == "tag\\U000e0041"
    # A backslash is doubled only where it could start an escape; SQL's LIKE 'a\_%' stays as typed.
    assert termsafe.line("a\\_b") == "a\\_b"
    assert termsafe.line("a\\x1b") == "a\\\\x1b"
    assert termsafe.line("literal ↵") == "literal \\u21b5"
    assert termsafe.block("SELECT 1\r\n\tFROM t -- \x1b[2J") == "SELECT 1\n    FROM t -- \\x1b[2J"
    assert termsafe.block("E'\\t'") == "E'\\t'"
    assert termsafe.value(b"\x1b") == "b'\\\\x1b'"


def test_a_big_plan_is_one_scan() -> None:
    text = ("  ->  Seq Scan on t  (cost=0.00..1.00 rows=1 width=4)\n" * 80_000) + "\x1b[2J"
    shown = termsafe.block(text)
    assert shown.endswith("\\x1b[2J") and shown.count("\n") == 80_000


def test_shortened_messages_are_one_safe_line() -> None:
    # The path and URL-part helpers of tui.core.files / connspec / errors use this one.
    assert termsafe.shortened("/tmp/a\nb\x1b[2J", 80) == "/tmp/a↵b\\x1b[2J"
    assert termsafe.shortened("x" * 100, 10) == "x" * 9 + "…"
    from tui.core.files import shown

    assert shown("/tmp/\x1b]0;pwned\x07") == "/tmp/\\x1b]0;pwned\\x07"
