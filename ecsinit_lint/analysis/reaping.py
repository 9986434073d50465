"""Who reaps a container's orphans: whether its PID 1 is the main process itself, and whether
its health check's probes fork children that a timeout orphans (pid1-facts §1, §2, §5)."""

from __future__ import annotations

from functools import lru_cache

from ..core.taskdef import Container, TaskDef, known_str_list, memoised
from .checks import init_state, launch
from .shell import SHELLS, basename, parse

# Commands every POSIX shell runs itself, without forking a process.
BUILTINS = {"echo", "printf", "true", "false", ":", "exit", "return", "test", "[", "set", "export",
            "cd", "read", "shift", "unset", "umask", "ulimit", "trap", "wait", "kill", "local"}  # fmt: skip


@memoised  # INIT001, INIT005 and INIT006 ask of each container
def without_init(c: Container) -> bool:
    """The container's PID 1 is its own main process: no initProcessEnabled, no init or supervisor
    in the argv, and a PID namespace of its own (pidMode `task` or `host` shares one)."""
    if c.task.shares_pid_namespace or init_state(c) is not False:
        return False
    started = launch(c)
    return started is None or started.pid1 is None


@lru_cache(maxsize=256)  # the same health checks recur across files
def programs(script: str) -> tuple[str, ...] | None:
    """The command names a script runs, in any position (conditions, pipelines, command
    substitutions); None when it does not parse."""
    try:
        nodes = parse(script)
    except Exception:  # bashlex raises many kinds; each means "cannot tell"
        return None
    names: list[str] = []

    def visit(node):
        words = [p for p in getattr(node, "parts", []) if p.kind == "word"]
        if node.kind == "command" and words:
            names.append(words[0].word)
        for value in vars(node).values():
            for child in value if isinstance(value, list) else [value]:
                if hasattr(child, "kind"):
                    visit(child)

    for node in nodes:
        visit(node)
    return tuple(names)


def health_probe(c: Container) -> str | None:
    """The health check's kind when its probe forks children that a timeout can orphan: a
    `CMD-SHELL` script that runs a program (not only builtins such as `echo`), or a `CMD` that
    runs a shell or a `.sh` script (`["CMD", "curl", …]` is the probe itself and forks none)."""
    check = c.get("healthCheck")
    command = known_str_list(check.get(c.key("command"))) if isinstance(check, dict) else None
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
    if not without_init(c) or health_probe(c) is None:
        return False
    started = launch(c)
    return started is None or all(s.verdict == "exec" or s.shell_execs for s in started.scripts)
