"""Crash isolation: warm-up and sampling run in a forked child; the parent judges.

Only what the verdict needs travels back over a pipe: the raw measurement of ``collect`` (the
samples, the sequential decisions, the warm-up count, the gc count and the duration). The
parent judges it as it judges an in-process measurement, so a crash of the measured call (a
segfault in a native library, an abort, ``os._exit``, the OOM killer) ends only the child, and
the parent can say how it ended.
"""

from __future__ import annotations

import faulthandler
import os
import pickle
import select
import signal
import sys
import tempfile
import traceback
import warnings
from collections.abc import Callable
from typing import IO, TYPE_CHECKING, Any, NoReturn

from ..messages.errors import child_timed_out, crash_with_trace, crashed, isolation_unavailable
from .clock import REAL_SLEEP, Deadline
from .collect import MeasureSpec, collect
from .sampler import attach_call, attach_partial, call_of, partial_of
from .target import Pair, Target

if TYPE_CHECKING:
    from .capacity import CapacitySearch
    from .compare import Comparison
    from .load.schedule import LoadRun
    from .sampler import Sampling

__all__ = [
    "STOP_WAIT_S",
    "ChildCrashed",
    "ChildTimedOut",
    "IsolatedCallError",
    "IsolationUnavailable",
    "RemoteTraceback",
    "child_deadline_s",
    "kill_children",
    "run_isolated",
]

# The child may take twice the sampling budget (warm-up and one slow last call included) plus
# this much for fork, imports and warm-up before it is treated as hung and killed.
GRACE_S = 10.0
# Lines of the child's faulthandler dump kept in a crash message: the innermost frames come
# first, and those name the crashing call; the rest is pytest's own call stack.
CRASH_TRACE_LINES = 12
# Exit status of a child whose own machinery (not the measured call) failed to report.
_CHILD_BROKEN = 70
# Python 3.12+ warns when a process with threads forks; see ``_fork`` for why that is handled.
_PACKAGE = __name__.split(".")[0]
_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep
_FORK_WARNING = r"This process \(pid=\d+\) is multi-threaded, use of fork\(\) may lead to deadlocks"


class IsolationUnavailable(Exception):
    """This platform cannot fork; an isolated measurement is skipped with this reason."""


class ChildCrashed(Exception):
    """The isolated child died before it reported: a signal, or an exit code of its own."""

    def __init__(self, how: str, trace: str = "") -> None:
        self.how = how
        self.trace = trace
        super().__init__(crashed(how))

    def message(self) -> str:
        """The failure text: the one-line cause, then the child's crash traceback if any."""
        return crash_with_trace(self.how, self.trace)


class ChildTimedOut(Exception):
    """The isolated child ran past its deadline and was killed."""


class RemoteTraceback(Exception):
    """The traceback text of an exception raised in the isolated child (its ``__cause__``)."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = text

    def __str__(self) -> str:
        return f"\n'''\n{self.text}'''"


class IsolatedCallError(Exception):
    """An exception from the child that could not be sent back as itself (not picklable)."""


def child_deadline_s(max_time: float) -> float:
    """Seconds after the fork at which a child that has not finished is killed (``max_time``:
    the measurement's time limit, a capacity search's ``capacity_time``)."""
    return 2.0 * max_time + GRACE_S


def run_isolated(
    target: Target | Pair, spec: MeasureSpec
) -> Sampling | LoadRun | Comparison | CapacitySearch:
    """Warm up and sample ``target`` (both calls of a ``Pair``) in a forked child; return its
    raw measurement.

    Raises ``IsolationUnavailable`` without ``os.fork``, ``ChildCrashed`` or ``ChildTimedOut``
    when the child ends badly, and the measured call's own exception (its child traceback as
    ``__cause__``) when the call raised. Interrupted while waiting (a timeout, Ctrl-C), it
    stops the child, keeps the samples the child had taken on the interrupt
    (``sampler.attach_partial``) and re-raises it unchanged. The child never outlives this
    process: on Linux the kernel kills it when its parent dies (``PR_SET_PDEATHSIG``).
    """
    __tracebackhide__ = True
    if not hasattr(os, "fork"):
        raise IsolationUnavailable(isolation_unavailable(sys.platform))
    deadline_s = child_deadline_s(spec.time_limit)
    set_death_signal = _death_signal_setter()
    parent = os.getpid()
    read_fd, write_fd = os.pipe()
    chunks: list[bytes] = []
    with tempfile.TemporaryFile() as crash_log:
        # Empty the stdio buffers first: the child then starts with nothing to write twice.
        _flush_std_streams()
        pid = _fork()
        if pid == 0:
            os.close(read_fd)
            _child(target, spec, write_fd, crash_log, parent, set_death_signal)
        _LIVE_CHILDREN.add(pid)
        os.close(write_fd)
        deadline = Deadline(deadline_s)
        try:
            finished = _read_all(read_fd, deadline, chunks)
            status = _wait(pid, deadline) if finished else None
        except BaseException as error:  # interrupted while waiting: leave no child behind
            partial = _stop(pid, read_fd, chunks)
            if partial is not None and not isinstance(error, Exception):
                attach_partial(error, partial)
            raise
        finally:
            os.close(read_fd)
            _LIVE_CHILDREN.discard(pid)
        if status is None:
            _kill(pid)
            setting = "max_time" if spec.capacity is None or spec.once else "capacity_time"
            limit = spec.time_limit
            raise ChildTimedOut(child_timed_out(deadline_s, limit, GRACE_S, setting))
        crash_log.seek(0)
        trace = crash_log.read().decode("utf-8", "replace")
    payload = b"".join(chunks)
    message = _loads(payload) if os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0 else None
    if message is None:
        raise ChildCrashed(_describe(status), _trim(trace))
    if message[0] == "error":
        if message[1]["type"] == _STOPPED:  # someone else sent the child SIGTERM
            raise ChildCrashed(f"stopped by {_describe_signal(signal.SIGTERM)}")
        _raise_child_error(message[1])
    collected: Sampling | LoadRun | Comparison | CapacitySearch = message[1]
    return collected


def kill_children() -> None:
    """Kill every isolated child still running (the process is ending: a SIGTERM handler)."""
    for pid in list(_LIVE_CHILDREN):
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass


# Isolated children running now, killed by ``kill_children`` when this process ends early.
_LIVE_CHILDREN: set[int] = set()
# How long an interrupted parent waits for its child to send the samples it has.
STOP_WAIT_S = 2.0


class _ChildStopped(BaseException):
    """Raised in the isolated child on SIGTERM: sampling stops and what it took goes to the
    parent (an interrupt, like KeyboardInterrupt: ``sampler`` keeps the samples on it)."""


_STOPPED = f"{__name__}.{_ChildStopped.__qualname__}"


def _raise_stopped(signum: int, frame: Any) -> None:
    raise _ChildStopped()


def _stop(pid: int, read_fd: int, chunks: list[bytes]) -> Sampling | LoadRun | Comparison | None:
    """Stop an interrupted child: SIGTERM (it sends what it sampled), then SIGKILL; the samples
    it sent, or ``None``."""
    try:
        os.kill(pid, signal.SIGTERM)
        if _read_all(read_fd, Deadline(STOP_WAIT_S), chunks):
            message = _loads(b"".join(chunks))
            if message is not None and message[0] == "error":
                partial: Sampling | LoadRun | Comparison | None = message[1].get("partial")
                return partial
        return None
    except Exception:
        return None
    finally:
        _kill(pid)


def _death_signal_setter() -> Callable[[], object] | None:
    """Linux: a function that makes the kernel send SIGKILL to this process when its parent
    dies (``prctl(PR_SET_PDEATHSIG)``), looked up in the parent so the child pays nothing;
    ``None`` elsewhere."""
    global _PRCTL
    if not sys.platform.startswith("linux"):
        return None
    if _PRCTL is None:
        try:
            import ctypes

            _PRCTL = ctypes.CDLL(None, use_errno=True).prctl
        except (OSError, AttributeError):
            return None
    prctl = _PRCTL

    def set_death_signal() -> object:
        return prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)

    return set_death_signal


_PR_SET_PDEATHSIG = 1
_PRCTL: Any = None


def _fork() -> int:
    # Python 3.12+ warns (DeprecationWarning) on fork in a process with threads, and users run
    # with ``-W error``. The threads are usually idle pools (numpy's OpenBLAS, which has fork
    # handlers; ONNX Runtime's, which a one-thread session never hands work to). The risk the
    # warning names -- a lock held by another thread at the fork, deadlocking the child -- is
    # bounded here: the child is killed at its deadline and the test fails saying so.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=_FORK_WARNING, category=DeprecationWarning)
        return os.fork()


def _child(
    target: Target | Pair,
    spec: MeasureSpec,
    write_fd: int,
    crash_log: IO[bytes],
    parent: int,
    set_death_signal: Callable[[], object] | None,
) -> NoReturn:
    """Sample, send the outcome, and leave with ``os._exit``: no atexit handlers, no pytest
    teardown, no second flush of buffers that the parent also holds."""
    code = _CHILD_BROKEN
    try:
        # Never outlive the parent: the kernel kills this process when the parent dies. The
        # parent may have died between the fork and this call, which the kernel would not see.
        if set_death_signal is not None:
            set_death_signal()
        if os.getppid() != parent:
            os._exit(_CHILD_BROKEN)
        # SIGTERM (from the parent, interrupted) ends sampling with the samples sent; the
        # handler inherited from the parent (which writes its reports) is not this process's.
        signal.signal(signal.SIGTERM, _raise_stopped)
        # A crash is reported by the parent; its traceback goes to a file the parent reads
        # instead of the terminal that pytest's faulthandler writes to.
        faulthandler.enable(file=crash_log, all_threads=False)
        try:
            message: tuple[str, Any] = ("ok", collect(target, spec))
        except BaseException as error:  # everything the call raises goes to the parent
            message = ("error", _error_payload(error))
        _write_all(write_fd, pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL))
        os.close(write_fd)
        code = 0
    finally:
        try:
            _flush_std_streams()
        finally:
            os._exit(code)


def _error_payload(error: BaseException) -> dict[str, Any]:
    # The traceback starts at the measured call: the frames above it are this plugin's.
    tb = error.__traceback__
    while tb is not None and tb.tb_frame.f_code.co_filename.startswith(_PACKAGE_DIR):
        tb = tb.tb_next
    text = "".join(traceback.format_exception(type(error), error, tb or error.__traceback__))
    pickled: bytes | None
    try:
        data = pickle.dumps(error, protocol=pickle.HIGHEST_PROTOCOL)
        pickle.loads(data)  # an exception that pickles may still fail to rebuild
        pickled = data
    except Exception:
        pickled = None
    return {
        "pickled": pickled,
        "type": f"{type(error).__module__}.{type(error).__qualname__}",
        "message": str(error),
        "traceback": text,
        "partial": partial_of(error),  # the samples taken before an interrupt
        "call": call_of(error),  # which call of the measured code raised it
    }


def _raise_child_error(payload: dict[str, Any]) -> NoReturn:
    __tracebackhide__ = True
    error: BaseException | None = None
    pickled: bytes | None = payload["pickled"]
    if pickled is not None:
        try:
            error = pickle.loads(pickled)
        except Exception:
            error = None
    if not isinstance(error, BaseException):
        error = IsolatedCallError(f"{payload['type']}: {payload['message']}")
    if payload.get("partial") is not None and not isinstance(error, Exception):
        attach_partial(error, payload["partial"])
    if payload.get("call") is not None:
        attach_call(error, payload["call"])
    raise error from RemoteTraceback(payload["traceback"])


def _read_all(fd: int, deadline: Deadline, chunks: list[bytes]) -> bool:
    """Append everything the child writes to ``chunks`` until it closes the pipe; ``False``
    when time ran out first."""
    while True:
        left = deadline.left()
        if left <= 0:
            return False
        wait = min(left, 1.0)
        ready, _, _ = select.select([fd], [], [], wait)
        if not ready:
            deadline.waited(wait)
            continue
        chunk = os.read(fd, 1 << 20)
        if not chunk:
            return True
        chunks.append(chunk)


def _wait(pid: int, deadline: Deadline) -> int | None:
    """The child's wait status, or ``None`` if it is still running at the deadline."""
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return status
        if deadline.left() <= 0:
            return None
        REAL_SLEEP(0.005)
        deadline.waited(0.005)


def _kill(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    os.waitpid(pid, 0)


def _describe(status: int) -> str:
    if os.WIFSIGNALED(status):
        return _describe_signal(os.WTERMSIG(status))
    code = os.WEXITSTATUS(status)
    if code == 0:
        return "exited with code 0 before sending its samples"
    return f"exited with code {code}"


def _describe_signal(number: int) -> str:
    """``SIGSEGV (signal 11)``."""
    try:
        label = signal.Signals(number).name
    except ValueError:
        label = "signal"
    return f"{label} (signal {number})"


def _trim(trace: str) -> str:
    """The dump without the frames of this plugin, pytest and pluggy (the measuring machinery
    between the test and its call), cut to its innermost lines."""
    import _pytest
    import pluggy

    machinery = tuple(
        f'File "{os.path.dirname(module.__file__ or "")}{os.sep}'
        for module in (sys.modules[_PACKAGE], _pytest, pluggy)
    )
    lines = [line for line in trace.strip().splitlines() if not line.strip().startswith(machinery)]
    if len(lines) > CRASH_TRACE_LINES:
        lines = [*lines[:CRASH_TRACE_LINES], f"  ... ({len(lines) - CRASH_TRACE_LINES} more)"]
    return "\n".join(lines)


def _loads(payload: bytes) -> tuple[str, Any] | None:
    try:
        message = pickle.loads(payload)
    except Exception:
        return None
    return message if isinstance(message, tuple) and len(message) == 2 else None


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _flush_std_streams() -> None:
    for stream in (sys.stdout, sys.stderr):
        try:
            if stream is not None:
                stream.flush()
        except (AttributeError, ValueError, OSError):
            pass
