"""Query rules (sqlglot) over statements and hand-built SchemaFacts: one firing and one non-firing case
per rule id."""

from __future__ import annotations

from tests.unit.test_advisor_support import col, facts, index, pk, table
from tui.advisor.context import QueryContext, TableIndex
from tui.advisor.rules import (
    pg_query_function_on_column,
    pg_query_implicit_cast,
    pg_query_like_wildcard,
    sql_query_not_in,
    sql_query_offset,
    sql_query_or_columns,
    sql_query_select_star,
)
from tui.advisor.sqlfacts import analyze_query
from tui.core.session import SchemaFacts


def _schema() -> SchemaFacts:
    ix, con = pk("users_pkey", "id")
    users = table(
        "users",
        [
            col("id", nullable=False),
            col("email", "text", nullable=False),
            col("note", "text"),
            col("bio", "jsonb"),
            col("created_at", "timestamp without time zone"),
            col("manager_id"),
        ],
        indexes=[ix, index("users_email_idx", "email"), index("users_created_idx", "created_at")],
        constraints=[con],
        rows=50_000,
    )
    bans = table("bans", [col("user_id"), col("reason", "text")], rows=100)
    strict = table("strict_bans", [col("user_id", nullable=False)], rows=100)
    return facts(users, bans, strict)


def ctx(
    sql: str, schema: SchemaFacts | None = None, extensions: dict[str, str] | None = None
) -> QueryContext:
    schema = schema if schema is not None else _schema()
    q = analyze_query(sql, "postgres", schema)
    assert q is not None
    return QueryContext(
        sql, "postgres", q.tree, q, facts=schema, tables=TableIndex.build(schema), extensions=extensions or {}
    )


def test_select_star_counts_columns() -> None:
    [f] = sql_query_select_star.check(ctx("SELECT * FROM shop.users WHERE id = 1"))
    assert f.rule == "sql.select-star" and f.evidence["columns"] == 6 and f.severity == "info"
    assert "note (text)" in f.message


def test_select_star_inside_exists_or_count_is_silent() -> None:
    assert sql_query_select_star.check(ctx("SELECT count(*) FROM shop.users")) == []
    assert (
        sql_query_select_star.check(
            ctx("SELECT id FROM shop.users u WHERE EXISTS (SELECT * FROM shop.bans b WHERE b.user_id = u.id)")
        )
        == []
    )


def test_function_on_indexed_column_gets_an_expression_index() -> None:
    [f] = pg_query_function_on_column.check(ctx("SELECT id FROM shop.users WHERE lower(email) = 'a@b'"))
    assert f.rule == "pg.function-on-indexed-column" and f.severity == "warning"  # 50,000 rows
    assert f.ddl == ["CREATE INDEX CONCURRENTLY users_lower_email_idx ON shop.users ((LOWER(email)));"]


def test_function_on_unindexed_column_or_with_existing_expression_index_is_silent() -> None:
    assert pg_query_function_on_column.check(ctx("SELECT id FROM shop.users WHERE lower(note) = 'x'")) == []
    schema = _schema()
    schema.tables[0].indexes.append(index("users_lower_email", expressions=["lower(email)"]))
    assert (
        pg_query_function_on_column.check(ctx("SELECT id FROM shop.users WHERE lower(email) = 'a'", schema))
        == []
    )


def test_function_that_may_not_be_immutable_gets_a_rewrite_not_ddl() -> None:
    [f] = pg_query_function_on_column.check(
        ctx("SELECT id FROM shop.users WHERE date_trunc('day', created_at) = '2024-01-01'")
    )
    assert f.ddl == [] and "stands alone" in f.recommendation


def test_leading_wildcard_like_gets_trigram_index_and_extension_when_missing() -> None:
    [f] = pg_query_like_wildcard.check(
        ctx("SELECT id FROM shop.users WHERE note LIKE '%abc%'", extensions={"plpgsql": "1.0"})
    )
    assert f.ddl == [
        "CREATE EXTENSION IF NOT EXISTS pg_trgm;",
        "CREATE INDEX CONCURRENTLY users_note_trgm_idx ON shop.users USING gin (note gin_trgm_ops);",
    ]
    assert "not installed" in f.recommendation and "estimated, not verified" in f.recommendation


def test_leading_wildcard_with_pg_trgm_installed_and_prefix_like_silent() -> None:
    [f] = pg_query_like_wildcard.check(
        ctx("SELECT id FROM shop.users WHERE note ILIKE '%abc'", extensions={"pg_trgm": "1.6"})
    )
    assert f.ddl == [
        "CREATE INDEX CONCURRENTLY users_note_trgm_idx ON shop.users USING gin (note gin_trgm_ops);"
    ]
    assert pg_query_like_wildcard.check(ctx("SELECT id FROM shop.users WHERE note LIKE 'abc%'")) == []


def test_short_wildcard_pattern_gets_no_index() -> None:
    [f] = pg_query_like_wildcard.check(ctx("SELECT id FROM shop.users WHERE note LIKE '%a%'"))
    assert f.ddl == [] and f.evidence["pattern_fixed_chars"] == 1


def test_or_across_columns_indexes_the_missing_branch() -> None:
    [f] = sql_query_or_columns.check(ctx("SELECT id FROM shop.users WHERE email = 'a' OR note = 'b'"))
    assert f.ddl == ["CREATE INDEX CONCURRENTLY users_note_idx ON shop.users (note);"]
    assert f.evidence["missing_indexes"] == 1 and f.severity == "warning"


def test_or_on_one_column_is_silent() -> None:
    assert sql_query_or_columns.check(ctx("SELECT id FROM shop.users WHERE email = 'a' OR email = 'b'")) == []


def test_offset_pagination_writes_the_keyset_predicate() -> None:
    [f] = sql_query_offset.check(
        ctx("SELECT id FROM shop.users ORDER BY created_at DESC, id DESC LIMIT 20 OFFSET 40000")
    )
    assert f.severity == "warning" and f.evidence == {"offset_rows": 40_000, "limit_rows": 20}
    assert "WHERE (created_at, id) < (:last_created_at, :last_id)" in f.recommendation


def test_small_offset_is_silent() -> None:
    assert sql_query_offset.check(ctx("SELECT id FROM shop.users ORDER BY id LIMIT 20 OFFSET 40")) == []


def test_not_in_over_nullable_column_suggests_not_exists() -> None:
    [f] = sql_query_not_in.check(
        ctx("SELECT id FROM shop.users WHERE id NOT IN (SELECT user_id FROM shop.bans)")
    )
    assert f.severity == "warning" and "NOT EXISTS (SELECT 1 FROM" in f.recommendation


def test_not_in_over_not_null_column_or_literal_list_is_silent() -> None:
    assert (
        sql_query_not_in.check(
            ctx("SELECT id FROM shop.users WHERE id NOT IN (SELECT user_id FROM shop.strict_bans)")
        )
        == []
    )
    assert sql_query_not_in.check(ctx("SELECT id FROM shop.users WHERE id NOT IN (1, 2, 3)")) == []
    assert (
        sql_query_not_in.check(
            ctx(
                "SELECT id FROM shop.users WHERE id NOT IN (SELECT user_id FROM shop.bans WHERE user_id IS NOT NULL)"
            )
        )
        == []
    )


def test_implicit_and_explicit_casts_on_indexed_columns() -> None:
    [f] = pg_query_implicit_cast.check(ctx("SELECT id FROM shop.users WHERE id = 10.0"))
    assert f.title.startswith("Implicit") and "users_pkey" in f.message
    [g] = pg_query_implicit_cast.check(ctx("SELECT id FROM shop.users WHERE created_at::date = '2024-01-01'"))
    assert g.title.startswith("Explicit") and "created_at >= '2024-01-01'::date" in g.recommendation


def test_casts_on_unindexed_columns_and_integer_literals_are_silent() -> None:
    assert pg_query_implicit_cast.check(ctx("SELECT id FROM shop.users WHERE id = 10")) == []
    assert pg_query_implicit_cast.check(ctx("SELECT id FROM shop.users WHERE manager_id = 10.5")) == []
