"""Loading a sample (at any scale) into an empty PostgreSQL or MariaDB database: the vendored
schema, the generated rows (COPY on PostgreSQL, multi-row INSERTs on MariaDB), then the
constraints and indexes, then fresh statistics, as a restore would leave it."""

from __future__ import annotations

from collections.abc import Iterator
from itertools import islice
from typing import Any

import psycopg
import pymysql

from tests.corpus.generate import TableData, generate
from tests.corpus.samples import Sample, engine_names

BATCH = 5_000


def load_postgres(url: str, sample: Sample, scale: int = 1, seed: int = 17) -> dict[str, int]:
    """Load ``sample`` into the (empty) database at ``url``; returns rows per table."""
    before, after = sample.ddl("postgresql")
    counts: dict[str, int] = {}
    with psycopg.connect(url, autocommit=True) as conn:
        for statement in before:
            conn.execute(statement)  # type: ignore[arg-type]
        for table in generate(sample, scale, seed):
            columns = ", ".join(f'"{c}"' for c in table.header)
            with conn.cursor().copy(f'COPY "{table.name}" ({columns}) FROM STDIN') as copy:  # type: ignore[arg-type]
                for row in table.rows:
                    copy.write_row(row)
            counts[table.name] = table.count
        for statement in after:
            conn.execute(statement)  # type: ignore[arg-type]
        conn.execute("VACUUM ANALYZE")
    return counts


def load_mariadb(
    connect_kwargs: dict[str, Any], sample: Sample, scale: int = 1, seed: int = 17
) -> dict[str, int]:
    """Load ``sample`` into the (empty) database named in ``connect_kwargs``; returns rows per table."""
    before, after = sample.ddl("mariadb")
    names = engine_names(sample.name, "mariadb")
    counts: dict[str, int] = {}
    conn = pymysql.connect(**connect_kwargs, autocommit=True, charset="utf8mb4")
    try:
        with conn.cursor() as cur:
            cur.execute("SET SESSION foreign_key_checks = 0, unique_checks = 0")
            for statement in before:
                cur.execute(statement)
            for table in generate(sample, scale, seed):
                _insert_mariadb(cur, table, names)
                counts[table.name] = table.count
            for statement in after:
                cur.execute(statement)
            for table_name in counts:
                cur.execute(f"ANALYZE TABLE `{names.get(table_name, table_name)}`")
                cur.fetchall()
    finally:
        conn.close()
    return counts


def _insert_mariadb(cur: Any, table: TableData, names: dict[str, str]) -> None:
    name = names.get(table.name, table.name)
    columns = ", ".join(f"`{names.get(f'{table.name}.{c}', c)}`" for c in table.header)
    placeholders = ", ".join(["%s"] * len(table.header))
    statement = f"INSERT INTO `{name}` ({columns}) VALUES ({placeholders})"
    for batch in _batches(table.rows):
        cur.executemany(statement, batch)


def _batches(rows: Iterator[list[str | None]]) -> Iterator[list[list[str | None]]]:
    while batch := list(islice(rows, BATCH)):
        yield batch
