"""SIG004 keepalive-as-main: the main process is a keep-alive and the real program runs beside it.

## What it does
Flags a shell `-c` script whose final command is a keep-alive (`tail -f …`, `sleep infinity`
or any other `sleep`, `while true; do sleep …; done`), `exec`'d or not, after other
programs were started (`app & tail -f /dev/null`, `service nginx start && tail -f log`). A lone
keep-alive has nothing to lose at a stop and is not flagged (INIT001 covers its missing init;
`exec sleep` would not help, as `sleep` has no SIGTERM handler).

## Why is this bad?
The keep-alive, or the shell waiting for it, is what ECS's SIGTERM reaches; the program doing
the work never gets it. Without an init, PID 1 ignores SIGTERM and ECS SIGKILLs the task after
`stopTimeout`; behind an init, the keep-alive dies at once and the kernel SIGKILLs the program
with it. Either way it never shuts down gracefully, in dash, bash and busybox alike.

## Example
```json
{"command": ["sh", "-c", "./server & tail -f /dev/null"]}
```
Use instead:
```json
{"command": ["sh", "-c", "exec ./server"]}
```
If the program must run in the background, forward the signal:
`trap 'kill -TERM $pid; wait $pid' TERM; ./server & pid=$!; wait $pid`.

## Fix and its safety
No automatic fix: whether the program can run in the foreground is the author's call.

## Sources
pid1-facts §4 (keep-alive row: HANG in every shell), §5 (init in front of a non-exec shell
kills the app ungracefully), §1 (the kernel rule).
"""

from ecsinit_lint.analysis.checks import label, scripts, where
from ecsinit_lint.core.findings import Violation
from ecsinit_lint.engine.registry import rule


@rule("SIG004", "keepalive-as-main", "warning")
def check(task):
    for c, started, script in scripts(task):
        if script.verdict == "keepalive" and script.beside:
            message = (f"the main process of {label(c)} is the keep-alive `{script.keepalive}`, so `{script.beside}` "
                       f"never gets SIGTERM and is SIGKILLed when the task stops: run it in the foreground with `exec`")  # fmt: skip
            yield Violation(where(c, started, script), message)
