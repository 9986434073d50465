"""INIT004 redundant-init: `initProcessEnabled` and an init in the argv, one inside the other.

## What it does
Flags a container with `linuxParameters.initProcessEnabled: true` whose argv starts tini
(`tini`, `tini-static`, `docker-init`, `/dev/init`), dumb-init or catatonit as its PID 1
program. Not raised when the task's `pidMode` is `task` or `host`, where Docker adds no init.

## Why is this bad?
The flag makes Docker run its own init (tini) as PID 1, so the argv's init runs as PID 2 under
it. Signals still arrive (the outer init forwards to the inner, which forwards to the app) and
the outer init reaps the orphans, so nothing breaks, but one init is dead weight. tini as
PID 2 without `-s` (or `TINI_SUBREAPER` in the environment) prints a warning at every start
("Tini is not running as PID 1 and isn't registered as a child subreaper") and reaps nothing:
orphans skip it and go to PID 1.

## Example
```json
{"name": "app", "image": "example/app", "entryPoint": ["tini", "--"], "command": ["./server"],
 "linuxParameters": {"initProcessEnabled": true}}
```
Use instead: one init, Docker's:
```json
{"name": "app", "image": "example/app", "entryPoint": ["./server"],
 "linuxParameters": {"initProcessEnabled": true}}
```
or keep tini and make it a subreaper: `"entryPoint": ["tini", "-s", "--"]`.

## Fix and its safety
Unsafe, and only when the init is the argv's first element. It drops the init and its options,
keeping the rest of the argv (`entryPoint` becomes the whole argv). tini with options Docker's
init lacks (`-g`, `-e`, `-p`…) is kept: without `-s` the fix adds it, so that it reaps as a
subreaper and stops warning; with `-s` (or `TINI_SUBREAPER`) it is the author's deliberate
choice and not reported. Unsafe because the inits differ in what
they signal: dumb-init sends the signal to the child's whole process group and may rewrite it
(`-r`), catatonit with `-g` signals the group too, while Docker's tini signals only its child.

## Sources
pid1-facts §2 (the flag prepends docker-init, tini), §7 (inits in argv[0]; tini `-s`);
tests/test_init_kernel.py: tini below a PID 1 that does not reap warns and leaves every orphan
a zombie, with `-s` none; below another tini, the outer one reaps.
"""

from ecsinit_lint.analysis.checks import docker_init_launches, label
from ecsinit_lint.analysis.shell import FORWARDING_INITS, basename
from ecsinit_lint.core.findings import Applicability, Fix, Violation
from ecsinit_lint.core.taskdef import is_unknown
from ecsinit_lint.engine.registry import rule
from ecsinit_lint.fix.patches import argv_field, replace_argv, replace_value


@rule("INIT004", "redundant-init", "info", fixable="sometimes")
def check(task):
    for c, started in docker_init_launches(task):
        if started.init is None:
            continue
        tool = started.init
        blind = tool == "tini" and not _subreaper(c, started.init_args)
        # tini with options Docker's init lacks (-g, -e, -p…) is deliberate; with `-s` it also reaps
        plain = set(started.init_args) <= {"--", "-s"}
        if tool == "tini" and not blind and not plain:
            continue
        if blind:
            message = (f"`tini` runs as PID 2 of {label(c)} under the init that initProcessEnabled adds: "
                       f"without `-s` it warns at every start and reaps nothing; one of the two inits is redundant")  # fmt: skip
        else:
            message = f"`{tool}` runs as PID 2 of {label(c)} under the init that initProcessEnabled adds: one of the two inits is redundant"
        direct = started.argv[0] == "/dev/init" or FORWARDING_INITS.get(basename(started.argv[0])) == tool
        fix, rest = None, started.argv[1 + len(started.init_args) :]
        if direct and (tool != "tini" or plain):
            if rest:
                fix = Fix(
                    f"Drop `{tool}` and let Docker's init run the command", replace_argv(c, rest), Applicability.UNSAFE
                )
        elif direct and blind:
            field = argv_field(c)
            old = c.get(field)
            patch = replace_value(c.ptr(field), old, [old[0], "-s", *old[1:]])
            fix = Fix("Add `-s` to tini so that it reaps as a subreaper", patch, Applicability.UNSAFE)
        yield Violation(c.argv_pointers[0], message, fix=fix)


def _subreaper(c, init_args: list[str]) -> bool:
    """tini registers as a child subreaper: `-s` in its options or TINI_SUBREAPER set (also when
    the environment is not known)."""
    if any(a.startswith("-") and not a.startswith("--") and "s" in a[1:] for a in init_args):
        return True
    env = c.get("environment")
    if env is None:
        return False
    if is_unknown(env) or not isinstance(env, list):
        return True
    names = [e.get(c.key("name")) if isinstance(e, dict) else None for e in env]
    return any(name == "TINI_SUBREAPER" or not isinstance(name, str) for name in names)
