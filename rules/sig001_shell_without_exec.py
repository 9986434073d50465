"""SIG001 shell-without-exec: a `sh -c` script runs its main command as a child of the shell.

## What it does
Flags a shell (`sh`, `bash`, `dash`, `ash`, `zsh`, `ksh`, `busybox sh`, with or without a path)
started with an option cluster containing `c` whose script ends in a simple command that is
not `exec`'d. Under an explicit `bash` (5.1 and later) a final simple command without
redirections and with no background job before it, and under busybox's ash any final simple
command, is not flagged: those shells exec it themselves. Also raised behind an init
(`tini -- sh -c …`, or `initProcessEnabled: true`). A keep-alive such as `tail -f /dev/null` as the final command is SIG004's
finding, not this one: exec'ing it would not help; nor is a nested shell that only idles
(a ticker loop, a lone `sleep`), whose missing init INIT001 reports.

## Why is this bad?
Debian's and Ubuntu's `/bin/sh` is dash, which never execs the last command of `-c`: the shell
stays PID 1, and PID 1 without a handler ignores SIGTERM, so ECS waits `stopTimeout` and
SIGKILLs the task. Behind an init it is no better: tini forwards SIGTERM only to the shell,
the shell dies, and the kernel SIGKILLs the app without it ever seeing SIGTERM.

## Example
```json
{"command": ["sh", "-c", "./migrate && ./server"]}
```
Use instead:
```json
{"command": ["sh", "-c", "./migrate && exec ./server"]}
```

## Fix and its safety
Safe: inserts `exec ` before the final command and leaves the rest of the script byte for
byte as it was. The command then replaces the shell, the same program with the same arguments,
environment and redirections. No fix when the script is itself a quoted word with escapes
inside another script.

## Sources
pid1-facts §4 (the shell table: dash HANGs, bash and busybox exec), §5 (init in front of a
non-exec shell kills the app ungracefully), §1 (the kernel rule).
"""

from ecsinit_lint.checks import element, init_in_front, label, replace_fix, scripts, stop_timeout, where
from ecsinit_lint.registry import Fix, Violation, rule


@rule("SIG001", "shell-without-exec", "error", fixable="sometimes")
def check(task):
    for c, started, script in scripts(task):
        if script.verdict != "simple" or script.shell_execs or _runs_idle_shell(started, script):
            continue
        app = script.main.words[0]
        init = init_in_front(c, started)
        if init and script is started.scripts[0]:
            message = (f"{init} forwards SIGTERM only to the `{script.shell} -c` shell of {label(c)}, "
                       f"so `{app}` is SIGKILLed without SIGTERM when the shell dies")  # fmt: skip
        elif script is not started.scripts[0]:
            message = f"the nested `{script.shell} -c` of {label(c)} runs `{app}` as its child and does not pass SIGTERM on to it"
        else:
            message = (f"`{script.shell} -c` runs `{app}` as its child and stays PID 1, dropping SIGTERM: "
                       f"ECS SIGKILLs {label(c)} after {stop_timeout(c)}")  # fmt: skip
        fix = None
        if script.source is not None:
            pointer = script.source[0]
            old = element(c, pointer)
            new = script.exec_fix(old)
            fix = Fix(f"Exec `{app}` in place of the shell", replace_fix(pointer, old, new))
        yield Violation(where(c, started, script), message, c.name, fix)


def _runs_idle_shell(started, script) -> bool:
    """The main command is a nested shell that only idles (`sh -c "while :; do …; sleep 1; done"`):
    exec'ing it would leave a PID 1 without a handler, which is INIT001's finding."""
    layers = started.scripts
    nested = layers[layers.index(script) + 1] if layers.index(script) + 1 < len(layers) else None
    return nested is not None and nested.idle
