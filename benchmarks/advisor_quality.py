"""Benchmark: the advisor's quality on data nobody on the team wrote (issue 17, item 9).

Loads the corpus (tests/corpus: Chinook and Northwind, scaled by the seeded generator so the
biggest tables pass 1M rows) into scratch databases named ``advq_<engine>_<sample>_s<scale>``,
runs ``dbscope explain --analyze --format json`` on every query of the answer keys
(tests/corpus/keys/), grades every finding against the expert's key (correct / debatable /
wrong, tests/corpus/grading.py), and measures every index suggestion: its DDL is run as printed
on the scratch database (the copy), the statement is timed with EXPLAIN ANALYZE before and after
(median of ``--runs``), the plan is checked for the new index, and the index is dropped again.
Writes benchmarks/ADVISOR_QUALITY.md (and the raw results to benchmarks/.work/advisor_quality.json).

    python benchmarks/advisor_quality.py [--scale 470] [--runs 5] [--engine postgresql|mariadb]
                                         [--only ID-SUBSTRING] [--drop]

The databases are kept between runs (loading takes minutes); ``--drop`` removes them at the end.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
import pymysql

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

from tests.corpus.generate import row_count  # noqa: E402
from tests.corpus.grading import grade_findings, missed  # noqa: E402
from tests.corpus.keys import AnswerKey, load_keys  # noqa: E402
from tests.corpus.load import load_mariadb, load_postgres  # noqa: E402
from tests.corpus.samples import BY_NAME, ENGINES, SAMPLES, engine_names  # noqa: E402

PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
MY_ADMIN = {"host": "127.0.0.1", "port": 3306, "user": "root", "password": ""}
OUT = HERE / "ADVISOR_QUALITY.md"
RAW = HERE / ".work" / "advisor_quality.json"
TIMEOUT_S = 30
SLOWER = 1.10  # after/before above this (and by more than NOISE_MS) counts as slower
NOISE_MS = 0.05


def database_name(engine: str, sample: str, scale: int) -> str:
    return f"advq_{'pg' if engine == 'postgresql' else 'my'}_{sample}_s{scale}"


def pg_url(database: str) -> str:
    return PG_ADMIN.rsplit("/", 1)[0] + f"/{database}"


def my_url(database: str) -> str:
    return f"mysql://root@127.0.0.1:3306/{database}"


def my_kwargs(database: str) -> dict[str, Any]:
    return {**MY_ADMIN, "database": database}


# ------------------------------------------------------------------------------------ loading


def _biggest(sample: str, scale: int) -> tuple[str, int]:
    spec = BY_NAME[sample]
    return max(((t.name, row_count(spec, t, scale)) for t in spec.tables), key=lambda item: item[1])


def _pg_loaded(database: str, table: str, rows: int) -> bool:
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (database,)).fetchone() is None:
            return False
    try:
        with psycopg.connect(pg_url(database)) as conn:
            row = conn.execute(f'SELECT count(*) FROM "{table}"').fetchone()  # type: ignore[arg-type]
            indexes = conn.execute("SELECT count(*) FROM pg_indexes WHERE schemaname = 'public'").fetchone()
            return row is not None and row[0] == rows and indexes is not None and indexes[0] > 0
    except psycopg.Error:
        return False


def _my_loaded(database: str, table: str, rows: int) -> bool:
    try:
        conn = pymysql.connect(**my_kwargs(database))
    except pymysql.Error:
        return False
    try:
        with conn.cursor() as cur:
            cur.execute(f"SELECT count(*) FROM `{table}`")
            row = cur.fetchone()
            cur.execute(
                "SELECT count(*) FROM information_schema.referential_constraints WHERE constraint_schema = %s",
                (database,),
            )
            fks = cur.fetchone()
            return row is not None and row[0] == rows and fks is not None and fks[0] > 0
    except pymysql.Error:
        return False
    finally:
        conn.close()


def ensure_loaded(engine: str, sample: str, scale: int) -> str:
    """The scratch database of ``sample`` at ``scale`` (loaded now unless a complete one exists)."""
    database = database_name(engine, sample, scale)
    table, rows = _biggest(sample, scale)
    if engine == "mariadb":
        table = engine_names(sample, engine).get(table, table)
    loaded = _pg_loaded if engine == "postgresql" else _my_loaded
    if loaded(database, table, rows):
        return database
    started = time.perf_counter()
    print(f"loading {sample} at scale {scale} into {engine} {database} ...", flush=True)
    if engine == "postgresql":
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{database}"')  # type: ignore[arg-type]
            conn.execute(f'CREATE DATABASE "{database}"')  # type: ignore[arg-type]
        counts = load_postgres(pg_url(database), BY_NAME[sample], scale)
    else:
        conn = pymysql.connect(**MY_ADMIN, autocommit=True)
        with conn.cursor() as cur:
            cur.execute(f"DROP DATABASE IF EXISTS `{database}`")
            cur.execute(f"CREATE DATABASE `{database}`")
        conn.close()
        counts = load_mariadb(my_kwargs(database), BY_NAME[sample], scale)
    print(f"  {sum(counts.values()):,} rows in {time.perf_counter() - started:.0f} s", flush=True)
    return database


# ------------------------------------------------------------------------------------ timing


@dataclass
class Timing:
    median_ms: float | None  # None: timed out
    runs: list[float]
    plan: str  # the last run's plan as JSON text ("" when it timed out)


def _pg_run(url: str, sql: str) -> tuple[float | None, str]:
    with psycopg.connect(url) as conn:
        conn.execute(f"SET LOCAL statement_timeout = '{TIMEOUT_S}s'")  # type: ignore[arg-type]
        try:
            row = conn.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) {sql}").fetchone()  # type: ignore[arg-type]
        except psycopg.errors.QueryCanceled:
            return None, ""
        finally:
            conn.rollback()  # a statement that writes is measured and undone
    assert row is not None
    plan = row[0][0]
    return float(plan["Execution Time"]), json.dumps(plan)


def _my_run(database: str, sql: str) -> tuple[float | None, str]:
    conn = pymysql.connect(**my_kwargs(database))
    try:
        with conn.cursor() as cur:
            cur.execute(f"SET SESSION max_statement_time = {TIMEOUT_S}")
            cur.execute("START TRANSACTION")
            started = time.perf_counter()
            try:
                cur.execute(f"ANALYZE FORMAT=JSON {sql}")
            except pymysql.err.OperationalError as error:
                if error.args[0] == 1969:  # max_statement_time exceeded
                    return None, ""
                raise
            wall = (time.perf_counter() - started) * 1000
            row = cur.fetchone()
            cur.execute("ROLLBACK")
    finally:
        conn.close()
    text = row[0] if row else ""
    try:
        total = json.loads(text)["query_block"].get("r_total_time_ms")
    except (ValueError, KeyError, TypeError):
        total = None
    return (float(total) if total is not None else wall), text


def measure(engine: str, database: str, sql: str, runs: int) -> Timing:
    """One warm-up run (so no run reads a cold cache), then the median of ``runs`` (a single run when
    the statement takes more than 5 s)."""
    run: Callable[[], tuple[float | None, str]] = (
        (lambda: _pg_run(pg_url(database), sql))
        if engine == "postgresql"
        else (lambda: _my_run(database, sql))
    )
    first, plan = run()
    if first is None:
        return Timing(None, [], "")
    values: list[float] = []
    for _ in range(1 if first > 5_000 else runs):
        value, plan = run()
        if value is None:
            return Timing(None, values, "")
        values.append(value)
    return Timing(statistics.median(values), values, plan)


# ------------------------------------------------------------------------------------ indexes


def _pg_indexes(database: str) -> dict[str, tuple[str, str]]:
    with psycopg.connect(pg_url(database)) as conn:
        rows = conn.execute(
            "SELECT indexname, tablename, indexdef FROM pg_indexes WHERE schemaname = 'public'"
        ).fetchall()
    return {name: (table, definition) for name, table, definition in rows}


def _my_indexes(database: str) -> dict[str, tuple[str, str]]:
    """index name -> (table, column list) of every index of the database (names are per table in
    MySQL, so the key is ``table.index``)."""
    conn = pymysql.connect(**my_kwargs(database))
    try:
        with conn.cursor() as cur:
            cur.execute(
                "SELECT table_name, index_name, non_unique, index_type, "
                "GROUP_CONCAT(CONCAT('`', column_name, '`', IF(sub_part IS NULL, '', CONCAT('(', sub_part, ')'))) "
                "ORDER BY seq_in_index) FROM information_schema.statistics WHERE table_schema = %s "
                "GROUP BY table_name, index_name, non_unique, index_type",
                (database,),
            )
            rows = cur.fetchall()
    finally:
        conn.close()
    return {
        f"{t}.{i}": (
            t,
            f"{'UNIQUE ' if not nu else ''}{'FULLTEXT ' if it == 'FULLTEXT' else ''}INDEX `{i}` ({c})",
        )
        for t, i, nu, it, c in rows
    }


def indexes(engine: str, database: str) -> dict[str, tuple[str, str]]:
    return _pg_indexes(database) if engine == "postgresql" else _my_indexes(database)


def run_ddl(engine: str, database: str, statements: tuple[str, ...] | list[str]) -> str:
    """Run ``statements`` as printed, in order; returns the first error ("" when all ran)."""
    for statement in statements:
        try:
            if engine == "postgresql":
                with psycopg.connect(pg_url(database), autocommit=True) as conn:
                    conn.execute(statement)  # type: ignore[arg-type]
            else:
                conn = pymysql.connect(**my_kwargs(database), autocommit=True)
                try:
                    with conn.cursor() as cur:
                        cur.execute(statement)
                finally:
                    conn.close()
        except (psycopg.Error, pymysql.Error) as error:
            return f"{statement.strip()[:120]} -> {str(error).strip().splitlines()[0][:160]}"
    return ""


def restore(engine: str, database: str, snapshot: dict[str, tuple[str, str]]) -> None:
    """Put the database's indexes back as they were: drop the new ones, rebuild the dropped ones."""
    now = indexes(engine, database)
    added = [name for name in now if name not in snapshot]
    removed = [name for name in snapshot if name not in now]
    if engine == "postgresql":
        statements = [f'DROP INDEX "{name}"' for name in added] + [snapshot[name][1] for name in removed]
        error = run_ddl(engine, database, statements)
    else:
        # One ALTER per table, so an index that replaced InnoDB's implicit FK index can go.
        per_table: dict[str, list[str]] = {}
        for name in added:
            table, index = name.split(".", 1)
            per_table.setdefault(table, []).append(f"DROP INDEX `{index}`")
        for name in removed:
            table, definition = snapshot[name]
            per_table.setdefault(table, []).append(f"ADD {definition}")
        error = run_ddl(
            engine, database, [f"ALTER TABLE `{t}` {', '.join(parts)}" for t, parts in per_table.items()]
        )
    if error:
        raise RuntimeError(f"could not restore the indexes of {database}: {error}")


def analyze_table(engine: str, database: str, table: str) -> None:
    run_ddl(
        engine, database, [f'ANALYZE "{table}"' if engine == "postgresql" else f"ANALYZE TABLE `{table}`"]
    )


# ------------------------------------------------------------------------------------ the advisor


def advise(engine: str, database: str, sql: str) -> tuple[list[dict[str, Any]], str, str]:
    """Findings of ``dbscope explain`` on ``sql`` (EXPLAIN ANALYZE, falling back to EXPLAIN when that
    fails), how it was run, and the error when both failed."""
    url = pg_url(database) if engine == "postgresql" else my_url(database)
    base = [sys.executable, "-m", "tui", "explain", url, sql, "--format", "json", "--statement-timeout", "60"]
    errors = []
    for extra, how in ((["--analyze", "--read-write", "--yes"], "analyze"), ([], "explain")):
        done = subprocess.run([*base, *extra], capture_output=True, text=True, cwd=ROOT, timeout=300)
        if done.returncode == 0:
            return json.loads(done.stdout)["findings"], how, ""
        errors.append(f"{how}: exit {done.returncode}: {(done.stderr or done.stdout).strip()[:200]}")
    return [], "failed", " | ".join(errors)


# ------------------------------------------------------------------------------------ one query


@dataclass
class Measured:
    ddl_error: str = ""
    rollback_error: str = ""
    new_indexes: list[str] = field(default_factory=list)
    used: bool = False
    after_ms: float | None = None
    speedup: float | None = None
    slower: bool = False
    before_again_ms: float | None = None  # a second baseline, taken when the first run looked slower


@dataclass
class QueryResult:
    id: str
    engine: str
    db: str
    before_ms: float | None
    advisor_run: str
    advisor_error: str
    grades: list[dict[str, Any]]
    missed: list[str]


def _table_name(engine: str, database: str, lowered: str) -> str:
    for _, (table, _) in indexes(engine, database).items():
        if table.lower() == lowered:
            return table
    return lowered


def _rollback_statements(finding: dict[str, Any]) -> list[str]:
    rollback = finding.get("rollback")
    if isinstance(rollback, str):
        return [rollback] if rollback.strip() else []
    if isinstance(rollback, list):
        return [str(s) for s in rollback if str(s).strip()]
    return []


def _uses(engine: str, plan: str, index: str) -> bool:
    """Whether the plan reads ``index`` (MariaDB also lists indexes it only considered)."""
    field_name = "Index Name" if engine == "postgresql" else "key"
    return re.search(rf'"{field_name}":\s*"{re.escape(index)}"', plan) is not None


def measure_index(
    engine: str,
    database: str,
    sql: str,
    finding: dict[str, Any],
    ddl: tuple[str, ...],
    table: str,
    before: Timing,
    runs: int,
) -> Measured:
    result = Measured()
    snapshot = indexes(engine, database)
    try:
        result.ddl_error = run_ddl(engine, database, ddl)
        if result.ddl_error:
            return result
        analyze_table(engine, database, _table_name(engine, database, table))
        result.new_indexes = [
            name.split(".", 1)[-1] for name in indexes(engine, database) if name not in snapshot
        ]
        after = measure(engine, database, sql, runs)
        result.after_ms = after.median_ms
        result.used = any(_uses(engine, after.plan, name) for name in result.new_indexes)
        if before.median_ms is not None and after.median_ms is not None:
            result.speedup = before.median_ms / after.median_ms if after.median_ms > 0 else None
            result.slower = (
                after.median_ms > before.median_ms * SLOWER and after.median_ms - before.median_ms > NOISE_MS
            )
        elif before.median_ms is not None:
            result.slower = True  # it finished before and times out after
        result.rollback_error = run_ddl(engine, database, _rollback_statements(finding))
    finally:
        restore(engine, database, snapshot)
    if result.slower and result.after_ms is not None and before.median_ms is not None:
        # The machine is shared: before calling a suggestion slower, time the statement once more
        # without the index, now, and compare with the slower of the two baselines.
        again = measure(engine, database, sql, runs)
        result.before_again_ms = again.median_ms
        if again.median_ms is not None:
            baseline = max(before.median_ms, again.median_ms)
            result.slower = result.after_ms > baseline * SLOWER and result.after_ms - baseline > NOISE_MS
    return result


def run_query(engine: str, database: str, key: AnswerKey, runs: int) -> QueryResult:
    before = measure(engine, database, key.sql, runs)
    findings, how, error = advise(engine, database, key.sql)
    grades = grade_findings(findings, key)
    rows: list[dict[str, Any]] = []
    for finding, grade in zip(findings, grades, strict=True):
        row: dict[str, Any] = {
            "rule": grade.rule,
            "title": grade.title,
            "severity": finding.get("severity"),
            "verdict": grade.verdict,
            "reason": grade.reason,
            "ddl": list(grade.ddl),
            "verification": finding.get("verification"),
        }
        if grade.index is not None:
            row["index"] = grade.index.spec
            row["measured"] = asdict(
                measure_index(engine, database, key.sql, finding, grade.ddl, grade.index.table, before, runs)
            )
        rows.append(row)
    return QueryResult(key.id, engine, key.db, before.median_ms, how, error, rows, missed(grades, key))


# ------------------------------------------------------------------------------------ report


def _ms(value: float | None) -> str:
    return "timeout" if value is None else f"{value:,.2f}"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def summary(results: list[QueryResult]) -> dict[str, Any]:
    grades = [g for r in results for g in r.grades]
    suggestions = [g for g in grades if "index" in g]
    measured = [g["measured"] for g in suggestions]
    wanted = [r for r in results if "missing-index" in _key_tags(r)]
    return {
        "queries": len(results),
        "findings": len(grades),
        "correct": sum(g["verdict"] == "correct" for g in grades),
        "debatable": sum(g["verdict"] == "debatable" for g in grades),
        "wrong": sum(g["verdict"] == "wrong" for g in grades),
        "index_suggestions": len(suggestions),
        "index_correct": sum(g["verdict"] == "correct" for g in suggestions),
        "ddl_failed": sum(bool(m["ddl_error"]) for m in measured),
        "rollback_failed": sum(bool(m["rollback_error"]) for m in measured),
        "unused": sum(not m["ddl_error"] and not m["used"] for m in measured),
        "slower": sum(m["slower"] for m in measured),
        "queries_wanting_index": len(wanted),
        "index_missed": sum("missing-index" in r.missed for r in wanted),
        "diagnoses_expected": sum(len(_key_tags(r)) for r in results),
        "diagnoses_missed": sum(len(r.missed) for r in results),
        "advisor_failed": sum(r.advisor_run == "failed" for r in results),
    }


_TAGS: dict[str, tuple[str, ...]] = {}


def _key_tags(result: QueryResult) -> tuple[str, ...]:
    return _TAGS[result.id]


def _pct(part: int, whole: int) -> str:
    return f"{100 * part / whole:.0f} %" if whole else "–"


def write_report(results: dict[str, list[QueryResult]], scale: int, runs: int, commit: str) -> None:
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    sizes = ", ".join(
        f"{sample} {table} {rows:,} rows" for sample in SAMPLES for table, rows in [_biggest(sample, scale)]
    )
    lines = [
        "# Advisor quality on data nobody on the team wrote",
        "",
        f"_Written by `benchmarks/advisor_quality.py` on {stamp}; advisor (`tui/`) at commit `{commit}`; scale {scale} "
        f"({sizes}); EXPLAIN ANALYZE median of {runs} runs after a warm-up; machine: 2 cores, "
        "PostgreSQL 15 (no HypoPG), MariaDB 10.11, both shared with other work._",
        "",
        "Corpus: Chinook and Northwind (tests/corpus/SOURCES.md), the queries and expert answer keys in "
        "tests/corpus/keys/ (written and committed before the advisor was run on them). Grading rules: "
        "tests/corpus/grading.py. A suggestion is *slower* when its median is more than "
        f"{int((SLOWER - 1) * 100)} % (and {NOISE_MS} ms) above the median before; *unused* when the plan after "
        "building it does not read it.",
        "",
        "## Summary",
        "",
        "| | " + " | ".join(results) + " |",
        "|---|" + "---|" * len(results),
    ]
    sums = {engine: summary(rows) for engine, rows in results.items()}
    labels = [
        ("queries", "queries"),
        ("findings", "findings"),
        ("correct", "correct"),
        ("debatable", "debatable"),
        ("wrong", "wrong"),
        ("index_suggestions", "index suggestions"),
        ("index_correct", "… of them the key's index"),
        ("slower", "**suggestions that made the query slower**"),
        ("unused", "**suggestions the planner did not use**"),
        ("ddl_failed", "suggested DDL that failed as printed"),
        ("rollback_failed", "printed rollback that failed"),
        ("queries_wanting_index", "queries whose key wants an index"),
        ("index_missed", "… where no correct index was suggested"),
        ("diagnoses_expected", "diagnoses the keys expect"),
        ("diagnoses_missed", "… not made by any correct finding"),
        ("advisor_failed", "statements the advisor failed on"),
    ]
    for name, label in labels:
        lines.append(f"| {label} | " + " | ".join(f"{s[name]:,}" for s in sums.values()) + " |")
    lines.append(
        "| correct share of findings | "
        + " | ".join(_pct(s["correct"], s["findings"]) for s in sums.values())
        + " |"
    )
    for engine, rows in results.items():
        lines += [
            "",
            f"## {engine}: every finding",
            "",
            "| query | before ms | finding | verdict | why | after ms | speed-up | used |",
            "|---|---:|---|---|---|---:|---:|---|",
        ]
        for result in rows:
            if not result.grades:
                note = result.advisor_error or "no findings"
                missed_text = f"; missed: {', '.join(result.missed)}" if result.missed else ""
                lines.append(
                    f"| {result.id} | {_ms(result.before_ms)} | _{_cell(note[:120])}_{missed_text} | | | | | |"
                )
                continue
            for n, grade in enumerate(result.grades):
                what = f"`{grade['rule']}`" + (
                    f" {grade['index']}" if "index" in grade else f" {grade['title']}"
                )
                measured = grade.get("measured")
                after = speed = used = ""
                if measured:
                    if measured["ddl_error"]:
                        after, used = "DDL failed", _cell(measured["ddl_error"][:100])
                    else:
                        after = _ms(measured["after_ms"])
                        speed = f"{measured['speedup']:.2f}×" if measured["speedup"] else ""
                        used = ("yes" if measured["used"] else "**no**") + (
                            " **slower**" if measured["slower"] else ""
                        )
                first = result.id if n == 0 else ""
                before = _ms(result.before_ms) if n == 0 else ""
                why = grade["reason"] + (
                    f"; missed: {', '.join(result.missed)}" if n == 0 and result.missed else ""
                )
                lines.append(
                    f"| {first} | {before} | {_cell(what[:140])} | {grade['verdict']} | {_cell(why)} | {after} | {speed} | {used} |"
                )
    OUT.write_text("\n".join(lines) + "\n")
    print(f"written to {OUT.relative_to(ROOT)}")


# ------------------------------------------------------------------------------------ main


def drop_databases(scale: int) -> None:
    for sample in SAMPLES:
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{database_name("postgresql", sample, scale)}"')  # type: ignore[arg-type]
        conn2 = pymysql.connect(**MY_ADMIN, autocommit=True)
        with conn2.cursor() as cur:
            cur.execute(f"DROP DATABASE IF EXISTS `{database_name('mariadb', sample, scale)}`")
        conn2.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=470)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--engine", choices=ENGINES, action="append")
    parser.add_argument("--only", help="only queries whose id contains this")
    parser.add_argument("--drop", action="store_true", help="drop the scratch databases at the end")
    parser.add_argument(
        "--report-only", action="store_true", help="rewrite the report from the last raw results"
    )
    args = parser.parse_args()
    engines = args.engine or list(ENGINES)
    # The last commit that changed the advisor's code, not the corpus or this script.
    commit = subprocess.run(
        ["git", "log", "-1", "--format=%h", "--", "tui"], capture_output=True, text=True, cwd=ROOT
    ).stdout.strip()
    results: dict[str, list[QueryResult]] = {}
    if args.report_only:
        raw = json.loads(RAW.read_text())
        for engine in raw:
            _TAGS.update({key.id: key.tags for key in load_keys(engine)})
        results = {engine: [QueryResult(**row) for row in rows] for engine, rows in raw.items()}
        write_report(results, args.scale, args.runs, commit)
        return 0
    for engine in engines:
        databases = {sample: ensure_loaded(engine, sample, args.scale) for sample in SAMPLES}
        results[engine] = []
        for key in load_keys(engine):
            if args.only and args.only not in key.id:
                continue
            _TAGS[key.id] = key.tags
            started = time.perf_counter()
            result = run_query(engine, databases[key.db], key, args.runs)
            verdicts = ", ".join(f"{g['verdict']}" for g in result.grades) or "-"
            print(
                f"{key.id}: {_ms(result.before_ms)} ms; {verdicts} ({time.perf_counter() - started:.0f} s)",
                flush=True,
            )
            results[engine].append(result)
    RAW.parent.mkdir(exist_ok=True)
    RAW.write_text(
        json.dumps({e: [asdict(r) for r in rows] for e, rows in results.items()}, indent=1, default=str)
    )
    write_report(results, args.scale, args.runs, commit)
    for engine, rows in results.items():
        print(engine, summary(rows))
    if args.drop:
        drop_databases(args.scale)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
