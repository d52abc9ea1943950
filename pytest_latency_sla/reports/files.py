"""Where a report may be written, and writing it: one set of rules for every file the plugin
writes (``--latency-json``, ``--latency-md``, ``--latency-html`` and any later one).

- A **regular file, or a missing one**, is written atomically: a temporary file beside it, then
  a rename, so a reader never sees half a report. A new file gets the mode the umask gives (0644
  under 022), as ``open()`` and pytest's own ``--junitxml`` give it; an existing file keeps its
  mode (and its owner and group, where this process may set them).
- A **symbolic link is followed**, on purpose, and never replaced: what it points to is written
  by these same rules (a link to a file replaces that file atomically; a link to a device or to
  ``/proc/self/fd/1`` writes through). A dangling link creates its target, as ``open()`` would.
- A **character device** (``/dev/null``, ``/dev/tty``) is written in place: opened and written,
  never renamed over (as root, a rename would replace the device node with a regular file).
- **This process's own streams** (``/dev/stdout``, ``/dev/stderr``, ``/dev/fd/N``,
  ``/proc/self/fd/N``, or a link to one) are written to that file descriptor, whatever it is
  open on: a terminal, a pipe, or a log file whose offset the stream shares.
- **Anything else** (a directory, a FIFO, a socket, a block device) is refused with
  ``ReportPathError``: at start, by the settings, so the session stops before measuring.

``check_target`` applies the rules without writing (the settings call it at start);
``write_report`` applies them again at the end (the file system may have changed since) and
writes. Every refusal is worded in ``messages.files``.
"""

from __future__ import annotations

import errno
import os
import re
import secrets
import stat
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from ..messages.files import (
    report_path_cannot_write,
    report_path_empty,
    report_path_name_too_long,
    report_path_no_home,
    report_path_not_writable,
    report_path_refused,
    report_path_stream_closed,
    report_path_under_a_file,
)

__all__ = ["ReportPathError", "Target", "check_target", "report_path", "write_report"]

TargetKind = Literal["file", "device", "stream"]
# Symbolic links followed before giving up (the kernel's own limit is 40).
_MAX_LINKS = 40
# The temporary file's name keeps at most this much of the report's name: a report name near
# the 255-byte limit must not make its temporary name too long to create.
_TMP_NAME_KEEP = 64
_FD_ALIAS = re.compile(r"^/(?:dev/fd|proc/(?:self|thread-self|(?P<pid>\d+))/fd)/(?P<fd>\d+)$")
_STD_STREAMS = {"/dev/stdout": 1, "/dev/stderr": 2}


class ReportPathError(OSError):
    """A report path that the rules refuse, or that cannot be written. ``message`` is the whole
    sentence for the user (it names the path); ``reason`` only why, for a line that names the
    report already."""

    def __init__(self, message: str, reason: str) -> None:
        super().__init__(message)
        self.message = message
        self.reason = reason

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True)
class Target:
    """Where a report goes: ``kind`` "file" (atomic write at ``path``, links followed), "device"
    (written in place at ``path``) or "stream" (written to this process's descriptor ``fd``)."""

    kind: TargetKind
    path: Path
    fd: int | None = None


def report_path(raw: str, base: Path) -> Path:
    """The absolute path a user gave (``~`` and ``~user`` expanded, relative to ``base``).
    Raises ``ReportPathError`` for an empty value, an unknown ``~user`` or a name too long for
    the file system."""
    text = str(raw).strip()
    if not text:
        raise ReportPathError(*report_path_empty(raw))
    try:
        path = Path(text).expanduser()
    except RuntimeError:  # "Could not determine home directory" for an unknown ~user
        raise ReportPathError(*report_path_no_home(text)) from None
    path = base / path
    too_long = [part for part in path.parts if len(os.fsencode(part)) > _name_max(path)]
    if too_long:
        raise ReportPathError(*report_path_name_too_long(str(path), len(too_long[0])))
    return path


def check_target(path: Path, *, create_dirs: bool = False) -> Target:
    """Where ``path`` would be written, by the rules of this module; ``create_dirs`` makes a
    missing directory of a new file now. Raises ``ReportPathError`` for a path the rules refuse
    or that this process cannot write (checked with a real write probe: ``os.access`` says yes
    to root even on a read-only file system)."""
    shown = str(path)
    current = Path(os.path.abspath(path))
    for _ in range(_MAX_LINKS):
        fd = _own_stream(str(current))
        if fd is not None:
            return _stream(shown, fd)
        try:
            st = os.lstat(current)
        except FileNotFoundError:
            _check_directory(shown, current, create_dirs)
            return Target("file", current)
        except OSError as error:
            raise _cannot_write(shown, current, error) from None
        if stat.S_ISLNK(st.st_mode):
            current = current.parent / os.readlink(current)
            current = Path(os.path.abspath(current))
            continue
        if stat.S_ISREG(st.st_mode):
            _check_directory(shown, current, create_dirs=False)
            if not os.access(current, os.W_OK):
                raise ReportPathError(*report_path_not_writable(shown))
            return Target("file", current)
        if stat.S_ISCHR(st.st_mode):
            return Target("device", current)
        raise ReportPathError(*report_path_refused(shown, str(current), _kind(st.st_mode)))
    raise ReportPathError(*report_path_cannot_write(shown, "too many symbolic links"))


def write_report(path: Path, text: str) -> Path:
    """Write ``text`` (UTF-8) to ``path`` by the rules of this module; returns ``path``.
    Raises ``OSError`` (``ReportPathError`` for a refused path) when it cannot be written."""
    target = check_target(Path(path))
    data = text.encode("utf-8")
    if target.kind == "stream":
        assert target.fd is not None
        _write_stream(target.fd, data)
    elif target.kind == "device":
        with open(target.path, "wb") as fh:  # a device ignores O_TRUNC; nothing is renamed
            fh.write(data)
    else:
        _write_atomic(target.path, data)
    return Path(path)


def _write_atomic(path: Path, data: bytes) -> None:
    try:
        existing: os.stat_result | None = os.stat(path)
    except FileNotFoundError:
        existing = None
    fd, tmp = _create_temporary(path)
    try:
        with os.fdopen(fd, "wb") as fh:
            if existing is not None:
                _keep_owner_and_mode(fh.fileno(), existing)
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def _create_temporary(path: Path) -> tuple[int, str]:
    """A new temporary file beside ``path``, created with mode 0666 so that the umask decides
    its mode, as it does for any file a program creates (``mkstemp`` would make it 0600)."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)
    for _ in range(100):
        tmp = path.parent / f".{path.name[:_TMP_NAME_KEEP]}.{secrets.token_hex(4)}.tmp"
        try:
            return os.open(tmp, flags, 0o666), str(tmp)
        except FileExistsError:
            continue
    raise FileExistsError(errno.EEXIST, "no free temporary file name", str(path.parent))


def _keep_owner_and_mode(fd: int, existing: os.stat_result) -> None:
    if hasattr(os, "fchown") and (existing.st_uid, existing.st_gid) != (
        os.geteuid(),
        os.getegid(),
    ):
        try:
            os.fchown(fd, existing.st_uid, existing.st_gid)
        except OSError:  # not ours to give away: the new file stays this process's
            pass
    os.fchmod(fd, stat.S_IMODE(existing.st_mode))


def _write_stream(fd: int, data: bytes) -> None:
    for stream in (sys.stdout, sys.stderr):  # what Python buffered goes out first
        try:
            if stream is not None:
                stream.flush()
        except (AttributeError, ValueError, OSError):
            pass
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _own_stream(path: str) -> int | None:
    """The file descriptor ``path`` names in this process (``/dev/stdout``, ``/dev/fd/1``,
    ``/proc/self/fd/1``, ``/proc/<this pid>/fd/1``), or ``None``."""
    if path in _STD_STREAMS:
        return _STD_STREAMS[path]
    match = _FD_ALIAS.match(path)
    if match is None or (match["pid"] is not None and int(match["pid"]) != os.getpid()):
        return None
    return int(match["fd"])


def _stream(shown: str, fd: int) -> Target:
    try:
        os.fstat(fd)
    except OSError:
        raise ReportPathError(*report_path_stream_closed(shown, fd)) from None
    return Target("stream", Path(shown), fd)


def _check_directory(shown: str, path: Path, create_dirs: bool) -> None:
    """The directory of a (new or existing) file can take a new file: the atomic write creates
    one beside it."""
    blocker = next((p for p in path.parents if p.exists() and not p.is_dir()), None)
    if blocker is not None:
        raise ReportPathError(*report_path_under_a_file(shown, str(blocker)))
    try:
        if create_dirs:
            path.parent.mkdir(parents=True, exist_ok=True)
        fd, probe = _create_temporary(path)
        os.close(fd)
        os.unlink(probe)
    except OSError as error:
        raise _cannot_write(shown, path, error) from None


def _cannot_write(shown: str, path: Path, error: OSError) -> ReportPathError:
    if error.errno == errno.ENOTDIR:
        blocker = next((p for p in path.parents if p.exists() and not p.is_dir()), None)
        if blocker is not None:
            return ReportPathError(*report_path_under_a_file(shown, str(blocker)))
    return ReportPathError(*report_path_cannot_write(shown, error.strerror or str(error)))


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "directory"
    if stat.S_ISFIFO(mode):
        return "FIFO"
    if stat.S_ISSOCK(mode):
        return "socket"
    if stat.S_ISBLK(mode):
        return "block device"
    return "special file"


def _name_max(path: Path) -> int:
    """The longest file name (bytes) the file system takes; 255 where it cannot say."""
    for directory in (path, *path.parents):
        try:
            return int(os.pathconf(directory, "PC_NAME_MAX"))
        except (OSError, ValueError, AttributeError):
            continue
    return 255
