"""SIG008 signal-dropping-init-flags: the init or supervisor in front drops SIGTERM or its services.

## What it does
Flags two ways an init in the argv loses the stop signal:
- `dumb-init` with a rewrite of signal 15 to 0 (`-r 15:0`, `--rewrite 15:0`, `--rewrite=15:0`),
  which makes dumb-init ignore SIGTERM, or to 9, which turns the stop into SIGKILL. Rewrites to
  another signal (`15:3` for nginx's graceful SIGQUIT) are deliberate and not flagged.
- `runsvdir` as the main process, whether PID 1 or behind an init.

## Why is this bad?
dumb-init's rewrite table is applied before forwarding: with `15:0` SIGTERM never reaches the
app, PID 1 carries on, and ECS SIGKILLs the task after `stopTimeout`. `runsvdir` exits at once
on SIGTERM without stopping its services ("If runsvdir receives a TERM signal, it exits with 0
immediately", runsvdir(8)); as PID 1 exits, the kernel SIGKILLs every `runsv` and service.

## Example
```json
{"command": ["dumb-init", "-r", "15:0", "--", "./server"]}
```
Use instead:
```json
{"command": ["dumb-init", "--", "./server"]}
```
For runit images, start them through an init that stops the services before it exits (such as
phusion's `/sbin/my_init`).

## Fix and its safety
No automatic fix: a rewrite may have been added on purpose for a program that shuts down on
another signal, and replacing runsvdir changes how the image starts.

## Sources
pid1-facts §7 (dumb-init `-r 15:0` drops SIGTERM; runsvdir exits at once on TERM), §1.
"""

from ecsinit_lint.analysis.checks import init_in_front, label, launches
from ecsinit_lint.analysis.shell import basename
from ecsinit_lint.core.findings import Violation
from ecsinit_lint.engine.registry import rule

LOST = {"0": "ignores SIGTERM, so ECS SIGKILLs {who} after its stop timeout",
        "9": "turns SIGTERM into SIGKILL, so {who} never shuts down gracefully"}  # fmt: skip


def rewrites(args: list[str]):
    """The (from, to) signal pairs of dumb-init's `-r`/`--rewrite` options."""
    for i, arg in enumerate(args):
        if arg in ("-r", "--rewrite") and i + 1 < len(args):
            value = args[i + 1]
        elif arg.startswith("--rewrite="):
            value = arg.split("=", 1)[1]
        elif arg.startswith("-r") and len(arg) > 2 and arg[2] != "-":
            value = arg[2:]
        else:
            continue
        source, _, target = value.partition(":")
        yield source.strip(), target.strip()


@rule("SIG008", "signal-dropping-init-flags", "warning")
def check(task):
    for c, started in launches(task):
        pointer = c.argv_pointers[0]
        if started.init == "dumb-init":
            for source, target in rewrites(started.init_args):
                if source == "15" and target in LOST:
                    yield Violation(pointer, f"`dumb-init -r {source}:{target}` " + LOST[target].format(who=label(c)))
        main = started.main or []
        if main and basename(main[0]) == "runsvdir" and (started.pid1 or init_in_front(c, started)):
            message = (f"`runsvdir` exits at once on SIGTERM without stopping its services, so the kernel SIGKILLs "
                       f"every service of {label(c)}: start it through an init that stops them first")  # fmt: skip
            yield Violation(pointer, message)
