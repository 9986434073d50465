"""SIG001 shell-without-exec: a `sh -c` script runs its main command as a child of the shell.

## What it does
Flags a shell (`sh`, `bash`, `dash`, `ash`, `zsh`, `ksh`, `busybox sh`, with or without a path)
started with an option cluster containing `c` whose script ends in a simple command that is
not `exec`'d. Under an explicit `bash` (5.1 and later) a final simple command without
redirections and with no background job before it, and under busybox's ash any final simple
command, is not flagged: those shells exec it themselves, unless a trap is set or the command
is a shell function or `eval`. A function whose body, or an `eval` whose text, holds an
`exec` is not flagged: whether it replaces the shell is not worked out. Also raised behind an init
(`tini -- sh -c …`, or `initProcessEnabled: true`). A keep-alive such as `tail -f /dev/null` as the final command is SIG004's
finding, not this one: exec'ing it would not help; nor is a nested shell that only idles
(a ticker loop, a lone `sleep`), whose missing init INIT001 reports.

With `--images`, also a container whose PID 1 is its image's ENTRYPOINT script when the script,
followed for the container's arguments, Env and user, runs its main command without `exec`:
the finding is at `image`, names the script's line, and says "may" when other paths of the
script can run instead. Not raised on a script that sets a trap (it may pass SIGTERM on), on
a keep-alive (`tail -f`, `sleep`), nor on a script that cannot be followed. Also when the
script execs a `SHELL -c` that does not exec its main command (a shell-form CMD through
`exec "$@"`, judged by the image's `/bin/sh`), unless the task definition sets that argv.

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
environment and redirections. Unsafe when the shell sets a trap with an action (`trap cleanup
EXIT`, or on any other signal, also through `command trap` or `builtin trap`): after `exec` the
trap never runs. Unsafe too after `eval`, `.` or `source`, whose code is not read: it may define
the final name as a function or alias, or set a trap. `exec` goes after every leading assignment,
wherever redirections stand among them (`</dev/null PORT=80 exec app`). No fix when the final
command names no program: a function (`NAME()` or `function NAME`) or alias defined in the
script, `eval`, `command`, `.` or another builtin (`exec NAME` fails with "not found", exit 127); nor when the script is an unquoted word
of another script (`sh -c ./app`: the space would split it) or a quoted word with escapes.
When nested layers of one argv element all lack `exec`, each finding's patch fixes its layer
on top of the ones reported before it, so the patches apply in sequence. On an image's script,
no fix: the `exec` goes into the image's script, and the finding says where.

## Sources
pid1-facts §4 (the shell table: dash HANGs, bash and busybox exec; a script file never execs
its last command, whatever the shell), §5 (init in front of a non-exec shell kills the app
ungracefully), §1 (the kernel rule).
"""

from functools import partial

from ecsinit_lint.analysis.checks import (
    docker_init,
    element,
    image_scripts,
    init_in_front,
    keepalive,
    label,
    launch,
    script_ends,
    script_lines,
    script_sets_trap,
    scripts,
    shown_paths,
    stop_signal,
    stop_timeout,
    where,
)
from ecsinit_lint.analysis.shell import analyse
from ecsinit_lint.core.findings import Applicability, Fix, Violation
from ecsinit_lint.engine.registry import rule
from ecsinit_lint.fix.patches import replace_value

TARGET = {"program": "`{}`", "function": "what the shell function `{}` runs", "alias": "what the alias `{}` runs",
          "builtin": "what `{}` runs"}  # fmt: skip


@rule("SIG001", "shell-without-exec", "error", fixable="sometimes")
def check(task):
    flagged = []
    for c, started, script in scripts(task):
        if script.verdict != "simple" or script.shell_execs or _runs_idle_shell(started, script):
            continue
        target = TARGET[script.main.kind].format(script.main.words[0])
        init = init_in_front(c, started)
        if init and script is started.scripts[0]:
            message = (f"{init} forwards SIGTERM only to the `{script.shell} -c` shell of {label(c)}, "
                       f"so {target} is SIGKILLed without SIGTERM when the shell dies")  # fmt: skip
        elif script is not started.scripts[0]:
            message = f"the nested `{script.shell} -c` of {label(c)} runs {target} as its child and does not pass SIGTERM on to it"
        elif script.traps:  # bash then exits on SIGTERM to run an EXIT trap, and the app is SIGKILLed
            message = (f"`{script.shell} -c` runs {target} as its child to keep its trap on {', '.join(script.traps)}, "
                       f"and does not pass SIGTERM on to it: {label(c)} never stops gracefully")  # fmt: skip
        else:
            message = (f"`{script.shell} -c` runs {target} as its child and stays PID 1, dropping {stop_signal(c)}: "
                       f"ECS SIGKILLs {label(c)} after {stop_timeout(c)}")  # fmt: skip
        flagged.append((c, started, script, message))
    # Unsafe fixes last, so that a safe fix of one value never waits for an unsafe one.
    flagged.sort(key=lambda f: bool(f[2].traps or f[2].unseen))
    fixed: dict[tuple, list[int]] = {}  # (container, pointer) -> where earlier fixes put `exec `
    for c, started, script, message in flagged:
        fix, at = None, script.exec_at
        if at is not None:
            pointer = script.source[0]
            done = fixed.setdefault((id(c), pointer), [])
            original = element(c, pointer)
            old, new = _with_exec(original, done), _with_exec(original, [*done, at])
            done.append(at)
            title = f"Exec `{script.main.words[0]}` in place of the shell"
            if script.traps:
                title += f" (its trap on {', '.join(script.traps)} then never runs)"
            elif script.unseen:  # it may make the name a function or alias (exec: "not found") or set a trap
                title += (
                    f" (unless `{script.unseen}` makes `{script.main.words[0]}` a function or alias, or sets a trap)"
                )
            fix = Fix(
                title,
                replace_value(pointer, old, new),
                Applicability.UNSAFE if script.traps or script.unseen else Applicability.SAFE,
            )
        yield Violation(where(c, started, script), message, fix=fix)
    yield from _image_scripts(task)


def _image_scripts(task):
    """With --images: the image's entrypoint script runs its main command without `exec`, so
    the script's shell stays PID 1 (a script file never execs its last command, whatever the
    shell), or it execs a `SHELL -c` (a shell-form CMD through `exec "$@"`) whose script does
    not exec its own. The cure is in the image: the finding says what to change there, with no
    fix. A script that sets a trap is left alone (its trap may pass SIGTERM on), as is a
    keep-alive; a shell the task definition's own argv starts is judged above."""
    for c, ending in image_scripts(task):
        sh = c.image.shell
        # the task definition sets the argv: its shells are judged above
        stays = partial(_stays, trapped=script_sets_trap(ending), own=launch(c) is not None, sh=sh)
        paths, may = script_ends(ending, stays)
        if not paths:
            continue
        first, shell = paths[0], ending.outcome.shell
        if first.kind == "exec":
            layer = _shell_layer(first, sh)
            target = f"`{layer.main.words[0]}`"
            said = (f"the image's ENTRYPOINT `{ending.script}` {'may exec' if may else 'execs'} "
                    f"`{shown_paths(paths, '-c')}`{script_lines(paths)}, whose script runs {target} without `exec`")  # fmt: skip
            where = "the image's CMD" if tuple(first.program) == c.image.image.config.cmd else "the image's script"
            stayer, cure = f"`{layer.shell} -c`", f"put `exec` before {target} in that script ({where})"
        else:
            target = f"`{shown_paths(paths, '-c' if first.su else None)}`"
            said = (f"the image's ENTRYPOINT `{ending.script}` {'may run' if may else 'runs'} {target}"
                    f"{script_lines(paths)} without `exec`")  # fmt: skip
            stayer, cure = f"the script's shell ({shell})", "put `exec` before it in the image's script"
        if docker_init(c):
            harm = f"Docker's init forwards SIGTERM only to {stayer}, so {target} is SIGKILLed without SIGTERM when the shell dies"
        else:
            harm = f"{stayer} stays PID 1 and drops {stop_signal(c)}: ECS SIGKILLs {label(c)} after {stop_timeout(c)}"
        yield Violation(c.ptr("image"), f"{said}: {harm}: {cure}")


def _stays(p, trapped: bool, own: bool, sh) -> bool:
    """The script's shell, or the shell it execs, stays PID 1 in front of the main command."""
    if p.kind == "child":
        return not trapped and not keepalive(p)
    return p.kind == "exec" and not own and _shell_layer(p, sh) is not None


def _shell_layer(path, sh):
    """The `SHELL -c` script an exec'd program is, when it runs its main command as a child
    (as the task-definition check above judges it, with the image's /bin/sh); else None."""
    program = path.program
    if not program or not all(isinstance(w, str) for w in program):
        return None
    started = analyse(list(program), None, sh)
    script = started.scripts[0] if started.scripts else None
    if script is None or script.verdict != "simple" or script.shell_execs or script.traps or script.unseen:
        return None
    return None if _runs_idle_shell(started, script) else script


def _with_exec(text: str, offsets: list[int]) -> str:
    """The text with `exec ` inserted at each offset (offsets in the original text)."""
    for at in sorted(offsets, reverse=True):
        text = text[:at] + "exec " + text[at:]
    return text


def _runs_idle_shell(started, script) -> bool:
    """The main command is a nested shell that only idles (`sh -c "while :; do …; sleep 1; done"`):
    exec'ing it would leave a PID 1 without a handler, which is INIT001's finding."""
    layers = started.scripts
    nested = layers[layers.index(script) + 1] if layers.index(script) + 1 < len(layers) else None
    return nested is not None and nested.idle
