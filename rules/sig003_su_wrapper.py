"""SIG003 su-wrapper: the main process runs under `su` or `runuser`.

## What it does
Flags a container whose main process is started through `su` or `runuser`, directly as the
argv or as the final command of a shell script, `exec`'d or not. With `--images`, also a
container whose PID 1 is its image's ENTRYPOINT script when the script, followed for the
container's arguments, Env and user, ends in `exec su USER -c …` or `exec runuser …` (the
zabbix-server-mysql Ubuntu images 3.0.14–4.0.6, given no arguments): the finding is at `image`,
names the script's line, and says "may" when other paths of the script can run instead (an Env
variable not known, such as a `secrets` one); a script that cannot be followed (`eval`,
`source`) is not judged. `exec "$@"`, `exec gosu USER …` and `exec su-exec USER …` are fine.

## Why is this bad?
`su` and `runuser` do not exec the command: they stay in front of it as PID 1, forward SIGTERM,
and then SIGKILL the child 2 seconds later whatever its shutdown progress (util-linux
`su-common.c`: `sleep(2); kill(child, SIGKILL)`). As PID 1 they do not reap orphans either
(with `initProcessEnabled`, Docker's init is PID 1 and reaps, but the 2 s cut stays). A database
or a queue worker that needs more than 2 s to shut down loses its writes on every deploy.

## Example
```json
{"command": ["su", "zabbix", "-s", "/bin/bash", "-c", "/usr/sbin/zabbix_server --foreground"]}
```
Use instead: the container's `user` field, and the command itself:
```json
{"user": "zabbix", "command": ["/usr/sbin/zabbix_server", "--foreground"]}
```
When root-only setup must run first: `setup && exec gosu zabbix /usr/sbin/zabbix_server`.

## Fix and its safety
Unsafe (applied with `--unsafe-fixes`), and only when the whole argv is
`su [-s SHELL] USER -c CMD` or `runuser -u USER CMD…`: sets `user` to USER and makes CMD the
argv (split into words, a leading `exec` dropped, when it has no shell syntax and starts with a
program, else run by `SHELL -c`, where SIG001 then adds the `exec`). Unsafe because su's login environment (HOME, PATH, a login shell's profile)
is no longer set up, and `user` needs the user to exist in the image. On an image's script, no
fix: the cure is in the image, and the finding says it (`exec gosu USER COMMAND` in the script,
or `USER` in the Dockerfile and `exec COMMAND`). Turning the init on does not cure it: `su` then
runs under Docker's init (PID 7 in the zabbix image) and still SIGKILLs the server after 2 s.

## Sources
pid1-facts §6 (privilege-drop wrappers), §5 (su does not reap), §11 (the zabbix script, and
busybox su, which execs: a script run by busybox is not judged on its su).
"""

from ecsinit_lint.analysis.checks import (
    docker_init,
    image_scripts,
    init_in_front,
    label,
    launch,
    launches,
    script_ends,
    script_lines,
    shown,
    shown_paths,
)
from ecsinit_lint.analysis.shell import basename, su_replacement
from ecsinit_lint.core.findings import Applicability, Fix, Violation
from ecsinit_lint.engine.registry import rule
from ecsinit_lint.fix.patches import add, guard, replace_argv


@rule("SIG003", "su-wrapper", "error", fixable="sometimes")
def check(task):
    for c, started in launches(task):
        if started.su is None:
            continue
        tool = basename(started.su[0])
        if init_in_front(c, started):  # the init is PID 1 and reaps; su still cuts the shutdown short
            message = (f"`{tool}` stays in front of the app of {label(c)} and SIGKILLs it 2 s after SIGTERM: "
                       f"set the container's `user` and exec the command")  # fmt: skip
        else:
            message = (f"`{tool}` stays PID 1 of {label(c)} and SIGKILLs the app 2 s after SIGTERM, "
                       f"and never reaps orphans: set the container's `user` and exec the command")  # fmt: skip
        pointers = c.argv_pointers
        fix = None
        if started.su_direct and basename(started.argv[0]) == tool and (swap := su_replacement(started.argv)):
            user, argv = swap
            patch = [guard(c), *replace_argv(c, argv), add(c.ptr("user"), user)]
            fix = Fix(f"Set `user` to {user} and run the command without {tool}", patch, Applicability.UNSAFE)
        yield Violation(pointers[0], message, fix=fix)
    yield from _image_scripts(task)


def _image_scripts(task):
    """With --images: the image's entrypoint script ends in `exec su …`/`exec runuser …`. The
    cure is in the image, so the finding says what to change there and has no fix."""
    for c, ending in image_scripts(task):
        started = launch(c)
        if started is not None and started.su is not None:
            continue  # the task definition's own argv names the su: said above
        paths, may = script_ends(ending, lambda p: p.kind == "su")
        if not paths:
            continue
        first = paths[0]
        tool = basename(first.su[0])
        said = (f"the image's ENTRYPOINT `{ending.script}` {'may end' if may else 'ends'} in "
                f"`exec {shown_paths(paths, '-c')}`{script_lines(paths)}")  # fmt: skip
        if docker_init(c):  # the init is PID 1 and reaps; su still cuts the shutdown short
            harm = f"`{tool}` stays in front of the app of {label(c)} and SIGKILLs it 2 s after SIGTERM"
        else:
            harm = f"`{tool}` stays PID 1 of {label(c)} and SIGKILLs the app 2 s after SIGTERM, and never reaps orphans"
        swap = su_replacement(list(first.su)) if all(isinstance(w, str) for w in first.su) else None
        instead = f"`exec gosu {swap[0]} {shown(swap[1], keep=1)}`" if swap else "`exec gosu USER COMMAND`"
        cure = f"in the image's script, replace it with {instead} (gosu, su-exec and setpriv exec)"
        yield Violation(c.ptr("image"), f"{said}: {harm}: {cure}")
