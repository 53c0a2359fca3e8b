"""Grading an advisor's findings against an expert answer key.

A finding that builds an index (a ``CREATE INDEX`` or ``ALTER TABLE … ADD INDEX`` in its DDL) is
judged by that index: correct when it is one of the key's indexes (a covering INCLUDE variant
counts as the same index), debatable when it is one of the key's debatable indexes or a prefix
or extension of a correct one, wrong otherwise. Any other finding is judged by the diagnosis its
rule makes (``RULE_TAGS``, fixed before the advisor was run on the corpus): correct when the key
expects it, debatable when the key calls it true but not the point (or the rule only reports an
operational fact, ``OBSERVATIONS``), wrong otherwise."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from tests.corpus.keys import AnswerKey, IndexShape, parse_create_index

# Rule id without its engine prefix -> the diagnosis it makes (tag vocabulary of keys/*.toml).
RULE_TAGS = {
    "seq-scan-selective": "missing-index",
    "full-table-scan": "missing-index",
    "statement-no-index": "missing-index",
    "join-without-index": "missing-index",
    "index-suggestion": "missing-index",
    "index-filter-removal": "missing-index",
    "nested-loop-inner": "missing-index",
    "low-filtered": "missing-index",
    "partial-key-use": "missing-index",
    "full-index-scan": "missing-index",
    "index-not-chosen": "low-selectivity",
    "top-n-sort-without-index": "sort",
    "sort-spill": "sort",
    "hash-spill": "sort",
    "temp-blocks-written": "sort",
    "filesort": "filesort-temporary",
    "temporary-table": "filesort-temporary",
    "misestimate": "correlated-predicates",
    "function-on-indexed-column": "non-sargable",
    "implicit-cast": "implicit-cast",
    "leading-wildcard-like": "leading-wildcard",
    "large-result-no-limit": "large-result",
    "offset-pagination": "offset-pagination",
    "or-across-columns": "or-across-columns",
    "not-in-nullable": "not-in-subquery",
    "dependent-subquery": "not-in-subquery",
    "select-star": "select-star",
    "fk-without-index": "fk-without-index",
    "redundant-index": "redundant-index",
    "duplicate-index": "redundant-index",
}
# Operational facts, true of the run rather than of the query's design: never more than debatable.
OBSERVATIONS = frozenset(
    {"cache-misses", "planning-time", "jit-overhead", "workers-not-launched", "dead-tuples", "table-bloat"}
)
# Diagnoses whose right action is to do nothing: saying nothing (no index suggested) makes them.
SILENT = frozenset({"low-selectivity", "tiny-table", "full-aggregate"})
CORRECT, DEBATABLE, WRONG = "correct", "debatable", "wrong"


@dataclass
class Grade:
    rule: str
    title: str
    verdict: str
    reason: str
    index: IndexShape | None = None
    ddl: tuple[str, ...] = ()


def rule_suffix(rule: str) -> str:
    return rule.split(".", 1)[1] if "." in rule else rule


def finding_index(finding: dict[str, Any]) -> tuple[IndexShape | None, tuple[str, ...]]:
    """The index a finding's DDL builds (the first one), with the whole DDL as printed."""
    ddl = tuple(str(s) for s in finding.get("ddl") or ())
    for statement in ddl:
        shape = parse_create_index(statement)
        if shape is not None:
            return shape, ddl
    return None, ddl


def _same(a: IndexShape, b: IndexShape) -> bool:
    return (a.table, a.columns, a.where, a.method) == (b.table, b.columns, b.where, b.method)


def _prefix_related(a: IndexShape, b: IndexShape) -> bool:
    if a.table != b.table or a.method != b.method:
        return False
    shorter = min(len(a.columns), len(b.columns))
    return a.columns[:shorter] == b.columns[:shorter]


def grade_index(shape: IndexShape, key: AnswerKey) -> tuple[str, str]:
    if any(_same(shape, k) for k in key.index):
        return CORRECT, "the key's index"
    if any(_same(shape, k) for k in key.debatable_index):
        return DEBATABLE, "a debatable index in the key"
    if any(_prefix_related(shape, k) for k in key.index):
        return DEBATABLE, "a prefix or extension of the key's index"
    if not key.index:
        return WRONG, "the key says no index"
    return WRONG, "not the key's index: " + "; ".join(k.spec for k in key.index)


def grade_finding(finding: dict[str, Any], key: AnswerKey) -> Grade:
    rule = str(finding.get("rule", ""))
    title = str(finding.get("title", ""))
    shape, ddl = finding_index(finding)
    if shape is not None:
        verdict, reason = grade_index(shape, key)
        return Grade(rule, title, verdict, reason, shape, ddl)
    suffix = rule_suffix(rule)
    if suffix in OBSERVATIONS:
        return Grade(rule, title, DEBATABLE, "an operational observation", None, ddl)
    tag = RULE_TAGS.get(suffix)
    if tag is None:
        return Grade(rule, title, WRONG, "a diagnosis the key does not make", None, ddl)
    if tag in key.tags:
        return Grade(rule, title, CORRECT, f"expected: {tag}", None, ddl)
    if tag in key.ok:
        return Grade(rule, title, DEBATABLE, f"true but not the point: {tag}", None, ddl)
    return Grade(rule, title, WRONG, f"the key does not diagnose {tag}", None, ddl)


def grade_findings(findings: Iterable[dict[str, Any]], key: AnswerKey) -> list[Grade]:
    return [grade_finding(f, key) for f in findings]


def missed(grades: Sequence[Grade], key: AnswerKey) -> list[str]:
    """What the key expects that no correct finding said: its tags, and an index when it wants one."""
    said = {RULE_TAGS.get(rule_suffix(g.rule)) for g in grades if g.verdict == CORRECT and g.index is None}
    if any(g.verdict == CORRECT and g.index is not None for g in grades):
        said.add("missing-index")
    if not any(g.index is not None for g in grades):
        said |= SILENT
    return [tag for tag in key.tags if tag not in said]
