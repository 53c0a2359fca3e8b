"""Passwords outside the URL's text: asked for at a terminal, and kept out of the process's argv.

- ``connect_prompting(spec, attempt)``: when the server wants a password and none was given
  (``PasswordNeeded``) and standard input is a terminal, ask once with ``getpass`` (no echo, on the
  terminal itself) and try again; without a terminal the error's hint says where a password goes
  safely (.pgpass, PGPASSWORD, ~/.my.cnf, MYSQL_PWD).
- ``scrub_argv(argv)``: ``ps`` shows every user each process's arguments (``/proc/PID/cmdline`` is
  world-readable), so ``dbscope mysql://root:secret@db`` would publish the password. Python 3.11+ has
  no supported way to rewrite argv in place (``Py_GetArgcArgv`` is deprecated and gives a copy, not
  the kernel's memory), so on Linux ``main()`` re-executes the same interpreter at once with each URL's
  password replaced by ``***`` and hands the original arguments over through an inherited pipe: its
  descriptor number travels in ``DBSCOPE_ARGV_FD``, the arguments never appear in the environment.
  The same process (same PID) reads them back and closes the pipe. The window: from ``exec`` of
  dbscope until that re-exec, the time Python needs to start and import ``tui.cli`` (about 30 ms on
  this machine class), the password is in the original argv, as it is for the mysql client until
  it overwrites its argv. Elsewhere, or when the re-exec is impossible, dbscope carries on as before.

Nothing here imports Textual or a driver.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, TypeVar
from urllib.parse import quote, unquote

from tui.core.errors import PasswordNeeded

if TYPE_CHECKING:
    from tui.core.connspec import ConnectionSpec

T = TypeVar("T")
ARGV_FD_ENV = "DBSCOPE_ARGV_FD"
_MAX_PAYLOAD = 60_000  # fits a pipe's buffer (64 KiB on Linux): written before exec, without a reader
# scheme://user:PASSWORD@ — the user part may be empty; the password runs to the last '@' of the
# authority (an unencoded '@' in a password is common enough), never past '/', '?' or '#'.
_URL_PASSWORD = re.compile(r"^(?P<head>[a-z][a-z0-9+.-]*://[^:/?#@]*:)(?P<pw>[^/?#]*)(?P<tail>@[^@]*)$", re.I)
_QUERY_PASSWORD = re.compile(r"(?P<head>[?&]password=)(?P<pw>[^&#]*)", re.I)


# -- the prompt -----------------------------------------------------------------------------------------
def can_prompt() -> bool:
    """A person can answer: standard input is a terminal."""
    try:
        return sys.stdin is not None and sys.stdin.isatty()
    except (ValueError, OSError):  # closed or detached
        return False


def ask_password(spec: ConnectionSpec) -> str | None:
    """The password typed at the terminal (not echoed), or None: no terminal, nothing typed, ctrl+c
    or ctrl+d."""
    if not can_prompt():
        return None
    import getpass

    try:
        password = getpass.getpass(f"Password for {spec.display}: ")
    except (EOFError, KeyboardInterrupt, OSError):
        sys.stderr.write("\n")
        return None
    return password or None


def connect_prompting(
    spec: ConnectionSpec,
    attempt: Callable[[ConnectionSpec], T],
    ask: Callable[[ConnectionSpec], str | None] = ask_password,
) -> T:
    """``attempt(spec)``; when it raises ``PasswordNeeded`` and ``spec`` has no password, ask for one
    (``ask``) and attempt once more with it. A wrong password then fails as authentication does."""
    try:
        return attempt(spec)
    except PasswordNeeded:
        if spec.password:
            raise
        password = ask(spec)
        if not password:
            raise
    spec.password = password
    return attempt(spec)


# -- URL text ------------------------------------------------------------------------------------------
def split_url_password(url: str) -> tuple[str, str | None]:
    """``url`` without the password in its authority, and that password (percent-decoded), or None
    when it holds none: what the connect dialog moves out of the visible URL field."""
    match = _URL_PASSWORD.match(url)
    if not match or not match["pw"]:
        return url, None
    without = f"{match['head'][:-1]}{match['tail']}"
    return without, unquote(match["pw"])


def join_url_password(url: str, password: str) -> str:
    """``url`` with ``password`` (percent-encoded) put into its authority; the URL itself when it has
    no authority to put it in (``postgresql:///db`` keeps its socket form, the password is added as a
    ``user:password@`` with an empty user)."""
    if not password:
        return url
    scheme, sep, rest = url.partition("://")
    if not sep:
        return url
    authority_end = min((i for i in (rest.find(c) for c in "/?#") if i >= 0), default=len(rest))
    authority, tail = rest[:authority_end], rest[authority_end:]
    user, at, host = authority.rpartition("@")
    if not at:
        user, host = "", authority
    user = user.split(":", 1)[0]
    return f"{scheme}://{user}:{quote(password, safe='')}@{host}{tail}"


# -- argv -----------------------------------------------------------------------------------------------
def scrub_arg(arg: str) -> str:
    """``arg`` with a URL's password replaced by ``***`` (the argument itself when it holds none)."""
    match = _URL_PASSWORD.match(arg)
    if match and match["pw"] and match["pw"] != "***":
        arg = f"{match['head']}***{match['tail']}"
    return _QUERY_PASSWORD.sub(lambda m: f"{m['head']}***" if m["pw"] else m[0], arg)


def scrub_argv(args: Sequence[str], *, environ: dict[str, str] | None = None) -> list[str]:
    """Called first by ``main()`` with ``sys.argv[1:]``. Returns the arguments to use: the original
    ones, read back after the re-exec. Re-executes (and does not return) when an argument holds a
    password and this is Linux; returns ``args`` unchanged when there is nothing to hide or the
    re-exec cannot be done."""
    env = os.environ if environ is None else environ
    fd_text = env.pop(ARGV_FD_ENV, None)
    if fd_text is not None:
        return _read_back(list(args), fd_text)
    scrubbed = [scrub_arg(a) for a in args]
    if scrubbed == list(args) or not sys.platform.startswith("linux"):
        return list(args)
    _reexec(list(args), scrubbed)
    return list(args)  # the re-exec was not possible: carry on as before


def _read_back(args: list[str], fd_text: str) -> list[str]:
    try:
        fd = int(fd_text)
        with os.fdopen(fd, "rb") as source:
            payload = source.read(_MAX_PAYLOAD + 1)
        originals = {int(k): v for k, v in json.loads(payload.decode("ascii")).items()}
    except (ValueError, OSError, UnicodeError, AttributeError):
        return args
    restored = list(args)
    for index, original in originals.items():
        # Only where the scrubbed argument still stands: never trust the pipe beyond that.
        if 0 <= index < len(restored) and scrub_arg(original) == restored[index]:
            restored[index] = original
    return restored


def _reexec(args: list[str], scrubbed: list[str]) -> None:
    orig = list(getattr(sys, "orig_argv", []) or [])
    if not orig or len(orig) < len(args) or (args and orig[len(orig) - len(args) :] != args):
        return  # not started from a command line we can repeat (embedded, a frozen binary…)
    prefix = orig[: len(orig) - len(args)]
    originals = {str(i): a for i, (a, s) in enumerate(zip(args, scrubbed, strict=True)) if a != s}
    payload = json.dumps(originals).encode("ascii")  # ensure_ascii: surrogate escapes survive
    if len(payload) > _MAX_PAYLOAD:
        return
    script = sys.argv[0] if sys.argv else ""
    if len(prefix) == 2 and prefix[1] == script and os.access(script, os.X_OK) and _has_shebang(script):
        # The console script (#!…/python): run it again, so ps and pgrep still say "dbscope".
        executable, new_argv = script, [script, *scrubbed]
    else:
        executable, new_argv = sys.executable, [*prefix, *scrubbed]
    if not executable:
        return
    try:
        read_end, write_end = os.pipe()
    except OSError:
        return
    try:
        os.set_blocking(write_end, False)
        if os.write(write_end, payload) != len(payload):
            raise OSError("short write")
        os.close(write_end)
        write_end = -1
        os.set_inheritable(read_end, True)
        env = dict(os.environ)
        env[ARGV_FD_ENV] = str(read_end)
        sys.stdout.flush()
        sys.stderr.flush()
        os.execve(executable, new_argv, env)
    except OSError:
        pass
    for fd in (read_end, write_end):
        if fd >= 0:
            with contextlib.suppress(OSError):
                os.close(fd)


def _has_shebang(path: str) -> bool:
    try:
        with open(path, "rb") as handle:
            return handle.read(2) == b"#!"
    except OSError:
        return False
