"""Helpers the MySQL/MariaDB rule modules share: which table a plan node reads (aliases resolved from the
query), the condition that applies to it, rows examined and kept in every plan format, index DDL from
templates (``ALTER TABLE … ADD INDEX …, ALGORITHM=INPLACE, LOCK=NONE`` on InnoDB; ``ALGORITHM=COPY,
LOCK=SHARED`` on the engines that refuse an in-place build — MyISAM, Aria, MEMORY…), hiding an index
before dropping it (MySQL 8 ``INVISIBLE``, MariaDB 10.6+ ``IGNORED``) and the statement that recreates
an index exactly as the catalog describes it.

Plan formats differ in where facts sit: JSON v1 and MariaDB put the condition, ``filtered`` and
``possible_keys`` on the table; TREE and JSON v2 put the condition on a ``Filter`` parent and give
rows per iterator. The functions here hide that.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from tui.advisor import ddl
from tui.advisor.context import PlanContext
from tui.advisor.indexes import covering_index, key_parts
from tui.advisor.suggest import IndexCandidate, build_candidate
from tui.core.catalog import Index, ObjectDetail
from tui.core.plan import Plan, PlanNode
from tui.core.session import SchemaFacts

ENGINES = ("mysql", "mariadb")
DIALECT = "mysql"
SCAN_TYPES = ("ALL", "index")
MIN_ROWS = 1_000


@dataclass(frozen=True, slots=True)
class MyRelation:
    """The table behind a plan node: ``alias`` as the plan prints it, ``table`` the real name."""

    schema: str | None
    table: str
    alias: str
    detail: ObjectDetail | None

    @property
    def qualified(self) -> str:
        return f"{self.schema}.{self.table}" if self.schema else self.table


def parents(plan: Plan) -> dict[int, PlanNode]:
    out: dict[int, PlanNode] = {}
    for node in plan.nodes():
        for child in node.children:
            out[id(child)] = node
    return out


def is_table_access(node: PlanNode) -> bool:
    return bool(node.access_type and node.object and not node.object.startswith("<"))


def _aliases(query: str | None) -> dict[str, tuple[str | None, str]]:
    """alias → (database, table) from the statement's FROM/JOIN clauses (sqlglot, MySQL dialect)."""
    if not query:
        return {}
    try:
        import sqlglot
        from sqlglot import exp

        tree = sqlglot.parse_one(query, read=DIALECT)
    except Exception:  # an unparseable statement only means no alias resolution
        return {}
    out: dict[str, tuple[str | None, str]] = {}
    for table in tree.find_all(exp.Table):
        name = table.name
        if not name:
            continue
        out[table.alias_or_name] = (table.db or None, name)
        out.setdefault(name, (table.db or None, name))
    return out


def relation(node: PlanNode, ctx: PlanContext) -> MyRelation | None:
    """The real table a table-access node reads, with its ObjectDetail when the facts have it."""
    if not is_table_access(node):
        return None
    alias = str(node.object)
    schema_hint = node.extra.get("schema_name") if isinstance(node.extra.get("schema_name"), str) else None
    db, table = _aliases(ctx.query).get(alias, (schema_hint, alias))
    default_db = ctx.facts.database if ctx.facts is not None else None
    detail = ctx.tables.find(table, db or default_db) or ctx.tables.find(table)
    schema = db or (detail.node.schema if detail is not None else None) or default_db
    return MyRelation(schema, table, alias, detail)


def condition(node: PlanNode, parent: PlanNode | None) -> str | None:
    """The condition evaluated on the rows this node reads: the table's own attached condition (JSON
    v1, MariaDB) or the ``Filter`` iterator right above it (TREE, JSON v2)."""
    if node.filter:
        return node.filter
    if parent is not None and parent.operation == "Filter" and parent.filter:
        return parent.filter
    return None


def rows_examined(node: PlanNode, parent: PlanNode | None, plan: Plan) -> float | None:
    """Rows the access read, over all loops: measured when analyzed, else the estimate × scans."""
    if node.rows_actual is not None:
        return node.rows_actual * (node.loops if node.loops is not None else 1)
    if node.rows_estimated is None:
        return None
    return node.rows_estimated * estimated_scans(node, parent, plan)


def estimated_scans(node: PlanNode, parent: PlanNode | None, plan: Plan) -> float:
    """How often a table in a ``nested_loop`` is read: the rows the tables before it produce (MySQL's
    ``rows_produced_per_join`` of the previous table; MariaDB: rows × filtered of each earlier one)."""
    container = parent
    child = node
    if container is not None and container.operation.startswith(("Block nested loop", "Batched key access")):
        child = container
        container = parents(plan).get(id(container))
    if container is None or container.operation != "Nested loop":
        return 1.0
    scans = 1.0
    for sibling in container.children:
        if sibling is child:
            break
        table = sibling if sibling.access_type else next((n for n in sibling.walk() if n.access_type), None)
        if table is None:
            continue
        produced = table.extra.get("rows_produced_per_join")
        if isinstance(produced, int | float):
            scans = max(float(produced), 1.0)
        elif table.rows_estimated is not None:
            scans *= max(table.rows_estimated * _filtered(table), 1.0)
    return scans


def _filtered(node: PlanNode) -> float:
    value = node.extra.get("filtered")
    try:
        return max(0.0, min(1.0, float(value) / 100)) if value is not None else 1.0
    except (TypeError, ValueError):
        return 1.0


def selectivity_unknown(node: PlanNode, parent: PlanNode | None) -> bool:
    """True when the optimizer printed ``filtered: 100`` for an access that has a condition and nothing was
    measured: it had no statistics on the condition's columns (MariaDB without histograms assumes every
    row passes), so 100 % is not an estimate of what the condition keeps."""
    if node.extra.get("r_filtered") is not None or node.rows_actual is not None:
        return False
    value = node.extra.get("filtered")
    try:
        full = value is not None and float(value) >= 100
    except (TypeError, ValueError):
        return False
    return full and condition(node, parent) is not None


def kept_fraction(node: PlanNode, parent: PlanNode | None) -> tuple[float | None, bool]:
    """(share of examined rows that pass the condition, measured?) — r_filtered, filtered, or the
    Filter iterator's rows over the access's rows. None when unknown (see ``selectivity_unknown``)."""
    if selectivity_unknown(node, parent):
        return None, False
    for key, measured in (("r_filtered", True), ("filtered", False)):
        value = node.extra.get(key)
        if value is not None:
            try:
                return max(0.0, min(1.0, float(value) / 100)), measured
            except (TypeError, ValueError):
                pass
    if parent is not None and parent.operation == "Filter":
        if parent.rows_actual is not None and node.rows_actual:
            return min(1.0, parent.rows_actual / node.rows_actual), True
        if parent.rows_estimated is not None and node.rows_estimated:
            return min(1.0, parent.rows_estimated / node.rows_estimated), False
    return None, False


def table_indexes(detail: ObjectDetail | None) -> list[Index]:
    return list(detail.indexes) if detail is not None else []


def visible_covering(detail: ObjectDetail, cand: IndexCandidate) -> tuple[Index | None, Index | None]:
    """(a visible index that serves the candidate, an invisible/ignored one that would)."""
    if any(cand.descending):
        return None, None
    visible = ObjectDetail(node=detail.node, indexes=[i for i in detail.indexes if i.visible])
    hidden = ObjectDetail(node=detail.node, indexes=[i for i in detail.indexes if not i.visible])
    return (
        covering_index(visible, cand.columns, cand.equality_count),
        covering_index(hidden, cand.columns, cand.equality_count),
    )


def candidate_for(
    rel: MyRelation,
    equality: list[str],
    ranges: list[str],
    order: list[tuple[str, bool]] | None = None,
    *,
    reason: str,
) -> IndexCandidate | None:
    """An Equality → Sort → Range candidate on ``rel`` (not yet checked against existing indexes)."""
    if rel.detail is not None:
        return build_candidate(rel.detail, equality, ranges, order, reason=reason, check_covered=False)
    cols: list[str] = []
    roles: list[str] = []
    for name in equality:
        if name not in cols:
            cols.append(name)
            roles.append("equality")
    for name, _desc in order or []:
        if name not in cols:
            cols.append(name)
            roles.append("sort")
    if ranges and "sort" not in roles and ranges[0] not in cols:
        cols.append(ranges[0])
        roles.append("range")
    if not cols:
        return None
    return IndexCandidate(
        rel.schema, rel.table, cols[:4], roles[:4], descending=[False] * len(cols[:4]), reason=reason
    )


@dataclass(frozen=True, slots=True)
class Predicates:
    equality: list[str]
    ranges: list[str]
    joins: list[str]  # columns of this table compared to another table's column


def predicates(text: str | None, rel: MyRelation) -> Predicates:
    """Columns of ``rel`` in a condition, by how they are compared (sqlglot, MySQL dialect).

    Columns may be printed bare (``qty``), with the alias (``o.qty``) or fully (``db.t.qty``)."""
    empty = Predicates([], [], [])
    if not text:
        return empty
    try:
        import sqlglot
        from sqlglot import exp

        tree = sqlglot.parse_one(f"SELECT 1 FROM t WHERE {_clean(text)}", read=DIALECT)
    except Exception:
        return empty
    where = tree.args.get("where")
    if where is None:
        return empty
    names = {rel.alias.lower(), rel.table.lower()}

    def own(col: Any) -> str | None:
        if not isinstance(col, exp.Column):
            return None
        table = (col.table or "").lower()
        if table and table not in names:
            return None
        if not table and len(names) > 0 and rel.detail is not None:
            known = {c.name.lower(): c.name for c in rel.detail.columns}
            return known.get(col.name.lower())
        return col.name

    equality, ranges, joins = [], [], []
    conjuncts = list(where.this.flatten()) if isinstance(where.this, exp.And) else [where.this]
    for cond in conjuncts:
        cond = cond.unnest() if hasattr(cond, "unnest") else cond
        if isinstance(cond, exp.EQ | exp.NullSafeEQ):
            left, right = own(cond.this), own(cond.expression)
            left_other = isinstance(cond.this, exp.Column) and left is None
            right_other = isinstance(cond.expression, exp.Column) and right is None
            if (left and right_other) or (right and left_other):
                joins.append(left or right or "")
            elif left and not isinstance(cond.expression, exp.Column):
                equality.append(left)
            elif right and not isinstance(cond.this, exp.Column):
                equality.append(right)
        elif (isinstance(cond, exp.In) and own(cond.this) and not cond.args.get("query")) or (
            isinstance(cond, exp.Is) and own(cond.this)
        ):
            equality.append(own(cond.this) or "")
        elif isinstance(cond, exp.GT | exp.GTE | exp.LT | exp.LTE | exp.Between):
            name = own(cond.this)
            if name is None and isinstance(cond, exp.GT | exp.GTE | exp.LT | exp.LTE):
                name = own(cond.expression)
            if name:
                ranges.append(name)
        elif isinstance(cond, exp.Like) and own(cond.this):
            pattern = cond.expression
            if isinstance(pattern, exp.Literal) and not str(pattern.this).startswith(("%", "_")):
                ranges.append(own(cond.this) or "")
    return Predicates(_unique(equality), _unique(ranges), _unique(joins))


_CACHE = re.compile(r"<cache>\((.*?)\)")
_SUBQUERY = re.compile(r"\(subquery#\d+\)|\(/\* select#\d+ \*/[^()]*(?:\([^()]*\)[^()]*)*\)")


def _clean(text: str) -> str:
    """MySQL prints internal markers in conditions (``<cache>(…)``, ``(subquery#2)``); keep what
    sqlglot can read (a subquery becomes NULL: it is not a column of the table)."""
    return _SUBQUERY.sub("NULL", _CACHE.sub(r"\1", text))


def _unique(items: list[str]) -> list[str]:
    seen: set[str] = set()
    return [x for x in items if x and not (x in seen or seen.add(x))]


def version_num(facts: SchemaFacts | None) -> int:
    if facts is None:
        return 0
    value = facts.server.get("version_num")
    return int(value) if isinstance(value, int) else 0


def engine_of(ctx: PlanContext) -> str:
    return ctx.plan.engine


def table_engine(detail: ObjectDetail | None) -> str | None:
    """The storage engine the catalog reported for the table (``InnoDB``, ``MyISAM``…), None if unknown."""
    if detail is None:
        return None
    value = detail.stat("Engine") or detail.node.meta.get("engine")
    return str(value) if value else None


def builds_online(detail: ObjectDetail | None) -> bool:
    """True when index DDL on this table can run ``ALGORITHM=INPLACE, LOCK=NONE``: InnoDB, or an engine
    the facts do not name (InnoDB is the default engine of both servers)."""
    engine = table_engine(detail)
    return engine is None or engine.lower() == "innodb"


def index_clause(detail: ObjectDetail | None) -> str:
    """The ALGORITHM/LOCK clause index DDL on this table runs with."""
    return ddl.MYSQL_ONLINE if builds_online(detail) else ddl.MYSQL_COPY


def copy_note(detail: ObjectDetail | None) -> str:
    """A sentence for findings whose DDL copies the table because its engine builds no index in place."""
    if builds_online(detail):
        return ""
    return (
        f" {table_engine(detail)} tables cannot build or drop an index in place: the statement copies the "
        "table (ALGORITHM=COPY) and blocks writes until it finishes (LOCK=SHARED)."
    )


def index_statements(cand: IndexCandidate, detail: ObjectDetail | None) -> tuple[str, str, str]:
    """(name, ALTER TABLE … ADD INDEX …, ALTER TABLE … DROP INDEX …) for a new index."""
    name = ddl.index_name(cand.table, cand.columns, [i.name for i in table_indexes(detail)], dialect=DIALECT)
    clause = index_clause(detail)
    create = ddl.create_index(
        cand.schema, cand.table, cand.key_parts(), name=name, dialect=DIALECT, mysql_clause=clause
    )
    drop = ddl.drop_index(cand.schema, name, table=cand.table, dialect=DIALECT, mysql_clause=clause)
    return name, create, drop


def recreate_statement(
    index: Index, schema: str | None, table: str, detail: ObjectDetail | None = None
) -> str:
    """``ALTER TABLE … ADD [UNIQUE|FULLTEXT|SPATIAL] INDEX name (parts)`` exactly as the index is now:
    prefix lengths, DESC, functional parts. FULLTEXT and SPATIAL cannot be added with LOCK=NONE; tables of
    engines other than InnoDB (``detail``) get ``ALGORITHM=COPY, LOCK=SHARED``."""
    parts = index.options.get("key_parts") if index.options else None
    rendered: list[str] = []
    if parts:
        for part in parts:
            if part.get("column") is not None:
                text = ddl.quote_ident(part["column"], DIALECT)
                if part.get("sub_part"):
                    text += f"({int(part['sub_part'])})"
            else:
                text = f"({part.get('expression')})"
            if part.get("desc"):
                text += " DESC"
            rendered.append(text)
    else:
        rendered = [ddl.quote_ident(c, DIALECT) for c in key_parts(index)]
    method = index.method.lower()
    if index.primary:
        kind = "PRIMARY KEY"
        name = ""
    else:
        kind = {"fulltext": "FULLTEXT INDEX", "spatial": "SPATIAL INDEX"}.get(
            method, "UNIQUE INDEX" if index.unique else "INDEX"
        )
        name = " " + ddl.quote_ident(index.name, DIALECT)
    if not builds_online(detail):
        clause = ddl.MYSQL_COPY
    elif method in ("fulltext", "spatial"):
        clause = "ALGORITHM=INPLACE, LOCK=SHARED"
    else:
        clause = ddl.MYSQL_ONLINE
    return f"ALTER TABLE {ddl.qualify(schema, table, DIALECT)} ADD {kind}{name} ({', '.join(rendered)}), {clause};"


def drop_statement(index: Index, schema: str | None, table: str, detail: ObjectDetail | None = None) -> str:
    return ddl.drop_index(schema, index.name, table=table, dialect=DIALECT, mysql_clause=index_clause(detail))


def hide_statements(
    engine: str, version: int, schema: str | None, table: str, index: Index
) -> tuple[str, str] | None:
    """(hide, show) for an index, when the server can hide one: MySQL 8.0 ``INVISIBLE``/``VISIBLE``,
    MariaDB 10.6+ ``IGNORED``/``NOT IGNORED``. None when it cannot (or for the primary key)."""
    if index.primary:
        return None
    target = f"ALTER TABLE {ddl.qualify(schema, table, DIALECT)} ALTER INDEX {ddl.quote_ident(index.name, DIALECT)}"
    if engine == "mysql" and version >= 80000:
        return f"{target} INVISIBLE;", f"{target} VISIBLE;"
    if engine == "mariadb" and version >= 100600:
        return f"{target} IGNORED;", f"{target} NOT IGNORED;"
    return None


def removal_steps(
    engine: str,
    version: int,
    schema: str | None,
    table: str,
    index: Index,
    detail: ObjectDetail | None = None,
) -> tuple[list[str], list[str], str]:
    """(ddl, rollback, advice) to remove an index safely: hide it first where the server can, watch,
    then drop; every step paired with its undo. ``detail`` (the table) decides the ALGORITHM/LOCK."""
    drop = drop_statement(index, schema, table, detail)
    recreate = recreate_statement(index, schema, table, detail)
    hidden = hide_statements(engine, version, schema, table, index)
    if hidden is None:
        return (
            [drop],
            [recreate],
            "Drop it; the rollback recreates it exactly as it is defined now." + copy_note(detail),
        )
    hide, show = hidden
    word = "INVISIBLE" if engine == "mysql" else "IGNORED"
    return (
        [hide, drop],
        [show, recreate],
        f"Make it {word} first (instant, no rebuild: the optimizer stops using it while it is still "
        "maintained), watch the workload, then drop it; each step has its undo." + copy_note(detail),
    )
