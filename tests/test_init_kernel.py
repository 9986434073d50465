"""The INIT rules' runtime claims, checked against the kernel: each pattern runs as PID 1 of a
fresh PID namespace (`unshare --pid --fork --mount-proc`, pid1-facts §10) and the zombies left
under PID 1 are counted from the parent namespace."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import pytest

from ecsinit_lint.engine.linter import lint
from ecsinit_lint.engine.registry import Selection
from ecsinit_lint.inputs.sources import load


def _namespaces_work() -> bool:
    if os.geteuid() != 0 or not shutil.which("unshare") or not shutil.which("nsenter"):
        return False
    try:
        return subprocess.run(["unshare", "--pid", "--fork", "--mount-proc", "true"], timeout=10).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


pytestmark = pytest.mark.skipif(not _namespaces_work(), reason="needs root, unshare and nsenter for PID namespaces")

ORPHANS = 5
# Five short-lived orphans (each backgrounded by a subshell that exits at once), then a main
# process that never waits: what a worker pool or a shell-out leaves behind.
MAKE_ORPHANS = ["sh", "-c", "(sleep 0.3 &); " * ORPHANS + "exec sleep 30"]
# A PID 1 that spawns its argv and reaps nothing, so that whatever the program under test
# does not reap shows up as zombies under PID 1.
NON_REAPING_PARENT = [
    sys.executable,
    "-c",
    "import subprocess, sys, time; subprocess.Popen(sys.argv[1:]); time.sleep(30)",
]


def _children(pid: int) -> list[int]:
    """Child pids of a process; none once it is gone. Every /proc read here may race with the
    process exiting: ENOENT, or ESRCH when it goes between the open and the read."""
    found = []
    try:
        for task in Path(f"/proc/{pid}/task").iterdir():
            found += [int(c) for c in (task / "children").read_text().split()]
    except OSError:
        return []
    return found


def _state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return "gone"


def zombies(pid1: int) -> int:
    return sum(_state(c) == "Z" for c in _children(pid1))


def _wait_for(predicate, seconds: float):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    return predicate()


@contextmanager
def pid1(argv: list[str]):
    """Run argv as PID 1 of a new PID namespace; yield (host pid of PID 1, its stderr file).
    The namespace is SIGKILLed on exit (the kernel then kills every process in it)."""
    with (
        open(os.devnull, "wb") as null,
        subprocess.Popen(
            ["unshare", "--pid", "--fork", "--kill-child", "--mount-proc", *argv], stdout=null, stderr=subprocess.PIPE
        ) as unshare,
    ):
        try:
            first = _wait_for(lambda: _children(unshare.pid), 5)
            assert first, "the namespace did not start"
            yield first[0], unshare.stderr
        finally:
            for pid in _children(unshare.pid):
                os.kill(pid, signal.SIGKILL)
            unshare.wait(timeout=10)


def _descendants(pid: int) -> list[int]:
    found = _children(pid)
    return found + [d for c in found for d in _descendants(c)]


def _running(pid1: int, cmdline: str) -> bool:
    """Whether a live process of the namespace runs `cmdline` (NUL-separated argv)."""
    for pid in [pid1, *_descendants(pid1)]:
        try:
            if _state(pid) != "Z" and Path(f"/proc/{pid}/cmdline").read_bytes() == cmdline.encode():
                return True
        except OSError:  # it exited meanwhile
            pass
    return False


def zombies_once_exited(pid1: int, cmdline: str) -> int:
    """Zombies under PID 1 once the orphans running `cmdline` have all exited (each then either
    reaped or left a zombie). Every scenario's main process is `sleep 30`: when it runs, all
    orphans have been started."""
    assert _wait_for(lambda: _running(pid1, MAIN), 5), "the main process did not start"
    assert _wait_for(lambda: not _running(pid1, cmdline), 5), "the orphans did not exit"
    # An orphan still between fork and exec is not yet `cmdline`, and a reaping PID 1 needs its
    # SIGCHLD: count until the number holds still for half a second.
    count, since, deadline = zombies(pid1), time.monotonic(), time.monotonic() + 5
    while time.monotonic() - since < 0.5 and time.monotonic() < deadline:
        time.sleep(0.05)
        now = zombies(pid1)
        if now != count:
            count, since = now, time.monotonic()
    return count


MAIN = "sleep\x0030\x00"
ORPHAN_CMDLINE = "sleep\x000.3\x00"


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        pytest.param(MAKE_ORPHANS, ORPHANS, id="app as PID 1 reaps nothing"),
        pytest.param(["tini", "--", *MAKE_ORPHANS], 0, id="tini"),
        pytest.param(["dumb-init", *MAKE_ORPHANS], 0, id="dumb-init"),
        pytest.param(["catatonit", "--", *MAKE_ORPHANS], 0, id="catatonit"),
    ],
)
def test_init_as_pid1_reaps(argv, expected):
    """INIT001/INIT004/INIT005: an init as PID 1 reaps orphans, the app alone does not."""
    with pid1(argv) as (pid, _):
        assert zombies_once_exited(pid, ORPHAN_CMDLINE) == expected


@pytest.mark.parametrize(
    ("outer", "inner", "expected", "warns"),
    [
        pytest.param(NON_REAPING_PARENT, ["tini", "--"], ORPHANS, True, id="tini as PID 2 does not reap"),
        pytest.param(NON_REAPING_PARENT, ["tini", "-s", "--"], 0, False, id="tini -s as PID 2 reaps"),
        pytest.param(["tini", "--"], ["tini", "--"], 0, True, id="under docker-init the outer init reaps"),
    ],
)
def test_tini_not_pid1(outer, inner, expected, warns):
    """INIT004: tini below another PID 1 warns and reaps nothing without -s; with the init that
    initProcessEnabled adds above it, that init reaps, so nothing breaks but one is redundant."""
    with pid1([*outer, *inner, *MAKE_ORPHANS]) as (pid, stderr):
        assert zombies_once_exited(pid, ORPHAN_CMDLINE) == expected
        os.kill(pid, signal.SIGKILL)
        warning = b"Tini is not running as PID 1" in stderr.read()
    assert warning == warns


def _lint(argv: list[str], probe: str) -> list[str]:
    task = {"family": "t", "containerDefinitions": [{"name": "app", "image": "debian", "command": argv,
                                                     "healthCheck": {"command": ["CMD-SHELL", probe]}}]}  # fmt: skip
    text = json.dumps(task)
    return [f.code for f in lint(load("task.json", text.encode()), Selection(("INIT005",)).rules())]


PROBE = "sleep 0.5 & sleep 0.5 & sleep 0.5 & sleep 30"  # a probe that forks and then hangs


@pytest.mark.parametrize(
    "argv",
    [
        pytest.param(["sleep", "30"], id="app as PID 1"),
        pytest.param(["tini", "--", "sleep", "30"], id="tini"),
        pytest.param(["dash", "-c", "sleep 30; :"], id="a shell that stays PID 1"),
    ],
)
def test_timed_out_probe_leaves_zombies(argv):
    """INIT005: Docker runs a CMD-SHELL probe with `sh -c` inside the container and kills it on
    timeout; its children go to PID 1. The rule fires exactly when they stay zombies."""
    with pid1(argv) as (pid, _):
        probe = subprocess.Popen(["nsenter", "-t", str(pid), "-p", "-m", "sh", "-c", PROBE])
        try:
            shell = _wait_for(lambda: [c for c in _children(probe.pid)], 5)
            assert shell, "the probe did not start"
            _wait_for(lambda: len(_children(shell[0])) == 4, 5)
            os.kill(shell[0], signal.SIGKILL)  # the health-check timeout
        finally:
            probe.wait(timeout=10)
        leaked = zombies_once_exited(pid, "sleep\x000.5\x00")
    assert (_lint(argv, PROBE) == ["INIT005"]) == (leaked >= 3)
    assert leaked in (0, 3)


@pytest.mark.needs("tini")
@pytest.mark.parametrize(
    "argv",
    [
        pytest.param(["busybox", "init"], id="busybox init (Alpine's /sbin/init)"),
        pytest.param(["/lib/systemd/systemd"], id="systemd"),
    ],
)
def test_pid1_only_program_dies_under_an_init(argv):
    """INIT002: with initProcessEnabled, Docker's tini is PID 1 and the argv's init runs as its
    child, where it refuses to start: the container exits at once, with an error status."""
    if not shutil.which(argv[0]):
        pytest.skip(f"{argv[0]} is not installed")
    started = subprocess.run(["unshare", "--pid", "--fork", "--kill-child", "--mount-proc", "tini", "--", *argv],
                             capture_output=True, timeout=10)  # fmt: skip
    assert started.returncode != 0
