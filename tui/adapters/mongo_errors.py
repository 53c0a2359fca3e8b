"""PyMongo exceptions → dbscope's typed errors, with the password masked out of every message."""

from __future__ import annotations

from bson.errors import BSONError
from pymongo import errors as pm_errors

from tui.core.connspec import ConnectionSpec, mask_secrets
from tui.core.errors import (
    Cancelled,
    ConnectError,
    DbscopeError,
    Disconnected,
    PasswordNeeded,
    PermissionError_,
    QueryError,
    UsageError,
)

# Server error codes (src/mongo/base/error_codes.yml).
UNAUTHORIZED = 13
AUTHENTICATION_FAILED = 18
MAX_TIME_MS_EXPIRED = 50
NAMESPACE_NOT_FOUND = 26
INTERRUPTED = 11601
INTERRUPTED_AT_SHUTDOWN = 11600
EXCEEDED_TIME_LIMIT = 262
COMMAND_NOT_FOUND = 59
NOT_PRIMARY_OR_SECONDARY = 13436
CURSOR_KILLED = 237
QUERY_PLAN_KILLED = 175


def _clean(text: str, spec: ConnectionSpec | None) -> str:
    message = mask_secrets(text)
    if spec is not None and spec.password:
        message = message.replace(spec.password, "***")
    return " ".join(message.split())


def _hosts(spec: ConnectionSpec | None) -> str:
    if spec is None:
        return "the server"
    rest = spec.url.split("://", 1)[-1]
    netloc = rest.split("/", 1)[0].split("?", 1)[0]
    hosts = netloc.rsplit("@", 1)[-1]
    return hosts or spec.display


def map_error(
    exc: BaseException, spec: ConnectionSpec | None = None, *, connecting: bool = False
) -> DbscopeError:
    """A typed, password-free error for a PyMongo/bson exception."""
    if isinstance(exc, DbscopeError):
        return exc
    raw = str(exc) or type(exc).__name__
    line = _clean(raw.splitlines()[0] if raw else type(exc).__name__, spec)
    target = _hosts(spec)
    if isinstance(exc, pm_errors.ServerSelectionTimeoutError):
        return ConnectError(
            f"cannot reach {target}: no suitable server answered ({_clean(raw, spec)[:300]})",
            title="Host unreachable",
            hint="is mongod/mongos running there; do replicaSet, tls and readPreference in the URL match the deployment?",
        )
    if isinstance(exc, pm_errors.ConfigurationError) and "password is required" in raw.lower():
        return PasswordNeeded(
            f"{target} needs a password and none was given",
            hint="run dbscope in a terminal to be asked for it, or give it in the URL (percent-encoded)",
        )
    if isinstance(exc, pm_errors.InvalidURI | pm_errors.ConfigurationError):
        return UsageError(f"the MongoDB URL is not valid: {line}", title="Invalid URL")
    if isinstance(exc, pm_errors.ExecutionTimeout):
        return Cancelled(
            line,
            title="Statement timeout",
            hint="the server stopped the operation at maxTimeMS; raise --statement-timeout or statement_timeout in the config",
        )
    if isinstance(exc, pm_errors.OperationFailure):
        code = exc.code
        if code == AUTHENTICATION_FAILED or "Authentication failed" in raw:
            return ConnectError(
                f"authentication failed for {target}: {line}",
                title="Authentication failed",
                hint="check the user, the password and authSource= in the URL",
            )
        if code == UNAUTHORIZED:
            return PermissionError_(
                line,
                hint="the connected user lacks a privilege this needs (e.g. clusterMonitor for $indexStats / $currentOp)",
            )
        if code in (MAX_TIME_MS_EXPIRED, EXCEEDED_TIME_LIMIT):
            return Cancelled(
                line,
                title="Statement timeout",
                hint="raise --statement-timeout or statement_timeout in the config",
            )
        if code in (INTERRUPTED, CURSOR_KILLED, QUERY_PLAN_KILLED):
            return Cancelled(line, title="Cancelled", hint="the operation was killed on the server")
        if code == INTERRUPTED_AT_SHUTDOWN:
            return Disconnected(line, hint="the server is shutting down; reconnect once it is back")
        if code == NAMESPACE_NOT_FOUND:
            return QueryError(line, title="Collection missing")
        if code == COMMAND_NOT_FOUND:
            return QueryError(
                line,
                title="Command not supported",
                hint="this server version or deployment does not offer it",
            )
        return QueryError(line)
    if isinstance(exc, pm_errors.ConnectionFailure):
        if connecting:
            return ConnectError(f"cannot reach {target}: {line}", title="Host unreachable")
        return Disconnected(line, hint="the connection to the server was lost; press the reconnect key")
    if isinstance(exc, pm_errors.InvalidOperation):
        return Disconnected(line, hint="the client was closed; reconnect")
    if isinstance(exc, BSONError):
        return QueryError(line, title="Invalid document")
    if isinstance(exc, pm_errors.PyMongoError):
        return QueryError(line)
    return QueryError(f"{type(exc).__name__}: {line}")
