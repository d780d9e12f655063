"""Every file ordercli writes goes through here (stdlib only).

:func:`write_safely` / :func:`replacing` write a file the way ``shared/design.md``
§3 asks:

1. a temporary file is created **exclusively** in the target's folder: a
   random name, ``O_CREAT | O_EXCL | O_NOFOLLOW``, mode 0600 — nothing planted
   at a guessable name (a file, a symlink) is ever followed or overwritten;
2. the content is written, flushed and fsynced;
3. the temporary file is renamed over the target (``os.replace``, atomic), and
   the folder is fsynced so the rename survives a power cut;
4. on any error (a full disk, Ctrl-C) the temporary file is removed and the
   old target is untouched.

:func:`check_target` refuses, with a one-line :class:`~ordercli.errors.InputError`
(exit 2), a target that exists and is not a regular file (a device such as
``/dev/full``, a FIFO, a folder) or whose folder does not exist. ``-`` means
stdout and is never checked. Commands call it *before* they change anything,
so a bad ``--output`` is refused while nothing is saved yet.

Every file ordercli writes holds customers' data (exports, invoices, the
import's problem list, backups), so the default mode is 0600.
"""

from __future__ import annotations

import errno
import os
import secrets
import stat
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Iterator

from ordercli.errors import InputError
from ordercli.i18n import _

STDOUT = "-"
PRIVATE = 0o600
# Names of this process's standard output: written as `-` is, never replaced by a rename
# (renaming over /dev/stdout would replace the link for the whole machine).
_STDOUT_NAMES = {"/dev/stdout", "/dev/fd/1", "/proc/self/fd/1"}


def is_stdout(path) -> bool:
    return str(path) == STDOUT or str(path) in _STDOUT_NAMES


def _real(target: str | os.PathLike) -> Path:
    """The file a path names, links followed: the temporary file goes next to it and replaces it,
    so a symlink keeps pointing at the (new) file instead of being replaced by a private copy."""
    return Path(os.path.realpath(Path(target).expanduser()))


def check_target(path: str | os.PathLike, *, option: str = "--output", example: str = "orders.csv") -> Path | None:
    """The target as a Path (``None`` for ``-``, stdout); refuse what cannot be replaced safely."""
    if is_stdout(path):
        return None
    target = _real(path)
    shown = str(path)
    try:
        st = os.stat(target)  # follows a symlink: a link to /dev/full is a device
    except FileNotFoundError:
        st = None
    except OSError as e:
        raise InputError(_("Cannot write %(file)s: %(error)s.") % {"file": repr(shown), "error": e.strerror}, _("Choose another %(option)s path.") % {"option": option}) from None
    if st is not None:
        if stat.S_ISDIR(st.st_mode):
            raise InputError(_("%(file)s is a folder.") % {"file": repr(shown)}, _("Give a file name, e.g. %(option)s %(example)s.") % {"option": option, "example": example})
        if not stat.S_ISREG(st.st_mode):
            raise InputError(
                _("%(file)s is not a regular file (a device, a pipe or a socket): it is not replaced.") % {"file": repr(shown)},
                _("Give a file name for %(option)s, or '-' for stdout.") % {"option": option},
            )
    parent = target.parent
    if not parent.is_dir():
        raise InputError(
            _("The folder %(folder)s does not exist.") % {"folder": repr(str(parent))}, _("Create it first, or choose another %(option)s path.") % {"option": option}
        )
    return target


def _create_temp(folder: Path, name: str, mode: int) -> tuple[int, Path]:
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)
    for _attempt in range(100):
        tmp = folder / f".{name}.{secrets.token_hex(8)}.tmp"
        try:
            fd = os.open(tmp, flags, mode)
        except FileExistsError:
            continue
        try:
            os.fchmod(fd, mode)  # exactly this mode, whatever the umask
        except (AttributeError, OSError):  # pragma: no cover - Windows
            pass
        return fd, tmp
    raise FileExistsError(errno.EEXIST, "no free temporary name", str(folder))  # pragma: no cover


def _fsync_folder(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:  # pragma: no cover - Windows cannot open folders
        return
    try:
        os.fsync(fd)
    except OSError as e:  # pragma: no cover - some file systems cannot fsync a folder
        if e.errno not in (errno.EINVAL, errno.ENOTSUP, errno.EBADF):
            raise
    finally:
        os.close(fd)


def _refuse_non_regular(target: Path) -> None:
    """Re-checked at write time (the command's early check may be minutes old)."""
    try:
        st = os.stat(target)
    except FileNotFoundError:
        return
    if not stat.S_ISREG(st.st_mode):
        raise IsADirectoryError(errno.EISDIR, "not a regular file", str(target)) if stat.S_ISDIR(st.st_mode) else OSError(
            errno.EINVAL, "not a regular file", str(target)
        )


@contextmanager
def replacing(target: str | os.PathLike, *, mode: int = PRIVATE) -> Iterator[Path]:
    """Yield the path of a new, empty, private temporary file next to ``target``.

    Whatever the block writes there (e.g. SQLite's backup API) is fsynced and
    renamed over ``target`` when the block ends without error; on error it is
    removed and ``target`` is untouched.
    """
    target = _real(target)
    _refuse_non_regular(target)
    folder = target.parent
    fd, tmp = _create_temp(folder, target.name, mode)
    try:
        os.close(fd)
        yield tmp
        fd = os.open(tmp, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, target)
    except BaseException:
        _remove(tmp)
        raise
    _fsync_folder(folder)


@contextmanager
def write_safely(target: str | os.PathLike, *, binary: bool = False, mode: int = PRIVATE, encoding: str = "utf-8", newline: str | None = "") -> Iterator[IO]:
    """Open ``target`` for writing, safely: yields a text (or binary) file; ``-`` is stdout.

    The content reaches ``target`` only when the block ends without error
    (temp file, fsync, rename, folder fsync); otherwise the old file stays as
    it was and the temporary file is gone.
    """
    if is_stdout(target):
        out = sys.stdout.buffer if binary else sys.stdout
        yield out
        out.flush()
        return
    target = _real(target)
    _refuse_non_regular(target)
    folder = target.parent
    fd, tmp = _create_temp(folder, target.name, mode)
    try:
        f = os.fdopen(fd, "wb") if binary else os.fdopen(fd, "w", encoding=encoding, newline=newline)
        with f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, target)
    except BaseException:
        _remove(tmp)
        raise
    _fsync_folder(folder)


def write_bytes_safely(target: str | os.PathLike, data: bytes, *, mode: int = PRIVATE) -> None:
    with write_safely(target, binary=True, mode=mode) as f:
        f.write(data)


def _remove(tmp: Path) -> None:
    try:
        os.unlink(tmp)
    except FileNotFoundError:
        pass
    except OSError:  # pragma: no cover - nothing more we can do; the target is untouched
        pass
