"""The corpus itself, not the advisor's quality (that is benchmarks/advisor_quality.py): the
answer keys are well formed, the generator keeps the sample's distributions, and on both live
engines every sample loads, every query runs and every index a key names can be built."""

from __future__ import annotations

import statistics
import uuid
from collections import Counter
from collections.abc import Iterator

import psycopg
import pymysql
import pytest

from tests.corpus.generate import generate
from tests.corpus.keys import IndexShape, all_keys, parse_create_index, parse_spec
from tests.corpus.load import load_mariadb, load_postgres
from tests.corpus.samples import BY_NAME, SAMPLES
from tests.live import LiveServer

KEYS = all_keys()


def test_each_engine_has_at_least_30_keyed_queries_on_two_samples() -> None:
    for engine, keys in KEYS.items():
        assert len(keys) >= 30, engine
        assert {k.db for k in keys} == set(SAMPLES), engine
        assert len({k.sql for k in keys}) == len(keys), f"{engine}: a query is repeated"


def test_index_specs_and_create_index_statements_read_the_same() -> None:
    assert parse_spec("orders(ship_via, order_date DESC) WHERE shipped_date IS NULL") == parse_create_index(
        'CREATE INDEX CONCURRENTLY "x" ON "public"."orders" ("ship_via", "order_date") WHERE (shipped_date IS NULL)'
    )
    assert parse_spec("Invoice(CustomerId, InvoiceDate)") == parse_create_index(
        "ALTER TABLE `Invoice` ADD INDEX `ix` (`CustomerId`, `InvoiceDate`), ALGORITHM=INPLACE, LOCK=NONE"
    )
    assert parse_spec("customer((lower(email)))").columns == ("lower(email)",)
    assert parse_spec("invoice(total) INCLUDE (customer_id)").include == ("customer_id",)
    assert parse_create_index("ANALYZE invoice") is None


def _fan_out(rows: list[list[str | None]], column: int) -> float:
    return statistics.mean(Counter(r[column] for r in rows).values())


def test_the_generator_keeps_null_rates_fan_out_and_date_ranges() -> None:
    sample = BY_NAME["northwind"]
    small = {t.name: (t.header, list(t.rows)) for t in generate(sample, 1)}
    big = {t.name: (t.header, list(t.rows)) for t in generate(sample, 3)}
    header, orders = small["orders"]
    _, orders3 = big["orders"]
    assert len(orders3) == 3 * len(orders)
    for column in ("shipped_date", "ship_region", "customer_id"):
        i = header.index(column)
        nulls = sum(r[i] is None for r in orders) / len(orders)
        assert sum(r[i] is None for r in orders3) / len(orders3) == pytest.approx(nulls)
    i = header.index("order_date")
    dates = [d for r in orders if (d := r[i]) is not None]
    dates3 = [d for r in orders3 if (d := r[i]) is not None]
    assert min(dates) <= min(dates3) and max(dates3) <= max(dates)
    assert len(set(dates3)) > len(set(dates))  # the copies are not clones
    lines_header, lines = small["order_details"]
    _, lines3 = big["order_details"]
    order = lines_header.index("order_id")
    assert _fan_out(lines3, order) == pytest.approx(_fan_out(lines, order))
    assert len({(r[0], r[1]) for r in lines3}) == len(lines3)  # the primary key stays unique
    assert len({r[header.index("order_id")] for r in orders3}) == len(orders3)
    country = header.index("ship_country")
    share = Counter(r[country] for r in orders)
    share3 = Counter(r[country] for r in orders3)
    assert all(share3[c] == 3 * n for c, n in share.items())
    assert next(iter(generate(sample, 3))).count == len(next(iter(small.values()))[1])  # fixed tables stay


def _index_ddl(engine: str, shape: IndexShape, name: str, table: str = "") -> str:
    """The key's index spec as a CREATE INDEX statement (on ``table`` instead of its own when given)."""
    spec = shape.spec
    if table:
        spec = table + spec[len(spec.split("(")[0].split(" USING ")[0].rstrip()) :]
    if engine == "mariadb" and shape.method == "fulltext":
        own, _, columns = spec.partition(" USING fulltext ")
        return f"CREATE FULLTEXT INDEX {name} ON {own} {columns}"
    return f"CREATE INDEX {name} ON {spec}"


def _table_of(shape: IndexShape) -> str:
    return shape.spec.split("(")[0].split(" USING ")[0].strip()


@pytest.fixture(scope="module")
def pg_corpus(pg_server: LiveServer) -> Iterator[dict[str, str]]:
    tag = uuid.uuid4().hex[:8]
    urls: dict[str, str] = {}
    contexts = []
    for sample in SAMPLES:
        context = pg_server.scratch_database(f"advq_test_{tag}_{sample}")
        urls[sample] = next(context)
        contexts.append(context)
        load_postgres(urls[sample], BY_NAME[sample])
    yield urls
    for context in contexts:
        next(context, None)


@pytest.fixture(scope="module")
def mariadb_corpus(mysql_server: LiveServer) -> Iterator[dict[str, dict[str, object]]]:
    tag = uuid.uuid4().hex[:8]
    kwargs: dict[str, dict[str, object]] = {}
    contexts = []
    for sample in SAMPLES:
        name = f"advq_test_{tag}_{sample}"
        context = mysql_server.scratch_database(name)
        next(context)
        contexts.append(context)
        kwargs[sample] = mysql_server.mysql_kwargs(name)
        load_mariadb(kwargs[sample], BY_NAME[sample])
    yield kwargs
    for context in contexts:
        next(context, None)


@pytest.mark.live_pg
def test_every_postgresql_query_runs_and_every_key_index_builds(pg_corpus: dict[str, str]) -> None:
    for key in KEYS["postgresql"]:
        with psycopg.connect(pg_corpus[key.db]) as conn:
            conn.execute("SET LOCAL statement_timeout = '10s'")
            cur = conn.execute(key.sql)  # type: ignore[arg-type]
            if cur.description:
                cur.fetchall()
            trgm = conn.execute("SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm'").fetchone()
            for n, shape in enumerate(key.index + key.debatable_index):
                if "gin_trgm_ops" in shape.spec:
                    if trgm is None:
                        continue
                    conn.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
                conn.execute(_index_ddl("postgresql", shape, f"advq_k{n}"))  # type: ignore[arg-type]
            conn.rollback()


@pytest.mark.live_mysql
def test_every_mariadb_query_runs_and_every_key_index_builds(
    mariadb_corpus: dict[str, dict[str, object]],
) -> None:
    by_table: dict[tuple[str, str], list[IndexShape]] = {}
    for key in KEYS["mariadb"]:
        for shape in key.index + key.debatable_index:
            by_table.setdefault((key.db, _table_of(shape)), []).append(shape)
    for key in KEYS["mariadb"]:
        conn = pymysql.connect(**mariadb_corpus[key.db])  # type: ignore[arg-type]
        try:
            with conn.cursor() as cur:
                cur.execute("SET SESSION max_statement_time = 10")
                cur.execute("START TRANSACTION")
                cur.execute(key.sql)
                cur.fetchall()
                cur.execute("ROLLBACK")
        finally:
            conn.close()
    # On empty copies (CREATE TABLE ... LIKE copies indexes, not foreign keys): a new index can
    # silently replace InnoDB's implicit FK index, which then cannot be dropped again.
    for (db, table), shapes in by_table.items():
        conn = pymysql.connect(**mariadb_corpus[db])  # type: ignore[arg-type]
        try:
            with conn.cursor() as cur:
                cur.execute(f"CREATE TABLE advq_copy LIKE {table}")
                try:
                    for n, shape in enumerate(shapes):
                        cur.execute(_index_ddl("mariadb", shape, f"advq_k{n}", "advq_copy"))
                finally:
                    cur.execute("DROP TABLE advq_copy")
        finally:
            conn.close()
