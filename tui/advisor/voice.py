"""The advisor's voice: Findings rendered as the analytical officer of advisor-voice.md speaks.

Order in every rendering: what I observed (evidence) → why it matters (mechanism) → what I recommend
(DDL) → how it was verified, or that it is estimated, not verified. ``plain=True`` drops the persona
and gives terse lines. The JSON of a Finding never passes through here (``Finding.to_json``).

Functions the CLI and the UI call:
- ``render_finding_text(finding, plain=False)`` / ``render_findings_text(findings, plain=False)``
- ``render_findings_markdown(findings)``
- ``evidence_rows(finding)`` → ``[(label, formatted value)]`` for an evidence table
- ``verification_text(finding)`` → one sentence (cost before → after, or "Estimated, not verified.")
- ``officer_text(finding)`` → the prose paragraph alone (no DDL), for a panel's reasoning block
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from tui.core import fmt, termsafe
from tui.core.finding import SEVERITIES, Finding, sort_findings

NOT_VERIFIED = "Estimated, not verified."

# Opening sentence per category: the persona's own phrases.
_OPENINGS = {
    "plan": "I have identified a potential bottleneck in {obj}.",
    "index": "The optimal indexing strategy for {obj} is the index below.",
    "schema": "Based on my analysis of the schema, {obj} needs attention.",
    "query": "Based on my analysis of the query text, {obj} is affected.",
}
_OPENINGS_NO_OBJECT = {
    "plan": "I have identified a potential bottleneck in this plan.",
    "index": "The optimal indexing strategy for this workload is the index below.",
    "schema": "Based on my analysis of the schema, I have identified the following.",
    "query": "Based on my analysis of the query text, I have identified the following.",
}

# Evidence key suffixes → how the number is written. Keys without a known unit are plain numbers.
_UNIT_SUFFIXES: tuple[tuple[str, str], ...] = (
    ("_pct", "pct"),
    ("_ms", "ms"),
    ("_bytes", "bytes"),
    ("_kb", "kb"),
    ("_days", "days"),
    ("_blocks", "blocks"),
    ("_factor", "factor"),
    ("_ratio", "ratio"),
)


def _unit_of(key: str) -> str:
    for suffix, unit in _UNIT_SUFFIXES:
        if key.endswith(suffix):
            return unit
    if key.startswith("cost") or key.endswith("_cost"):
        return "cost"
    return ""


def format_value(key: str, value: Any) -> str:
    """An evidence value written with its unit and thousands separators."""
    if value is None:
        return "unknown"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list | tuple):
        return ", ".join(str(item) for item in value)
    if not isinstance(value, int | float):
        return str(value)
    unit = _unit_of(key)
    if unit == "pct":
        return fmt.pct(value / 100, 2 if abs(value) < 10 else 1)
    if unit == "ms":
        return fmt.ms(value)
    if unit == "bytes":
        return fmt.size(value)
    if unit == "kb":
        return f"{fmt.num(value)} kB"
    if unit == "days":
        return fmt.age(value)
    if unit == "blocks":
        return f"{fmt.num(value)} blocks ({fmt.size(value * 8192)})"
    if unit == "factor":
        return fmt.factor(value)
    if unit == "cost":
        return fmt.num(value, 2)
    if unit == "ratio":
        return fmt.num(value, 2)
    return fmt.smart(value)


def label_of(key: str) -> str:
    """``rows_read`` → ``rows read``; unit suffixes are dropped since the value carries the unit."""
    text = key
    for suffix, _unit in _UNIT_SUFFIXES:
        if text.endswith(suffix):
            text = text[: -len(suffix)]
            break
    return text.replace("_", " ")


def evidence_rows(finding: Finding) -> list[tuple[str, str]]:
    """The evidence as (label, value with unit) rows, in the rule's order."""
    return [(label_of(key), format_value(key, value)) for key, value in finding.evidence.items()]


def verification_text(finding: Finding) -> str:
    """How the claim was verified: the cost before and after a hypothetical index, or a statement that
    it is estimated only."""
    ver = finding.verification
    if ver is None:
        return NOT_VERIFIED
    before, after = ver.before, ver.after
    if ver.method == "hypopg" and isinstance(before, int | float) and isinstance(after, int | float):
        ratio = before / after if after else float("inf")
        saving = (1 - after / before) * 100 if before else 0.0
        return (
            f"Verified with a hypothetical index (HypoPG): the planner's estimated cost falls from "
            f"{fmt.num(before, 2)} to {fmt.num(after, 2)} ({fmt.factor(ratio)} lower, "
            f"{fmt.num(saving, 1)} % saved)."
        )
    if isinstance(before, int | float) and isinstance(after, int | float):
        return f"Verified by {ver.method}: {fmt.num(before, 2)} before, {fmt.num(after, 2)} after."
    return f"Verified by {ver.method}."


def _opening(finding: Finding) -> str:
    category = finding.category if finding.category in _OPENINGS else "plan"
    if finding.object:
        return _OPENINGS[category].format(obj=finding.object)
    return _OPENINGS_NO_OBJECT[category]


def _sentences(*parts: str) -> str:
    out = []
    for part in parts:
        text = " ".join(part.split())
        if text:
            out.append(text if text.endswith((".", ":", "?")) else text + ".")
    return " ".join(out)


def officer_text(finding: Finding) -> str:
    """The persona's paragraph: opening, observation, mechanism, recommendation, verification."""
    return _sentences(
        _opening(finding),
        finding.message,
        finding.reasoning,
        finding.recommendation,
        verification_text(finding) if _claims_performance(finding) else "",
    )


def _claims_performance(finding: Finding) -> bool:
    """Whether the finding predicts a speed-up (so it says how that was verified, or that it was not).
    Schema findings state catalog facts, which need no verification sentence."""
    return finding.verification is not None or (bool(finding.ddl) and finding.category != "schema")


def _ddl_block(finding: Finding, indent: str) -> list[str]:
    lines: list[str] = []
    for stmt in finding.ddl:
        lines.extend(indent + line for line in stmt.splitlines())
    if finding.rollback:
        lines.append(f"{indent}-- rollback:")
        for stmt in finding.rollback:
            lines.extend(indent + line for line in stmt.splitlines())
    return lines


def render_finding_text(finding: Finding, plain: bool = False) -> str:
    """One finding as text. The persona's paragraph, then evidence, DDL with its rollback and the
    verification; ``plain`` gives a terse form without the persona."""
    head = f"{finding.severity.upper()}  {termsafe.line(finding.title)}"
    if finding.object:
        head += f" — {termsafe.line(finding.object)}"  # one heading line, whatever the name holds
    head += f"  [{finding.rule}]"
    lines = [head]
    if plain:
        body = _sentences(finding.message, finding.recommendation)
        if body:
            lines.append("  " + body)
        lines.extend(_ddl_block(finding, "  "))
        if _claims_performance(finding):
            lines.append("  " + verification_text(finding))
        return "\n".join(lines)
    lines.append(officer_text(finding))
    rows = evidence_rows(finding)
    if rows:
        width = max(len(label) for label, _ in rows)
        lines.append("Evidence:")
        lines.extend(f"  {label.ljust(width)}  {value}" for label, value in rows)
    if finding.ddl:
        lines.append("DDL:")
        lines.extend(_ddl_block(finding, "  "))
    return "\n".join(lines)


def _summary_line(findings: list[Finding]) -> str:
    counts = {sev: sum(1 for f in findings if f.severity == sev) for sev in SEVERITIES}
    parts = [f"{fmt.num(counts[sev])} {sev}" for sev in SEVERITIES if counts[sev]]
    return ", ".join(parts)


def render_findings_text(findings: Iterable[Finding], plain: bool = False) -> str:
    """All findings, ranked (severity, then impact), separated by blank lines, with a summary line."""
    ranked = sort_findings(list(findings))
    if not ranked:
        return "No findings." if plain else "Based on my analysis, I have identified no problems."
    if plain:
        head = (
            f"{fmt.num(len(ranked))} {'finding' if len(ranked) == 1 else 'findings'}: {_summary_line(ranked)}"
        )
    else:
        noun = "finding" if len(ranked) == 1 else "findings"
        head = (
            f"Based on my analysis, I have identified {fmt.num(len(ranked))} {noun} "
            f"({_summary_line(ranked)}), ranked by severity and impact."
        )
    return "\n\n".join([head, *(render_finding_text(f, plain) for f in ranked)])


def _md_escape(text: str) -> str:
    """A table cell: one line (a newline in a name is ``↵``), pipes escaped."""
    return termsafe.line(text).replace("|", "\\|")


def render_finding_markdown(finding: Finding, level: int = 3) -> str:
    hashes = "#" * level
    title = f"{hashes} {termsafe.line(finding.title)}"
    if finding.object:
        title += f" — `{termsafe.line(finding.object)}`"
    out = [title, "", f"*{finding.severity}* · `{finding.rule}`", "", officer_text(finding), ""]
    rows = evidence_rows(finding)
    if rows:
        out += ["| Evidence | Value |", "|---|---|"]
        out += [f"| {_md_escape(label)} | {_md_escape(value)} |" for label, value in rows]
        out.append("")
    if finding.ddl:
        out += ["```sql", *finding.ddl, "```", ""]
    if finding.rollback:
        out += ["Rollback:", "", "```sql", *finding.rollback, "```", ""]
    return "\n".join(out)


def render_findings_markdown(findings: Iterable[Finding], level: int = 2) -> str:
    """Findings grouped by severity as markdown sections; ``level`` is the heading level of the
    severity groups (the full report nests them one level deeper)."""
    ranked = sort_findings(list(findings))
    if not ranked:
        return "I have identified no problems.\n"
    noun = "finding" if len(ranked) == 1 else "findings"
    out = [f"I have identified {fmt.num(len(ranked))} {noun} ({_summary_line(ranked)}).", ""]
    for sev in SEVERITIES:
        group = [f for f in ranked if f.severity == sev]
        if not group:
            continue
        out += [f"{'#' * level} {sev.capitalize()} ({fmt.num(len(group))})", ""]
        out += [render_finding_markdown(f, level + 1) for f in group]
    return "\n".join(out).rstrip() + "\n"
