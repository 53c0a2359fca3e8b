"""Turning pasted EXPLAIN text into decoded JSON: strip what psql, pgAdmin and the mysql client print
around the JSON (header, dashed rule, ``+`` continuation markers, ``(1 row)``, expanded-mode ``|``
prefixes, CSV quoting) and decode it, with errors that say where and what is wrong.

Lines that are removed are blanked rather than deleted, so the line and column numbers in an error
message point at the user's own input.
"""

from __future__ import annotations

import json
import re
from typing import Any

from tui.core.errors import PlanInputError

_DECORATION_LINE = re.compile(
    r"""^\s*(?:
        QUERY\ PLAN                              # psql column header
      | EXPLAIN | ANALYZE                        # mysql/mariadb column header
      | [-+=─═]{3,}                              # rules under headers, table borders
      | \(\d+\s+\w+\)                            # (1 row), (12 rows), (1 ligne)
      | -\[\s*RECORD\s+\d+\s*\][-+]*             # psql expanded mode
      | \*+\s*\d+\.\s*row\s*\*+                  # mysql \G
      | \d+\s+rows?\s+in\s+set.*                 # mysql footer
    )\s*$""",
    re.VERBOSE | re.IGNORECASE,
)
# The common psql case is handled without a Python loop over every line: `+` markers go with one
# regex (it starts from the literal `+`, so it is fast), decoration is looked for in the first and last
# lines only.
_TRAILING_PLUS_M = re.compile(r"\+[ \t]*$", re.MULTILINE)
_NEEDS_LINE_PASS = re.compile(
    r"^[ \t]*(?:\||(?:QUERY PLAN|EXPLAIN|ANALYZE)[ \t]*[|:]|-\[[ \t]*RECORD|\*{3,})", re.MULTILINE
)
_FRAME_LINES = 12
_EXPANDED_PREFIX = re.compile(r"^(?:QUERY PLAN|EXPLAIN|ANALYZE)\s*\|\s?")
_LABEL_PREFIX = re.compile(r"^\s*(?:EXPLAIN|ANALYZE|QUERY PLAN):\s?")

_MESSAGES = {
    "Expecting value": "expected a JSON value",
    "Expecting ',' delimiter": "expected ','",
    "Expecting ':' delimiter": "expected ':'",
    "Expecting property name enclosed in double quotes": "expected a property name in double quotes",
    "Unterminated string starting at": "a string is not closed",
    "Invalid control character at": "a control character inside a string",
    "Extra data": "unexpected text after the end of the JSON value",
    "Invalid \\escape": "an invalid backslash escape",
    "Invalid \\uXXXX escape": "an invalid \\u escape",
}


def clean_pasted_text(text: str) -> str:
    """Remove psql/mysql-client decoration around a JSON (or text) plan; keep the line structure."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("↵", "")
    if text.startswith("\ufeff"):
        text = text[1:]
    unquoted = _unquote_csv(text)
    if unquoted is not None:
        return unquoted
    head, middle, tail = _split_frame(text)
    if not _NEEDS_LINE_PASS.search(head):
        head, tail = _blank_decoration(head), _blank_decoration(tail)
        return _TRAILING_PLUS_M.sub("", head + middle + tail)
    expanded_width: int | None = None
    out: list[str] = []
    append = out.append
    for line in text.split("\n"):
        if expanded_width is not None:
            head = line[:expanded_width].rstrip()
            if head.endswith("|") and not head[:-1].strip():
                line = line[expanded_width:]
            else:
                expanded_width = None
        body = line.rstrip()
        first = body.lstrip()[:1]
        # JSON lines start with a quote or a bracket: only the `+` marker can follow them.
        if first not in ('"', "{", "}", "[", "]", ""):
            match = _EXPANDED_PREFIX.match(line)
            if match:
                expanded_width = match.end()
                body = line[expanded_width:].rstrip()
            elif _DECORATION_LINE.match(line):
                append("")
                continue
            else:
                if first == "|":
                    inner = body.strip()
                    if len(inner) >= 2 and inner.endswith("|"):
                        body = inner[1:-1]
                        body = (body[1:] if body.startswith(" ") else body).rstrip()
                label = _LABEL_PREFIX.match(body)
                if label:
                    body = body[label.end() :]
        if body.endswith("+"):
            body = body[:-1].rstrip()
        append(body)
    return "\n".join(out)


def _split_frame(text: str) -> tuple[str, str, str]:
    """``text`` as (first lines, middle, last lines); the three concatenate back to ``text``."""
    pos = 0
    for _ in range(_FRAME_LINES):
        found = text.find("\n", pos)
        if found < 0:
            return text, "", ""
        pos = found + 1
    head, rest = text[:pos], text[pos:]
    end = len(rest)
    for _ in range(_FRAME_LINES):
        found = rest.rfind("\n", 0, end)
        if found < 0:
            return head, "", rest
        end = found
    return head, rest[:end], rest[end:]


def _blank_decoration(block: str) -> str:
    return "\n".join("" if _DECORATION_LINE.match(line) else line for line in block.split("\n"))


def _unquote_csv(text: str) -> str | None:
    """pgAdmin / CSV exports wrap the JSON in double quotes and double every quote inside."""
    stripped = text.strip()
    if len(stripped) < 4 or stripped[0] != '"' or stripped[-1] != '"' or '""' not in stripped:
        return None
    inner = stripped[1:-1].replace('""', '"').strip()
    if inner[:1] in ("[", "{"):
        return inner
    return None


def describe_json_error(exc: json.JSONDecodeError) -> str:
    """``line 3, column 7: expected ',' — the input looks truncated``."""
    what = _MESSAGES.get(exc.msg, exc.msg[:1].lower() + exc.msg[1:])
    rest = exc.doc[exc.pos :]
    truncated = exc.msg != "Extra data" and (
        not rest.strip() or (exc.msg.startswith("Unterminated string") and "\n" not in rest.strip())
    )
    text = f"line {exc.lineno}, column {exc.colno}: {what}"
    if truncated:
        text += " — the input looks truncated (it ends before the JSON is complete)"
    return text


def looks_like_json(text: str) -> bool:
    return text.lstrip()[:1] in ("[", "{")


def decode_json(text: str, what: str = "EXPLAIN output") -> Any:
    """Decode ``text`` as JSON (after ``clean_pasted_text``); PlanInputError on failure."""
    stripped = text.strip()
    if stripped[:1] in ("[", "{"):
        # strict=False: MariaDB writes control characters in names raw inside its JSON strings.
        try:  # the common case first: clean JSON needs no line-by-line cleaning
            return json.loads(stripped, strict=False)
        except (json.JSONDecodeError, RecursionError, ValueError):
            pass
    return decode_cleaned(clean_pasted_text(text), what)


def decode_cleaned(cleaned: str, what: str = "EXPLAIN output") -> Any:
    """Decode text already passed through ``clean_pasted_text``; PlanInputError on failure."""
    if not cleaned.strip():
        raise PlanInputError(f"the input is empty: expected {what}")
    try:
        return json.loads(cleaned, strict=False)
    except json.JSONDecodeError as exc:
        first_error = exc
    except RecursionError:
        raise PlanInputError(
            "the JSON is nested too deeply to read (a real EXPLAIN output is never this deep)"
        ) from None
    except ValueError as exc:  # e.g. integers with too many digits
        raise PlanInputError(f"the JSON contains a value that cannot be read: {exc}") from None
    # Text before the JSON (a psql prompt, the EXPLAIN command itself): retry from the first line
    # that opens an array or object, as PEV2 does.
    if not looks_like_json(cleaned):
        sliced = _slice_json_lines(cleaned)
        if sliced is not None:
            try:
                return json.loads(sliced, strict=False)
            except json.JSONDecodeError as exc:
                first_error = exc
            except (RecursionError, ValueError):
                pass
    raise PlanInputError(describe_json_error(first_error)) from None


def _slice_json_lines(text: str) -> str | None:
    lines = text.split("\n")
    start = next((i for i, line in enumerate(lines) if line.strip() in ("[", "{")), None)
    if start is None:
        return None
    closer = "]" if lines[start].strip() == "[" else "}"
    end = next(
        (i for i in range(len(lines) - 1, start, -1) if lines[i].strip() == closer),
        None,
    )
    if end is None:
        end = len(lines) - 1
    return "\n".join("" if i < start or i > end else line for i, line in enumerate(lines))


def decode_first_json(text: str) -> tuple[Any, int | None]:
    """The first JSON document in ``text`` that starts on a line of its own (``[``/``{``), and the line
    number where more text follows it (None when nothing does). PlanInputError with line and column."""
    start = 0
    for line in text.split("\n"):
        stripped = line.lstrip()
        if stripped[:1] in ("[", "{"):
            start += len(line) - len(stripped)
            break
        start += len(line) + 1
    else:
        raise PlanInputError("no JSON document found: expected a line that opens it with '[' or '{'")
    try:
        data, end = json.JSONDecoder().raw_decode(text, start)
    except json.JSONDecodeError as exc:
        raise PlanInputError(describe_json_error(exc)) from None
    except RecursionError:
        raise PlanInputError(
            "the JSON is nested too deeply to read (a real EXPLAIN output is never this deep)"
        ) from None
    except ValueError as exc:
        raise PlanInputError(f"the JSON contains a value that cannot be read: {exc}") from None
    rest = text[end:]
    stripped = rest.lstrip()
    if not stripped:
        return data, None
    return data, text.count("\n", 0, end + len(rest) - len(stripped)) + 1
