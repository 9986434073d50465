"""SIG005 background-main-exits: a `sh -c` script ends by backgrounding its main program.

## What it does
Flags a shell `-c` script whose last program is started with `&` and never waited for
(`./server &`, `./migrate; ./server & echo started`). With a `wait` after it, the script is
SIG002's or SIG006's business instead.

## Why is this bad?
The shell has nothing left to do and exits at once. The shell is PID 1 (or the only child of
the init), so the container's main process is gone: the kernel SIGKILLs everything else in the
PID namespace, the server with it, and an essential container stops the task right after it
started.

## Example
```json
{"command": ["sh", "-c", "./migrate && ./server &"]}
```
Use instead:
```json
{"command": ["sh", "-c", "./migrate && exec ./server"]}
```

## Fix and its safety
No automatic fix: dropping the `&` changes which command the `&&` chain backgrounds, so the
author has to say which program is the main one.

## Sources
pid1-facts §1 (when init exits, the kernel SIGKILLs the namespace), §4 (the shell table).
"""

from ecsinit_lint.analysis.checks import label, scripts, where
from ecsinit_lint.core.findings import Violation
from ecsinit_lint.engine.registry import rule


@rule("SIG005", "background-main-exits", "error")
def check(task):
    for c, started, script in scripts(task):
        if script.verdict == "background":
            app = script.main.words[0]
            message = (f"the `{script.shell} -c` script of {label(c)} ends with `{app} &` and no `wait`: the shell "
                       f"exits at once and the kernel kills `{app}` with it: run it in the foreground with `exec`")  # fmt: skip
            yield Violation(where(c, started, script), message)
