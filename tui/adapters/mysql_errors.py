"""PyMySQL exceptions → dbscope's typed errors, by MySQL/MariaDB error number, with the host and port
named for connection failures and no password in any message."""

from __future__ import annotations

import re

import pymysql

from tui.core.connspec import mask_secrets
from tui.core.errors import (
    Cancelled,
    ConnectError,
    DbscopeError,
    Disconnected,
    PasswordNeeded,
    PermissionError_,
    QueryError,
    ReadOnlyViolation,
)

ACCESS_DENIED = frozenset({1045, 1698})  # 1698: MariaDB, user unknown or no password accepted
DB_ACCESS_DENIED = 1044
UNKNOWN_DATABASE = 1049
PERMISSION_ERRORS = frozenset({1044, 1142, 1143, 1227, 1370, 1095, 1211, 3118, 1410})
READ_ONLY_TRANSACTION = 1792  # ER_CANT_EXECUTE_IN_READ_ONLY_TRANSACTION
SERVER_READ_ONLY = 1290  # ER_OPTION_PREVENTS_STATEMENT (--read-only, --super-read-only)
MYSQL_STATEMENT_TIMEOUT = 3024  # ER_QUERY_TIMEOUT (max_execution_time)
MARIADB_STATEMENT_TIMEOUT = 1969  # ER_STATEMENT_TIMEOUT (max_statement_time)
QUERY_INTERRUPTED = 1317
LOCK_WAIT_TIMEOUT = 1205
CONNECTION_LOST = frozenset({2006, 2013, 2014, 2055, 4031, 1053, 1927})
CANNOT_CONNECT = frozenset({2002, 2003, 2005})
TLS_ERROR = 2026  # CR_SSL_CONNECTION_ERROR: TLS asked for (ssl_mode=REQUIRED…) and not established

_ERRNO_IN_TEXT = re.compile(r"\[Errno (-?\d+)\]\s*([^)]*)")


def error_number(exc: BaseException) -> int | None:
    args = getattr(exc, "args", ())
    if args and isinstance(args[0], int):
        return args[0]
    return None


def error_text(exc: BaseException, password: str | None = None) -> str:
    args = getattr(exc, "args", ())
    if len(args) >= 2 and isinstance(args[1], str):
        text = args[1]
    elif args and isinstance(args[0], str):
        text = args[0]
    else:
        text = str(exc) or type(exc).__name__
    text = mask_secrets(" ".join(str(text).split()))
    if password:
        text = text.replace(password, "***")
    return text


def map_error(
    exc: BaseException,
    *,
    target: str = "the server",
    password: str | None = None,
    connecting: bool = False,
) -> DbscopeError:
    """Translate one PyMySQL exception. ``target`` is ``host:port`` or ``socket /path``."""
    number = error_number(exc)
    text = error_text(exc, password)
    if number in ACCESS_DENIED and "using password: NO" in text:
        return PasswordNeeded(
            f"access denied at {target}: {text}",
            hint="the server wants a password: ~/.my.cnf ([client] password=…, chmod 600), MYSQL_PWD, "
            "or run dbscope in a terminal to be asked for it",
        )
    if number in ACCESS_DENIED:
        return ConnectError(
            f"access denied at {target}: {text}",
            title="Authentication failed",
            hint="check the user and password (URL, ~/.my.cnf [client] password=, or MYSQL_PWD)",
        )
    if number == TLS_ERROR:
        return ConnectError(
            f"no TLS connection to {target}: {text}",
            title="TLS failed",
            hint="the URL asks for TLS (ssl_mode, ssl_ca…): enable it on the server (have_ssl), check the "
            "certificates, or connect with ssl_mode=PREFERRED / DISABLED to allow a plain connection",
        )
    if number == UNKNOWN_DATABASE:
        return ConnectError(text, title="Database missing", hint="list databases with: SHOW DATABASES")
    if number in CANNOT_CONNECT or (
        connecting and number is None and isinstance(exc, OSError | pymysql.err.OperationalError)
    ):
        return ConnectError(
            f"cannot reach {target}: {_os_reason(text)}",
            title="Host unreachable",
            hint=_connect_hint(text),
        )
    if number == DB_ACCESS_DENIED and connecting:
        return ConnectError(text, title="Permission denied", hint="the user may not use that database")
    if number in PERMISSION_ERRORS:
        return PermissionError_(text, hint="ask for the privilege or connect as a user that has it")
    if number == READ_ONLY_TRANSACTION:
        return ReadOnlyViolation(
            text,
            hint="dbscope opened a read-only session; start it with --read-write to allow writes",
        )
    if number == SERVER_READ_ONLY:
        return ReadOnlyViolation(text, hint="the server itself runs with read_only (a replica?)")
    if number in (MYSQL_STATEMENT_TIMEOUT, MARIADB_STATEMENT_TIMEOUT):
        return Cancelled(
            text,
            title="Statement timeout",
            hint="raise --statement-timeout or statement_timeout in the config",
        )
    if number == QUERY_INTERRUPTED:
        return Cancelled(text, title="Cancelled", hint="the server stopped the statement")
    if number == LOCK_WAIT_TIMEOUT:
        return Cancelled(text, title="Lock timeout", hint="another session holds a conflicting lock")
    if number in CONNECTION_LOST or isinstance(exc, pymysql.err.InterfaceError):
        return Disconnected(
            text if text and text != "InterfaceError" else "the connection is closed",
            hint="press the reconnect key once the server is back",
        )
    if isinstance(exc, OSError | TimeoutError):
        return Disconnected(f"network error talking to {target}: {text}", hint="press the reconnect key")
    return QueryError(text)


def _os_reason(text: str) -> str:
    match = _ERRNO_IN_TEXT.search(text)
    if match:
        code, reason = int(match.group(1)), match.group(2).strip()
        if code in (-2, -3, -5):
            return f"unknown host ({reason})"
        return reason or text
    if "timed out" in text:
        return "timed out"
    return text


def _connect_hint(text: str) -> str:
    if "Name or service not known" in text or "nodename nor servname" in text or "[Errno -" in text:
        return "check the host name in the URL or MYSQL_HOST"
    if "No such file or directory" in text:
        return "no server socket there: pass ?unix_socket=/path/to/mysqld.sock or a TCP host (127.0.0.1)"
    if "Permission denied" in text:
        return "the socket exists but this user may not open it"
    return "is the server running and accepting connections there?"
