"""STOP002 essential-sidecar-order: a non-essential log router or proxy that nothing depends on.

## What it does
Flags a container marked `essential: false` that is a log router (it has a
`firelensConfiguration`) or a proxy (the task's `proxyConfiguration` names it, or its image is
Envoy's), when no other container lists it in `dependsOn`. A log router is flagged only when
another container sends its logs to it (`logDriver: awsfirelens`); a proxy when the task has an
essential container besides it. Not raised when a `dependsOn` is not known (an intrinsic).

## Why is this bad?
ECS orders shutdown by `dependsOn`, in reverse: a container that the app depends on is stopped
after the app. Without the dependency, ECS stops the sidecar alongside the app, so the log
router may exit before the app has flushed its last lines, and the proxy before the app has
answered its in-flight requests: the logs of every shutdown (often the ones explaining a
crash) and the responses in flight are lost.

## Example
```json
[{"name": "log_router", "image": "amazon/aws-for-fluent-bit", "essential": false,
  "firelensConfiguration": {"type": "fluentbit"}},
 {"name": "app", "image": "example/app", "logConfiguration": {"logDriver": "awsfirelens"}}]
```
Use instead, on `app`:
```json
"dependsOn": [{"containerName": "log_router", "condition": "START"}]
```
For an Envoy proxy, `"condition": "HEALTHY"` (with a health check on the proxy).

## Fix and its safety
No fix: which containers should wait for the sidecar, and on which condition, is the
author's call.

## Sources
pid1-facts §3 (how ECS stops a container; `dependsOn` order is reversed at shutdown).
"""

from ecsinit_lint.analysis.checks import label
from ecsinit_lint.core.findings import Violation
from ecsinit_lint.core.taskdef import is_unknown
from ecsinit_lint.engine.registry import rule


@rule("STOP002", "essential-sidecar-order", "info")
def check(task):
    if all(c.get("essential") is not False for c in task.containers):
        return  # no sidecar
    depended = _depended_on(task)
    if depended is None:
        return
    proxy = task.child("proxyConfiguration")
    proxy_name = proxy.get("containerName") if proxy else None
    for c in task.containers:
        if c.get("essential") is not False or c.name is None or c.name in depended:
            continue
        others = [o for o in task.containers if o is not c and o.get("essential", True) is True]
        if c.has("firelensConfiguration"):
            apps = [o for o in others if _logs_through_firelens(o)]
            what, loses = "log router", "has flushed its last logs"
        elif c.name == proxy_name or _envoy_image(c.get("image")):
            apps, what, loses = others, "proxy", "has answered its in-flight requests"
        else:
            continue
        if apps:
            names = ", ".join(label(a) for a in apps)
            message = (f"non-essential {what} {label(c)} is in no container's dependsOn: at shutdown ECS may stop it "
                       f"before {names} {loses}; add it to their dependsOn")  # fmt: skip
            yield Violation(c.ptr("essential"), message)


def _depended_on(task) -> set[str] | None:
    """Names in any container's dependsOn, or None when one is not known."""
    names = set()
    for c in task.containers:
        deps = c.get("dependsOn", [])
        if is_unknown(deps) or not isinstance(deps, list):
            return None
        for dep in deps:
            name = dep.get(c.key("containerName")) if isinstance(dep, dict) else None
            if not isinstance(name, str):
                return None
            names.add(name)
    return names


def _logs_through_firelens(c) -> bool:
    config = c.child("logConfiguration")
    return config is not None and config.get("logDriver") == "awsfirelens"


def _envoy_image(image) -> bool:
    if not isinstance(image, str):
        return False
    repository = image.split("@")[0].rsplit("/", 1)[-1].split(":")[0]
    return "envoy" in repository
