"""The catalogue of advisor rules, per category and engine.

How to add a rule (any engine)
------------------------------
1. Write a module here, named ``<engine>_<category>_<topic>.py`` (``pg_plan_spill.py``,
   ``mysql_plan_full_scan.py``, ``mongo_plan_collscan.py``). It holds pure functions: no connection,
   no I/O, no global mutable state. A check takes the context of its category
   (``tui.advisor.context.PlanContext`` / ``SchemaContext`` / ``QueryContext``) and returns
   ``list[Finding]``.
2. At the bottom of the module export ``RULES: tuple[Rule, ...]``::

       RULES = (
           Rule(
               id="mysql.full-table-scan",
               category="plan",                 # "plan" | "schema" | "query"
               engines=("mysql", "mariadb"),    # Plan.engine / SchemaFacts.engine values, or "*"
               check=check_full_scan,
               summary="type ALL on a table with an attached condition",
           ),
       )

   A family module that emits several ids (``pg.misestimate`` at 10×/100×/1000×…) lists them in
   ``ids=(…)`` so the catalogue and the docs can enumerate every id.
3. Add the module name to ``RULE_MODULES`` below (modules load lazily, so plan rules never import
   sqlglot and the CLI stays fast).
4. Each Finding: a stable ``rule`` id (``<engine>.<kebab-name>``), ``severity`` (critical | warning |
   info), ``object`` (``schema.table``), a short ``title``, ``message`` (the observation in plain prose
   with its numbers), ``reasoning`` (the mechanism), ``recommendation``, ``evidence`` (a dict of
   numbers whose key names carry the unit: ``rows_read``, ``selectivity_pct``, ``time_share_pct``,
   ``size_bytes``, ``cost_before``, ``time_ms``), ``ddl`` that runs as printed (build it with
   ``tui.advisor.ddl``: quoting, CONCURRENTLY, index names), ``rollback`` (one statement per change,
   every DROP paired with the statement that recreates it), ``impact`` (time or rows saved × calls,
   for ranking) and ``category``. The helpers in ``tui.advisor.rules.common`` build the numbers.
5. Tests: ``tests/unit/test_rule_<module>.py`` with one firing and one non-firing case per id, from a
   recorded plan (``tests/fixtures/plans/``) or one produced live, numbers asserted against values
   computed by hand.

The voice (``tui.advisor.voice``) renders every Finding; a rule never writes first-person prose.
"""

from __future__ import annotations

import importlib

from tui.advisor.registry import Rule

# Module names (relative to this package), in the order their findings are produced.
RULE_MODULES: tuple[str, ...] = (
    # PostgreSQL plan rules
    "pg_plan_seqscan",
    "pg_plan_top_n_sort",
    "pg_plan_index_filter",
    "pg_plan_misestimate",
    "pg_plan_spill",
    "pg_plan_lossy_bitmap",
    "pg_plan_heap_fetches",
    "pg_plan_nested_loop",
    "pg_plan_workers",
    "pg_plan_overheads",
    "pg_plan_large_result",
    "pg_plan_buffers",
    # PostgreSQL schema rules
    "pg_schema_fk_index",
    "pg_schema_duplicate_index",
    "pg_schema_unused_index",
    "pg_schema_invalid_index",
    "pg_schema_no_pk",
    "pg_schema_bloat",
    "pg_schema_sequences",
    # MySQL / MariaDB plan rules
    "mysql_plan_full_scan",
    "mysql_plan_index_choice",
    "mysql_plan_sort_temp",
    "mysql_plan_join_buffer",
    "mysql_plan_subquery",
    # MySQL / MariaDB schema rules
    "mysql_schema_no_pk",
    "mysql_schema_indexes",
    "mysql_schema_statements",
    # Query rules (sqlglot): sql_* apply to every SQL engine, pg_* to PostgreSQL
    "sql_query_select_star",
    "pg_query_function_on_column",
    "pg_query_like_wildcard",
    "sql_query_or_columns",
    "sql_query_offset",
    "sql_query_not_in",
    "pg_query_implicit_cast",
    # MongoDB plan rules
    "mongo_plan_scans",
    "mongo_plan_sort",
    "mongo_plan_covered",
    "mongo_plan_sharding",
    # MongoDB schema rules
    "mongo_schema_indexes",
)


def load_rules(
    category: str | None = None, engine: str | None = None, modules: tuple[str, ...] = RULE_MODULES
) -> tuple[Rule, ...]:
    """Every rule of ``category`` that applies to ``engine`` (None = any), in catalogue order.

    Modules not written yet are skipped, so engines can land their rule modules independently."""
    found: list[Rule] = []
    for name in modules:
        if not _may_apply(name, category, engine):
            continue
        try:
            module = importlib.import_module(f"{__name__}.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"{__name__}.{name}":
                continue
            raise
        for rule in getattr(module, "RULES", ()):
            if category is not None and rule.category != category:
                continue
            if engine is not None and not rule.applies_to(engine):
                continue
            found.append(rule)
    return tuple(found)


# Module name prefix → the engines its rules may apply to (the naming convention of step 1 above), so
# loading the rules of one engine and category never imports another's modules.
_PREFIX_ENGINES = {
    "pg": ("postgresql",),
    "mysql": ("mysql", "mariadb"),
    "mariadb": ("mariadb",),
    "mongo": ("mongodb",),
    "sql": ("postgresql", "mysql", "mariadb"),
}


def _may_apply(name: str, category: str | None, engine: str | None) -> bool:
    parts = name.split("_")
    if len(parts) < 3 or parts[0] not in _PREFIX_ENGINES or parts[1] not in ("plan", "schema", "query"):
        return True  # not named by the convention: import it and let its Rules say
    if category is not None and parts[1] != category:
        return False
    return engine is None or engine in _PREFIX_ENGINES[parts[0]]


def rule_ids() -> tuple[str, ...]:
    """Every stable rule id in the catalogue."""
    return tuple(rule_id for rule in load_rules() for rule_id in rule.all_ids)
