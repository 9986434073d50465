"""INIT006 entrypoint-drops-image-init: a task `entryPoint` replaces an image ENTRYPOINT that started an init.

## What it does
With `--images` (or `images = true`), flags a container of a Linux task whose task-definition
`entryPoint` replaces an image ENTRYPOINT that starts an init (tini, dumb-init, catatonit,
docker-init), when `initProcessEnabled` is not `true`, the task has its own PID namespace and
the new argv starts no init or supervisor of its own. Without images nothing is known of the
image ENTRYPOINT, and the rule is silent. INIT001 stands down for the container: this finding
says it.

## Why is this bad?
Docker replaces the image's ENTRYPOINT with the task's `entryPoint` and drops the image's CMD
too, so the tini the image put in front of its program is gone and the program runs as PID 1:
it ignores SIGTERM unless it installs a handler (ECS SIGKILLs it after `stopTimeout`) and leaves
orphaned children as zombies. `jenkins/jenkins` (`["/usr/bin/tini", "--",
"/usr/local/bin/jenkins.sh"]`) with `"entryPoint": ["/usr/local/bin/jenkins.sh"]` is one.

## Example
```json
{"name": "jenkins", "image": "jenkins/jenkins:lts", "entryPoint": ["/usr/local/bin/jenkins.sh"]}
```
Use instead:
```json
{"name": "jenkins", "image": "jenkins/jenkins:lts", "entryPoint": ["/usr/local/bin/jenkins.sh"],
 "linuxParameters": {"initProcessEnabled": true}}
```

## Fix and its safety
Safe: sets `linuxParameters.initProcessEnabled` to `true` (creating `linuxParameters` if needed),
so Docker's own init (tini) takes the place of the one the `entryPoint` dropped. Not offered
where it would break the start: the rule is not raised when the new argv starts s6-overlay's
`/init` or systemd, which must be PID 1 (INIT002).

## Sources
pid1-facts §3 (a task `entryPoint` replaces the image ENTRYPOINT and drops its CMD), §2 (the flag
starts tini as PID 1), §1 (the kernel rule), §7 (inits).
"""

from ecsinit_lint.analysis.checks import label, linux_containers, stop_signal
from ecsinit_lint.analysis.reaping import without_init
from ecsinit_lint.analysis.shell import analyse
from ecsinit_lint.core.findings import Fix, Violation
from ecsinit_lint.engine.registry import rule
from ecsinit_lint.fix.patches import set_field


@rule("INIT006", "entrypoint-drops-image-init", "error", fixable="always")
def check(task):
    for c in linux_containers(task):
        dropped = _dropped_init(c)
        if dropped is None or not without_init(c):
            continue
        init, words = dropped
        patch = set_field(c, ("linuxParameters", "initProcessEnabled"), True)
        message = (f"entryPoint replaces the image's ENTRYPOINT `{' '.join(words)}`, dropping its `{init}`: "
                   f"the main process of {label(c)} is PID 1, which ignores {stop_signal(c)} unless it installs a "
                   f"handler and leaves orphaned children as zombies")  # fmt: skip
        title = f"Set {c.dotted('linuxParameters', 'initProcessEnabled')} to true"
        yield Violation(c.ptr("entryPoint"), message, fix=Fix(title, patch))


def _dropped_init(c) -> tuple[str, tuple[str, ...]] | None:
    """(init, the image ENTRYPOINT) when the task's entryPoint replaced one that starts an init."""
    if c.image is None or not c.get("entryPoint"):
        return None
    for part in c.image.merged.dropped:
        if part.source == "image ENTRYPOINT":
            init = analyse(list(part.words)).init
            return (init, part.words) if init else None
    return None
