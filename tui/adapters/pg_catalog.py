"""PostgreSQL catalog queries and the code that turns their rows into neutral catalog models.

Driver-free: every function takes a ``fetch(sql, params) -> list[dict]`` callable, so the adapter owns
the connection and this module owns the SQL. Queries are bulk (one per kind of fact, for one relation
or for a whole schema), never one per table, so a 10,000-table schema costs a handful of round trips.
Names come back quoted by the server (``format('%I.%I')``), so what the UI shows can be pasted into SQL.

Why not SQLAlchemy's Inspector (benchmarks/reflection.py, 2,000 tables, RESULTS.md "reflection"): its
six bulk ``get_multi_*`` reflections alone (0.74 s) take as long as this module's whole schema load
(0.64 s with its two side connections, 0.78 s on one), which also reads what they lack — statistics,
sizes, scans, validity, triggers, partitions. With those queries added the Inspector path takes 1.04 s
(×1.6, ×1.3 on one connection), plus 0.19 s to import SQLAlchemy and its dialect.
SQLAlchemy stays what it is good at here: an independent reader of the same catalog, the oracle of
tests/adapters/test_pg_reflection_oracle.py (which found the collation, identity and SET NULL (cols)
facts this module once dropped).
"""

from __future__ import annotations

import gc
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

from tui.core.catalog import (
    CatalogNode,
    Column,
    Constraint,
    ForeignKey,
    Index,
    ObjectDetail,
    Stat,
    Trigger,
)
from tui.core.session import SchemaFacts, SequenceFacts

Fetch = Callable[[str, Sequence[Any] | None], list[dict[str, Any]]]
BULK_FREEZE = 1_000  # relations in one load from which its objects are frozen out of the collector

SYSTEM_SCHEMAS = ("pg_catalog", "information_schema", "pg_toast")
_USER_SCHEMA_FILTER = (
    "n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast') AND n.nspname !~ '^pg_(toast_)?temp_'"
)

RELKIND = {
    "r": ("table", "table"),
    "p": ("partitioned_table", "partitioned"),
    "v": ("view", "view"),
    "m": ("matview", "mat. view"),
    "f": ("foreign_table", "foreign"),
}
FK_ACTIONS = {"a": "NO ACTION", "r": "RESTRICT", "c": "CASCADE", "n": "SET NULL", "d": "SET DEFAULT"}
CONSTRAINT_KINDS = {
    "p": "primary",
    "u": "unique",
    "c": "check",
    "x": "exclusion",
    "f": "foreign",
    "n": "not_null",
}


# -- tree levels ---------------------------------------------------------------------------------------


def schema_nodes(fetch: Fetch, database: str) -> list[CatalogNode]:
    """User schemas with relation counts (one query), then a folder of system schemas."""
    rows = fetch(
        f"""
        SELECT n.nspname AS name, quote_ident(n.nspname) AS qname,
               count(c.oid) FILTER (WHERE c.relkind IN ('r','p','v','m','f') AND NOT c.relispartition) AS rels
        FROM pg_namespace n
        LEFT JOIN pg_class c ON c.relnamespace = n.oid
        WHERE {_USER_SCHEMA_FILTER}
        GROUP BY n.nspname ORDER BY n.nspname
        """,
        None,
    )
    nodes = [
        CatalogNode(
            "schema",
            r["name"],
            r["qname"],
            type_label=f"{r['rels']:,}",
            has_children=True,
            database=database,
            schema=r["name"],
            key=("schema", r["name"]),
            meta={"relations": r["rels"]},
        )
        for r in rows
    ]
    nodes.append(
        CatalogNode(
            "folder",
            "System schemas",
            "System schemas",
            has_children=True,
            database=database,
            key=("system-schemas",),
            meta={"system": True},
        )
    )
    return nodes


def system_schema_nodes(fetch: Fetch, database: str) -> list[CatalogNode]:
    rows = fetch(
        "SELECT nspname AS name, quote_ident(nspname) AS qname FROM pg_namespace "
        "WHERE nspname IN ('pg_catalog', 'information_schema') ORDER BY 1",
        None,
    )
    return [
        CatalogNode(
            "schema",
            r["name"],
            r["qname"],
            has_children=True,
            database=database,
            schema=r["name"],
            key=("schema", r["name"]),
            meta={"system": True},
        )
        for r in rows
    ]


def relation_nodes(fetch: Fetch, database: str, schema: str) -> list[CatalogNode]:
    """Relations of a schema (partitions stay under their parent), then Sequences/Functions folders."""
    rows = fetch(
        """
        SELECT c.relname AS name, c.relkind AS kind, format('%%I.%%I', n.nspname, c.relname) AS qname,
               c.reltuples::bigint AS est
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = %s AND c.relkind IN ('r','p','v','m','f') AND NOT c.relispartition
        ORDER BY c.relname
        """,
        (schema,),
    )
    nodes = [_relation_node(r, database, schema) for r in rows]
    counts = fetch(
        """
        SELECT (SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                WHERE n.nspname = %s AND c.relkind = 'S') AS sequences,
               (SELECT count(*) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
                WHERE n.nspname = %s) AS functions
        """,
        (schema, schema),
    )[0]
    for kind, label in (("sequences", "Sequences"), ("functions", "Functions")):
        if counts[kind]:
            nodes.append(
                CatalogNode(
                    "folder",
                    f"{label} ({counts[kind]:,})",
                    f"{label} of {schema}",
                    has_children=True,
                    database=database,
                    schema=schema,
                    key=(kind, schema),
                )
            )
    return nodes


def _relation_node(row: dict[str, Any], database: str, schema: str) -> CatalogNode:
    kind, label = RELKIND[row["kind"]]
    est = row.get("est")
    return CatalogNode(
        kind,
        row["name"],
        row["qname"],
        type_label=label,
        has_children=True,
        database=database,
        schema=schema,
        table=row["name"],
        key=("relation", schema, row["name"]),
        meta={"row_estimate": est if est is not None and est >= 0 else None},
    )


def sequence_nodes(fetch: Fetch, database: str, schema: str) -> list[CatalogNode]:
    rows = fetch(
        """
        SELECT c.relname AS name, format('%%I.%%I', n.nspname, c.relname) AS qname,
               format_type(s.seqtypid, NULL) AS typ
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        JOIN pg_sequence s ON s.seqrelid = c.oid
        WHERE n.nspname = %s AND c.relkind = 'S' ORDER BY 1
        """,
        (schema,),
    )
    return [
        CatalogNode(
            "sequence",
            r["name"],
            r["qname"],
            type_label=r["typ"],
            database=database,
            schema=schema,
            key=("sequence", schema, r["name"]),
        )
        for r in rows
    ]


def function_nodes(fetch: Fetch, database: str, schema: str) -> list[CatalogNode]:
    rows = fetch(
        """
        SELECT p.oid::bigint AS oid, p.proname AS name,
               format('%%I.%%I(%%s)', n.nspname, p.proname, pg_get_function_identity_arguments(p.oid)) AS qname,
               CASE p.prokind WHEN 'p' THEN 'procedure' WHEN 'a' THEN 'aggregate'
                    WHEN 'w' THEN 'window' ELSE 'function' END AS kind
        FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
        WHERE n.nspname = %s ORDER BY p.proname, p.oid
        """,
        (schema,),
    )
    return [
        CatalogNode(
            "function",
            r["name"],
            r["qname"],
            type_label=r["kind"],
            database=database,
            schema=schema,
            key=("function", schema, str(r["oid"])),
        )
        for r in rows
    ]


def relation_children(detail: ObjectDetail) -> list[CatalogNode]:
    """Children of a relation in the tree, built from its already loaded detail (no extra query):
    columns first, then folders whose children travel in ``meta['children']``."""
    node = detail.node
    base = {"database": node.database, "schema": node.schema, "table": node.table}
    out = [
        CatalogNode(
            "column",
            c.name,
            f"{node.qualified_name}.{c.name}",
            type_label=c.data_type + ("" if c.nullable else " not null"),
            key=("column", node.schema or "", node.table or "", c.name),
            **base,
        )
        for c in detail.columns
    ]

    def folder(label: str, items: list[CatalogNode]) -> None:
        if items:
            out.append(
                CatalogNode(
                    "folder",
                    f"{label} ({len(items):,})",
                    f"{label} of {node.qualified_name}",
                    has_children=True,
                    key=("folder", node.schema or "", node.table or "", label),
                    meta={"children": items},
                    **base,
                )
            )

    folder(
        "Indexes",
        [
            CatalogNode(
                "index",
                i.name,
                i.name,
                type_label=("primary " if i.primary else "unique " if i.unique else "")
                + i.method
                + ("" if i.valid else " INVALID"),
                key=("index", node.schema or "", i.name),
                meta={"definition": i.definition},
                **base,
            )
            for i in detail.indexes
        ],
    )
    folder(
        "Constraints",
        [
            CatalogNode(
                "constraint",
                c.name,
                c.name,
                type_label=c.kind,
                key=("constraint", node.schema or "", c.name),
                meta={"definition": c.definition},
                **base,
            )
            for c in detail.constraints
            if c.kind != "foreign"
        ],
    )
    folder(
        "Foreign keys",
        [
            CatalogNode(
                "foreign_key",
                fk.name,
                fk.name,
                type_label=f"→ {fk.referred_table}",
                key=("fk", node.schema or "", fk.name),
                meta={"definition": fk.definition},
                **base,
            )
            for fk in detail.foreign_keys
        ],
    )
    folder(
        "Referenced by",
        [
            CatalogNode(
                "foreign_key",
                f"{fk.table}.{fk.name}",
                fk.name,
                type_label=f"← {fk.table}",
                key=("fk-in", fk.schema or "", fk.table, fk.name),
                meta={"definition": fk.definition},
                **base,
            )
            for fk in detail.referenced_by
        ],
    )
    folder(
        "Triggers",
        [
            CatalogNode(
                "trigger",
                t.name,
                t.name,
                type_label=f"{t.timing} {' '.join(t.events)}".strip(),
                key=("trigger", node.schema or "", t.name),
                meta={"definition": t.definition},
                **base,
            )
            for t in detail.triggers
        ],
    )
    folder(
        "Partitions",
        [
            CatalogNode(
                "partition",
                p.split(".", 1)[-1],
                p,
                type_label="partition",
                has_children=True,
                key=("relation-q", p),
                **base,
            )
            for p in detail.partitions
        ],
    )
    return out


# -- bulk facts ------------------------------------------------------------------------------------------

_REL_FILTER_ONE = "c.oid = %s::regclass"
_REL_FILTER_SCHEMA = "n.nspname = ANY(%s) AND c.relkind IN ('r','p','m','f','v')"


def _scope(oid_or_schemas: str | list[str]) -> tuple[str, tuple[Any, ...]]:
    if isinstance(oid_or_schemas, str):
        return _REL_FILTER_ONE, (oid_or_schemas,)
    return _REL_FILTER_SCHEMA, (oid_or_schemas,)


def _relations(fetch: Fetch, where: str, params: tuple[Any, ...]) -> list[dict[str, Any]]:
    return fetch(
        f"""
        SELECT c.oid::bigint AS oid, n.nspname AS schema, c.relname AS name, c.relkind AS kind,
               format('%%I.%%I', n.nspname, c.relname) AS qname, c.relispartition AS is_partition,
               c.reltuples::bigint AS reltuples, c.relpages::bigint AS relpages,
               ds.description AS comment,
               CASE WHEN c.relkind IN ('r','m') THEN pg_relation_size(c.oid) END AS heap_bytes,
               CASE WHEN c.reltoastrelid <> 0 THEN pg_relation_size(c.reltoastrelid) END AS toast_bytes,
               CASE WHEN c.relkind = 'p' THEN pg_get_partkeydef(c.oid) END AS partkey,
               CASE WHEN c.relispartition THEN pg_get_expr(c.relpartbound, c.oid) END AS partbound,
               CASE WHEN c.relkind IN ('v','m') THEN pg_get_viewdef(c.oid, true) END AS viewdef,
               c.relpersistence AS persistence, c.reloptions AS reloptions,
               s.seq_scan, s.seq_tup_read, s.idx_scan, s.idx_tup_fetch, s.n_tup_ins, s.n_tup_upd,
               s.n_tup_del, s.n_tup_hot_upd, s.n_live_tup, s.n_dead_tup, s.n_mod_since_analyze,
               s.last_vacuum, s.last_autovacuum, s.last_analyze, s.last_autoanalyze,
               s.vacuum_count, s.autovacuum_count, s.analyze_count, s.autoanalyze_count,
               io.heap_blks_read, io.heap_blks_hit, io.idx_blks_read, io.idx_blks_hit
        FROM pg_class c
        JOIN pg_namespace n ON n.oid = c.relnamespace
        LEFT JOIN pg_stat_user_tables s ON s.relid = c.oid
        LEFT JOIN pg_statio_user_tables io ON io.relid = c.oid
        LEFT JOIN pg_description ds ON ds.objoid = c.oid AND ds.classoid = 'pg_class'::regclass AND ds.objsubid = 0
        WHERE {where}
        ORDER BY n.nspname, c.relname
        """,
        params,
    )


def _columns(fetch: Fetch, where: str, params: tuple[Any, ...]) -> list[dict[str, Any]]:
    return fetch(
        f"""
        SELECT a.attrelid::bigint AS oid, a.attname AS name, quote_ident(a.attname) AS qname,
               a.attnum AS position,
               format_type(a.atttypid, a.atttypmod) AS data_type, NOT a.attnotnull AS nullable,
               CASE WHEN a.attgenerated = '' THEN pg_get_expr(d.adbin, d.adrelid) END AS "default",
               CASE WHEN a.attgenerated <> '' THEN pg_get_expr(d.adbin, d.adrelid) END AS generated,
               CASE a.attidentity WHEN 'a' THEN 'ALWAYS' WHEN 'd' THEN 'BY DEFAULT' END AS identity,
               ds.description AS comment,
               st.n_distinct, st.null_frac, st.avg_width, a.attstattarget AS stattarget,
               CASE WHEN a.attcollation <> t.typcollation THEN
                    (SELECT CASE WHEN cn.nspname = 'pg_catalog' THEN quote_ident(co.collname)
                                 ELSE format('%%I.%%I', cn.nspname, co.collname) END
                     FROM pg_collation co JOIN pg_namespace cn ON cn.oid = co.collnamespace
                     WHERE co.oid = a.attcollation) END AS collation,
               CASE WHEN a.attidentity <> '' THEN
                    (SELECT json_build_array(s.seqstart, s.seqincrement, s.seqmin, s.seqmax, s.seqcache,
                                             s.seqcycle)
                     FROM pg_depend dep JOIN pg_sequence s ON s.seqrelid = dep.objid
                     WHERE dep.classid = 'pg_class'::regclass AND dep.refclassid = 'pg_class'::regclass
                       AND dep.refobjid = a.attrelid AND dep.refobjsubid = a.attnum AND dep.deptype = 'i')
                    END AS identity_sequence
        FROM pg_attribute a
        JOIN pg_class c ON c.oid = a.attrelid
        JOIN pg_namespace n ON n.oid = c.relnamespace
        JOIN pg_type t ON t.oid = a.atttypid
        LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
        LEFT JOIN pg_description ds ON ds.objoid = a.attrelid AND ds.classoid = 'pg_class'::regclass
                                   AND ds.objsubid = a.attnum
        LEFT JOIN pg_stats st ON st.schemaname = n.nspname AND st.tablename = c.relname
                              AND st.attname = a.attname
        WHERE {where} AND a.attnum > 0 AND NOT a.attisdropped
        ORDER BY a.attrelid, a.attnum
        """,
        params,
    )


def _indexes(fetch: Fetch, where: str, params: tuple[Any, ...]) -> list[dict[str, Any]]:
    return fetch(
        f"""
        SELECT i.indrelid::bigint AS oid, ic.relname AS name, quote_ident(ic.relname) AS qname,
               format('%%I.%%I', n.nspname, ic.relname) AS qualified,
               pg_get_indexdef(i.indexrelid) AS definition, am.amname AS method,
               i.indisunique AS is_unique, i.indisprimary AS is_primary, i.indisvalid AS is_valid,
               i.indisready AS is_ready, i.indnkeyatts AS nkey,
               pg_get_expr(i.indpred, i.indrelid) AS predicate,
               ARRAY(SELECT CASE WHEN k.attnum = 0 THEN pg_get_indexdef(i.indexrelid, k.ord::int, true)
                                 ELSE (SELECT attname FROM pg_attribute
                                       WHERE attrelid = i.indrelid AND attnum = k.attnum) END
                     FROM unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord)
                     ORDER BY k.ord) AS keys,
               ARRAY(SELECT k.attnum = 0
                     FROM unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord)
                     ORDER BY k.ord) AS key_is_expr,
               pg_relation_size(i.indexrelid) AS size_bytes,
               s.idx_scan AS scans, s.idx_tup_read AS tuples_read,
               con.conname AS constraint_name
        FROM pg_index i
        JOIN pg_class ic ON ic.oid = i.indexrelid
        JOIN pg_class c ON c.oid = i.indrelid
        JOIN pg_namespace n ON n.oid = c.relnamespace
        JOIN pg_am am ON am.oid = ic.relam
        LEFT JOIN pg_stat_user_indexes s ON s.indexrelid = i.indexrelid
        LEFT JOIN pg_constraint con ON con.conindid = i.indexrelid AND con.contype IN ('p','u','x')
                                   AND con.conrelid = i.indrelid
        WHERE {where}
        ORDER BY i.indrelid, i.indisprimary DESC, ic.relname
        """,
        params,
    )


def _constraints(fetch: Fetch, where: str, params: tuple[Any, ...]) -> list[dict[str, Any]]:
    return fetch(
        f"""
        SELECT con.conrelid::bigint AS oid, con.conname AS name, quote_ident(con.conname) AS qname,
               con.contype AS kind,
               pg_get_constraintdef(con.oid, true) AS definition,
               ARRAY(SELECT a.attname FROM unnest(con.conkey) WITH ORDINALITY AS k(attnum, ord)
                     JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum
                     ORDER BY k.ord) AS columns
        FROM pg_constraint con
        JOIN pg_class c ON c.oid = con.conrelid
        JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE {where} AND con.contype IN ('p','u','c','x')
        ORDER BY con.conrelid, con.contype, con.conname
        """,
        params,
    )


_FK_SELECT = """
        SELECT con.conname AS name, quote_ident(con.conname) AS qname,
               pg_get_constraintdef(con.oid, true) AS definition,
               con.conrelid::bigint AS src_oid, sn.nspname AS src_schema, sc.relname AS src_table,
               con.confrelid::bigint AS dst_oid, dn.nspname AS dst_schema, dc.relname AS dst_table,
               con.confdeltype AS on_delete, con.confupdtype AS on_update,
               ARRAY(SELECT a.attname FROM unnest(con.conkey) WITH ORDINALITY AS k(attnum, ord)
                     JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum
                     ORDER BY k.ord) AS columns,
               ARRAY(SELECT a.attname FROM unnest(con.confkey) WITH ORDINALITY AS k(attnum, ord)
                     JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.attnum
                     ORDER BY k.ord) AS ref_columns
        FROM pg_constraint con
        JOIN pg_class sc ON sc.oid = con.conrelid JOIN pg_namespace sn ON sn.oid = sc.relnamespace
        JOIN pg_class dc ON dc.oid = con.confrelid JOIN pg_namespace dn ON dn.oid = dc.relnamespace
        WHERE con.contype = 'f' AND ({where})
        ORDER BY con.conname
"""


def _foreign_keys(fetch: Fetch, oids: list[int]) -> list[dict[str, Any]]:
    if not oids:
        return []
    return fetch(_FK_SELECT.format(where="con.conrelid = ANY(%s) OR con.confrelid = ANY(%s)"), (oids, oids))


def _triggers(fetch: Fetch, oids: list[int]) -> list[dict[str, Any]]:
    if not oids:
        return []
    return fetch(
        """
        SELECT t.tgrelid::bigint AS oid, t.tgname AS name, pg_get_triggerdef(t.oid, true) AS definition,
               t.tgenabled <> 'D' AS enabled, t.tgtype AS tgtype
        FROM pg_trigger t WHERE t.tgrelid = ANY(%s) AND NOT t.tgisinternal ORDER BY t.tgrelid, t.tgname
        """,
        (oids,),
    )


def _partitions(fetch: Fetch, oids: list[int]) -> list[dict[str, Any]]:
    if not oids:
        return []
    return fetch(
        """
        SELECT i.inhparent::bigint AS oid, format('%%I.%%I', n.nspname, c.relname) AS qname
        FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE i.inhparent = ANY(%s) ORDER BY i.inhparent, c.relname
        """,
        (oids,),
    )


def _trigger_timing(tgtype: int) -> tuple[str, list[str]]:
    timing = "BEFORE" if tgtype & 2 else "INSTEAD OF" if tgtype & 64 else "AFTER"
    events = [
        name for bit, name in ((4, "INSERT"), (8, "DELETE"), (16, "UPDATE"), (32, "TRUNCATE")) if tgtype & bit
    ]
    return timing, events


def load_details(
    fetch: Fetch, scope: str | list[str], database: str, side: Sequence[Fetch] = ()
) -> list[ObjectDetail]:
    """ObjectDetail for one relation (``scope`` = a regclass text such as ``"shop"."orders"``) or for
    every relation of the given schemas — the same queries either way.

    ``side``: fetches on other connections. The first reads the indexes (the slowest query in bulk),
    the second the columns, each in its own thread, while the relations and constraints are read and
    every object is built here on ``fetch``: on 10,000 tables the server works on several queries at
    once and the rows are built while it does."""
    where, params = _scope(scope)
    # Hundreds of thousands of new objects (columns, indexes, statistics), long-lived and without
    # cycles: the collector's passes over them cost as much as building them (0.65 s on 10,000
    # tables), and later full passes would scan them again. No collection while they are built, then
    # they are frozen out of the collector (reference counting still frees them when dropped).
    collecting = gc.isenabled()
    gc.disable()
    try:
        if not side:
            details = _load_details(fetch, where, params, database, None, None)
        else:
            with ThreadPoolExecutor(len(side[:2]), thread_name_prefix="dbscope-catalog") as pool:
                indexes = pool.submit(_indexes, side[0], where, params)
                columns = pool.submit(_columns, side[1], where, params) if len(side) > 1 else None
                details = _load_details(fetch, where, params, database, indexes, columns)
        if len(details) >= BULK_FREEZE:
            gc.freeze()
        return details
    finally:
        if collecting:
            gc.enable()


Rows = list[dict[str, Any]]


def _load_details(
    fetch: Fetch,
    where: str,
    params: tuple[Any, ...],
    database: str,
    indexes: Future[Rows] | None,
    columns: Future[Rows] | None,
) -> list[ObjectDetail]:
    relations = _relations(fetch, where, params)
    if not relations:
        return []
    by_oid: dict[int, ObjectDetail] = {}
    for r in relations:
        kind, label = RELKIND.get(r["kind"], ("table", "table"))
        if r["is_partition"]:
            kind = "partition"
        node = CatalogNode(
            kind,
            r["name"],
            r["qname"],
            type_label=label,
            has_children=True,
            database=database,
            schema=r["schema"],
            table=r["name"],
            key=("relation", r["schema"], r["name"]),
            meta={"oid": r["oid"], "row_estimate": r["reltuples"] if r["reltuples"] >= 0 else None},
        )
        detail = ObjectDetail(
            node=node,
            row_estimate=r["reltuples"] if r["reltuples"] is not None and r["reltuples"] >= 0 else None,
        )
        by_oid[r["oid"]] = detail
        detail.node.meta["_row"] = r
    for c in columns.result() if columns is not None else _columns(fetch, where, params):
        d = by_oid.get(c["oid"])
        if d is not None:
            d.node.meta.setdefault("quoted", {})[c["name"]] = c["qname"]
            if c["identity_sequence"]:
                d.node.meta.setdefault("identity_sequences", {})[c["name"]] = c["identity_sequence"]
            d.columns.append(
                Column(
                    name=c["name"],
                    data_type=c["data_type"],
                    nullable=c["nullable"],
                    default=c["default"],
                    identity=c["identity"],
                    generated=c["generated"],
                    comment=c["comment"],
                    position=c["position"],
                    n_distinct=float(c["n_distinct"]) if c["n_distinct"] is not None else None,
                    null_frac=float(c["null_frac"]) if c["null_frac"] is not None else None,
                    avg_width=c["avg_width"],
                    collation=c["collation"],
                )
            )
    for i in indexes.result() if indexes is not None else _indexes(fetch, where, params):
        d = by_oid.get(i["oid"])
        if d is None:
            continue
        keys: list[str] = list(i["keys"] or [])
        is_expr: list[bool] = list(i["key_is_expr"] or [])
        nkey = i["nkey"] or len(keys)
        d.indexes.append(
            Index(
                name=i["name"],
                columns=[k for k, e in zip(keys[:nkey], is_expr[:nkey], strict=False) if not e],
                definition=i["definition"],
                method=i["method"],
                unique=i["is_unique"],
                primary=i["is_primary"],
                predicate=i["predicate"],
                expressions=[k for k, e in zip(keys[:nkey], is_expr[:nkey], strict=False) if e],
                include=keys[nkey:],
                valid=bool(i["is_valid"] and i["is_ready"]),
                size_bytes=i["size_bytes"],
                scans=i["scans"],
                tuples_read=i["tuples_read"],
                constraint=i["constraint_name"],
                options={"qualified_name": i["qualified"], "key_order": keys[:nkey]},
            )
        )
    for d in by_oid.values():
        # Sizes summed here rather than with pg_total_relation_size/pg_indexes_size: each of those
        # stats every file again, which made the bulk query 5× slower on 10,000 tables.
        r = d.node.meta["_row"]
        if r["kind"] in ("r", "m"):
            r["index_bytes"] = sum(ix.size_bytes or 0 for ix in d.indexes)
            r["total_bytes"] = (r["heap_bytes"] or 0) + (r["toast_bytes"] or 0) + r["index_bytes"]
            d.total_bytes = r["total_bytes"]
        d.stats = _relation_stats(r)
    for c in _constraints(fetch, where, params):
        d = by_oid.get(c["oid"])
        if d is not None:
            d.node.meta.setdefault("quoted", {})[c["name"]] = c["qname"]
            d.constraints.append(
                Constraint(
                    c["name"],
                    CONSTRAINT_KINDS.get(c["kind"], c["kind"]),
                    list(c["columns"] or []),
                    c["definition"],
                )
            )
    oids = list(by_oid)
    for f in _foreign_keys(fetch, oids):
        fk = ForeignKey(
            name=f["name"],
            schema=f["src_schema"],
            table=f["src_table"],
            columns=list(f["columns"] or []),
            referred_schema=f["dst_schema"],
            referred_table=f["dst_table"],
            referred_columns=list(f["ref_columns"] or []),
            on_delete=_on_delete(f["on_delete"], f["definition"]),
            on_update=FK_ACTIONS.get(f["on_update"], "NO ACTION"),
            definition=f["definition"],
        )
        if f["src_oid"] in by_oid:
            by_oid[f["src_oid"]].node.meta.setdefault("quoted", {})[f["name"]] = f["qname"]
            by_oid[f["src_oid"]].foreign_keys.append(fk)
            by_oid[f["src_oid"]].constraints.append(Constraint(fk.name, "foreign", fk.columns, fk.definition))
        if f["dst_oid"] in by_oid:
            incoming = ForeignKey(**{**_fk_fields(fk), "direction": "incoming"})
            by_oid[f["dst_oid"]].referenced_by.append(incoming)
    for t in _triggers(fetch, oids):
        timing, events = _trigger_timing(t["tgtype"])
        by_oid[t["oid"]].triggers.append(Trigger(t["name"], timing, events, t["definition"], t["enabled"]))
    for p in _partitions(fetch, oids):
        by_oid[p["oid"]].partitions.append(p["qname"])
    return list(by_oid.values())


# PostgreSQL 15+: ON DELETE SET NULL/SET DEFAULT may name the columns it sets, which changes what the
# action does; the definition is the only place the catalog spells them out (confdelsetcols is new).
_DELETE_SET_COLUMNS = re.compile(r'ON DELETE SET (?:NULL|DEFAULT) (\((?:"(?:[^"]|"")*"|[^()"])*\))')


def _on_delete(code: str, definition: str) -> str:
    action = FK_ACTIONS.get(code, "NO ACTION")
    if code in ("n", "d"):
        match = _DELETE_SET_COLUMNS.search(definition)
        if match:
            return f"{action} {match.group(1)}"
    return action


def _fk_fields(fk: ForeignKey) -> dict[str, Any]:
    return {name: getattr(fk, name) for name in ForeignKey.__slots__}  # type: ignore[attr-defined]


# (label, row key, unit) of the statistics a relation shows, in order; None marks a derived ratio.
_STAT_FIELDS: tuple[tuple[str, str, str], ...] = (
    ("Row estimate", "reltuples", "rows"),
    ("Total size", "total_bytes", "bytes"),
    ("Heap size", "heap_bytes", "bytes"),
    ("Index size", "index_bytes", "bytes"),
    ("TOAST size", "toast_bytes", "bytes"),
    ("Pages", "relpages", "count"),
    ("Sequential scans", "seq_scan", "count"),
    ("Rows read by seq scans", "seq_tup_read", "rows"),
    ("Index scans", "idx_scan", "count"),
    ("Rows fetched by index scans", "idx_tup_fetch", "rows"),
    ("Live rows", "n_live_tup", "rows"),
    ("Dead rows", "n_dead_tup", "rows"),
    ("Dead row share", "", "%"),
    ("Rows inserted", "n_tup_ins", "rows"),
    ("Rows updated", "n_tup_upd", "rows"),
    ("HOT updates", "n_tup_hot_upd", "rows"),
    ("Rows deleted", "n_tup_del", "rows"),
    ("Modified since analyze", "n_mod_since_analyze", "rows"),
    ("Last vacuum", "last_vacuum", "time"),
    ("Last autovacuum", "last_autovacuum", "time"),
    ("Last analyze", "last_analyze", "time"),
    ("Last autoanalyze", "last_autoanalyze", "time"),
    ("Vacuum count", "vacuum_count", "count"),
    ("Autovacuum count", "autovacuum_count", "count"),
    ("Analyze count", "analyze_count", "count"),
    ("Autoanalyze count", "autoanalyze_count", "count"),
    ("Heap cache hit ratio", "", "%"),
    ("Index cache hit ratio", "", "%"),
    ("Partition key", "partkey", ""),
    ("Partition bound", "partbound", ""),
)
_RATIOS = {
    "Dead row share": ("n_dead_tup", "n_live_tup"),
    "Heap cache hit ratio": ("heap_blks_hit", "heap_blks_read"),
    "Index cache hit ratio": ("idx_blks_hit", "idx_blks_read"),
}


def _relation_stats(r: dict[str, Any]) -> list[Stat]:
    # One pass over a table of fields: this runs for every relation of a bulk load (12,000 on the
    # benchmark database), where a closure call per field cost a quarter of the Python time.
    out: list[Stat] = []
    get = r.get
    for label, key, unit in _STAT_FIELDS:
        if key:
            value = get(key)
            if value is not None:
                out.append(Stat(label, value, unit))
            continue
        part_key, other_key = _RATIOS[label]
        part, other = get(part_key), get(other_key)
        if part is not None and other is not None and part + other > 0:
            out.append(Stat(label, part / (part + other), unit))
    if r.get("reloptions"):
        out.append(Stat("Storage options", ", ".join(r["reloptions"])))
    return out


# -- DDL ----------------------------------------------------------------------------------------------------


def table_ddl(detail: ObjectDetail, comment: str | None = None) -> str:
    """The relation's DDL: CREATE TABLE (columns, constraints, partitioning), indexes that are not
    constraints, comments and triggers — ready to paste into psql."""
    node = detail.node
    row: dict[str, Any] = node.meta.get("_row", {})
    if node.kind in ("view", "matview"):
        head = "CREATE MATERIALIZED VIEW" if node.kind == "matview" else "CREATE OR REPLACE VIEW"
        body = (row.get("viewdef") or "").rstrip().rstrip(";")
        parts = [f"{head} {node.qualified_name} AS\n{body};"]
        parts += [f"{ix.definition};" for ix in detail.indexes]
        return "\n\n".join(parts) + "\n"
    quoted: dict[str, str] = node.meta.get("quoted", {})

    def q(name: str) -> str:
        return quoted.get(name) or '"' + name.replace('"', '""') + '"'

    identity_sequences: dict[str, list[Any]] = node.meta.get("identity_sequences", {})
    lines = []
    for col in detail.columns:
        text = f"    {q(col.name)} {col.data_type}"
        if col.collation:
            text += f" COLLATE {col.collation}"
        if col.generated:
            text += f" GENERATED ALWAYS AS ({col.generated}) STORED"
        elif col.identity:
            text += f" GENERATED {col.identity} AS IDENTITY"
            text += _identity_options(col.data_type, identity_sequences.get(col.name))
        elif col.default is not None:
            text += f" DEFAULT {col.default}"
        if not col.nullable:
            text += " NOT NULL"
        lines.append(text)
    for con in detail.constraints:
        if con.kind in ("primary", "unique", "check", "exclusion", "foreign"):
            lines.append(f"    CONSTRAINT {q(con.name)} {con.definition}")
    # serial/bigserial columns: their sequences must exist first, and belong to the column after.
    owned: list[tuple[str, str]] = []
    for col in detail.columns:
        match = _NEXTVAL.fullmatch(col.default or "")
        if match:
            owned.append((match.group(1).replace("''", "'"), q(col.name)))
    persistence = "UNLOGGED " if row.get("persistence") == "u" else ""
    kind = "FOREIGN TABLE" if node.kind == "foreign_table" else "TABLE"
    ddl = f"CREATE {persistence}{kind} {node.qualified_name} (\n" + ",\n".join(lines) + "\n)"
    if row.get("partkey"):
        ddl += f" PARTITION BY {row['partkey']}"
    ddl += ";"
    parts = [f"CREATE SEQUENCE IF NOT EXISTS {seq};" for seq, _ in owned] + [ddl]
    parts += [f"ALTER SEQUENCE {seq} OWNED BY {node.qualified_name}.{col};" for seq, col in owned]
    if row.get("is_partition") and row.get("partbound"):
        parts.append(f"-- partition of its parent: {row['partbound']}")
    constraint_indexes = {c.name for c in detail.constraints}
    parts += [
        f"{ix.definition};"
        for ix in detail.indexes
        if not (ix.constraint and ix.constraint in constraint_indexes)
    ]
    if comment or row.get("comment"):
        parts.append(
            f"COMMENT ON TABLE {node.qualified_name} IS {_quote_literal(comment or row['comment'])};"
        )
    for col in detail.columns:
        if col.comment:
            parts.append(
                f"COMMENT ON COLUMN {node.qualified_name}.{q(col.name)} IS {_quote_literal(col.comment)};"
            )
    parts += [f"{t.definition};" for t in detail.triggers]
    return "\n\n".join(parts) + "\n"


_NEXTVAL = re.compile(r"nextval\('((?:[^']|'')+)'::regclass\)")
_INTEGER_MAX = {"smallint": 2**15 - 1, "integer": 2**31 - 1, "bigint": 2**63 - 1}


def _identity_options(data_type: str, sequence: list[Any] | None) -> str:
    """`` (START WITH 10 …)``: the identity sequence's options that differ from what a bare
    ``AS IDENTITY`` gives, so the copied DDL numbers rows as the original does."""
    if not sequence:
        return ""
    start, increment, minimum, maximum, cache, cycle = sequence
    top = _INTEGER_MAX.get(data_type, 2**63 - 1)
    options = []
    if increment != 1:
        options.append(f"INCREMENT BY {increment}")
    if minimum != (1 if increment > 0 else -top - 1):
        options.append(f"MINVALUE {minimum}")
    if maximum != (top if increment > 0 else -1):
        options.append(f"MAXVALUE {maximum}")
    if start != (minimum if increment > 0 else maximum):
        options.append(f"START WITH {start}")
    if cache != 1:
        options.append(f"CACHE {cache}")
    if cycle:
        options.append("CYCLE")
    return f" ({' '.join(options)})" if options else ""


def _quote_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


# -- sequences, stats window, server facts ----------------------------------------------------------------


def sequence_facts(fetch: Fetch, schemas: list[str]) -> list[SequenceFacts]:
    rows = fetch(
        """
        SELECT s.schemaname AS schema, s.sequencename AS name, s.data_type::text AS data_type,
               s.last_value, s.max_value, s.increment_by,
               (SELECT format('%%I.%%I.%%I', dn.nspname, dc.relname, a.attname)
                FROM pg_depend d JOIN pg_class dc ON dc.oid = d.refobjid
                JOIN pg_namespace dn ON dn.oid = dc.relnamespace
                JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
                WHERE d.objid = format('%%I.%%I', s.schemaname, s.sequencename)::regclass
                  AND d.deptype IN ('a','i') AND d.classid = 'pg_class'::regclass LIMIT 1) AS owned_by
        FROM pg_sequences s WHERE s.schemaname = ANY(%s) ORDER BY 1, 2
        """,
        (schemas,),
    )
    return [
        SequenceFacts(
            schema=r["schema"],
            name=r["name"],
            data_type=r["data_type"],
            last_value=r["last_value"],
            max_value=r["max_value"],
            increment=r["increment_by"],
            owned_by=r["owned_by"],
        )
        for r in rows
    ]


def schema_facts(fetch: Fetch, database: str, schema: str | None, side: Sequence[Fetch] = ()) -> SchemaFacts:
    if schema:
        schemas = [schema]
    else:
        schemas = [
            r["nspname"]
            for r in fetch(f"SELECT n.nspname FROM pg_namespace n WHERE {_USER_SCHEMA_FILTER}", None)
        ]
    facts = SchemaFacts(engine="postgresql", database=database)
    facts.tables = [d for d in load_details(fetch, schemas, database, side) if d.node.kind != "view"]
    for d in facts.tables:
        d.node.meta.pop("_row", None)
    facts.sequences = sequence_facts(fetch, schemas)
    window = fetch(
        """
        SELECT stats_reset, pg_postmaster_start_time() AS started, now() AS now,
               blks_hit, blks_read, xact_commit, xact_rollback, temp_files, temp_bytes, deadlocks,
               (SELECT count(*) FROM pg_stat_activity) AS connections,
               current_setting('max_connections')::int AS max_connections
        FROM pg_stat_database WHERE datname = current_database()
        """,
        None,
    )
    if window:
        w = window[0]
        since: datetime | None = w["stats_reset"]
        if since is None:
            facts.notes.append(
                "Usage statistics were never reset; the server started "
                f"{_iso(w['started'])}, so the window is at least that long."
            )
            since = w["started"]
        if since is not None:
            facts.stats_since = _iso(since)
            facts.stats_age_days = (w["now"] - since).total_seconds() / 86400
        hit, read = w["blks_hit"] or 0, w["blks_read"] or 0
        facts.server = {
            "cache_hit_ratio": hit / (hit + read) if hit + read else None,
            "commits": w["xact_commit"],
            "rollbacks": w["xact_rollback"],
            "temp_files": w["temp_files"],
            "temp_bytes": w["temp_bytes"],
            "deadlocks": w["deadlocks"],
            "connections": w["connections"],
            "max_connections": w["max_connections"],
        }
    settings = fetch(
        "SELECT name, setting, unit FROM pg_settings WHERE name IN ('work_mem', 'shared_buffers', "
        "'effective_cache_size', 'random_page_cost', 'max_parallel_workers_per_gather', "
        "'max_parallel_workers', 'max_worker_processes', 'jit', 'default_statistics_target', "
        "'autovacuum', 'track_counts', 'server_version_num')",
        None,
    )
    facts.settings = {r["name"]: r["setting"] + (r["unit"] or "") for r in settings}
    return facts


def _iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.isoformat(timespec="seconds")


def group_by(rows: Iterable[dict[str, Any]], key: str) -> dict[Any, list[dict[str, Any]]]:
    out: dict[Any, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        out[row[key]].append(row)
    return out
