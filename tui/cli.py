"""The ``dbscope`` entry point: no subcommand starts the TUI; ``plan``, ``explain``, ``advise``, ``top``
and ``doctor`` run headless. Every error becomes one line on stderr and an exit status
(0 ok, 1 findings at the ``--fail-on`` level, 2 usage or input, 3 connection or server)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

from tui import __version__
from tui.core.errors import DbscopeError
from tui.headless import emit

SUBCOMMANDS = ("plan", "explain", "advise", "top", "doctor")
FORMATS = ("text", "json", "markdown")


class _Parser(argparse.ArgumentParser):
    """argparse that exits with status 2 and a one-line message (no usage dump)."""

    def error(self, message: str) -> None:  # type: ignore[override]
        emit.err(f"{message} (see dbscope {self.prog.split()[-1]} --help)")
        raise SystemExit(2)


def _common_output(parser: argparse.ArgumentParser, formats: Sequence[str] = FORMATS) -> None:
    parser.add_argument("--format", choices=formats, default="text", help="output format (default text)")
    parser.add_argument(
        "--fail-on",
        choices=("critical", "warning"),
        help="exit with status 1 when a finding of this severity (or worse) is found",
    )
    parser.add_argument("--plain", action="store_true", help="terse text without the advisor's voice")


def _connection_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("url", help="connection URL or saved profile name")
    parser.add_argument("--read-write", action="store_true", help="allow statements that write")
    parser.add_argument(
        "--statement-timeout",
        type=float,
        default=None,
        metavar="SECONDS",
        help="server-side timeout for every statement dbscope runs (default from config, 30 s)",
    )


def build_tui_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="dbscope",
        description=(
            "Terminal explorer and advisor for PostgreSQL, MySQL/MariaDB and MongoDB. "
            "Headless commands: dbscope {plan,explain,advise,top,doctor} --help"
        ),
    )
    parser.add_argument("target", nargs="?", help="connection URL or saved profile name")
    parser.add_argument("--demo", action="store_true", help="start a throwaway PostgreSQL with a demo shop")
    parser.add_argument("--theme", help="theme name (a file in themes/ or a Textual built-in)")
    parser.add_argument("--read-write", action="store_true", help="allow writes (each one confirmed)")
    parser.add_argument("--config", help="path of the config file (default: XDG config dir)")
    parser.add_argument("--statement-timeout", type=float, default=None, metavar="SECONDS")
    parser.add_argument("--version", action="version", version=f"dbscope {__version__}")
    return parser


def build_headless_parser(command: str) -> argparse.ArgumentParser:
    parser = _Parser(prog=f"dbscope {command}")
    parser.add_argument("--config", help="path of the config file (default: XDG config dir)")
    if command == "plan":
        parser.description = "Analyse a saved EXPLAIN output of any engine (format auto-detected)."
        parser.add_argument("file", help="plan file, or - for standard input")
        _common_output(parser)
    elif command == "explain":
        parser.description = "Run EXPLAIN on a live server, then analyse the plan."
        _connection_options(parser)
        parser.add_argument("query", help="the statement to explain")
        parser.add_argument("--analyze", action="store_true", help="EXPLAIN ANALYZE (runs the statement)")
        parser.add_argument(
            "--yes", action="store_true", help="confirm ANALYZE of a statement that writes (rolled back)"
        )
        parser.add_argument("--no-verify", action="store_true", help="skip hypothetical-index checks")
        _common_output(parser)
    elif command == "advise":
        parser.description = "Schema-level findings for a live database."
        _connection_options(parser)
        parser.add_argument("--schema", help="only this schema (PostgreSQL) or database (MySQL)")
        _common_output(parser)
    elif command == "top":
        parser.description = "The server's top statements (pg_stat_statements, digests, profiler)."
        _connection_options(parser)
        parser.add_argument("--limit", type=int, default=20)
        parser.add_argument("--sort", choices=("total", "mean", "calls"), default="total")
        parser.add_argument("--explain", action="store_true", help="add each statement's plan findings")
        _common_output(parser, ("text", "json"))
    elif command == "doctor":
        parser.description = "Print what matters for support: terminal, colours, tmux, extras, config."
        parser.add_argument("--format", choices=("text", "json"), default="text")
    return parser


def _handler(command: str) -> Callable[[argparse.Namespace], int]:
    # Imported lazily so `dbscope plan` never pays for Textual and `dbscope` never pays for sqlglot.
    if command == "plan":
        from tui.headless.commands import cmd_plan

        return cmd_plan
    if command == "explain":
        from tui.headless.commands import cmd_explain

        return cmd_explain
    if command == "advise":
        from tui.headless.commands import cmd_advise

        return cmd_advise
    if command == "top":
        from tui.headless.commands import cmd_top

        return cmd_top
    from tui.headless.doctor import cmd_doctor

    return cmd_doctor


def main(argv: Sequence[str] | None = None) -> int:
    if argv is None:
        # First of all: a URL's password must not stay in the process's argv, which every user of
        # the host can read with ps (re-executes without it on Linux; see tui.credentials).
        from tui.credentials import scrub_argv

        args = scrub_argv(sys.argv[1:])
    else:
        args = list(argv)
    try:
        if args and args[0] in SUBCOMMANDS:
            command = args.pop(0)
            namespace = build_headless_parser(command).parse_args(args)
            return _handler(command)(namespace)
        namespace = build_tui_parser().parse_args(args)
        from tui.launch import launch_tui

        return launch_tui(namespace)
    except DbscopeError as exc:
        emit.err(exc.one_line())
        return exc.exit_code
    except KeyboardInterrupt:
        sys.stderr.write("dbscope: interrupted\n")
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    raise SystemExit(main())
