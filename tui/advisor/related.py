"""Schema findings behind a plan's slowness, so ``dbscope explain`` names the cause beside the symptom.

For each table the plan reads, the columns it filters or joins on (the scan's Filter and Index Cond,
and the join conditions that name the scan's alias); then, among the schema rules' findings about
that table, the ones about those very columns:
- ``pg.fk-without-index``: a foreign key whose leading column the plan filters or joins on;
- ``pg.invalid-index``: an invalid index whose leading column, or whose expression (``lower(email)``),
  the plan filters on — the index the planner would have used had its build not failed.
When a plan finding already carries a CREATE INDEX on the table that leads with the foreign key's
columns, the foreign-key finding keeps its explanation and points at that index instead of repeating it;
a plan finding on a table whose invalid index would have served it says so (rebuild, do not duplicate).
"""

from __future__ import annotations

import re
from dataclasses import replace

from tui.advisor.context import SchemaContext, TableIndex
from tui.advisor.ddl import parse_create_index
from tui.advisor.indexes import key_parts
from tui.core.catalog import ObjectDetail
from tui.core.finding import Finding
from tui.core.plan import Plan, PlanNode
from tui.core.session import SchemaFacts

_JOIN_CONDITIONS = ("Hash Cond", "Merge Cond", "Join Filter", "Index Cond", "Recheck Cond")
_IDENT = r'"(?:[^"]|"")+"|[A-Za-z_][\w$]*'
_QUALIFIED = re.compile(rf"({_IDENT})\.({_IDENT})")
_WORD = re.compile(_IDENT)


def _unquote(name: str) -> str:
    return name[1:-1].replace('""', '"') if name.startswith('"') else name


def _texts(node: PlanNode) -> list[str]:
    return [
        t for t in (node.filter, node.index_condition, node.extra.get("Recheck Cond")) if isinstance(t, str)
    ]


def column_uses(plan: Plan, tables: TableIndex) -> dict[tuple[str | None, str], tuple[set[str], list[str]]]:
    """(schema, table) → (columns the plan filters or joins on, the scan conditions' texts with the
    table's alias removed), for every table a scan node reads."""
    joins = [t for n in plan.nodes() for k in _JOIN_CONDITIONS if isinstance(t := n.extra.get(k), str)]
    out: dict[tuple[str | None, str], tuple[set[str], list[str]]] = {}
    for node in plan.nodes():
        table = node.extra.get("Relation Name")
        if not isinstance(table, str):
            continue
        schema = node.extra.get("Schema") if isinstance(node.extra.get("Schema"), str) else None
        detail = tables.find(table, schema)
        if detail is None:
            continue
        alias = node.extra.get("Alias") if isinstance(node.extra.get("Alias"), str) else table
        names = {c.name for c in detail.columns}
        used, texts = out.setdefault((detail.node.schema, detail.node.table or detail.node.name), (set(), []))
        for text in _texts(node):
            used.update(w for w in map(_unquote, _WORD.findall(text)) if w in names)
            texts.append(_strip_alias(text, alias))
        for text in joins:
            used.update(
                _unquote(col)
                for qual, col in _QUALIFIED.findall(text)
                if _unquote(qual) == alias and _unquote(col) in names
            )
    return out


def _strip_alias(text: str, alias: str) -> str:
    return re.sub(rf'(?<![\w."]){re.escape(alias)}\.|"{re.escape(alias)}"\.', "", text)


def _normal(text: str) -> str:
    return re.sub(r"\s+", "", text).lower()


def _narrowed(detail: ObjectDetail, used: set[str], texts: list[str]) -> tuple[ObjectDetail, ObjectDetail]:
    """(the table with only the foreign keys the plan uses, the table with only the invalid indexes the
    plan's conditions would have used)."""
    fks = [
        fk
        for fk in detail.foreign_keys
        if fk.direction != "outgoing" or (fk.columns[:1] and fk.columns[0] in used)
    ]
    invalid = []
    conditions = [_normal(t) for t in texts]
    for index in detail.indexes:
        if index.valid:
            continue
        keys = key_parts(index)
        lead = keys[0] if keys else None
        if lead is None:
            continue
        if lead in index.expressions:
            if any(_normal(lead) in c for c in conditions):
                invalid.append(index)
        elif lead in used:
            invalid.append(index)
    valid = [i for i in detail.indexes if i.valid]
    return replace(detail, foreign_keys=fks), replace(detail, indexes=valid + invalid)


def attach_related(plan: Plan, facts: SchemaFacts, findings: list[Finding]) -> list[Finding]:
    """``findings`` plus the related schema findings; a plan finding without DDL on a table whose
    invalid index the plan would have used names that index."""
    related = related_schema_findings(plan, facts, findings)
    invalid = [f for f in related if f.rule == "pg.invalid-index"]
    out = []
    for finding in findings:
        about = [f for f in invalid if f.object == finding.object]
        if about and finding.category == "plan" and not finding.ddl:
            created = [parse_create_index(stmt) for f in about for stmt in f.ddl]
            names = ", ".join(c.name for c in created if c is not None)
            finding = replace(
                finding,
                recommendation=finding.recommendation
                + f" An index for this condition exists but is invalid ({names}); rebuilding it, as the "
                "invalid-index finding shows, serves this filter — do not create a second one.",
            )
        out.append(finding)
    return out + related


def related_schema_findings(plan: Plan, facts: SchemaFacts, findings: list[Finding]) -> list[Finding]:
    """The fk-without-index and invalid-index findings about the columns ``plan`` filters or joins on."""
    from tui.advisor.rules import pg_schema_fk_index, pg_schema_invalid_index

    if plan.engine != "postgresql" or not facts.tables:
        return []
    tables = TableIndex.build(facts)
    uses = column_uses(plan, tables)
    fk_tables, index_tables = [], []
    for detail in facts.tables:
        key = (detail.node.schema, detail.node.table or detail.node.name)
        if key not in uses:
            continue
        with_fks, with_invalid = _narrowed(detail, *uses[key])
        fk_tables.append(with_fks)
        index_tables.append(with_invalid)
    if not fk_tables:
        return []
    others = [d for d in facts.tables if (d.node.schema, d.node.table or d.node.name) not in uses]
    fk_facts = replace(facts, tables=fk_tables + others)
    index_facts = replace(facts, tables=index_tables)
    out = pg_schema_fk_index.check_missing(SchemaContext.build(fk_facts))
    out = [f for f in out if f.object in {_qualified(d) for d in fk_tables}]
    out += pg_schema_invalid_index.check(SchemaContext.build(index_facts))
    return [_point_at_plan_index(f, findings) for f in out]


def _qualified(detail: ObjectDetail) -> str:
    name = detail.node.table or detail.node.name
    return f"{detail.node.schema}.{name}" if detail.node.schema else name


def _point_at_plan_index(finding: Finding, findings: list[Finding]) -> Finding:
    """A foreign-key finding whose index a plan finding already builds (or one leading with the same
    columns) points at that index instead of repeating it."""
    if finding.rule != "pg.fk-without-index" or not finding.ddl:
        return finding
    mine = parse_create_index(finding.ddl[0])
    if mine is None:
        return finding
    for other in findings:
        for stmt in other.ddl:
            theirs = parse_create_index(stmt)
            if (
                theirs is not None
                and theirs.table == mine.table
                and theirs.where is None
                and theirs.keys[: len(mine.keys)] == mine.keys
            ):
                return replace(
                    finding,
                    ddl=[],
                    rollback=[],
                    recommendation=finding.recommendation
                    + f" The index {theirs.name} ({theirs.key_text}) recommended with the {other.title} "
                    f"finding [{other.rule}] leads with these columns and serves the foreign key too.",
                )
    return finding
