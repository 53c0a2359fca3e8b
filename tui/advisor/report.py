"""The persona's full markdown report (``dbscope advise --format markdown``, "export report" in the app),
in the order of advisor-voice.md: overview, schema design with an ASCII ER sketch, indexing strategy,
query optimization before/after, migration phases with rollback, performance considerations, data
integrity, monitoring targets — every number measured from SchemaFacts, the findings and the plans;
what was not measured is said to be unknown.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from tui.advisor.ddl import migration_script, parse_create_index
from tui.advisor.indexes import key_parts
from tui.advisor.plan_diff import PlanDiff, render_plan_diff_markdown
from tui.advisor.rules.common import number_stat, table_qualified, tables_of
from tui.advisor.voice import officer_text, render_findings_markdown, verification_text
from tui.core import fmt, termsafe
from tui.core.catalog import ObjectDetail
from tui.core.finding import Finding, sort_findings
from tui.core.plan import Plan
from tui.core.session import SchemaFacts, ServerInfo, StatementStat

UNKNOWN = "unknown"
REMOVAL_RULES = ("pg.duplicate-index", "pg.redundant-index", "pg.unused-index")


def _md(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _table(headers: Sequence[str], rows: Iterable[Sequence[object]]) -> list[str]:
    out = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    out += ["| " + " | ".join(_md(c) for c in row) + " |" for row in rows]
    return [*out, ""]


def render_report(
    facts: SchemaFacts,
    findings: list[Finding],
    *,
    server: ServerInfo | None = None,
    plans: Sequence[tuple[str, Plan, list[Finding]]] = (),
    statements: Sequence[StatementStat] = (),
) -> str:
    """The whole report as markdown. ``statements`` (the server's top statements, e.g.
    ``adapter.top_statements(limit=50)``) give the workload pattern: reads vs writes by calls and
    statements per second over the statistics window."""
    findings = sort_findings(list(findings))
    plan_findings = [f for _q, _p, fs in plans for f in fs]
    everything = findings + [f for f in plan_findings if f not in findings]
    tables = tables_of(facts)
    out: list[str] = [f"# Database Architecture: {facts.database}", ""]
    count = len(everything)
    out += [
        "I have analyzed the database schema"
        + (" and query patterns" if plans else "")
        + f". The current design has {fmt.num(count)} optimization "
        + ("opportunity" if count == 1 else "opportunities")
        + " ("
        + _severity_counts(everything)
        + "). Let me outline the most efficient approach.",
        "",
    ]
    out += _overview(facts, server, tables, statements)
    out += _schema_design(facts, tables, findings)
    out += _indexing(facts, tables, everything)
    out += _queries(plans)
    out += _migration(everything)
    out += _performance(facts, tables, everything, statements)
    out += _integrity(tables, findings)
    out += _monitoring(facts, tables)
    out += ["## Findings", "", render_findings_markdown(everything, level=3)]
    return "\n".join(out).rstrip() + "\n"


def _severity_counts(findings: list[Finding]) -> str:
    parts = []
    for sev in ("critical", "warning", "info"):
        n = sum(1 for f in findings if f.severity == sev)
        if n:
            parts.append(f"{fmt.num(n)} {sev}")
    return ", ".join(parts) or "none"


# -- 1. overview -------------------------------------------------------------------------------------


def _workload(tables: list[ObjectDetail], statements_read: bool = False) -> str:
    seq = sum(number_stat(t, "Rows read by seq scans") or 0 for t in tables)
    idx = sum(number_stat(t, "Rows fetched by index scans") or 0 for t in tables)
    if seq + idx == 0:
        return f"{UNKNOWN} (no rows read since the statistics were reset)"
    share = idx / (seq + idx)
    kind = "OLTP-like" if share >= 0.9 else "OLAP-like" if share < 0.5 else "hybrid"
    return f"{kind}: {fmt.pct(share)} of the {fmt.num(seq + idx)} rows read came through indexes " + (
        "(pg_stat_user_tables)"
        if statements_read
        else "(pg_stat_user_tables; statement statistics were not read)"
    )


_DATA_CHANGE = re.compile(r"\b(INSERT\s+INTO|UPDATE\s+\S+\s+SET|DELETE\s+FROM|MERGE\s+INTO)\b", re.I)


def statement_kind(query: str) -> str:
    """``read``, ``write`` (INSERT/UPDATE/DELETE/MERGE/COPY, or a read with a data-modifying CTE) or
    ``other`` (transaction control, settings, DDL and utility statements). A read sqlglot cannot parse
    is judged by its words (not written the conservative way ``statement_may_write`` asks before
    running one: here it only counts calls)."""
    from tui.core.sqltext import first_word, strip_comments

    head = first_word(query)
    if head in ("insert", "update", "delete", "merge", "copy", "replace", "upsert"):
        return "write"
    if head not in ("select", "with", "values", "table", "show"):
        return "other"
    body = re.sub(r"'(?:[^']|'')*'", "''", strip_comments(query))
    return "write" if _DATA_CHANGE.search(body) else "read"


def _statement_workload(statements: Sequence[StatementStat]) -> str | None:
    """``OLTP-like: 12,000 calls of 40 statements — 95.0 % reads, 5.0 % writes by calls; 99.0 % of the
    calls in statements averaging under 10 ms``; None without statements."""
    calls = sum(s.calls for s in statements)
    if not statements or not calls:
        return None
    by_kind = {"read": 0, "write": 0, "other": 0}
    for stat in statements:
        by_kind[statement_kind(stat.query)] += stat.calls
    total_ms = sum(s.total_time_ms for s in statements)
    quick = sum(s.calls for s in statements if s.mean_time_ms < 10) / calls
    slow_time = (
        sum(s.total_time_ms for s in statements if s.mean_time_ms >= 100) / total_ms if total_ms else 0.0
    )
    if slow_time >= 0.5:
        kind = "OLAP-like"
    elif quick >= 0.9:
        kind = "OLTP-like"
    else:
        kind = "hybrid"
    text = (
        f"{kind}: {fmt.num(calls)} calls of {fmt.num(len(statements))} statements — "
        f"{fmt.pct(by_kind['read'] / calls)} reads, {fmt.pct(by_kind['write'] / calls)} writes"
    )
    if by_kind["other"]:
        text += f", {fmt.pct(by_kind['other'] / calls)} other (transaction control, DDL, utility)"
    return text + (
        f" by calls; {fmt.pct(quick)} of the calls in statements averaging under 10 ms, "
        f"{fmt.pct(slow_time)} of the time in statements averaging 100 ms or more (statement statistics)"
    )


def _statements_per_second(facts: SchemaFacts, statements: Sequence[StatementStat]) -> str:
    if not statements:
        return f"{UNKNOWN} (statement statistics were not read)"
    calls = sum(s.calls for s in statements)
    if facts.stats_age_days is None or facts.stats_age_days <= 0:
        return f"{UNKNOWN} ({fmt.num(calls)} calls, statistics window unknown)"
    seconds = facts.stats_age_days * 86400
    return (
        f"{fmt.num(calls / seconds, 2)} ({fmt.num(calls)} calls of the top {fmt.num(len(statements))} statements "
        f"over the {fmt.num(facts.stats_age_days, 1)}-day statistics window; if the statement statistics were "
        "reset more recently, the true rate is higher)"
    )


def _overview(
    facts: SchemaFacts,
    server: ServerInfo | None,
    tables: list[ObjectDetail],
    statements: Sequence[StatementStat] = (),
) -> list[str]:
    rows = [t.row_estimate for t in tables if t.row_estimate is not None]
    sizes = [t.total_bytes for t in tables if t.total_bytes is not None]
    engine = f"{server.engine} {server.version}" if server else facts.engine + f" (version {UNKNOWN})"
    window = (
        f"{fmt.num(facts.stats_age_days, 1)} days (since {facts.stats_since})"
        if facts.stats_age_days is not None
        else UNKNOWN
    )
    out = ["## 1. Overview", ""]
    out += _table(
        ["Fact", "Value"],
        [
            ("Engine", engine),
            ("Database", facts.database),
            ("Tables", fmt.num(len(tables))),
            ("Rows (planner estimates)", fmt.num(sum(rows)) if rows else UNKNOWN),
            ("Size (tables, indexes, TOAST)", fmt.size(sum(sizes)) if sizes else UNKNOWN),
            *(
                [
                    ("Workload pattern", _statement_workload(statements)),
                    ("Rows read", _workload(tables, True)),
                ]
                if _statement_workload(statements)
                else [("Workload pattern", _workload(tables))]
            ),
            ("Statements per second", _statements_per_second(facts, statements)),
            ("Statistics window", window),
        ],
    )
    return out


# -- 2. schema design --------------------------------------------------------------------------------


def er_sketch(tables: list[ObjectDetail]) -> list[str]:
    """One line per foreign key: ``[child] col ──> [parent] col (ON DELETE …)``, grouped by child, plus
    the tables no key connects."""
    lines: list[str] = []
    linked: set[str] = set()
    for detail in sorted(tables, key=table_qualified):
        name = table_qualified(detail)
        for fk in detail.foreign_keys:
            if fk.direction != "outgoing":
                continue
            target = f"{fk.referred_schema}.{fk.referred_table}" if fk.referred_schema else fk.referred_table
            lines.append(
                f"[{name}] ({', '.join(fk.columns)}) ──> [{target}] ({', '.join(fk.referred_columns)})"
                f"  ON DELETE {fk.on_delete}"
            )
            linked.update({name, target})
    alone = [table_qualified(t) for t in tables if table_qualified(t) not in linked]
    if alone:
        lines.append("")
        lines.append(
            "Not connected by a foreign key: " + ", ".join(f"[{termsafe.line(n)}]" for n in sorted(alone))
        )
    return lines


def _schema_design(facts: SchemaFacts, tables: list[ObjectDetail], findings: list[Finding]) -> list[str]:
    out = ["## 2. Schema Design", ""]
    sketch = er_sketch(tables)
    if sketch:
        out += ["```text", *sketch, "```", ""]
    else:
        out += ["No tables were found.", ""]
    out += _table(
        ["Table", "Rows", "Size", "Columns", "Primary key", "Foreign keys", "Indexes"],
        [
            (
                table_qualified(t),
                fmt.num(t.row_estimate) if t.row_estimate is not None else UNKNOWN,
                fmt.size(t.total_bytes) if t.total_bytes is not None else UNKNOWN,
                fmt.num(len(t.columns)),
                ", ".join(t.primary_key.columns) if t.primary_key else "none",
                fmt.num(len([f for f in t.foreign_keys if f.direction == "outgoing"])),
                fmt.num(len(t.indexes)),
            )
            for t in tables
        ],
    )
    by_table: dict[str, list[Finding]] = {}
    for f in findings:
        if f.category == "schema" and f.object:
            by_table.setdefault(f.object, []).append(f)
    for detail in tables:
        name = table_qualified(detail)
        about = by_table.get(name)
        if not about:
            continue
        out += [f"### {termsafe.line(name)}", ""]  # one heading line, whatever the name holds
        if detail.ddl:
            out += ["```sql", detail.ddl.strip(), "```", ""]
        for f in about:
            out += [f"- **{f.title}** ({f.severity}): {officer_text(f)}"]
        out.append("")
    return out


# -- 3. indexing strategy ----------------------------------------------------------------------------


def _created_index(stmt: str) -> tuple[str, str, str] | None:
    """(table, key columns, method) of a CREATE INDEX statement."""
    created = parse_create_index(stmt)
    return (created.table, created.key_text, created.method) if created else None


def _benefit(f: Finding) -> str:
    v = f.verification
    if v is not None and isinstance(v.before, int | float) and isinstance(v.after, int | float) and v.after:
        return f"cost {fmt.num(v.before, 2)} → {fmt.num(v.after, 2)} ({fmt.factor(v.before / v.after)} lower, HypoPG)"
    return "estimated, not verified"


def _indexing(facts: SchemaFacts, tables: list[ObjectDetail], findings: list[Finding]) -> list[str]:
    out = ["## 3. Indexing Strategy", "", "### Primary indexes", ""]
    primary = [
        (
            table_qualified(t),
            ", ".join(key_parts(i)),
            i.method,
            "primary key" if i.primary else f"unique ({i.name})",
        )
        for t in tables
        for i in t.indexes
        if i.primary or i.unique
    ]
    out += _table(["Table", "Columns", "Type", "Purpose"], primary) if primary else ["None.", ""]
    out += ["### Secondary indexes (recommended)", ""]
    proposed = []
    for f in findings:
        for stmt in f.ddl:
            parsed = _created_index(stmt)
            if parsed:
                proposed.append((parsed[0], parsed[1], parsed[2], f.title, _benefit(f)))
    if proposed:
        out += _table(["Table", "Columns", "Type", "Purpose", "Expected benefit"], proposed)
    else:
        out += ["None: no finding calls for a new index.", ""]
    existing = sum(1 for t in tables for i in t.indexes if not (i.primary or i.unique))
    out += [f"The database has {fmt.num(existing)} existing non-unique indexes.", ""]
    out += ["### Partial indexes", ""]
    partial = [(table_qualified(t), i.name, i.predicate) for t in tables for i in t.indexes if i.predicate]
    out += (
        _table(["Table", "Index", "Predicate"], partial)
        if partial
        else ["None exist; none is recommended.", ""]
    )
    out += ["### Indexes to remove", ""]
    removals = [f for f in findings if f.rule in REMOVAL_RULES]
    if removals:
        out += _table(
            ["Table", "Finding", "Size", "Scans", "Statistics age", "Statement"],
            [
                (
                    f.object or "",
                    f.title,
                    fmt.size(f.evidence.get("size_bytes")),
                    fmt.num(f.evidence.get("scans")),
                    f"{fmt.num(facts.stats_age_days, 1)} days"
                    if facts.stats_age_days is not None
                    else UNKNOWN,
                    " ".join(f.ddl) or "see the finding",
                )
                for f in removals
            ],
        )
    else:
        out += ["None.", ""]
    return out


# -- 4. query optimization ---------------------------------------------------------------------------


def _plan_summary(plan: Plan) -> str:
    hot = plan.hottest()
    if plan.analyzed:
        head = f"{fmt.ms(plan.total_time_ms)} execution, {fmt.num(plan.root.rows_actual_total)} rows returned"
        if hot is not None:
            head += f"; hottest node {hot.label} ({fmt.pct(hot.time_share)} of the time)"
        return head
    head = f"estimated cost {fmt.num(plan.total_cost if plan.total_cost is not None else plan.root.cost, 2)}"
    if hot is not None:
        head += f"; costliest node {hot.label}"
    return head + " (EXPLAIN without ANALYZE)"


def _queries(plans: Sequence[tuple[str, Plan, list[Finding]]]) -> list[str]:
    out = ["## 4. Query Optimization", ""]
    if not plans:
        return [
            *out,
            "No statements were analysed with this report (run `dbscope explain` or `advise --explain`).",
            "",
        ]
    for number, (query, plan, fs) in enumerate(plans, start=1):
        out += [f"### Statement {number}", "", "```sql", query.strip(), "```", ""]
        out += [f"- Before: {_plan_summary(plan)}."]
        changes = [f for f in sort_findings(fs) if f.ddl or f.recommendation]
        if not changes:
            out += ["- Recommended change: none; I found no problem in this plan.", ""]
            continue
        for f in changes[:5]:
            out += [f"- {f.title}: {f.recommendation or f.message}"]
            if f.ddl:
                out += ["", "  ```sql", *("  " + s for s in f.ddl), "  ```", ""]
        verified = [f for f in changes if f.verification is not None]
        if verified:
            f = verified[0]
            out += [f"- After: {verification_text(f)}"]
            diff = f.verification.detail.get("diff") if f.verification else None
            if isinstance(diff, PlanDiff):
                out += ["", render_plan_diff_markdown(diff)]
        else:
            out += ["- After: estimated, not verified (no hypothetical-index check was possible).", ""]
    return out


# -- 5. migration ------------------------------------------------------------------------------------


def _migration(findings: list[Finding]) -> list[str]:
    with_ddl = [f for f in findings if f.ddl]
    out = ["## 5. Migration Strategy", ""]
    if not with_ddl:
        return [*out, "No change is required.", ""]
    out += [
        "Phase 1 holds the non-breaking changes (indexes built CONCURRENTLY, statistics, VACUUM), phase 2 the "
        "definition and data changes, phase 3 the drops and locking rewrites, after phase 1 has been observed. "
        "Each step carries its rollback.",
        "",
        "```sql",
        migration_script(with_ddl).rstrip(),
        "```",
        "",
    ]
    return out


# -- 6. performance ----------------------------------------------------------------------------------


def _performance(
    facts: SchemaFacts,
    tables: list[ObjectDetail],
    findings: list[Finding],
    statements: Sequence[StatementStat] = (),
) -> list[str]:
    out = ["## 6. Performance Considerations", ""]
    writes = sum(
        (number_stat(t, "Rows inserted") or 0)
        + (number_stat(t, "Rows updated") or 0)
        + (number_stat(t, "Rows deleted") or 0)
        for t in tables
    )
    reads = sum(
        (number_stat(t, "Rows read by seq scans") or 0) + (number_stat(t, "Rows fetched by index scans") or 0)
        for t in tables
    )
    if reads + writes:
        out.append(
            f"- Read/write balance: {fmt.num(reads)} rows read, {fmt.num(writes)} rows written "
            f"({fmt.pct(writes / (reads + writes))} writes) since the statistics were reset."
        )
    else:
        out.append(f"- Read/write balance: {UNKNOWN} (no activity recorded).")
    calls = sum(s.calls for s in statements)
    if calls:
        writes_by_calls = sum(s.calls for s in statements if statement_kind(s.query) == "write")
        out.append(
            f"- Statements: {fmt.pct(writes_by_calls / calls)} of {fmt.num(calls)} calls write (top "
            f"{fmt.num(len(statements))} statements by total time); every index added below costs those writes."
        )
    new_indexes = sum(1 for f in findings for s in f.ddl if _created_index(s))
    out.append(
        f"- Write amplification: the recommendations add {fmt.num(new_indexes)} indexes; each adds one index "
        "write to every INSERT and to every UPDATE that changes its columns (such updates are no longer HOT)."
    )
    server = facts.server or {}
    conns, max_conns = server.get("connections"), server.get("max_connections")
    if isinstance(conns, int) and isinstance(max_conns, int) and max_conns:
        out.append(f"- Connections: {fmt.num(conns)} of {fmt.num(max_conns)} ({fmt.pct(conns / max_conns)}).")
    else:
        out.append(f"- Connections: {UNKNOWN}.")
    hit = server.get("cache_hit_ratio")
    out.append(
        f"- Cache hit ratio (this database): {fmt.pct(hit, 2) if isinstance(hit, float) else UNKNOWN}."
    )
    work_mem = facts.settings.get("work_mem")
    out.append(
        f"- work_mem: {work_mem or UNKNOWN}; shared_buffers: {facts.settings.get('shared_buffers') or UNKNOWN}."
    )
    out.append("")
    return out


# -- 7. integrity ------------------------------------------------------------------------------------


def _integrity(tables: list[ObjectDetail], findings: list[Finding]) -> list[str]:
    out = ["## 7. Data Integrity", ""]
    rows = []
    for t in tables:
        fks = [f for f in t.foreign_keys if f.direction == "outgoing"]
        on_delete = sorted({f.on_delete for f in fks})
        rows.append(
            (
                table_qualified(t),
                "yes" if t.primary_key else "no",
                f"{fmt.num(len(fks))}" + (f" ({', '.join(on_delete)})" if on_delete else ""),
                fmt.num(sum(1 for c in t.constraints if c.kind == "unique")),
                fmt.num(sum(1 for c in t.constraints if c.kind == "check")),
                f"{fmt.num(sum(1 for c in t.columns if not c.nullable))} of {fmt.num(len(t.columns))}",
            )
        )
    out += _table(
        ["Table", "Primary key", "Foreign keys (ON DELETE)", "Unique", "Check", "NOT NULL columns"], rows
    )
    missing = [
        f
        for f in findings
        if f.rule in ("pg.table-without-primary-key", "pg.fk-without-index", "pg.fk-referenced-not-unique")
    ]
    if missing:
        out += ["Missing or weak:", ""]
        out += [f"- {termsafe.line(f.object or '')}: {f.title.lower()}." for f in missing]
        out.append("")
    return out


# -- 8. monitoring -----------------------------------------------------------------------------------


def _monitoring(facts: SchemaFacts, tables: list[ObjectDetail]) -> list[str]:
    server = facts.server or {}
    hit = server.get("cache_hit_ratio")
    dead_shares = [
        (number_stat(t, "Dead row share"), table_qualified(t))
        for t in tables
        if number_stat(t, "Dead row share") is not None
    ]
    worst = max(dead_shares, default=None)
    conns, max_conns = server.get("connections"), server.get("max_connections")
    idx_ratios = [number_stat(t, "Index cache hit ratio") for t in tables]
    idx_known = [r for r in idx_ratios if r is not None]
    rows = [
        (
            "Index cache hit ratio",
            "> 99 %",
            f"lowest table {fmt.pct(min(idx_known), 2)}" if idx_known else UNKNOWN,
        ),
        (
            "Buffer cache hit ratio (database)",
            "> 99 %",
            fmt.pct(hit, 2) if isinstance(hit, float) else UNKNOWN,
        ),
        (
            "Dead rows (bloat)",
            "< 20 % per table",
            f"highest {fmt.pct(worst[0])} in {worst[1]}" if worst and worst[0] is not None else UNKNOWN,
        ),
        (
            "Connections",
            "< 80 % of max_connections",
            f"{fmt.num(conns)} of {fmt.num(max_conns)} ({fmt.pct(conns / max_conns)})"
            if isinstance(conns, int) and isinstance(max_conns, int) and max_conns
            else UNKNOWN,
        ),
        ("Replication lag", "< 30 s", f"{UNKNOWN} (not measured by this report)"),
    ]
    return ["## 8. Monitoring Recommendations", "", *_table(["Metric", "Target", "Now"], rows)]
