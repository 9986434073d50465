"""What several rules ask of a task definition: which containers run Linux with their own PID
namespace, how each one's argv launches, and how a fix addresses an argv element."""

from __future__ import annotations

from typing import Iterator

from .model import Container, TaskDef, is_unknown, known_str_list
from .shell import BUILTINS, SHELLS, Launch, analyse, basename, programs


def linux_containers(task: TaskDef) -> Iterator[Container]:
    """Containers that the Linux-only fields apply to: none of a Windows task."""
    if not task.is_windows:
        yield from task.containers


def init_state(c: Container) -> bool | None:
    """initProcessEnabled as set: True, False (also when absent), or None when not known."""
    params = c.get("linuxParameters")
    if params is None:
        return False
    if not isinstance(params, dict):
        return None
    value = params.get(c.key("initProcessEnabled"), False)
    if is_unknown(value) or not isinstance(value, bool):
        return None
    return value


def launch(c: Container) -> Launch | None:
    """How the container's argv starts, or None when the task definition does not say."""
    argv = c.argv
    return analyse(argv, c.argv_pointers()) if argv else None


def label(c: Container) -> str:
    return f"`{c.name}`" if c.name else "the container"


def stop_timeout(c: Container) -> str:
    value = c.get("stopTimeout")
    return f"{value} s" if isinstance(value, int) else "stopTimeout (30 s by default)"


def replace_fix(c: Container, pointer: str, old, new) -> list[dict]:
    return [{"op": "test", "path": pointer, "value": old}, {"op": "replace", "path": pointer, "value": new}]


def element(c: Container, pointer: str) -> str:
    """The argv element at a document pointer."""
    return c.argv[c.argv_pointers().index(pointer)]


def scripts(c: Container):
    """(launch, script) for each `SHELL -c` layer of a Linux container's argv."""
    started = launch(c)
    for script in started.scripts if started else ():
        yield started, script


def where(c: Container, started: Launch, script) -> str:
    """Pointer of the argv element holding a script, or of the script it is nested in."""
    for s in [script, *reversed(started.scripts)]:
        if s.source:
            return s.source[0]
    return c.argv_pointers()[0]


def without_init(task: TaskDef, c: Container) -> bool:
    """The container's PID 1 is its own main process: no initProcessEnabled, no init or supervisor
    in the argv, and a PID namespace of its own (pidMode `task` or `host` shares one)."""
    if task.pid_mode in ("task", "host") or init_state(c) is not False:
        return False
    started = launch(c)
    return started is None or started.pid1 is None


def health_probe(c: Container) -> str | None:
    """The health check's kind when its probe forks children that a timeout can orphan: a
    `CMD-SHELL` script that runs a program (not only builtins such as `echo`), or a `CMD` that
    runs a shell or a `.sh` script (`["CMD", "curl", …]` is the probe itself and forks none)."""
    check = c.child("healthCheck")
    command = known_str_list(check.get("command")) if check else None
    if not command or len(command) < 2:
        return None
    if command[0] == "CMD-SHELL":
        names = programs(" ".join(command[1:]))
        return command[0] if names and any(n not in BUILTINS for n in names) else None
    if command[0] == "CMD" and (basename(command[1]) in SHELLS or command[1].endswith(".sh")):
        return command[0]
    return None


def probes_leak(task: TaskDef, c: Container) -> bool:
    """Orphans of a timed-out health-check probe stay zombies: they are re-parented to PID 1,
    which is the main process (pid1-facts §5). Not claimed when a `sh -c` layer may stay PID 1,
    since a shell waits for any child. Without an argv, the image's is taken to start no init,
    as INIT001 does."""
    if not without_init(task, c) or health_probe(c) is None:
        return False
    started = launch(c)
    return started is None or all(s.verdict == "exec" or s.shell_execs for s in started.scripts)
