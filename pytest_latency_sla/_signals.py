"""SIGTERM on the reporting process: write what has finished, then end as SIGTERM would.

A cancelled CI job or a stopped container sends SIGTERM, and by default Python ends at once: the
report files, written at the end of the session, are lost with every result already measured.
While a session that writes report files runs, its reporting process (not a pytest-xdist
worker) handles SIGTERM: it writes the files with every finished result, stops what would
outlive it (its pytest-xdist workers, isolated children still measuring), and then ends by
SIGTERM itself (the default action restored and the signal raised again), so that the CI
runner sees "killed by SIGTERM" as it would have.

A Python handler installed before the session is called after the files are written, in place
of that last step: it decides how the process ends. A SIGTERM ignored before the session, or
handled outside Python, is left alone. The previous handler is back when the session ends.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from typing import Any

import pytest

__all__ = ["TermHandler", "term_handler_key"]

# After raising SIGTERM at itself, how long the process waits to be ended before it exits with
# the status a shell gives a process killed by SIGTERM (128 + 15).
_DEATH_WAIT_S = 5.0


class TermHandler:
    """The SIGTERM handler of one session (``install`` at its start, ``uninstall`` at its end).
    ``deferred()`` marks the normal end's own writing of the files, during which a SIGTERM
    waits for the writing to finish instead of writing the files a second time."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.previous: Any = None
        self.installed = False
        self.writing = False
        self.pending: tuple[int, Any] | None = None

    def install(self) -> bool:
        """Handle SIGTERM from now on; False when it is left alone (ignored or handled outside
        Python before the session, not the main thread, or no SIGTERM on this platform)."""
        number = getattr(signal, "SIGTERM", None)
        if number is None or threading.current_thread() is not threading.main_thread():
            return False
        previous = signal.getsignal(number)
        if previous is None or previous == signal.SIG_IGN:
            return False
        signal.signal(number, self)
        self.previous, self.installed = previous, True
        return True

    def uninstall(self) -> None:
        """Put the previous handler back, if this one is still the one installed."""
        if not self.installed:
            return
        self.installed = False
        previous = self.previous
        try:
            if signal.getsignal(signal.SIGTERM) is self:
                signal.signal(signal.SIGTERM, previous)
        except ValueError:  # not the main thread: nothing can be restored from here
            pass

    def __call__(self, signum: int, frame: Any) -> None:
        if self.writing:  # the normal end is writing the files: let it finish, then end
            self.pending = (signum, frame)
            return
        self.writing = True
        try:
            _write_what_finished(self.config)
        finally:
            self.writing = False
        self.end(signum, frame)

    def deferred(self) -> _Deferred:
        return _Deferred(self)

    def end(self, signum: int, frame: Any) -> None:
        """Stop what would outlive this process, then end as the previous handler would."""
        _stop_workers_and_children(self.config)
        previous = self.previous
        self.uninstall()
        if callable(previous):
            previous(signum, frame)
            return
        signal.signal(signum, signal.SIG_DFL)
        os.kill(os.getpid(), signum)
        time.sleep(_DEATH_WAIT_S)  # the signal is delivered at once; this is a safety net
        os._exit(128 + signum)


class _Deferred:
    def __init__(self, handler: TermHandler) -> None:
        self.handler = handler

    def __enter__(self) -> None:
        self.handler.writing = True

    def __exit__(self, *exc_info: object) -> None:
        handler = self.handler
        handler.writing = False
        if handler.pending is not None:
            signum, frame = handler.pending
            handler.pending = None
            handler.end(signum, frame)


def _write_what_finished(config: pytest.Config) -> None:
    from ._session import say_on_stderr, write_files
    from .messages.files import SIGTERM_WRITING, reports_not_written

    # A test was running, its output captured: give the real stdout and stderr back, for the
    # lines below and for a report that goes to /dev/stdout.
    capture = config.pluginmanager.getplugin("capturemanager")
    try:
        if capture is not None:
            capture.suspend_global_capture(in_=False)
    except Exception:  # capture in a state of its own: the lines may be lost, not the files
        pass
    say_on_stderr(SIGTERM_WRITING)
    try:
        write_files(config, None, signal_name="SIGTERM", say=say_on_stderr)
    except Exception as error:  # the process ends either way; say why nothing was written
        say_on_stderr(reports_not_written(error))


def _stop_workers_and_children(config: pytest.Config) -> None:
    """SIGTERM to this session's pytest-xdist workers (left alone, they run on until their
    test ends), SIGKILL to isolated children still measuring."""
    isolation = sys.modules.get("pytest_latency_sla.engine.isolation")
    if isolation is not None:
        isolation.kill_children()
    for pid in _xdist_worker_pids(config):
        try:
            os.kill(pid, signal.SIGTERM)
        except OSError:
            pass


def _xdist_worker_pids(config: pytest.Config) -> list[int]:
    """The process ids of this controller's local workers, from what pytest-xdist learnt of
    each worker when it started it (``gateway._rinfo()``, cached): no message to a worker."""
    dsession = config.pluginmanager.getplugin("dsession")
    group = getattr(getattr(dsession, "nodemanager", None), "group", None)
    pids = []
    try:
        for gateway in list(group or ()):
            spec = getattr(gateway, "spec", None)
            pid = getattr(getattr(gateway, "_cache_rinfo", None), "pid", None)
            if getattr(spec, "popen", False) and not getattr(spec, "via", None) and pid:
                pids.append(int(pid))
    except Exception:  # another xdist than the one this was written against: leave it
        return []
    return pids


term_handler_key = pytest.StashKey[TermHandler]()
