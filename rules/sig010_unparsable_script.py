"""SIG010 unparsable-script: a `sh -c` script that ecsinit-lint cannot parse.

## What it does
Flags a shell `-c` script that the shell parser (bashlex) rejects, so that none of the other
SIG rules could check how its main process runs: an unbalanced quote, a stray `;;` or `fi`,
or bash syntax that bashlex's grammar does not take (`[[ … ]]`, arrays, `for ((…))`), which
may well be fine. Valid shell that bashlex stops at because it lacks the construct (`case`,
`time`, `select`, `coproc`, `$((…))`) is not flagged: nothing is claimed about such a script,
and the other SIG rules say nothing about it either.

## Why is this bad?
Nothing is known about the script: whether its main command is `exec`'d, piped, backgrounded
or wrapped in `su`. A silent pass would claim more than was checked.

## Example
```json
{"command": ["sh", "-c", "echo 'starting; exec ./server"]}
```
Close the quote (`echo 'starting'; exec ./server`). If the script is valid shell that bashlex
rejects, check by hand that it ends in `exec` of the main program, then ignore this finding for
the container, or move the script into the image as an entrypoint file.

## Fix and its safety
No fix.

## Sources
pid1-facts §4 (what the other SIG rules would have checked).
"""

from ecsinit_lint.analysis.checks import label, scripts, where
from ecsinit_lint.core.findings import Violation
from ecsinit_lint.engine.registry import rule


@rule("SIG010", "unparsable-script", "warning")
def check(task):
    for c, started, script in scripts(task):
        if script.verdict == "error":
            pointer = where(c, started, script)
            message = (f"cannot tell whether the `{script.shell} -c` script of {label(c)} execs its main "
                       f"process: it does not parse ({script.error})")  # fmt: skip
            yield Violation(pointer, message)
