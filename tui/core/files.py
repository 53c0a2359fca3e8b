"""Files dbscope reads because a URL or the config names them, and files it writes for the user.

Reading: a URL is input from anywhere (a ticket, a chat, a script), so a file it names is checked
before a byte is read: a regular file only (no device such as ``/dev/zero``, no FIFO that blocks, no
socket, no directory, nothing under ``/proc`` or ``/sys``, whose sizes lie), at most ``limit`` bytes
by ``fstat`` on the opened descriptor AND by a bounded read (``st_size`` is 0 for ``/proc`` files and
a file can grow between the two). Opening never blocks (``O_NONBLOCK``: a FIFO without a writer would
wait forever) and never makes a terminal the controlling one (``O_NOCTTY``).
``check_file`` does the same checks without reading, for files a driver reads itself (libpq's
``sslrootcert``, PyMongo's ``tlsCAFile``).

Writing: ``private_fd`` / ``write_private_text`` create files readable by the user alone (0600, in a
0700 directory when dbscope creates it), whatever the umask: exported DDL, rows and reports are the
database's data, on hosts others log in to.

Every refusal is a ``UsageError`` (exit status 2) with a one-line message naming the file, never its
content.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
from pathlib import Path

from tui.core import termsafe
from tui.core.errors import UsageError
from tui.core.fmt import size as _size

KIB = 1024
MIB = 1024 * KIB
OPTION_FILE_LIMIT = 1 * MIB  # my.cnf, pg_service.conf, .pgpass, the config file: a few KiB in practice
TLS_FILE_LIMIT = 16 * MIB  # CA bundles (~200 KiB) and CRLs (a few MiB for a large CA)
_CHUNK = 64 * KIB
_PSEUDO_ROOTS = ("/proc", "/sys")


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def _pseudo_devices() -> set[int]:
    devices = set()
    for root in _PSEUDO_ROOTS:
        with contextlib.suppress(OSError):
            devices.add(os.stat(root).st_dev)
    return devices


def _on_pseudo_fs(path: str, st: os.stat_result) -> bool:
    """A file of /proc or /sys (kernel-generated: its size says 0 and its content is anything)."""
    real = os.path.realpath(path)
    if any(real == root or real.startswith(root + "/") for root in _PSEUDO_ROOTS):
        return True
    return st.st_dev in _pseudo_devices()


def shown(path: str | os.PathLike[str], width: int = 160) -> str:
    """A path for a one-line message: control characters escaped, a very long one shortened."""
    return termsafe.shortened(os.fspath(path), width)


def world_writable(st: os.stat_result) -> bool:
    return bool(st.st_mode & stat.S_IWOTH)


def _check(name: str, st: os.stat_result, what: str, limit: int) -> None:
    path = shown(name)
    if not stat.S_ISREG(st.st_mode):
        raise UsageError(f"{what} {path} is {_kind(st.st_mode)}, not a regular file")
    if _on_pseudo_fs(name, st):
        raise UsageError(f"{what} {path} is a kernel file (/proc or /sys), not a regular file")
    if st.st_size > limit:
        raise UsageError(f"{what} {path} is {_size(st.st_size)}, more than the {_size(limit)} allowed")


def _open_error(name: str, what: str, exc: OSError) -> UsageError:
    reason = {
        errno.ENOENT: "does not exist",
        errno.EACCES: "cannot be read (permission denied)",
        errno.EPERM: "cannot be read (permission denied)",
        errno.ELOOP: "is a symbolic link loop",
        errno.ENXIO: "is not a regular file",
        errno.ENOTDIR: "does not exist (a part of its path is not a directory)",
        errno.ENAMETOOLONG: "has a name that is too long",
    }.get(exc.errno or 0, f"cannot be read ({exc.strerror or 'error'})")
    return UsageError(f"{what} {shown(name)} {reason}")


def check_file(
    path: str | os.PathLike[str], *, what: str, limit: int = TLS_FILE_LIMIT, missing_ok: bool = False
) -> os.stat_result | None:
    """The checks of ``read_bounded`` without reading (symbolic links followed): for a file that a
    driver opens itself. ``missing_ok``: None for a path that does not exist (the driver says what
    that means: an optional client certificate, or a required one)."""
    name = os.fspath(path)
    if missing_ok and "\0" not in name and not os.path.lexists(name):
        return None
    try:
        st = os.stat(name)
    except ValueError:  # an embedded NUL
        raise UsageError(f"{what} name contains a NUL character") from None
    except OSError as exc:
        raise _open_error(name, what, exc) from None
    _check(name, st, what, limit)
    return st


def read_bounded(
    path: str | os.PathLike[str], *, what: str, limit: int = OPTION_FILE_LIMIT
) -> tuple[bytes, os.stat_result]:
    """The whole content of a regular file of at most ``limit`` bytes, and its ``fstat``.

    Raises UsageError naming ``what`` and the path for anything else: missing, unreadable, not a
    regular file (symbolic links are followed, and the file they reach is what is checked), or too big.
    Memory use is bounded by ``limit`` whatever the file claims or does."""
    name = os.fspath(path)
    flags = os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(name, flags)
    except ValueError:
        raise UsageError(f"{what} name contains a NUL character") from None
    except OSError as exc:
        raise _open_error(name, what, exc) from None
    try:
        st = os.fstat(fd)
        _check(name, st, what, limit)
        chunks: list[bytes] = []
        total = 0
        while total <= limit:
            try:
                chunk = os.read(fd, min(_CHUNK, limit + 1 - total))
            except BlockingIOError:
                raise UsageError(f"{what} {shown(name)} is not a regular file") from None
            except OSError as exc:
                raise _open_error(name, what, exc) from None
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
        if total > limit:
            raise UsageError(f"{what} {shown(name)} is more than the {_size(limit)} allowed")
        return b"".join(chunks), st
    finally:
        os.close(fd)


def read_bounded_text(path: str | os.PathLike[str], *, what: str, limit: int = OPTION_FILE_LIMIT) -> str:
    """``read_bounded`` decoded as UTF-8; a file that is not UTF-8 text is refused (no content shown)."""
    data, _ = read_bounded(path, what=what, limit=limit)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UsageError(f"{what} {shown(path)} is not UTF-8 text (byte {exc.start:,})") from None


# -- writing ---------------------------------------------------------------------------------------------
def private_dir(folder: Path) -> Path:
    """``folder`` created (with its parents) as 0700 when missing; an existing one is left as it is."""
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    return folder


def private_fd(path: Path, *, exclusive: bool = False, append: bool = False) -> int:
    """A file descriptor open for writing on ``path``, mode 0600 whatever the umask (an existing file is
    truncated, or appended to, and set to 0600 too). ``exclusive``: fail when it exists."""
    private_dir(path.parent)
    flags = os.O_WRONLY | os.O_CREAT | getattr(os, "O_CLOEXEC", 0)
    flags |= os.O_EXCL if exclusive else 0
    flags |= os.O_APPEND if append else os.O_TRUNC
    fd = os.open(path, flags, 0o600)
    try:
        os.fchmod(fd, 0o600)
    except OSError:
        os.close(fd)
        raise
    return fd


def write_private_text(path: Path, text: str, *, exclusive: bool = False) -> Path:
    """Write ``text`` (UTF-8) to ``path`` readable by the user alone; returns ``path``."""
    with os.fdopen(private_fd(path, exclusive=exclusive), "w", encoding="utf-8") as handle:
        handle.write(text)
    return path
