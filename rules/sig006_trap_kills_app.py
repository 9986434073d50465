"""SIG006 trap-kills-app: a TERM trap ends the script without passing SIGTERM to the app.

## What it does
Flags a shell `-c` script that runs its main program with `app & wait` (or `wait $pid`) and
sets a TERM trap whose action does not `kill` the program: `trap 'exit 0' TERM`,
`trap 'echo bye' TERM`. The forwarding pattern, whose trap kills the child, is not flagged.

## Why is this bad?
The trap works: SIGTERM interrupts `wait` and the shell, PID 1, exits at once. But the program
never got the signal, and when PID 1 exits the kernel SIGKILLs every other process in the
namespace. The stop looks fast and clean while the program loses whatever it had not flushed.
This holds in dash, bash and busybox alike.

## Example
```json
{"command": ["sh", "-c", "trap 'exit 0' TERM; ./server & wait"]}
```
Use instead, forwarding the signal and waiting for the program to finish:
```json
{"command": ["sh", "-c", "trap 'kill -TERM $pid; wait $pid' TERM; ./server & pid=$!; wait $pid"]}
```
Simpler still, when nothing must run after it: `exec ./server`.

## Fix and its safety
No automatic fix: the trap may do other cleanup that the author wants to keep.

## Sources
pid1-facts §4 (the `trap "exit 0" TERM; app & wait` and forwarding-pattern rows), §1.
"""

from ecsinit_lint.analysis.checks import label, scripts, where
from ecsinit_lint.core.findings import Violation
from ecsinit_lint.engine.registry import rule

FORWARD = "trap 'kill -TERM $pid; wait $pid' TERM; app & pid=$!; wait $pid"


@rule("SIG006", "trap-kills-app", "warning")
def check(task):
    for c, started, script in scripts(task):
        if script.trap_kills_app:
            app = script.main.words[0]
            message = (f"the TERM trap of the `{script.shell} -c` script of {label(c)} exits without passing "
                       f"SIGTERM to `{app}`, which the kernel then SIGKILLs: forward it with `{FORWARD}`")  # fmt: skip
            yield Violation(where(c, started, script), message)
