"""Where report files go, and what is never lost or replaced on the way (``reports.files``).

A regular or missing file is written atomically with the mode a new file would get (or the
one it had); a symbolic link is followed, never replaced; a character device and this
process's own streams are written in place; anything else is refused at start. A report that
cannot be written at the end makes the run exit non-zero.
"""

from __future__ import annotations

import os
import socket
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from pytest_latency_sla.reports.files import (
    ReportPathError,
    check_target,
    report_path,
    write_report,
)

posix_only = pytest.mark.skipif(sys.platform == "win32", reason="POSIX file types")

ONE_TEST = """
import itertools, pytest

@pytest.mark.latency_sla(ms=50, overkill=None)
def test_fast(latency_sla, scripted):
    latency_sla(scripted(itertools.repeat(7100)))
"""


@pytest.fixture
def umask_022() -> Iterator[None]:
    previous = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(previous)


def _mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


# --- the rules, on each kind of path -----------------------------------------------------------


def test_a_new_file_gets_the_mode_the_umask_gives(tmp_path: Path) -> None:
    previous = os.umask(0o027)
    try:
        write_report(tmp_path / "a.json", "{}")
        os.umask(0o022)
        write_report(tmp_path / "b.json", "{}")
    finally:
        os.umask(previous)
    assert (_mode(tmp_path / "a.json"), _mode(tmp_path / "b.json")) == (0o640, 0o644)


def test_an_existing_file_keeps_its_mode_and_is_replaced_whole(
    tmp_path: Path, umask_022: None
) -> None:
    path = tmp_path / "r.json"
    path.write_text("old")
    os.chmod(path, 0o600)
    before = os.stat(path).st_ino
    write_report(path, "new")
    assert path.read_text() == "new" and _mode(path) == 0o600
    assert os.stat(path).st_ino != before  # a new file renamed over it: never half-written
    assert [p.name for p in tmp_path.iterdir()] == ["r.json"]  # no temporary file left


@posix_only
def test_a_symlink_to_a_file_is_followed_and_kept(tmp_path: Path, umask_022: None) -> None:
    real = tmp_path / "reports" / "latest.json"
    real.parent.mkdir()
    real.write_text("old")
    os.chmod(real, 0o664)
    link = tmp_path / "r.json"
    link.symlink_to(real)
    assert check_target(link).kind == "file"
    write_report(link, "new")
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert real.read_text() == "new" and _mode(real) == 0o664


@posix_only
def test_a_dangling_symlink_creates_its_target(tmp_path: Path, umask_022: None) -> None:
    link = tmp_path / "r.json"
    link.symlink_to("made.json")  # relative: beside the link
    write_report(link, "new")
    assert link.is_symlink() and (tmp_path / "made.json").read_text() == "new"


@posix_only
def test_a_character_device_is_written_in_place(tmp_path: Path) -> None:
    target = check_target(Path("/dev/null"))
    assert (target.kind, target.path) == ("device", Path("/dev/null"))
    link = tmp_path / "null.json"
    link.symlink_to("/dev/null")
    assert check_target(link).kind == "device"
    write_report(link, "{}")
    assert link.is_symlink() and stat.S_ISCHR(os.stat("/dev/null").st_mode)


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
def test_a_full_device_is_an_error_not_a_replacement() -> None:
    with pytest.raises(OSError, match="No space left on device"):
        write_report(Path("/dev/full"), "{}")
    assert stat.S_ISCHR(os.stat("/dev/full").st_mode)


@posix_only
@pytest.mark.parametrize(
    ("given", "fd"),
    [("/dev/stdout", 1), ("/dev/stderr", 2), ("/dev/fd/1", 1), ("/proc/self/fd/2", 2)],
)
def test_this_process_s_own_streams_are_written_to_their_descriptor(
    given: str, fd: int, tmp_path: Path
) -> None:
    target = check_target(Path(given))
    assert (target.kind, target.fd) == ("stream", fd)
    link = tmp_path / "out.md"
    link.symlink_to(given)  # ln -s /proc/self/fd/1 out.md
    assert check_target(link).fd == fd


@posix_only
def test_a_stream_is_written_where_it_points(tmp_path: Path) -> None:
    # a child process whose stdout is a log file: the report lands in the log, after what the
    # process already printed, and the log's other lines stay
    log = tmp_path / "log.txt"
    code = (
        "import sys; from pathlib import Path; "
        "from pytest_latency_sla.reports.files import write_report; "
        "print('before', flush=True); write_report(Path('/dev/stdout'), 'REPORT\\n'); "
        "print('after')"
    )
    with open(log, "w") as out:
        subprocess.run([sys.executable, "-c", code], stdout=out, check=True, timeout=60)
    assert log.read_text() == "before\nREPORT\nafter\n"


@posix_only
def test_a_fifo_a_socket_and_a_directory_are_refused(tmp_path: Path) -> None:
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    with pytest.raises(ReportPathError, match=r"'.*fifo': it is a FIFO; a report goes to a "):
        check_target(fifo)
    sock_path = tmp_path / "sock"
    with socket.socket(socket.AF_UNIX) as sock:
        sock.bind(str(sock_path))
        with pytest.raises(ReportPathError, match="it is a socket"):
            check_target(sock_path)
    with pytest.raises(ReportPathError, match="is a directory; give a file path"):
        check_target(tmp_path)
    link = tmp_path / "to-fifo.json"
    link.symlink_to(fifo)
    with pytest.raises(ReportPathError, match=r"it is a FIFO \(the link leads to '.*fifo'\)"):
        write_report(link, "{}")  # checked again at the end: never replaced
    assert link.is_symlink() and stat.S_ISFIFO(os.stat(fifo).st_mode)


def test_names_no_file_system_takes_and_homes_that_do_not_exist(tmp_path: Path) -> None:
    with pytest.raises(ReportPathError, match="a name in it is 300 bytes long, more than"):
        report_path("x" * 295 + ".json", tmp_path)
    with pytest.raises(
        ReportPathError, match="there is no user 'nouser', so '~nouser' names no home directory"
    ):
        report_path("~nouser/r.json", tmp_path)
    with pytest.raises(ReportPathError, match="expected a file path, got ' '"):
        report_path(" ", tmp_path)
    # a name near the limit still gets a temporary file beside it
    long = tmp_path / ("y" * 250 + ".json")
    write_report(long, "{}")
    assert long.read_text() == "{}"


# --- the same rules at the pytest edge ----------------------------------------------------------


@posix_only
def test_refused_paths_stop_the_session_at_start(scripted_pytester: pytest.Pytester) -> None:
    scripted_pytester.makepyfile(ONE_TEST)
    os.mkfifo(scripted_pytester.path / "fifo")
    cases = [
        ("--latency-json=fifo", "--latency-json: '*fifo': it is a FIFO; a report goes to a*"),
        ("--latency-json=~nouser/r.json", "--latency-json: cannot write '~nouser/r.json': there "
         "is no user 'nouser', so '~nouser' names no home directory"),
        ("--latency-md=" + "m" * 300, "--latency-md: cannot write '*': a name in it is 300 "
         "bytes long, more than the file system allows"),
    ]  # fmt: skip
    for option, message in cases:
        result = scripted_pytester.runpytest(option)
        assert result.ret == pytest.ExitCode.USAGE_ERROR
        result.stderr.fnmatch_lines([f"ERROR: {message}"])
        assert len([line for line in result.stderr.lines if line.strip()]) == 1
        assert "INTERNALERROR" not in result.stdout.str()


def test_report_files_get_the_mode_junitxml_gets(
    scripted_pytester: pytest.Pytester, umask_022: None
) -> None:
    scripted_pytester.makepyfile(ONE_TEST)
    existing = scripted_pytester.path / "kept.md"
    existing.write_text("old")
    os.chmod(existing, 0o600)
    result = scripted_pytester.runpytest(
        "--junitxml=junit.xml", "--latency-json=r.json", "--latency-html=r.html",
        "--latency-md=kept.md",
    )  # fmt: skip
    result.assert_outcomes(passed=1)
    modes = {name: _mode(scripted_pytester.path / name) for name in ("junit.xml", "r.json")}
    assert modes == {"junit.xml": 0o644, "r.json": 0o644}
    assert _mode(scripted_pytester.path / "r.html") == 0o644
    assert _mode(existing) == 0o600 and existing.read_text().startswith("## Latency SLA report")


def test_a_report_that_cannot_be_written_at_the_end_fails_the_run(
    scripted_pytester: pytest.Pytester,
) -> None:
    scripted_pytester.makepyfile(
        ONE_TEST
        + """
import pathlib, shutil

def test_z_replaces_the_report_directory_with_a_file():
    shutil.rmtree("out")
    pathlib.Path("out").write_text("in the way")
"""
    )
    result = scripted_pytester.runpytest("--latency-json=out/r.json", "--latency-md=r.md")
    result.assert_outcomes(passed=2)
    # exit status 3: something other than the tests went wrong; the other report is written
    assert result.ret == pytest.ExitCode.INTERNAL_ERROR
    result.stdout.fnmatch_lines(
        [
            "ERROR: latency-sla: cannot write the JSON report */out/r.json: '*/out' is a file, "
            "not a directory",
            "latency-sla: Markdown report written to */r.md",
        ]
    )
    assert (scripted_pytester.path / "r.md").exists()


def test_a_failed_run_keeps_its_own_exit_status_when_a_report_is_lost(
    scripted_pytester: pytest.Pytester,
) -> None:
    scripted_pytester.makepyfile(
        ONE_TEST
        + """
import pathlib, shutil

def test_z_fails_and_removes_the_directory():
    shutil.rmtree("out")
    pathlib.Path("out").write_text("in the way")
    assert False
"""
    )
    result = scripted_pytester.runpytest("--latency-json=out/r.json")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(["ERROR: latency-sla: cannot write the JSON report *"])


# --- real processes: devices, streams, a full disk ---------------------------------------------


@pytest.fixture
def null_device(tmp_path: Path) -> Path:
    """A character device: a private copy of /dev/null where this process may make one (as
    root, a CI container's usual user, a rename over it would replace the node: the case that
    matters), /dev/null itself elsewhere (where nothing could replace it anyway)."""
    private = tmp_path / "null"
    try:
        os.mknod(private, stat.S_IFCHR | 0o666, os.makedev(1, 3))
    except (OSError, AttributeError):
        return Path("/dev/null")
    return private


@pytest.mark.slow
@posix_only
def test_devices_and_stdout_are_written_in_place(
    scripted_pytester: pytest.Pytester, null_device: Path
) -> None:
    scripted_pytester.makepyfile(ONE_TEST)
    (scripted_pytester.path / "out.md").symlink_to("/proc/self/fd/1")
    result = scripted_pytester.runpytest_subprocess(
        f"--latency-json={null_device}", "--latency-md=out.md", "--latency-html=/dev/stdout"
    )
    assert result.ret == pytest.ExitCode.OK
    assert stat.S_ISCHR(os.lstat(null_device).st_mode), "the device node was replaced"
    assert (scripted_pytester.path / "out.md").is_symlink()
    out = result.stdout.str()
    assert "## Latency SLA report" in out and "<!DOCTYPE html>" in out
    result.stdout.fnmatch_lines([f"latency-sla: JSON report written to {null_device}"])


@pytest.mark.slow
@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
def test_a_full_disk_fails_the_run_and_keeps_the_device(
    scripted_pytester: pytest.Pytester,
) -> None:
    scripted_pytester.makepyfile(ONE_TEST)
    result = scripted_pytester.runpytest_subprocess("--latency-json=/dev/full", "--latency-md=r.md")
    assert result.ret == pytest.ExitCode.INTERNAL_ERROR
    result.stdout.fnmatch_lines(
        ["ERROR: latency-sla: cannot write the JSON report /dev/full: No space left on device"]
    )
    assert stat.S_ISCHR(os.stat("/dev/full").st_mode)
    assert "## Latency SLA report" in (scripted_pytester.path / "r.md").read_text()


@pytest.mark.slow
def test_an_unwritable_path_at_the_end_fails_a_real_run(
    scripted_pytester: pytest.Pytester,
) -> None:
    scripted_pytester.makepyfile(
        ONE_TEST
        + """
import pathlib, shutil

def test_z_replaces_the_report_directory_with_a_file():
    shutil.rmtree("out")
    pathlib.Path("out").write_text("in the way")
"""
    )
    result = scripted_pytester.runpytest_subprocess("--latency-json=out/r.json")
    assert result.ret == pytest.ExitCode.INTERNAL_ERROR
    result.stdout.fnmatch_lines(["ERROR: latency-sla: cannot write the JSON report *"])
    assert (scripted_pytester.path / "out").read_text() == "in the way"
