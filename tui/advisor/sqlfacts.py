"""What the advisor knows about one SQL statement, from sqlglot: its base tables, the predicates of
every WHERE / JOIN ON (each resolved to its table and column), ORDER BY, LIMIT and OFFSET.

``analyze_query(sql, dialect, facts)`` parses once and qualifies the columns against SchemaFacts (so
an unqualified column in a join resolves to its table); the query rules and the index suggestions
read the resulting ``QueryFacts``. Nothing here talks to a server.
"""

from __future__ import annotations

from typing import Any

import sqlglot
from sqlglot import exp
from sqlglot.errors import OptimizeError, ParseError, SqlglotError
from sqlglot.optimizer.qualify import qualify
from sqlglot.optimizer.scope import Scope, traverse_scope

from tui.advisor.context import TableIndex
from tui.advisor.querymodel import EQUALITY_KINDS, RANGE_KINDS, OrderKey, Predicate, QueryFacts, TableRef
from tui.core.catalog import Column, ObjectDetail
from tui.core.session import SchemaFacts

__all__ = [
    "EQUALITY_KINDS",
    "RANGE_KINDS",
    "OrderKey",
    "Predicate",
    "QueryFacts",
    "TableRef",
    "analyze_query",
]

_RANGE_OPS = (exp.GT, exp.GTE, exp.LT, exp.LTE)


def parse_statement(sql: str, dialect: str) -> Any | None:
    try:
        trees = [t for t in sqlglot.parse(sql, read=dialect) if t is not None]
    except (ParseError, SqlglotError):
        return None
    return trees[0] if len(trees) == 1 else None


def _schema_mapping(tree: Any, tables: TableIndex) -> dict[str, dict[str, dict[str, str]]]:
    """{schema: {table: {column: type}}} for the tables the statement names (types as text only)."""
    mapping: dict[str, dict[str, dict[str, str]]] = {}
    for table in tree.find_all(exp.Table):
        detail = tables.find(table.name, table.db or None)
        if detail is None:
            continue
        schema = detail.node.schema or "public"
        cols = {c.name: "unknown" for c in detail.columns}
        mapping.setdefault(schema, {})[detail.node.table or detail.node.name] = cols
    return mapping


def _literal_int(node: Any) -> int | None:
    if node is None:
        return None
    value = node.args.get("expression") if isinstance(node, exp.Limit | exp.Offset) else node
    if isinstance(value, exp.Literal) and not value.is_string:
        try:
            return int(value.this)
        except ValueError:
            return None
    return None


def is_constant(node: Any) -> bool:
    """True for literals, parameters ($1, %s, ?), NULL, and expressions of them (now(), 1 + 2)."""
    if node is None:
        return False
    if isinstance(node, exp.Subquery | exp.Select | exp.Query):
        return False
    return node.find(exp.Column) is None and node.find(exp.Select) is None


def _bare_column(node: Any) -> exp.Column | None:
    if isinstance(node, exp.Column) and not isinstance(node.this, exp.Star):
        return node
    if isinstance(node, exp.Paren):
        return _bare_column(node.this)
    return None


def _wrapped_column(node: Any) -> tuple[Any, exp.Column] | None:
    """A function or cast whose argument tree holds exactly one column: (wrapper, column)."""
    if isinstance(node, exp.Column | exp.Literal) or node is None:
        return None
    if not isinstance(node, exp.Func | exp.Cast | exp.TryCast | exp.Binary | exp.Paren):
        return None
    cols = list(node.find_all(exp.Column))
    if len(cols) != 1:
        return None
    return node, cols[0]


def _cast_column(node: Any) -> tuple[Any, exp.Column] | None:
    """``CAST(col AS t)`` / ``col::t`` (in parentheses or not): (the cast, the column)."""
    while isinstance(node, exp.Paren):
        node = node.this
    if isinstance(node, exp.Cast | exp.TryCast):
        col = _bare_column(node.this)
        if col is not None:
            return node, col
    return None


class _Resolver:
    """Column → base table, within one scope."""

    def __init__(self, scope: Scope, tables: TableIndex) -> None:
        self.refs: dict[str, TableRef] = {}
        for alias, source in scope.sources.items():
            if isinstance(source, exp.Table):
                detail = tables.find(source.name, source.db or None)
                schema = source.db or (detail.node.schema if detail else None)
                self.refs[alias] = TableRef(schema, source.name, alias)
        self.tables = tables

    def table_of(self, column: exp.Column) -> TableRef | None:
        if column.table:
            return self.refs.get(column.table)
        if len(self.refs) == 1:
            return next(iter(self.refs.values()))
        owners = [
            ref
            for ref in self.refs.values()
            if (d := self.tables.find(ref.name, ref.schema)) and any(c.name == column.name for c in d.columns)
        ]
        return owners[0] if len(owners) == 1 else None


def _classify(node: Any, res: _Resolver, source: str) -> Predicate:
    if isinstance(node, exp.Paren):
        return _classify(node.this, res, source)
    if isinstance(node, exp.Or):
        kids = [_classify(part, res, source) for part in _flatten(node, exp.Or)]
        return Predicate("or", node, children=kids, source=source)
    if isinstance(node, exp.Not):
        inner = node.this.this if isinstance(node.this, exp.Paren) else node.this
        if isinstance(inner, exp.In):
            col = _bare_column(inner.this)
            return Predicate(
                "not_in",
                node,
                table=res.table_of(col) if col else None,
                column=col.name if col else None,
                other=inner.args.get("query") or inner.expressions,
                source=source,
            )
        return Predicate("other", node, source=source)
    if isinstance(node, (exp.EQ, exp.NEQ, exp.Is, exp.In, exp.Between, exp.Like, exp.ILike, *_RANGE_OPS)):
        left = node.this
        right = node.args.get("expression")
        if isinstance(node, exp.In):
            right = node.args.get("query") or node.expressions
        col = _bare_column(left)
        mirrored = col is None and isinstance(node, (exp.EQ, exp.NEQ, *_RANGE_OPS))
        if mirrored and _bare_column(right) is not None and is_constant(left):
            col, right = _bare_column(right), left  # constant = column
        if col is not None:
            table = res.table_of(col)
            other_col = _bare_column(right) if not isinstance(right, list) else None
            cast_right = _cast_column(right) if isinstance(node, exp.EQ) else None
            if cast_right is not None:  # column = CAST(other column AS type)
                wrapper, cast_col = cast_right
                return Predicate(
                    "join_cast",
                    node,
                    table=res.table_of(cast_col),
                    column=cast_col.name,
                    wrapper=wrapper,
                    other=col,
                    other_table=table,
                    other_column=col.name,
                    source=source,
                )
            if other_col is not None and isinstance(node, exp.EQ):
                return Predicate(
                    "join",
                    node,
                    table=table,
                    column=col.name,
                    other=right,
                    other_table=res.table_of(other_col),
                    other_column=other_col.name,
                    source=source,
                )
            kind = _kind(node, right)
            return Predicate(kind, node, table=table, column=col.name, other=right, source=source)
        cast_left = _cast_column(left) if isinstance(node, exp.EQ) else None
        right_col = _bare_column(right) if not isinstance(right, list) else None
        if cast_left is not None and right_col is not None:  # CAST(column AS type) = other column
            wrapper, cast_col = cast_left
            return Predicate(
                "join_cast",
                node,
                table=res.table_of(cast_col),
                column=cast_col.name,
                wrapper=wrapper,
                other=right_col,
                other_table=res.table_of(right_col),
                other_column=right_col.name,
                source=source,
            )
        wrapped = _wrapped_column(left)
        if wrapped is not None and (isinstance(right, list) or is_constant(right)):
            wrapper, column = wrapped
            kind = "cast" if isinstance(wrapper, exp.Cast | exp.TryCast) else "func"
            return Predicate(
                kind,
                node,
                table=res.table_of(column),
                column=column.name,
                wrapper=wrapper,
                other=right,
                source=source,
            )
    return Predicate("other", node, source=source)


def _kind(node: Any, right: Any) -> str:
    if isinstance(node, exp.EQ):
        return "eq" if is_constant(right) else "other"
    if isinstance(node, exp.Is):
        if not isinstance(right, exp.Null):
            return "other"
        return "not_null" if node.args.get("negate") else "is_null"
    if isinstance(node, exp.In):
        if node.args.get("negate"):
            return "not_in"
        if isinstance(right, list):
            return "in" if all(is_constant(v) for v in right) else "other"
        return "in_subquery"
    if isinstance(node, exp.Between):
        return (
            "range" if is_constant(node.args.get("low")) and is_constant(node.args.get("high")) else "other"
        )
    if isinstance(node, _RANGE_OPS):
        return "range" if is_constant(right) else "other"
    if isinstance(node, exp.NEQ):
        return "neq"
    if isinstance(node, exp.Like | exp.ILike):
        if node.args.get("negate"):
            return "other"
        pattern = right.this if isinstance(right, exp.Literal) and right.is_string else None
        if pattern is None:
            return "other"
        leading = pattern[:1] in ("%", "_")
        if isinstance(node, exp.ILike):
            return "ilike_wild" if leading else "ilike"
        return "like_wild" if leading else "like_prefix"
    return "other"


def _flatten(node: Any, kind: type) -> list[Any]:
    while isinstance(node, exp.Paren) and isinstance(node.this, exp.Paren | kind):
        node = node.this
    if isinstance(node, kind):
        return [part for child in (node.this, node.args.get("expression")) for part in _flatten(child, kind)]
    return [node]


def conjuncts(condition: Any) -> list[Any]:
    return _flatten(condition, exp.And) if condition is not None else []


def analyze_query(sql: str, dialect: str = "postgres", facts: SchemaFacts | None = None) -> QueryFacts | None:
    """Parse and resolve ``sql``; None when it is not one statement sqlglot can read."""
    tree = parse_statement(sql, dialect)
    if tree is None:
        return None
    tables = TableIndex.build(facts)
    kind = tree.key.lower()
    qfacts = QueryFacts(sql=sql, dialect=dialect, tree=tree, kind=kind)
    qualified_tree = tree
    mapping = _schema_mapping(tree, tables)
    try:
        qualified_tree = qualify(
            tree.copy(),
            schema=mapping or None,
            dialect=dialect,
            validate_qualify_columns=False,
            expand_stars=False,
            quote_identifiers=False,
            isolate_tables=False,
        )
    except (OptimizeError, SqlglotError, KeyError, ValueError) as exc:
        qfacts.qualified_ok = False
        qfacts.notes.append(f"columns not resolved: {exc}")
    qfacts.tree = qualified_tree
    try:
        scopes = traverse_scope(qualified_tree)
    except (OptimizeError, SqlglotError) as exc:
        qfacts.notes.append(f"scopes not resolved: {exc}")
        scopes = []
    root_select = qualified_tree if isinstance(qualified_tree, exp.Select) else None
    for scope in scopes:
        res = _Resolver(scope, tables)
        for ref in res.refs.values():
            if ref.key not in {t.key for t in qfacts.tables}:
                qfacts.tables.append(ref)
        select = scope.expression
        where = select.args.get("where")
        if where is not None:
            qfacts.predicates += [_classify(c, res, "where") for c in conjuncts(where.this)]
        for join in select.args.get("joins") or []:
            on = join.args.get("on")
            if on is not None:
                qfacts.predicates += [_classify(c, res, "join") for c in conjuncts(on)]
        if isinstance(select, exp.Select):
            _star(select, res, scope, qfacts, select is root_select)
            if select is root_select:
                _order_limit(select, res, qfacts)
    if isinstance(qualified_tree, exp.Update | exp.Delete) and not scopes:
        qfacts.notes.append("no scope for DML")
    return qfacts


def _star(select: exp.Select, res: _Resolver, scope: Scope, qfacts: QueryFacts, outermost: bool) -> None:
    if isinstance(select.parent, exp.Exists) or (
        isinstance(select.parent, exp.Subquery) and isinstance(select.parent.parent, exp.Exists)
    ):
        return
    for projection in select.expressions:
        if isinstance(projection, exp.Star):
            refs = list(res.refs.values())
        elif isinstance(projection, exp.Column) and isinstance(projection.this, exp.Star):
            ref = res.refs.get(projection.table)
            refs = [ref] if ref else []
        else:
            continue
        for ref in refs:
            if ref.key not in {t.key for t in qfacts.select_star}:
                qfacts.select_star.append(ref)
        qfacts.star_outermost = qfacts.star_outermost or outermost


def _order_limit(select: exp.Select, res: _Resolver, qfacts: QueryFacts) -> None:
    order = select.args.get("order")
    for item in order.expressions if order else []:
        col = _bare_column(item.this)
        qfacts.order_by.append(
            OrderKey(
                res.table_of(col) if col else None,
                col.name if col else None,
                bool(item.args.get("desc")),
                item,
                bool(item.args.get("nulls_first")),
            )
        )
    qfacts.limit = _literal_int(select.args.get("limit"))
    qfacts.offset = _literal_int(select.args.get("offset"))


def column_of(detail: ObjectDetail | None, name: str | None) -> Column | None:
    if detail is None or name is None:
        return None
    return next((c for c in detail.columns if c.name == name), None)


def sql_text(node: Any, dialect: str, *, strip_tables: bool = False) -> str:
    """An expression printed in ``dialect``; with ``strip_tables`` the column qualifiers are removed
    (for an index expression, which names the table's own columns)."""
    if strip_tables:
        node = node.copy()
        for col in node.find_all(exp.Column):
            col.set("table", None)
            col.set("db", None)
    return node.sql(dialect=dialect)
