"""STOP001 stop-timeout-range: a container's `stopTimeout` is out of range, or unusually short or long.

## What it does
Checks each container's `stopTimeout` (seconds between the stop signal and SIGKILL):
- error on Fargate outside 2–120 s, the range Fargate accepts;
- error for a negative value on any launch type: it is no number of seconds to wait;
- info under 5 s, on any launch type;
- info on EC2 (and the other agent-run launch types, and daemons) over 600 s.
Fargate is decided from the task definition: `requiresCompatibilities` containing `FARGATE`
(Fargate's limits then apply even if `EC2` is listed too); without it, a describe output's
computed `compatibilities` listing `FARGATE` but not `EC2`. Otherwise the EC2 limits apply (EC2
is the default launch type). A bare list of containers says nothing of its launch type: only
the negative and under-5 s checks run. Values behind CloudFormation intrinsics are not checked.

## Why is this bad?
When ECS stops a task it sends the stop signal, waits `stopTimeout`, then SIGKILLs.
Out of Fargate's range the value is invalid for Fargate; a negative one is a slip on any
launch type (the ECS API model gives only a bare integer, so what EC2 does with it is not
documented). Under 5 s a server rarely has time to drain connections, finish requests or
flush buffers, so every deploy and scale-in cuts work off. Over 600 s on EC2 every deploy, scale-in and instance drain can wait that long per task
for a process that hangs on shutdown.

## Example
```json
{"requiresCompatibilities": ["FARGATE"], "containerDefinitions": [
  {"name": "worker", "image": "example/worker", "stopTimeout": 300}]}
```
Use instead: `"stopTimeout": 120`, and make the worker checkpoint within that time.

## Fix and its safety
Safe, for Fargate values out of range only: clamps to 2 or 120 s, the nearest value Fargate
accepts. A negative value off Fargate, and the info findings, have no fix: the right timeout is the app's shutdown time.

## Sources
pid1-facts §3 (how ECS stops a container; `stopTimeout`: Fargate default 30 s, valid 2–120;
EC2 falls back to `ECS_CONTAINER_STOP_TIMEOUT`).
"""

from ecsinit_lint.analysis.checks import label, stop_signal
from ecsinit_lint.analysis.launchtype import launch_type
from ecsinit_lint.core.findings import Fix, Severity, Violation
from ecsinit_lint.engine.registry import rule
from ecsinit_lint.fix.patches import replace_value

FARGATE_RANGE = (2, 120)
SHORT, LONG = 5, 600


@rule("STOP001", "stop-timeout-range", "error", fixable="sometimes")
def check(task):
    if not any(c.has("stopTimeout") for c in task.containers):
        return
    platform = launch_type(task)
    for c in task.containers:
        value = c.get("stopTimeout")
        if not isinstance(value, int) or isinstance(value, bool):
            continue
        pointer = c.ptr("stopTimeout")
        low, high = FARGATE_RANGE
        if platform == "fargate" and not low <= value <= high:
            clamped = min(max(value, low), high)
            message = f"stopTimeout {value} s of {label(c)} is outside the 2–120 s that Fargate accepts"
            fix = Fix(f"Set stopTimeout to {clamped}", replace_value(pointer, value, clamped))
            yield Violation(pointer, message, fix=fix)
        elif value < 0:
            yield Violation(pointer, f"stopTimeout {value} s of {label(c)} is negative: it is no number of seconds "
                                     f"to wait between SIGTERM and SIGKILL")  # fmt: skip
        elif value < SHORT:
            yield Violation(pointer, f"{label(c)} gets only {value} s between {stop_signal(c)} and SIGKILL: likely too short "
                                     f"to drain connections or flush buffers", severity=Severity.INFO)  # fmt: skip
        elif platform == "ec2" and value > LONG:
            yield Violation(pointer, f"stopTimeout {value} s of {label(c)}: every deploy, scale-in and drain may wait "
                                     f"{value // 60} min for it to stop", severity=Severity.INFO)  # fmt: skip
