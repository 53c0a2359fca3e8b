"""Running rules: each category's rules over its context, with failures of one rule contained.

A rule that raises is a bug in that rule; the others still report, and the failure becomes an ``info``
finding (``advisor.rule-error``) so it is seen rather than silently dropped.
"""

from __future__ import annotations

from collections.abc import Iterable

from tui.advisor.registry import Rule
from tui.core.finding import Finding


def run_rules(rules: Iterable[Rule], context: object) -> list[Finding]:
    findings: list[Finding] = []
    for rule in rules:
        try:
            findings.extend(rule.check(context))
        except Exception as exc:  # one broken rule must not hide the findings of the others
            findings.append(
                Finding(
                    rule="advisor.rule-error",
                    severity="info",
                    object=None,
                    title=f"Rule {rule.id} failed",
                    message=f"The rule {rule.id} raised {type(exc).__name__}: {exc}",
                    category=rule.category,
                )
            )
    return findings
