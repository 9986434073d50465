"""INIT001 missing-init-process: a Linux container runs without an init process.

## What it does
Flags a container of a Linux task whose `linuxParameters.initProcessEnabled` is not `true`
and whose argv does not start an init or supervisor (tini, docker-init, dumb-init, catatonit,
s6-overlay's `/init`, supervisord, runit, systemd). Not raised for Windows tasks, nor when the
task's `pidMode` is `task` or `host`, where Docker adds no init and the flag does nothing.
When the container also has a health check whose timed-out probes leak zombies, the message
says so and INIT005 stands down for the container (one finding to fix or suppress, not two).

## Why is this bad?
The container's main process runs as PID 1. The kernel delivers SIGTERM to PID 1 only if it
installed a handler, so when ECS stops the task it waits `stopTimeout` and then SIGKILLs it.
Orphaned children are re-parented to PID 1, and a process that does not `wait` for them leaves
zombies until the PID table fills and `fork` fails ("Resource temporarily unavailable"): one
Zabbix server container gathered 4,035 of them. When the image's ENTRYPOINT itself starts an
init, the finding does not apply: with `--images` that ENTRYPOINT is read and counts (no
finding), and a task `entryPoint` that drops it is INIT006's finding, which this one defers to.

## Example
```json
{"name": "zabbix-server", "image": "zabbix/zabbix-server-mysql"}
```
Use instead:
```json
{"name": "zabbix-server", "image": "zabbix/zabbix-server-mysql",
 "linuxParameters": {"initProcessEnabled": true}}
```

## Options
`extra-inits` (list of strings, default none): argv[0] values that start your own init, such as
an entrypoint script that execs tini, or a supervisor ecsinit-lint does not know. An entry with
a `/` matches argv[0] exactly; one without matches its file name. For example, in
`[tool.ecsinit-lint.rules.INIT001]`: `extra-inits = ["/usr/local/bin/entrypoint.sh", "s6-svscan"]`.
Name only programs that forward SIGTERM and reap orphans while they run as PID 1.

## Fix and its safety
Safe: sets `linuxParameters.initProcessEnabled` to `true`, creating `linuxParameters` if needed
and keeping its other keys. Docker then runs tini as PID 1, which forwards signals and reaps.
Unsafe where the container sets `initProcessEnabled` to `false` explicitly: that is the usual
opt-out for an image whose ENTRYPOINT must itself be PID 1 (s6-overlay's `/init`, which the
task definition does not show), and such an image does not start under Docker's init (INIT002).
Unsafe too, without `--images`, for an image of a family whose `/init` is its ENTRYPOINT
(`linuxserver/*`, `lscr.io/linuxserver/*`, `ghcr.io/linuxserver/*`) or CMD (`jlesage/*`) when
the task does not replace it; with `--images` the image read decides. By hand where an `Fn::If`
gives the container another argv that must itself be PID 1 (`/init`, systemd): the flag then
belongs only in the other branch.

## Sources
pid1-facts §1 (kernel rule, Zabbix report), §2 (the flag, pidMode, Windows), §5 (reaping, health
checks), §7, §11 (the linuxserver.io and jlesage base images).
"""

import re

from ecsinit_lint.analysis.checks import MUST_BE_PID1, label, launch, linux_containers, other_views, stop_signal
from ecsinit_lint.analysis.reaping import health_probe, probes_leak, without_init
from ecsinit_lint.analysis.shell import basename
from ecsinit_lint.core.findings import Applicability, Fix, Violation
from ecsinit_lint.engine.registry import rule
from ecsinit_lint.fix.patches import set_field

OPTIONS = {
    "extra-inits": {"type": "array", "items": {"type": "string", "minLength": 1}, "default": []},
}


# Image families whose `/init` must be PID 1, and the field of theirs it is in (pid1-facts §11).
S6_FAMILIES = re.compile(r"(?:(?:lscr\.io|ghcr\.io|docker\.io|index\.docker\.io)/)?(?:(linuxserver)|(jlesage))/")


def _image_init(c) -> str | None:
    """Why the fix is unsafe when the image, not read (no --images), is of a family whose
    ENTRYPOINT or CMD is an `/init` that must be PID 1, and the task does not replace it."""
    image = c.get("image")
    m = S6_FAMILIES.match(image) if c.image is None and isinstance(image, str) else None
    if m is None or c.get("entryPoint") is not None or (m[2] and c.get("command") is not None):
        return None
    field = ("ENTRYPOINT is s6-overlay's `/init`, which must be PID 1 and does not start under Docker's init"
             if m[1] else "CMD is their own `/init`, taken to need PID 1 as s6-overlay's does")  # fmt: skip
    return f"the fix is unsafe: the {m[1] or m[2]} images' {field}; without --images the image is not read"


def _pid1_branch(c) -> tuple[str, str] | None:
    """(which `Fn::If` branches, argv[0]) of another view of this container whose argv must
    itself be PID 1: the init this view lacks would break that one (INIT002)."""
    for which, other in other_views(c):
        started = launch(other)
        if started is not None and started.pid1 in MUST_BE_PID1:
            return which, started.main[0]
    return None


def _own_init(argv: list[str] | None, extra_inits: list[str]) -> bool:
    if not argv:
        return False
    return any(argv[0] == name if "/" in name else basename(argv[0]) == name for name in extra_inits)


@rule("INIT001", "missing-init-process", "error", fixable="always", options=OPTIONS, merged_into="INIT006")
def check(task, options):
    for c in linux_containers(task):
        if not without_init(c) or _own_init(c.argv, options["extra-inits"]):
            continue
        params = c.get("linuxParameters")
        opted_out = isinstance(params, dict) and params.get(c.key("initProcessEnabled")) is False
        pointer = c.ptr("linuxParameters") if isinstance(params, dict) else c.pointer
        patch = set_field(c, ("linuxParameters", "initProcessEnabled"), True)
        zombies = "leaves orphaned children as zombies"
        if probes_leak(task, c):  # INIT005's finding, said here once
            zombies += f", among them the children of any `{health_probe(c)}` health-check probe that times out"
        message = (f"{label(c)} runs without an init: its main process is PID 1, which ignores {stop_signal(c)} unless it "
                   f"installs a handler and {zombies}")  # fmt: skip
        title = f"Set {c.dotted('linuxParameters', 'initProcessEnabled')} to true"
        applicability = Applicability.SAFE
        if branch := _pid1_branch(c):
            message += (f"; the fix is by hand: where every `Fn::If` takes its {branch[0]} branch the argv starts "
                        f"`{branch[1]}`, which must itself be PID 1 and does not start under Docker's init")  # fmt: skip
            title, applicability = (
                f"{title} only in the `Fn::If` branches whose argv is not `{branch[1]}`",
                Applicability.MANUAL,
            )
        elif opted_out:
            message += ("; the fix is unsafe: an explicit false is the usual opt-out for an image whose ENTRYPOINT "
                        "must be PID 1 (s6-overlay)")  # fmt: skip
            applicability = Applicability.UNSAFE
        elif why := _image_init(c):
            message += "; " + why
            applicability = Applicability.UNSAFE
        yield Violation(pointer, message, fix=Fix(title, patch, applicability))
