"""INIT002 init-breaks-pid1-image: `initProcessEnabled` in front of a program that must be PID 1.

## What it does
Flags a container with `linuxParameters.initProcessEnabled: true` whose argv starts
s6-overlay's `/init` or systemd (`/sbin/init`, `/usr/sbin/init`, `/lib/systemd/systemd`,
`/usr/lib/systemd/systemd`), directly or exec'd by a `sh -c` script; with `--images`, also
when that argv is the image's ENTRYPOINT (an s6-overlay image, which sets `/init`). Not raised when the task's
`pidMode` is `task` or `host`, where Docker adds no init (INIT003 covers that).

## Why is this bad?
The flag makes Docker start its own init (tini) as PID 1 with the argv as its child, so the
argv's init is PID 2. s6-overlay refuses to start ("s6-overlay-suexec: fatal: can only run as
pid 1", just-containers/s6-overlay#535 on ECS Fargate), systemd does not run as a system
manager, and busybox's init (Alpine's `/sbin/init`) dies with "must be run as PID 1": the
container exits at once, and an essential one stops the task. Both already reap
orphans and handle the stop signal, so Docker's init adds nothing.

## Example
```json
{"name": "app", "image": "example/s6-app", "entryPoint": ["/init"],
 "linuxParameters": {"initProcessEnabled": true}}
```
Use instead:
```json
{"name": "app", "image": "example/s6-app", "entryPoint": ["/init"],
 "linuxParameters": {"initProcessEnabled": false}}
```

## Fix and its safety
Safe: sets `initProcessEnabled` to `false`. The argv's init runs as PID 1, as its image expects.
By hand where an `Fn::If` gives the container another argv that starts no init: the flag is its
init there (INIT001), so it is turned off only in the branch that starts the PID-1 program.

## Sources
pid1-facts §2 (the flag prepends docker-init; it breaks s6-overlay and systemd), §7 (s6-overlay
and systemd must be PID 1); tests/test_init_kernel.py runs systemd and busybox init under tini.
"""

from ecsinit_lint.analysis.checks import (
    MUST_BE_PID1,
    docker_init_launches,
    from_image,
    label,
    launch,
    other_views,
)
from ecsinit_lint.core.findings import Applicability, Fix, Violation
from ecsinit_lint.engine.registry import rule
from ecsinit_lint.fix.patches import replace_value


@rule("INIT002", "init-breaks-pid1-image", "error", fixable="always")
def check(task):
    for c, started in docker_init_launches(task):
        if started.pid1 not in MUST_BE_PID1:
            continue
        pointer = c.ptr("linuxParameters", "initProcessEnabled")
        message = (f"initProcessEnabled makes Docker's init PID 1 of {label(c)}, but `{started.main[0]}` must itself "
                   f"be PID 1 and will not start under it{from_image(c)}")  # fmt: skip
        title, applicability = f"Set {c.dotted('linuxParameters', 'initProcessEnabled')} to false", Applicability.SAFE
        if branch := _needs_init(c):
            message += (f"; the fix is by hand: where every `Fn::If` takes its {branch} branch the argv has no init "
                        f"of its own, and the flag gives it one")  # fmt: skip
            title, applicability = (
                f"{title} only in the `Fn::If` branches whose argv is `{started.main[0]}`",
                Applicability.MANUAL,
            )
        yield Violation(pointer, message, fix=Fix(title, replace_value(pointer, True, False), applicability))


def _needs_init(c) -> str | None:
    """Which `Fn::If` branches give the container an argv that starts no init: the flag this
    fix turns off is its init there (INIT001)."""
    for which, other in other_views(c):
        started = launch(other)
        if started is None or started.pid1 is None:
            return which
    return None
