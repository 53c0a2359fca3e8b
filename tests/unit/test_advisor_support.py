"""Builders the advisor's unit tests share: PostgreSQL EXPLAIN JSON documents parsed by the real parser,
and SchemaFacts assembled from neutral catalog models (as the adapter fills them)."""

from __future__ import annotations

import json
from typing import Any

from tui.advisor.context import PlanContext, SchemaContext
from tui.core.catalog import CatalogNode, Column, Constraint, ForeignKey, Index, ObjectDetail, Stat
from tui.core.plan import Plan
from tui.core.session import SchemaFacts, SequenceFacts
from tui.plans.postgres import parse_postgres_plan


def pg_plan(
    root: dict[str, Any], *, execution_ms: float | None = None, planning_ms: float = 0.1, **top: Any
) -> Plan:
    """Parse ``[{"Plan": root, …}]`` with dbscope's PostgreSQL parser."""
    doc: dict[str, Any] = {"Plan": root, "Planning Time": planning_ms}
    if execution_ms is not None:
        doc["Execution Time"] = execution_ms
    doc.update(top)
    return parse_postgres_plan(json.dumps([doc]))


def scan(
    node_type: str = "Seq Scan", *, relation: str = "orders", schema: str = "shop", **fields: Any
) -> dict[str, Any]:
    base = {
        "Node Type": node_type,
        "Relation Name": relation,
        "Schema": schema,
        "Alias": relation,
        "Startup Cost": 0.0,
        "Total Cost": 100.0,
        "Plan Rows": 10,
        "Plan Width": 8,
    }
    base.update(fields)
    return base


def analyzed(rows: float, total_ms: float, loops: int = 1, **fields: Any) -> dict[str, Any]:
    return {
        "Actual Startup Time": 0.0,
        "Actual Total Time": total_ms,
        "Actual Rows": rows,
        "Actual Loops": loops,
        **fields,
    }


def col(
    name: str,
    data_type: str = "integer",
    *,
    nullable: bool = True,
    n_distinct: float | None = None,
    **kw: Any,
) -> Column:
    return Column(name, data_type, nullable=nullable, n_distinct=n_distinct, **kw)


def index(name: str, *columns: str, **kw: Any) -> Index:
    definition = kw.pop("definition", None)
    method = kw.get("method", "btree")
    if definition is None:
        definition = f"CREATE {'UNIQUE ' if kw.get('unique') else ''}INDEX {name} ON t USING {method} ({', '.join(columns)})"
    return Index(name=name, columns=list(columns), definition=definition, **kw)


def table(
    name: str,
    columns: list[Column],
    *,
    schema: str = "shop",
    indexes: list[Index] | None = None,
    rows: int | None = 100_000,
    constraints: list[Constraint] | None = None,
    fks: list[ForeignKey] | None = None,
    referenced_by: list[ForeignKey] | None = None,
    stats: list[Stat] | None = None,
    kind: str = "table",
    total_bytes: int | None = 8_192_000,
) -> ObjectDetail:
    node = CatalogNode(kind, name, f"{schema}.{name}", schema=schema, table=name)
    return ObjectDetail(
        node=node,
        columns=columns,
        indexes=indexes or [],
        constraints=constraints or [],
        foreign_keys=fks or [],
        referenced_by=referenced_by or [],
        stats=stats or [],
        row_estimate=rows,
        total_bytes=total_bytes,
    )


def pk(name: str, *columns: str) -> tuple[Index, Constraint]:
    return (
        index(name, *columns, unique=True, primary=True, constraint=name),
        Constraint(name, "primary", list(columns), f"PRIMARY KEY ({', '.join(columns)})"),
    )


def facts(
    *tables: ObjectDetail, sequences: list[SequenceFacts] | None = None, age_days: float | None = 30.0
) -> SchemaFacts:
    return SchemaFacts(
        engine="postgresql",
        database="db",
        tables=list(tables),
        sequences=sequences or [],
        stats_age_days=age_days,
        stats_since="2024-01-01T00:00:00+00:00" if age_days is not None else None,
    )


def plan_ctx(plan: Plan, schema: SchemaFacts | None = None, calls: int | None = None) -> PlanContext:
    return PlanContext.build(plan, facts=schema, calls=calls)


def schema_ctx(schema: SchemaFacts) -> SchemaContext:
    return SchemaContext.build(schema)


def test_pg_plan_builder_uses_the_real_parser() -> None:
    plan = pg_plan(scan(**analyzed(9, 24.0, **{"Rows Removed by Filter": 199_991})), execution_ms=25.0)
    assert plan.analyzed and plan.root.rows_removed == 199_991
    assert plan.root.time_share == 24.0 / 25.0
