"""INIT003 init-ignored-with-pidmode: `initProcessEnabled` does nothing with `pidMode` task or host.

## What it does
Flags a container with `linuxParameters.initProcessEnabled: true` in a task whose `pidMode` is
`task` or `host`. Not raised for Fargate tasks (by `requiresCompatibilities`, see STOP001):
Fargate accepts only `pidMode: task`, and whether it honours the flag there is not verified.

## Why is this bad?
Docker adds its init only to a container with a PID namespace of its own. With `pidMode: task`
the ECS agent joins every container to the namespace of the task's pause container, and with
`host` to the host's, so the flag is silently a no-op: no tini runs. What happens instead:
- `task`: the pause container is PID 1 of the shared namespace and reaps the task's orphans;
  your main process is an ordinary process, which SIGTERM terminates unless it handles it.
- `host`: orphans are re-parented on the host, to the nearest child subreaper (containerd's
  shim) or the host's init, which reap them; SIGTERM reaches the main process as it would any
  host process.
Nothing is broken, but the flag promises signal forwarding and reaping it does not deliver,
and a reader of the task definition will believe it does.

## Example
```json
{"pidMode": "task", "containerDefinitions": [
  {"name": "app", "image": "example/app", "linuxParameters": {"initProcessEnabled": true}}]}
```
Drop the flag, or drop `pidMode` if the containers need not see each other's processes.

## Fix and its safety
No fix: whether `pidMode` or the flag is the mistake is the author's call.

## Sources
pid1-facts §2 (Docker adds the init only with a private PID namespace; pause container reaps in
task mode; Fargate unverified).
"""

from ecsinit_lint.analysis.checks import init_state, label, linux_containers
from ecsinit_lint.analysis.launchtype import launch_type
from ecsinit_lint.core.findings import Violation
from ecsinit_lint.engine.registry import rule

WHAT_REAPS = {
    "task": "the task's pause container is PID 1 of the shared namespace and reaps orphans",
    "host": "orphans are re-parented on the host (to containerd's shim or init), which reaps them",
}


@rule("INIT003", "init-ignored-with-pidmode", "info")
def check(task):
    mode = task.pid_mode
    if mode not in WHAT_REAPS or launch_type(task) != "ec2":
        return
    for c in linux_containers(task):
        if init_state(c) is True:
            message = (f"initProcessEnabled does nothing for {label(c)} with pidMode `{mode}`: Docker adds no init; "
                       f"{WHAT_REAPS[mode]}, and the main process gets SIGTERM as an ordinary process")  # fmt: skip
            yield Violation(c.ptr("linuxParameters", "initProcessEnabled"), message)
