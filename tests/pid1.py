"""Run an argv as PID 1 of a fresh PID namespace, stop it the way ECS does, and say what the app
saw (pid1-facts §10). Needs root, `unshare` (util-linux) and Linux.

The "app" is a few lines of Python: it marks itself ready, optionally leaves orphans under
PID 1, and on SIGTERM marks that it got the signal, takes `shutdown` seconds, marks that it
finished, and exits 0. Outcomes of `stop()`:

- "graceful": the app got SIGTERM, finished its shutdown, and PID 1 was gone in time
- "hang": PID 1 was still alive after the grace period (then SIGKILLed): ECS would wait
  stopTimeout and SIGKILL the task
- "ungraceful": PID 1 went, but the app never got SIGTERM: the kernel SIGKILLed it
- "cut": the app got SIGTERM but was SIGKILLed before its shutdown finished
- "early": PID 1 exited on its own before the stop (the container would stop at once)
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

SHELLS = {  # shell -> (argv prefix of the real run, argv prefix as written in a task definition)
    "dash": (["dash"], ["sh"]),
    "bash": (["bash"], ["bash"]),
    "busybox": (["busybox", "sh"], ["busybox", "sh"]),
}
# The app must run as any user (`su nobody`): a system interpreter, not one under /root.
PYTHON = shutil.which("python3", path="/usr/bin:/bin") or sys.executable
GRACE = 2.0  # seconds after the app's own shutdown time that PID 1 has to be gone
# Runs go in threads. A child forked while another thread has an app file open for writing
# holds that fd until it execs, and exec'ing that app then fails with ETXTBSY ("Text file
# busy"): writing an app and forking a run take turns.
_FORK = threading.Lock()

APP = """#!{python} -S
import os, signal, sys, time
DIR, SHUTDOWN, ORPHANS = {dir!r}, {shutdown!r}, {orphans!r}

def mark(name):
    open(os.path.join(DIR, name), "w").close()

def on_term(signum, frame):
    mark("term")
    time.sleep(SHUTDOWN)
    mark("done")
    sys.exit(0)

signal.signal(signal.SIGTERM, on_term)
for _ in range(ORPHANS):  # a child that exits at once and leaves a grandchild to PID 1
    if os.fork() == 0:
        if os.fork() == 0:
            time.sleep(0.2)
        os._exit(0)
    os.wait()
mark("ready")
while True:  # short sleeps: a signal that lands just before a long sleep would wait it out
    time.sleep(0.05)
"""


def missing() -> str | None:
    """Why the kernel tests cannot run here, or None."""
    if not sys.platform.startswith("linux"):
        return "needs Linux PID namespaces"
    if os.geteuid() != 0:
        return "needs root for unshare --pid"
    for tool in ("unshare", "dash", "bash", "busybox"):
        if shutil.which(tool) is None:
            return f"needs {tool}"
    return None


def versions() -> str:
    """The versions of the shells the kernel tests run, for the test report."""

    def first_line(argv):
        try:
            out = subprocess.run(argv, capture_output=True, text=True, timeout=5).stdout
        except (OSError, subprocess.TimeoutExpired):
            return "not found"
        return out.splitlines()[0] if out else "unknown"

    dash = first_line(["dpkg-query", "-W", "-f", "${Version}", "dash"])
    bash = first_line(["bash", "--version"]).removeprefix("GNU bash, version ")
    busybox = first_line(["busybox"]).split(" multi-call")[0]
    return f"kernel {os.uname().release}; dash {dash}; bash {bash}; {busybox}"


@dataclass
class Run:
    outcome: str
    zombies: int  # zombie children of PID 1 just before the stop
    seconds: float | None = None  # from SIGTERM until PID 1 was gone


class App:
    """A scratch directory with the app program in it; `path` is on PATH as `app`."""

    def __init__(self, shutdown: float = 0.0, orphans: int = 0):
        self.dir = Path(tempfile.mkdtemp(prefix="pid1-"))
        self.dir.chmod(0o777)  # an app run as `nobody` must leave its marks too
        self.shutdown = shutdown
        self.path = self.dir / "app"
        with _FORK:
            self.path.write_text(APP.format(python=PYTHON, dir=str(self.dir), shutdown=shutdown, orphans=orphans))
        self.path.chmod(0o755)

    def has(self, mark: str) -> bool:
        return (self.dir / mark).exists()

    def cleanup(self) -> None:
        shutil.rmtree(self.dir, ignore_errors=True)


def _children(pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def _state(pid: int) -> str | None:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return None


def _alive(pid: int) -> bool:
    return _state(pid) not in (None, "Z", "X")


def _zombies(pid1: int) -> int:
    return sum(_state(child) == "Z" for child in _children(pid1))


def stop(argv: list[str], app: App, settle: float = 0.0) -> Run:
    """Start argv as PID 1 of a new PID namespace, wait until the app is ready (and `settle`
    seconds more, for orphans to exit), SIGTERM PID 1 from outside and classify what happened."""
    for mark in ("ready", "term", "done"):
        (app.dir / mark).unlink(missing_ok=True)
    env = {"PATH": f"{app.dir}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"}
    with _FORK:
        proc = subprocess.Popen(["unshare", "--pid", "--fork", "--mount-proc", *argv], env=env, cwd=app.dir,
                                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    try:
        deadline = time.monotonic() + 10
        while not app.has("ready"):
            if proc.poll() is not None:
                return Run("early", 0)
            if time.monotonic() > deadline:
                raise TimeoutError(f"the app never started under {argv}")
            time.sleep(0.02)
        time.sleep(settle)
        children = _children(proc.pid)
        for _ in range(50):  # the children file can read empty for a moment under load
            if children or proc.poll() is not None:
                break
            time.sleep(0.02)
            children = _children(proc.pid)
        if proc.poll() is not None or not children:
            return Run("early", 0)
        pid1 = children[0]
        zombies = _zombies(pid1)
        try:
            os.kill(pid1, signal.SIGTERM)
        except ProcessLookupError:  # PID 1 exited on its own
            return Run("early", 0)
        sent = time.monotonic()
        while _alive(pid1):  # not the unshare process: tearing a namespace down takes a while under load
            if time.monotonic() - sent > app.shutdown + GRACE:
                return Run("hang", zombies)
            time.sleep(0.02)
        seconds = time.monotonic() - sent
        if not app.has("term"):
            return Run("ungraceful", zombies, seconds)
        return Run("graceful" if app.has("done") else "cut", zombies, seconds)
    finally:
        while proc.poll() is None:  # PID 1's SIGKILL takes the namespace down; unshare follows
            for pid in _children(proc.pid):
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            time.sleep(0.02)
