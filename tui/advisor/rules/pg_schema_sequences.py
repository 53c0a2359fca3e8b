"""``pg.sequence-exhaustion``: a sequence that has used ≥ 75 % of its range (warning; critical at
≥ 90 %). The range is the smaller of the sequence's MAXVALUE and the maximum of the column it feeds
(a bigint sequence behind an ``integer`` column still fails at 2,147,483,647). Ascending sequences
only. DDL: widen the column (and the columns of foreign keys that reference it) and the sequence to
bigint; each paired with the statement that narrows it back. Widening a column rewrites the table
under an ACCESS EXCLUSIVE lock, which the recommendation says.
"""

from __future__ import annotations

from tui.advisor import ddl
from tui.advisor.context import SchemaContext
from tui.advisor.registry import Rule
from tui.advisor.rules.common import pct, schema_finding
from tui.core import fmt
from tui.core.catalog import Column, ObjectDetail
from tui.core.finding import Finding
from tui.core.session import SequenceFacts

RULE_ID = "pg.sequence-exhaustion"
WARNING_SHARE, CRITICAL_SHARE = 0.75, 0.90
TYPE_MAX = {"smallint": 32_767, "integer": 2_147_483_647, "bigint": 9_223_372_036_854_775_807}
TYPE_ALIASES = {
    "int2": "smallint",
    "int4": "integer",
    "int": "integer",
    "int8": "bigint",
    "serial": "integer",
}


def split_qualified(text: str) -> list[str]:
    """``"My Schema".tbl."col"`` → ``['My Schema', 'tbl', 'col']`` (PostgreSQL's %I quoting)."""
    parts: list[str] = []
    buf: list[str] = []
    i, quoted = 0, False
    while i < len(text):
        ch = text[i]
        if quoted:
            if ch == '"':
                if i + 1 < len(text) and text[i + 1] == '"':
                    buf.append('"')
                    i += 2
                    continue
                quoted = False
            else:
                buf.append(ch)
        elif ch == '"':
            quoted = True
        elif ch == ".":
            parts.append("".join(buf))
            buf = []
        else:
            buf.append(ch)
        i += 1
    parts.append("".join(buf))
    return parts


def _type_name(data_type: str) -> str:
    name = data_type.strip().lower()
    return TYPE_ALIASES.get(name, name)


def _owner(seq: SequenceFacts, ctx: SchemaContext) -> tuple[ObjectDetail, Column] | None:
    if not seq.owned_by:
        return None
    parts = split_qualified(seq.owned_by)
    if len(parts) != 3:
        return None
    detail = ctx.tables.find(parts[1], parts[0])
    if detail is None:
        return None
    column = next((c for c in detail.columns if c.name == parts[2]), None)
    return (detail, column) if column else None


def _statements(
    seq: SequenceFacts, owner: tuple[ObjectDetail, Column] | None, ctx: SchemaContext
) -> tuple[list[str], list[str], list[str]]:
    """(ddl, rollback, names of the columns widened)."""
    forward: list[str] = []
    back: list[str] = []
    widened: list[str] = []
    seq_name = ddl.qualify(seq.schema, seq.name)
    if _type_name(seq.data_type) != "bigint":
        forward.append(f"ALTER SEQUENCE {seq_name} AS bigint;")
        back.append(f"ALTER SEQUENCE {seq_name} AS {_type_name(seq.data_type)};")
    elif seq.max_value < TYPE_MAX["bigint"]:
        forward.append(f"ALTER SEQUENCE {seq_name} NO MAXVALUE;")
        back.append(f"ALTER SEQUENCE {seq_name} MAXVALUE {seq.max_value};")
    if owner is not None:
        detail, column = owner
        col_type = _type_name(column.data_type)
        if col_type in ("smallint", "integer"):
            schema, table = detail.node.schema, detail.node.table or detail.node.name
            targets = [(schema, table, column.name)]
            for fk in detail.referenced_by:
                if column.name in fk.referred_columns:
                    child_col = fk.columns[fk.referred_columns.index(column.name)]
                    targets.append((fk.schema, fk.table, child_col))
            for t_schema, t_table, t_col in targets:
                qt = ddl.qualify(t_schema, t_table)
                forward.append(f"ALTER TABLE {qt} ALTER COLUMN {ddl.quote_ident(t_col)} TYPE bigint;")
                back.append(f"ALTER TABLE {qt} ALTER COLUMN {ddl.quote_ident(t_col)} TYPE {col_type};")
                widened.append(f"{t_schema}.{t_table}.{t_col}" if t_schema else f"{t_table}.{t_col}")
    return forward, back, widened


def check(ctx: SchemaContext) -> list[Finding]:
    out: list[Finding] = []
    for seq in ctx.facts.sequences:
        if seq.last_value is None or seq.increment <= 0:
            continue
        owner = _owner(seq, ctx)
        limit = seq.max_value
        limited_by = "its MAXVALUE"
        if owner is not None:
            col_max = TYPE_MAX.get(_type_name(owner[1].data_type))
            if col_max is not None and col_max < limit:
                limit, limited_by = col_max, f"the {owner[1].data_type} column {seq.owned_by}"
        share = seq.last_value / limit if limit > 0 else 0.0
        if share < WARNING_SHARE:
            continue
        remaining = limit - seq.last_value
        statements, undo, widened = _statements(seq, owner, ctx)
        out.append(
            schema_finding(
                RULE_ID,
                "critical" if share >= CRITICAL_SHARE else "warning",
                obj=f"{seq.schema}.{seq.name}",
                title="Sequence near exhaustion",
                message=(
                    f"The sequence {seq.schema}.{seq.name} ({seq.data_type}) is at {fmt.num(seq.last_value)} of "
                    f"{fmt.num(limit)}, limited by {limited_by}: {fmt.pct(share)} used, "
                    f"{fmt.num(remaining // max(seq.increment, 1))} values left."
                ),
                reasoning=(
                    "When the sequence or its column reaches the maximum, every INSERT fails with an overflow "
                    "error; the only fix then is an emergency type change under a full table lock."
                ),
                recommendation=(
                    "Widen to bigint before it runs out"
                    + (f": {', '.join(widened)}" if widened else "")
                    + ". ALTER COLUMN … TYPE bigint rewrites each table and its indexes under an ACCESS EXCLUSIVE "
                    "lock; on a large table plan a maintenance window, or add a bigint column, backfill it in "
                    "batches and swap."
                ),
                evidence={
                    "last_value": seq.last_value,
                    "max_value": limit,
                    "used_pct": pct(share),
                    "values_left": remaining,
                },
                ddl=statements,
                rollback=undo,
                impact=share * 1e9,
            )
        )
    return out


RULES = (
    Rule(
        id=RULE_ID,
        category="schema",
        engines=("postgresql",),
        check=check,
        summary="sequence (or its column) ≥ 75 % of its maximum",
    ),
)
