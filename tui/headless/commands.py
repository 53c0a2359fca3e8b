"""The headless subcommands ``plan``, ``explain``, ``advise`` and ``top`` (argparse namespaces built in
``tui.cli``). Each prints its result in ``--format`` and returns the exit status: 0, or 1 when a finding
reaches ``--fail-on``. Errors are raised as ``tui.core.errors`` types; ``tui.cli.main`` prints them as
one line and exits with their code.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, TypeVar

from tui.core import fmt
from tui.core.errors import (
    Cancelled,
    ConnectError,
    DbscopeError,
    Disconnected,
    PlanInputError,
    QueryError,
    UsageError,
    connect_value_error,
)
from tui.core.finding import SEVERITY_RANK, Finding
from tui.core.sqltext import short_statement
from tui.headless import emit

if TYPE_CHECKING:
    from tui.adapters.base import Adapter
    from tui.core.connspec import ConnectionSpec
    from tui.core.plan import Plan

T = TypeVar("T")
MAX_INPUT_BYTES = 256 * 1024 * 1024


# -- helpers ---------------------------------------------------------------------------------------------
def _write(text: str) -> None:
    emit.out(text)


def _warn(text: str) -> None:
    emit.err(" ".join(text.split()), prefix="dbscope: warning: ")


def _note(text: str) -> None:
    emit.err(" ".join(text.split()), prefix="dbscope: note: ")


def _read_input(path: str) -> str:
    """The plan text from a file, or standard input for ``-``; UsageError/PlanInputError otherwise."""
    if path == "-":
        stream = getattr(sys.stdin, "buffer", None)
        if stream is None:  # a text-only stdin (embedding, tests)
            return sys.stdin.read()
        data = stream.read(MAX_INPUT_BYTES + 1)
        source = "standard input"
    else:
        try:
            with open(path, "rb") as handle:
                data = handle.read(MAX_INPUT_BYTES + 1)
        except FileNotFoundError:
            raise UsageError(f"plan file {path!r} does not exist") from None
        except IsADirectoryError:
            raise UsageError(f"{path!r} is a directory, not a plan file") from None
        except OSError as exc:
            raise UsageError(f"cannot read {path!r}: {exc.strerror or exc}") from None
        source = repr(path)
    if len(data) > MAX_INPUT_BYTES:
        raise PlanInputError(
            f"{source} is larger than {fmt.size(MAX_INPUT_BYTES)}; that is not an EXPLAIN output"
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise PlanInputError(
            f"{source} is not UTF-8 text (byte {exc.start}): expected the text of an EXPLAIN output"
        ) from None


def fails(findings: list[Finding], level: str | None) -> bool:
    """Whether ``--fail-on level`` is reached: critical → any critical; warning → warning or critical."""
    if not level:
        return False
    threshold = SEVERITY_RANK[level]
    return any(SEVERITY_RANK.get(f.severity, 99) <= threshold for f in findings)


def _advise(what: str, call: Callable[[], list[Finding]]) -> list[Finding]:
    """Run the advisor; its own failure must not hide the plan (reported as one warning line)."""
    try:
        return list(call())
    except DbscopeError:
        raise
    except Exception as exc:  # a rule bug: show the plan, say the advice is missing and why
        _warn(f"the advisor failed on this {what} ({type(exc).__name__}: {exc}); showing it without findings")
        return []


def _adapter_call(action: str, call: Callable[[], T]) -> T:
    """Adapter calls raise typed errors; anything else becomes one clear line, never a traceback."""
    try:
        return call()
    except DbscopeError:
        raise
    except NotImplementedError as exc:
        raise UsageError(str(exc) or f"{action} is not supported by this engine") from None
    except (UnicodeError, ValueError) as exc:
        if action == "connecting":  # never the exception's class or text (it may quote the URL)
            raise connect_value_error(exc, "the server") from None
        raise QueryError(f"{action} failed ({type(exc).__name__}: {exc})") from None
    except Exception as exc:
        raise QueryError(f"{action} failed ({type(exc).__name__}: {exc})") from None


@contextmanager
def _connected(args: argparse.Namespace) -> Iterator[Adapter]:
    """Settings → spec → adapter, connected; always closed afterwards."""
    from tui.adapters import open_adapter
    from tui.config import load_settings
    from tui.credentials import connect_prompting

    settings = load_settings(getattr(args, "config", None), statement_timeout=args.statement_timeout)
    spec = settings.connection_spec(args.url, read_write=args.read_write)
    opened: list[Adapter] = []

    def attempt(spec: ConnectionSpec) -> Adapter:
        try:
            adapter = open_adapter(spec, mongo_sample_size=settings.mongo_sample_size)
        except ValueError as exc:
            raise UsageError(str(exc)) from None
        opened.append(adapter)
        _adapter_call("connecting", adapter.connect)
        return adapter

    try:
        # A password the server wants and nobody gave: asked for at the terminal, once.
        adapter = connect_prompting(spec, attempt)
        for notice in getattr(adapter.server, "notices", None) or []:
            _note(notice)
        yield adapter
    finally:
        for adapter in opened:
            try:
                adapter.close()
            except Exception as exc:  # closing must never mask the real outcome
                _warn(f"closing the connection failed: {exc}")


def _engine(adapter: Adapter) -> str:
    server = getattr(adapter, "server", None)
    return server.engine if server is not None and server.engine else adapter.engine


def _print_plan(plan: Plan, findings: list[Finding], args: argparse.Namespace) -> None:
    from tui.headless import plan_output

    if args.format == "json":
        try:
            _write(plan_output.dumps(plan_output.plan_document(plan, findings)))
        except RecursionError:
            raise PlanInputError("the plan is nested too deeply to print as JSON") from None
    elif args.format == "markdown":
        _write(plan_output.render_plan_markdown(plan, findings))
    else:
        _write(plan_output.render_plan_text(plan, findings, plain=args.plain))


# -- plan ------------------------------------------------------------------------------------------------
def cmd_plan(args: argparse.Namespace) -> int:
    """``dbscope plan FILE|-``: parse a saved EXPLAIN output of any engine, advise, print."""
    from tui.advisor.api import advise_plan
    from tui.plans.detect import parse_plan

    text = _read_input(args.file)
    plan = parse_plan(text)
    findings = _advise("plan", lambda: advise_plan(plan, query=plan.query))
    _print_plan(plan, findings, args)
    return 1 if fails(findings, args.fail_on) else 0


# -- explain ---------------------------------------------------------------------------------------------
def cmd_explain(args: argparse.Namespace) -> int:
    """``dbscope explain URL QUERY``: EXPLAIN (ANALYZE) on the live server, then analyse the plan."""
    from tui.advisor.api import advise_plan
    from tui.plans.detect import parse_plan

    query = args.query
    if not query or not query.strip():
        raise UsageError("nothing to explain: the query is empty")
    with _connected(args) as adapter:
        if args.analyze and not args.yes and adapter.statement_writes(query):
            hint = "it then runs inside a transaction that is always rolled back"
            if not args.read_write:
                hint += "; the session must also be opened with --read-write"
            raise UsageError(
                f"EXPLAIN ANALYZE executes the statement, and this one writes: {short_statement(query, 100)!r}; "
                "add --yes to confirm",
                hint=hint,
            )
        output = _adapter_call(
            "EXPLAIN", lambda: adapter.explain(query, analyze=args.analyze, allow_writes=args.yes)
        )
        plan = parse_plan(output.text)
        if plan.query is None:
            plan.query = output.query or query
        advisor_adapter = None if args.no_verify else adapter
        findings = _advise(
            "plan", lambda: advise_plan(plan, query=output.query or query, adapter=advisor_adapter)
        )
    _print_plan(plan, findings, args)
    return 1 if fails(findings, args.fail_on) else 0


# -- advise ----------------------------------------------------------------------------------------------
def cmd_advise(args: argparse.Namespace) -> int:
    """``dbscope advise URL``: schema-level findings for a live database."""
    from tui.advisor.api import advise_schema

    with _connected(args) as adapter:
        facts = _adapter_call("reading the schema", lambda: adapter.schema_facts(args.schema))
        engine = _engine(adapter)
        server = adapter.server
        statements = _report_statements(adapter) if args.format == "markdown" else []
    findings = _advise("schema", lambda: advise_schema(facts))
    if args.format == "json":
        from tui.headless.plan_output import dumps, sanitize_json

        _write(dumps({"engine": engine, "findings": [sanitize_json(f.to_json()) for f in findings]}))
    elif args.format == "markdown":
        _write(_schema_markdown(engine, facts, findings, server, statements))
    else:
        from tui.headless.plan_output import findings_text

        _write(findings_text(findings, args.plain))
    return 1 if fails(findings, args.fail_on) else 0


def _report_statements(adapter: Adapter) -> list[Any]:
    """The top 50 statements for the report's workload pattern, when the server keeps statistics; the
    report never fails for them (a failure is one warning line and the report goes on without)."""
    cap = getattr(adapter.capabilities, "statement_stats", None)
    if not cap:
        return []
    try:
        return list(adapter.top_statements(limit=50))
    except Exception as exc:  # a privilege, a dropped session…: the schema facts are read, the report stands
        _warn(
            f"statement statistics could not be read ({type(exc).__name__}: {exc}); the report goes on without them"
        )
        return []


def _schema_markdown(
    engine: str, facts: Any, findings: list[Finding], server: Any, statements: list[Any] | None = None
) -> str:
    """The advisor's full report when it is available, else a title and the findings."""
    try:
        from tui.advisor.report import render_report
    except ImportError:
        from tui.headless.plan_output import ENGINE_NAMES, findings_markdown

        database = getattr(facts, "database", "") or ""
        title = f"# {ENGINE_NAMES.get(engine, engine)} schema report" + (f": {database}" if database else "")
        return f"{title}\n\n{findings_markdown(findings)}"
    return render_report(facts, findings, server=server, statements=statements or ())


# -- top -------------------------------------------------------------------------------------------------
def cmd_top(args: argparse.Namespace) -> int:
    """``dbscope top URL``: the server's top statements, optionally with each one's plan findings."""
    if args.limit <= 0:
        raise UsageError("--limit must be a positive number")
    all_findings: list[Finding] = []
    with _connected(args) as adapter:
        engine = _engine(adapter)
        statements = _adapter_call(
            "reading statement statistics", lambda: adapter.top_statements(args.limit, args.sort)
        )
        rows: list[dict[str, Any]] = []
        for stat in statements:
            row: dict[str, Any] = {"stat": stat, "findings": [], "error": None}
            if args.explain:
                row["findings"], row["error"] = _explain_statement(adapter, stat)
                all_findings.extend(row["findings"])
            rows.append(row)
    if args.format == "json":
        from tui.headless.plan_output import dumps, sanitize_json

        out = []
        for row in rows:
            item = sanitize_json(row["stat"].to_json())
            if args.explain:
                item["findings"] = [sanitize_json(f.to_json()) for f in row["findings"]]
                if row["error"]:
                    item["error"] = row["error"]
            out.append(item)
        _write(dumps({"engine": engine, "statements": out}))
    else:
        _write(_top_text(engine, rows, args))
    return 1 if fails(all_findings, args.fail_on) else 0


def _explain_statement(adapter: Adapter, stat: Any) -> tuple[list[Finding], str | None]:
    """Plain EXPLAIN of one (normalized) statement and its findings; a failure is this row's error.
    A PostgreSQL ``$1`` statement gets a generic plan; a MySQL/MariaDB digest is explained through the
    whole sample the server kept of it, else the row says how to get one; a statement without a plan
    (COMMIT, SET, DDL) is not sent."""
    from tui.advisor.api import advise_plan
    from tui.core.topstat import statement_to_explain
    from tui.plans.detect import parse_plan

    choice = statement_to_explain(stat, _engine(adapter))
    if choice.query is None:
        reason = choice.reason or "nothing to explain"
        return [], f"{reason}: {choice.hint}" if choice.hint else reason
    query = choice.query
    try:
        output = _adapter_call("EXPLAIN", lambda: adapter.explain(query, analyze=False))
        plan = parse_plan(output.text)
    except (ConnectError, Disconnected, Cancelled):
        raise  # the session is gone: the whole command fails
    except DbscopeError as exc:  # this statement cannot be explained (DDL, dropped table, privilege…)
        return [], exc.one_line()
    findings = _advise(
        "statement",
        lambda: advise_plan(
            plan, query=query, adapter=adapter, calls=stat.calls, mean_time_ms=stat.mean_time_ms
        ),
    )
    return findings, None


def _impact_order(rows: list[dict[str, Any]]) -> list[str]:
    """Where to start: the statements with findings by impact (time saved per call × calls), whatever
    the severity of their findings."""
    from tui.advisor.ranking import rank_across_statements

    ranked = [
        r
        for r in rank_across_statements([(row["stat"].calls, row["findings"]) for row in rows])
        if r.findings
    ]
    if not ranked:
        return []
    lines = ["", "Ranked by impact (time or cost saved per call × calls):"]
    for place, r in enumerate(ranked, 1):
        top = r.findings[0]
        lines.append(
            f"  {place}. #{r.position + 1}  {fmt.num(r.calls)} calls  impact {fmt.num(r.impact, 1)}  "
            f"{top.severity} {top.rule}" + (f" on {top.object}" if top.object else "")
        )
    return lines


def _top_text(engine: str, rows: list[dict[str, Any]], args: argparse.Namespace) -> str:
    from tui.headless.plan_output import ENGINE_NAMES, findings_text

    if not rows:
        return f"{ENGINE_NAMES.get(engine, engine)}: no statement statistics recorded yet."
    header = ("#", "calls", "total", "mean", "max", "rows", "query")
    table = [header]
    for i, row in enumerate(rows, 1):
        stat = row["stat"]
        table.append(
            (
                str(i),
                fmt.num(stat.calls),
                fmt.ms(stat.total_time_ms),
                fmt.ms(stat.mean_time_ms),
                fmt.ms(stat.max_time_ms),
                fmt.num(stat.rows),
                short_statement(stat.query, 80),
            )
        )
    widths = [max(len(r[c]) for r in table) for c in range(len(header) - 1)]
    order = {"total": "total time", "mean": "mean time", "calls": "calls"}.get(args.sort, args.sort)
    lines = [f"{ENGINE_NAMES.get(engine, engine)} top statements by {order}"]
    for r in table:
        cells = [r[0].rjust(widths[0]), *(r[c].rjust(widths[c]) for c in range(1, len(widths))), r[-1]]
        lines.append("  ".join(cells))
    if args.explain:
        lines += _impact_order(rows)
        for i, row in enumerate(rows, 1):
            lines.append("")
            lines.append(f"#{i} {short_statement(row['stat'].query, 100)}")
            if row["error"]:
                lines.append(f"  could not explain it: {row['error']}")
            else:
                lines.append(findings_text(row["findings"], args.plain))
    return "\n".join(lines)
