"""What psql, DBeaver, pgAdmin and CSV exports print around a PostgreSQL plan, taken off line by line:
boxes of border 2 (ascii ``|``, unicode ``│``, double ``║``), rules and headers, expanded ``\\x`` records,
newline markers (``+``, ``↵``), psql's wrap markers (``.``, ``…``: the line is joined with the next one),
DBeaver's ``|`` at the line ends, CSV quoting (a field may span lines; doubled quotes), and hard-wrapped
node lines (a line with an open parenthesis is joined with the lines that close it).

The result keeps one entry per input line (removed and joined lines are blank), so every line number a
parser reports is the user's own. One pass over the text, no backtracking regex: linear in its size.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_BOX = "|│║"
_RULE_CHARS = frozenset("-+=─═┌┐└┘├┤┬┴┼╔╗╚╝╠╣╦╩╬╞╡╤╧╪╟╢╫╒╕╘╛╓╖╙╜│║|: \t")
# These run only on lines that hold "RECORD" / "QUERY PLAN" (no nested or adjacent \s* either: a
# regex like ``\s*[|]?\s*`` backtracks quadratically on a line of spaces).
_RECORD = re.compile(r"^[ +\-=─═┌├╔╠╞╟|│║]*\[ ?RECORD \d+ ?\][-+=─═┬┐┤╗╣╦┼╡╢ ]*$")
_RECORD0 = re.compile(r"^\* Record \d+\s*$")  # expanded records with border 0
_CONTINUATION = re.compile(r"^\s*\((?:actual|cost=|never)|^\s*(?:rows=|loops=|width=|time=)")
HEADER = "QUERY PLAN"
MAX_JOINED = 40  # lines one hard-wrapped node line may span


@dataclass(slots=True)
class Unframed:
    """One text per input line (blank where framing was removed or a line was joined to the one above),
    and the frame that was recognised, for the explanation of the detection."""

    lines: list[str]
    frames: list[str] = field(default_factory=list)

    def text(self) -> str:
        return "\n".join(self.lines)

    def describe(self) -> str:
        return ", ".join(self.frames)


def split_lines(text: str) -> list[str]:
    if text.startswith("\ufeff"):
        text = text[1:]
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")


def _is_rule(line: str) -> bool:
    stripped = line.strip()
    if len(stripped) < 3:
        return False
    rule = sum(1 for ch in stripped if ch in "-=─═")
    return rule >= 3 and all(ch in _RULE_CHARS for ch in stripped)


def _unquote_csv(lines: list[str], frames: list[str]) -> list[str]:
    """CSV fields that start a line with ``"`` (psql --csv, pgAdmin, DBeaver exports): the field's
    text, over as many lines as it spans; other lines are left alone."""
    if not any(line.startswith('"') for line in lines):
        return lines
    out: list[str] = []
    i = 0
    count = len(lines)
    used = False
    while i < count:
        line = lines[i]
        if not line.startswith('"'):
            out.append(line)
            i += 1
            continue
        # Scan for the closing quote (a doubled quote is a literal one), across lines.
        pieces: list[str] = []
        current = line[1:]
        start = i
        closed = failed = False
        while True:
            pos = 0
            buf: list[str] = []
            while True:
                q = current.find('"', pos)
                if q < 0:
                    buf.append(current[pos:])
                    break
                buf.append(current[pos:q])
                if q + 1 < len(current) and current[q + 1] == '"':
                    buf.append('"')
                    pos = q + 2
                    continue
                # A CSV field ends at the end of the line or before the next field's comma.
                closed = current[q + 1 :].strip()[:1] in ("", ",")
                failed = not closed
                break
            pieces.append("".join(buf))
            if closed or failed or i + 1 >= count or i - start >= 100_000:
                break
            i += 1
            current = lines[i]
        if not closed:  # not CSV after all: keep the lines as they were
            out.extend(lines[start : i + 1])
        else:
            used = True
            out.extend(pieces)
        i += 1
    if used:
        frames.append("CSV quoting")
    return out


def unframe(text: str) -> Unframed:
    """Take psql's and the export tools' framing off every line (see the module docstring)."""
    frames: list[str] = []
    raw = split_lines(text)
    lines = _unquote_csv([line.rstrip() for line in raw], frames)
    out: list[str] = []
    boxed = 0
    expanded_at: int | None = None
    dbeaver = _dbeaver_pipes(lines)
    if dbeaver:
        frames.append("DBeaver '|' columns")
    for line in lines:
        if not line.strip():
            out.append("")
            continue
        if _is_rule(line) or ("RECORD" in line and _RECORD.match(line)):
            out.append("")
            continue
        if _RECORD0.match(line):
            expanded_at = -1
            out.append("")
            if "expanded (\\x) records" not in frames:
                frames.append("expanded (\\x) records")
            continue
        if expanded_at == -1:
            if line.startswith(("QUERY PLAN ", " " * 11)) or line == "QUERY PLAN":
                out.append(_markers(line[11:], ""))
                continue
            expanded_at = None
        sep_at = _expanded_separator(line) if "QUERY PLAN" in line else None
        if sep_at is not None:
            expanded_at = sep_at
            if "expanded (\\x) records" not in frames:
                frames.append("expanded (\\x) records")
        if expanded_at is not None:
            head = line[:expanded_at]
            if (
                len(line) >= expanded_at
                and head[-1:] in _BOX
                and not head[:-1].replace("QUERY PLAN", "").strip(" |│║")
            ):
                line = line[expanded_at:]
                if line[-1:] in _BOX and head.lstrip()[:1] in _BOX:
                    line = line[:-1]
                out.append(_markers(line[1:] if line[:1] in " .…" else line, line[:1]))
                continue
            expanded_at = None
        if "QUERY PLAN" in line and line.strip().strip(_BOX).strip() == HEADER:
            out.append(HEADER)  # kept: it ends an echoed statement that has no semicolon
            continue
        stripped = line.strip()
        if dbeaver:
            if stripped.startswith("|"):
                line = line.replace("|", " ", 1)
            if line.endswith("|"):
                line = line[:-1]
            out.append(line.rstrip())
            continue
        if len(stripped) >= 2 and stripped[0] in _BOX and stripped[-1] in _BOX:
            boxed += 1
            inner = stripped[1:-1]
            left = inner[:1]
            out.append(_markers(inner[1:] if left in " .…" else inner, left))
            continue
        # A leading . or … is psql's wrap marker only right under a line that ended with one.
        left = line[:1] if line[:1] in ".…" and out and out[-1].endswith("\x00") else ""
        out.append(_markers(line[1:] if left else line, left))
    if boxed:
        frames.append("psql border 2")
    # A terminal's cut is seen on the lengths before trailing spaces were stripped.
    lengths = [len(line) for line in raw] if len(raw) == len(out) else [len(line) for line in out]
    return Unframed(_join_wraps(out, lengths), frames)


def _expanded_separator(line: str) -> int | None:
    """In ``[| ]QUERY PLAN | value``, the index just after the separator; None for other lines. (String
    methods, not a regex: optional spaces around an optional border backtrack on long runs of spaces.)"""
    at = line.find("QUERY PLAN")
    if line[:at].strip(" ") not in ("", "|", "│", "║"):
        return None
    rest = line[at + len("QUERY PLAN") :]
    body = rest.lstrip(" ")
    if not body or body[0] not in _BOX or not body[1:].strip():
        return None
    return at + len("QUERY PLAN") + (len(rest) - len(body)) + 1


def _markers(line: str, left: str) -> str:
    """A row's text with psql's end-of-line marker: ``+``/``↵`` (the cell goes on) are dropped; a wrap
    marker (``.``/``…``) is followed by ``\\x00`` so the join below knows; ``left`` is the leading marker."""
    body = line.rstrip()
    if body.endswith(("+", "↵")):
        body = body[:-1].rstrip()
    elif line.endswith(("…", ".")) and len(line) > 1:
        body = line + "\x00"
    if left in (".", "…"):
        body = "\x01" + body
    return body


def _join_wraps(lines: list[str], lengths: list[int]) -> list[str]:
    """psql's wrapped cells (a ``\\x00`` end meets a ``\\x01`` start) and hard-wrapped node lines (an
    open parenthesis, or a next line that starts with ``(actual``/``rows=``…) become one line."""
    out = list(lines)
    count = len(out)
    width = _cut_width(lengths)
    i = 0
    while i < count:
        line = out[i]
        if not line:
            i += 1
            continue
        if line.startswith("\x01"):
            line = out[i] = line[1:]
        joined = 0
        j = i + 1
        while j < count and joined < MAX_JOINED:
            nxt = out[j]
            if line.endswith("\x00") and nxt.lstrip().startswith("\x01"):
                rest = nxt.lstrip()[1:]
                # "0.013." + ".0.013" is a terminal's cut through "..", not psql's wrap markers
                keep = line[-2] == "." and line[-3:-2].isdigit() and rest[:1].isdigit() and _in_range(line)
                keep = keep and ".." not in rest.split(" ", 1)[0]
                line = (line[:-1] + "." if keep else line[:-2]) + rest
            elif line.endswith("\x00"):
                line = line[:-1]  # a real "." or "…" at the end: look at the next line again
                continue
            elif (
                (nxt and ("(" in line and line.count("(") > line.count(")")) and _could_continue(line, nxt))
                or (nxt and _CONTINUATION.match(nxt) and _node_head(line, nxt))
                or (
                    # padded rows (psql aligned) lose many trailing spaces; a cut line at most two
                    width and lengths[j - 1] == width and len(lines[j - 1]) >= width - 2 and _cut_tail(nxt)
                )
            ):
                line = _glue(line, nxt)
            else:
                break
            out[j] = ""
            joined += 1
            j += 1
        if line.endswith("\x00"):
            line = line[:-1]
        out[i] = line
        i = j if joined else i + 1
    return out


_TOP_LEVEL = (
    "Planning",
    "Execution",
    "Total runtime",
    "Trigger ",
    "JIT",
    "Settings",
    "Serialization",
    "Query ",
    "QUERY PLAN",
    "(",
    "->",
)


def _cut_width(lengths: list[int]) -> int:
    """The width a terminal may have cut the lines at: the longest length (0: no cut)."""
    longest = max(lengths, default=0)
    if longest < 20:
        return 0
    return longest


def _cut_tail(nxt: str) -> bool:
    """A line at column 0 that is none of the plan's own top-level lines: the rest of a cut line."""
    word = nxt.split(" ", 1)[0]
    if word.isalpha() and word.isupper():  # a command tag or the next statement (SET, EXPLAIN …)
        return False
    return bool(nxt) and not nxt[:1].isspace() and not nxt.startswith(_TOP_LEVEL) and nxt[:1] != "\x01"


def _in_range(line: str) -> bool:
    """Whether ``line`` ends inside a ``cost=`` / ``time=`` range (``…=0.013.``)."""
    at = max(line.rfind("cost="), line.rfind("time="))
    return at >= 0 and ".." not in line[at:] and " " not in line[at:]


def _node_head(line: str, nxt: str) -> bool:
    """Whether ``line`` is the start of a node line whose numbers were wrapped onto ``nxt``: it has an
    arrow or a cost already, or it is a node name (no ``Key:``) and ``nxt`` opens the cost."""
    stripped = line.lstrip()
    if stripped.startswith("->") or "(cost=" in line:
        return True
    return nxt.lstrip().startswith("(cost=") and ":" not in stripped


_OPENERS = ("(cost=", "(actual ", "(never executed)")


def _could_continue(line: str, nxt: str) -> bool:
    """A node line cut inside its number groups (the last open parenthesis starts ``(cost=``,
    ``(actual `` or ``(never executed)``, or a prefix of one) goes on below; other parentheses (SQL,
    filters) are the user's own."""
    tail = line[line.rfind("(") :]
    return any(opener.startswith(tail) or tail.startswith(opener) for opener in _OPENERS)


_TOKENS = (
    "(actual time=",
    "(actual rows=",
    " rows=",
    " loops=",
    " width=",
    "(never executed)",
    " on ",
    " using ",
    "Scan",
    " Loop",
    " Join",
    " Key:",
    " Cond:",
)


def _glue(line: str, nxt: str) -> str:
    """Join a hard-wrapped line. A terminal cuts inside a word (join without a space), a word wrap at a
    space, which the line no longer has (join with one): the join that forms more of the plan's own
    tokens around the cut wins; with a tie, a cut between two letters or digits is taken as inside a word."""
    piece = nxt.strip()
    head = line.rstrip()
    if line.endswith((" ", "(")) or piece.startswith(")") or head.endswith("("):
        return head + (" " if line.endswith(" ") and not head.endswith("(") else "") + piece
    tight, spaced = head + piece, head + " " + piece
    cut = len(head)
    window_tight = tight[max(0, cut - 16) : cut + 16]
    window_spaced = spaced[max(0, cut - 16) : cut + 17]
    score_tight = sum(token in window_tight for token in _TOKENS)
    score_spaced = sum(token in window_spaced for token in _TOKENS)
    if score_tight != score_spaced:
        return tight if score_tight > score_spaced else spaced
    last, first = head[-1:], piece[:1]
    if last == "=" or first == "=" or (last.isalnum() and first.isalnum()) or "." in (last, first):
        return tight
    return spaced


def _dbeaver_pipes(lines: list[str]) -> bool:
    """DBeaver's text export ends every row with ``|`` (and may start it with one), without psql's box."""
    content = [line for line in lines[:400] if line.strip()]
    ends = sum(1 for line in content if line.endswith("|"))
    boxed = sum(1 for line in content if line.lstrip()[:1] in _BOX and line[-1:] in _BOX)
    corners = any(line.lstrip()[:1] in "+┌╔" and _is_rule(line) for line in content)
    return ends * 2 > len(content) and (boxed * 2 <= len(content) or not corners)
