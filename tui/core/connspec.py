"""Connection specs: parse a URL into engine + parts, mask its password, and name the supported schemes.

Parsing is strict and never echoes a password back: every error message uses the masked URL.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, unquote, urlsplit

from tui.core import termsafe
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


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_HOST_HINT = "each dot-separated part of a host name has 1 to 63 letters, digits or hyphens"


def _shown(text: str, width: int = 60) -> str:
    """A URL part for a message: control characters escaped, a long one shortened."""
    return termsafe.shortened(text, width)


def _check_text(text: str) -> None:
    """The URL as a whole: UTF-8 text without control characters (no position past the scheme shown:
    it may be inside the password)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        # An argument that was not UTF-8 reaches Python as surrogate escapes.
        raise UsageError(
            "the connection URL is not valid UTF-8 text",
            hint="percent-encode each byte of a non-ASCII name as UTF-8 (ä is %C3%A4)",
        ) from None
    if _CONTROL.search(text):
        raise UsageError(
            "the connection URL contains a control character (a tab, a line break, an escape…)",
            hint="percent-encode it, or leave it out",
        )


def _decoded(value: str | None, part: str, *, password: bool = False) -> str | None:
    """A percent-decoded URL part; invalid UTF-8 or a control character in it is a UsageError that
    names the part, never its value when it is the password."""
    if value is None:
        return None
    try:
        decoded = unquote(value, errors="strict")
    except UnicodeDecodeError:
        raise UsageError(
            f"the URL's {part} is not valid UTF-8 once percent-decoded",
            hint="percent-encode each byte of a non-ASCII character as UTF-8 (ä is %C3%A4)",
        ) from None
    bad = "\x00" in decoded if password else bool(_CONTROL.search(decoded))
    if bad:
        raise UsageError(f"the URL's {part} contains a control character once percent-decoded")
    return decoded


def check_host_name(host: str) -> None:
    """UsageError unless ``host`` is a host name the resolver accepts, an IP address or a socket path
    (what Python's resolver would otherwise report as ``UnicodeError: encoding with 'idna' codec``)."""
    if not host or host.startswith("/") or host.startswith("@"):
        return
    if ":" in host:  # an IPv6 address (urlsplit has checked the brackets)
        return
    try:
        host.encode("idna")
    except UnicodeError:
        raise UsageError(f"host name {_shown(host)!r} is not valid", hint=_HOST_HINT) from None
    if len(host) > 253:
        raise UsageError(f"host name {_shown(host)!r} is longer than 253 characters", hint=_HOST_HINT)


def _port_error(url: str, netloc: str, exc: ValueError) -> UsageError:
    where = f"malformed URL {_shown(mask_secrets(url), 200)}"
    hostinfo = netloc.rpartition("@")[2]
    port_text = (
        hostinfo.rpartition("]")[2].partition(":")[2] if "]" in hostinfo else hostinfo.partition(":")[2]
    )
    text = str(exc)
    if "out of range" in text:
        return UsageError(f"{where}: port {_shown(port_text)} is out of range (1 to 65,535)")
    if "cast to integer" in text or "Port" in text:
        return UsageError(f"{where}: port {_shown(port_text)!r} is not a number")
    if "IPv6" in text and "[" in hostinfo and "]" not in hostinfo:
        return UsageError(f"{where}: the host's '[' (an IPv6 address) is not closed by ']'")
    if "does not appear to be an IPv4 or IPv6 address" in text:
        inside = hostinfo.partition("[")[2].partition("]")[0]
        return UsageError(f"{where}: [{_shown(inside)}] is not an IPv6 address")
    return UsageError(f"{where}: {mask_secrets(text)}")


def parse_url(url: str) -> ConnectionSpec:
    """Parse ``url`` or raise UsageError naming what is wrong (the password masked)."""
    text = url.strip()
    if not text:
        raise UsageError("empty connection URL", hint=f"supported schemes: {SUPPORTED_SCHEMES_TEXT}")
    _check_text(text)
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
        parts = whole = urlsplit(text)
        netloc = parts.netloc
        if engine == "postgresql" and "," in netloc.rpartition("@")[2]:
            # libpq's multi-host form (h1:5432,h2:5433): libpq parses it; the first host is displayed.
            first = netloc.rpartition("@")[2].split(",")[0]
            parts = urlsplit(f"{scheme}://{netloc.rpartition('@')[0]}{'@' if '@' in netloc else ''}{first}")
        port = parts.port
        hostname = parts.hostname
        path, query = whole.path, whole.query
    except ValueError as exc:
        authority = re.split(r"[/?#]", text.split("://", 1)[1], maxsplit=1)[0]
        raise _port_error(text, authority, exc) from None
    host = _decoded(hostname, "host")
    try:
        params = dict(parse_qsl(query, keep_blank_values=True, errors="strict"))
    except UnicodeDecodeError:
        raise UsageError("the URL's options (after ?) are not valid UTF-8 once percent-decoded") from None
    for name, value in params.items():
        if name.lower() in ("password", "passfile") or not _CONTROL.search(name + value):
            continue
        raise UsageError(f"the URL option {_shown(name)!r} contains a control character")
    for candidate in [host or "", *params.get("host", "").split(",")]:
        check_host_name(candidate)
    database = _decoded(path.lstrip("/"), "database name") or None
    if database and "/" in database:
        raise UsageError(f"malformed URL {mask_secrets(text)}: database name may not contain '/'")
    return ConnectionSpec(
        engine=engine,
        url=text,
        scheme=scheme,
        host=host,
        port=port,
        user=_decoded(parts.username, "user name") or None,
        password=_decoded(parts.password, "password", password=True),
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
        user = _decoded(user, "user name") or None
        password = _decoded(pw, "password", password=True) if pw else None
    if not netloc:
        raise UsageError(f"malformed URL {mask_secrets(text)}: no host")
    port: int | None = None
    host = ""
    for index, member in enumerate(netloc.split(",")):
        if member.startswith("["):
            name, _, rest = member[1:].partition("]")
            port_text = rest[1:] if rest.startswith(":") else ""
        else:
            name, _, port_text = member.partition(":")
        name = _decoded(name, "host") or ""
        if not name.endswith(".sock"):
            check_host_name(name)
        if port_text and (not port_text.isdigit() or not 0 < int(port_text) < 65536):
            shown = _shown(port_text)
            reason = "is out of range (1 to 65,535)" if port_text.isdigit() else "is not a number"
            raise UsageError(f"malformed URL {mask_secrets(text)}: port {shown!r} {reason}")
        if index == 0:
            host, port = name, int(port_text) if port_text else None
    try:
        params = dict(parse_qsl(query, keep_blank_values=True, errors="strict"))
    except UnicodeDecodeError:
        raise UsageError("the URL's options (after ?) are not valid UTF-8 once percent-decoded") from None
    return ConnectionSpec(
        engine="mongodb",
        url=text,
        scheme=scheme,
        host=host,
        port=port,
        user=user,
        password=password,
        database=_decoded(path, "database name") or None,
        params=params,
    )
