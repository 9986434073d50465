"""INIT005 healthcheck-leaks-zombies: a health check's timed-out probes leave zombies behind.

## What it does
Flags a Linux container with a `healthCheck` whose probe forks children (a `CMD-SHELL`
script that runs a program, not only builtins such as `echo`; or a `CMD` that runs a shell or
a `.sh` script) and no init: `initProcessEnabled` is
not `true`, no init or supervisor starts the argv, and the main process is PID 1 (an argv
whose `sh -c` layer may stay PID 1 is not flagged: a shell waits for any child).
Reported once per container: when INIT001 (missing-init-process) is selected and fires for the
container, its message names the health check and this rule stands down, so there is one
finding to fix or suppress. With INIT001 ignored, this rule reports on its own.

## Why is this bad?
Docker runs each probe with `exec` inside the container and kills it when it exceeds the
`timeout`. The probe's children are orphaned and re-parented to the container's PID 1; a main
process that waits only for its own children (most programs; process managers such as nginx's
master that wait for any child are the exception) leaves them as zombies, one batch per timed-out probe,
until the PID table fills and `fork` fails. MinIO users counted 815 zombies from
`healthcheck.sh`; crate/docker-crate#113 is the same failure.

## Example
```json
{"name": "db", "image": "crate:5",
 "healthCheck": {"command": ["CMD-SHELL", "curl -f localhost:4200 || exit 1"], "timeout": 5}}
```
Use instead:
```json
{"name": "db", "image": "crate:5", "linuxParameters": {"initProcessEnabled": true},
 "healthCheck": {"command": ["CMD-SHELL", "curl -f localhost:4200 || exit 1"], "timeout": 5}}
```

## Fix and its safety
No fix of its own: INIT001's safe fix (`initProcessEnabled: true`) cures both.

## Sources
pid1-facts §5 (reaping; health checks: crate/docker-crate#113, minio#6974), §1 (orphans are
re-parented to PID 1), §2 (the flag, pidMode); tests/test_init_kernel.py kills a forking probe
entered with `nsenter`: its children stay zombies under an app as PID 1, not under tini or a
shell that stays PID 1.
"""

from ecsinit_lint.analysis.checks import label, linux_containers
from ecsinit_lint.analysis.reaping import health_probe, probes_leak
from ecsinit_lint.core.findings import Violation
from ecsinit_lint.engine.registry import rule


@rule("INIT005", "healthcheck-leaks-zombies", "warning", merged_into="INIT001")
def check(task):
    for c in linux_containers(task):
        if probes_leak(task, c):
            message = (f"the children of any `{health_probe(c)}` health-check probe of {label(c)} that times out are "
                       f"left to its PID 1, the main process, and stay zombies unless it waits for every child "
                       f"(most programs wait only for their own)")  # fmt: skip
            yield Violation(c.ptr("healthCheck"), message)
