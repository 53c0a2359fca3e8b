"""Connection specs: parse a URL into engine + parts, mask its password, and name the supported schemes.

Parsing is strict and never echoes a password back: every error message uses the masked URL.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, unquote, urlsplit

from tui.core.errors import UsageError

SCHEMES: dict[str, str] = {
    "postgresql": "postgresql",
    "postgres": "postgresql",
    "pg": "postgresql",
    "mysql": "mysql",
    "mariadb": "mysql",
    "mongodb": "mongodb",
    "mongodb+srv": "mongodb",
}

SUPPORTED_SCHEMES_TEXT = "postgresql://, postgres://, mysql://, mariadb://, mongodb://, mongodb+srv://"

# The password part may contain spaces (an unencoded URL): mask up to the '@', never past a '/' or a
# line end. Over-masking prose is harmless; under-masking a secret is not.
_PASSWORD_IN_URL = re.compile(r"(?P<head>[a-z][a-z0-9+.-]*://[^:/@\s]*:)(?P<pw>[^@/\n]*)(?P<tail>@)", re.I)
_PASSWORD_IN_KV = re.compile(r"(?P<head>\bpassword\s*=\s*)(?P<pw>'[^']*'|\S+)", re.I)


def mask_secrets(text: str) -> str:
    """Replace passwords in URLs (``user:secret@``) and ``password=`` pairs with ``***``."""
    text = _PASSWORD_IN_URL.sub(lambda m: f"{m['head']}***{m['tail']}", text)
    return _PASSWORD_IN_KV.sub(lambda m: f"{m['head']}***", text)


@dataclass(slots=True)
class ConnectionSpec:
    """A parsed connection URL. ``password`` is kept apart and never rendered by ``masked``."""

    engine: str  # "postgresql" | "mysql" | "mongodb"
    url: str = field(repr=False)  # may hold a password: never printed; use ``masked``
    scheme: str
    host: str | None = None
    port: int | None = None
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    database: str | None = None
    params: dict[str, str] = field(default_factory=dict)
    read_write: bool = False
    statement_timeout_ms: int = 30_000
    lock_timeout_ms: int = 5_000

    @property
    def masked(self) -> str:
        return mask_secrets(self.url)

    @property
    def display(self) -> str:
        """``user@host:port/db`` without any secret, for the status bar."""
        host = self.host or self.params.get("host") or "local socket"
        if host.startswith("/"):
            host = f"socket {host}"
        port = f":{self.port}" if self.port else ""
        user = f"{self.user}@" if self.user else ""
        db = f"/{self.database}" if self.database else ""
        return f"{user}{host}{port}{db}"


def parse_url(url: str) -> ConnectionSpec:
    """Parse ``url`` or raise UsageError naming what is wrong (the password masked)."""
    text = url.strip()
    if not text:
        raise UsageError("empty connection URL", hint=f"supported schemes: {SUPPORTED_SCHEMES_TEXT}")
    if "://" not in text:
        raise UsageError(
            f"{mask_secrets(text)!r} is not a URL",
            hint=f"use one of {SUPPORTED_SCHEMES_TEXT}, e.g. postgresql:///mydb",
        )
    scheme = text.split("://", 1)[0].lower()
    engine = SCHEMES.get(scheme)
    if engine is None:
        raise UsageError(
            f"unknown scheme {scheme!r} in {mask_secrets(text)}",
            hint=f"supported schemes: {SUPPORTED_SCHEMES_TEXT}",
        )
    if engine == "mongodb":
        # Mongo URLs may list several hosts; PyMongo parses them. Keep the parts we display.
        return _parse_mongo(text, scheme)
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError as exc:
        raise UsageError(f"malformed URL {mask_secrets(text)}: {exc}") from None
    host = unquote(parts.hostname) if parts.hostname else None
    params = dict(parse_qsl(parts.query, keep_blank_values=True))
    database = unquote(parts.path.lstrip("/")) or None
    if database and "/" in database:
        raise UsageError(f"malformed URL {mask_secrets(text)}: database name may not contain '/'")
    return ConnectionSpec(
        engine=engine,
        url=text,
        scheme=scheme,
        host=host,
        port=port,
        user=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password is not None else None,
        database=database,
        params=params,
    )


def _parse_mongo(text: str, scheme: str) -> ConnectionSpec:
    rest = text.split("://", 1)[1]
    netloc, _, path = rest.partition("/")
    path, _, query = path.partition("?")
    user = password = None
    if "@" in netloc:
        creds, netloc = netloc.rsplit("@", 1)
        user, _, pw = creds.partition(":")
        user = unquote(user) or None
        password = unquote(pw) if pw else None
    if not netloc:
        raise UsageError(f"malformed URL {mask_secrets(text)}: no host")
    first = netloc.split(",")[0]
    host, _, port_text = first.partition(":")
    port: int | None = None
    if port_text:
        if not port_text.isdigit() or not 0 < int(port_text) < 65536:
            raise UsageError(f"malformed URL {mask_secrets(text)}: bad port {port_text!r}")
        port = int(port_text)
    return ConnectionSpec(
        engine="mongodb",
        url=text,
        scheme=scheme,
        host=host,
        port=port,
        user=user,
        password=password,
        database=unquote(path) or None,
        params=dict(parse_qsl(query, keep_blank_values=True)),
    )
