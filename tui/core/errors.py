"""Typed errors with a one-line title, a message and a hint; none of them ever carries a password."""

from __future__ import annotations

from tui.core import termsafe


class DbscopeError(Exception):
    """Base of every error dbscope shows to a person.

    ``title`` is one line, ``message`` says what happened, ``hint`` what to try. ``exit_code`` is the
    CLI exit status this error maps to (2 usage/input, 3 connection/server).
    """

    exit_code = 3
    default_title = "Error"

    def __init__(self, message: str, *, title: str | None = None, hint: str | None = None) -> None:
        super().__init__(message)
        self.title = title or self.default_title
        self.message = message
        self.hint = hint

    def one_line(self) -> str:
        """The message as printed by the CLI: ``title: message (hint)`` on a single line."""
        text = f"{self.title}: {self.message}"
        if self.hint:
            text += f" ({self.hint})"
        return " ".join(text.split())


class UsageError(DbscopeError):
    """The command line or a URL is malformed."""

    exit_code = 2
    default_title = "Usage error"


class PlanInputError(DbscopeError):
    """The text given as an EXPLAIN output is not a plan dbscope can read."""

    exit_code = 2
    default_title = "Not a plan"


class ConnectError(DbscopeError):
    """The server could not be reached or refused the login."""

    default_title = "Connection failed"


class PasswordNeeded(ConnectError):
    """The server asks for a password and none was given: with a terminal, dbscope asks for it."""

    default_title = "Authentication failed"


class QueryError(DbscopeError):
    """The server rejected a statement."""

    default_title = "Query failed"


class PermissionError_(DbscopeError):
    """The connected user lacks a privilege the action needs."""

    default_title = "Permission denied"


class Cancelled(DbscopeError):
    """Work was cancelled by the user (and the server was asked to stop it)."""

    default_title = "Cancelled"


class ReadOnlyViolation(DbscopeError):
    """A statement would write while the session is read-only."""

    default_title = "Read-only session"


class Disconnected(DbscopeError):
    """The connection to the server was lost."""

    default_title = "Disconnected"


class ReadOnlyBreach(DbscopeError):
    """After a user statement the session was no longer read-only: dbscope rolled back and closed it."""

    default_title = "Read-only session broken — closed"


def _short_target(target: str, width: int = 80) -> str:
    return termsafe.shortened(target, width)


def connect_value_error(exc: BaseException, target: str) -> DbscopeError:
    """A ``UnicodeError``/``ValueError`` a driver raised while connecting (the resolver refusing a host
    name, a parameter that cannot be encoded) as one human line, exit status 2: never the exception's
    class name or text, which may quote the password."""
    where = _short_target(target)
    text = str(exc)
    if isinstance(exc, UnicodeError) and "idna" in text:
        return UsageError(
            f"the host name of {where} is not valid",
            hint="each dot-separated part of a host name has 1 to 63 letters, digits or hyphens",
        )
    if isinstance(exc, UnicodeError):
        return UsageError(
            f"the connection parameters for {where} contain characters that cannot be sent",
            hint="the URL must be UTF-8 text; percent-encode special characters (%40 for @)",
        )
    return UsageError(f"the connection parameters for {where} are not valid")
