"""SIG007 single-string-command: the argv's first element is a whole command line with spaces.

## What it does
Flags a container whose argv starts with one string holding spaces, such as
`"command": ["npm start"]` or `"entryPoint": ["java -jar app.jar"]`. An element that is the
script of `sh -c` is fine and not flagged.

## Why is this bad?
`entryPoint` and `command` are argv arrays, not command lines: nothing splits them into words.
Docker looks for an executable named `npm start`, spaces included, and the container fails to
start ("executable file not found in $PATH"). With `command` alone, the image's ENTRYPOINT
comes first; only an ENTRYPOINT that passes its arguments to a shell would make it work.

## Example
```json
{"command": ["npm start"]}
```
Use instead:
```json
{"command": ["npm", "start"]}
```

## Fix and its safety
Safe when the string has no shell syntax (quotes, `$`, `;`, `&`, `|`, redirections, globs,
`~`, variable assignments): splits it into words with `shlex.split`, exactly as a shell would.
With shell syntax, no fix: wrap it as `["sh", "-c", "exec …"]` by hand.

## Sources
pid1-facts §3 (how entryPoint and command make the argv), §4 (single-element commands).
"""

import shlex

from ecsinit_lint.checks import label, linux_containers
from ecsinit_lint.registry import Fix, Violation, rule
from ecsinit_lint.shell import META


@rule("SIG007", "single-string-command", "error", fixable="sometimes")
def check(task):
    for c in linux_containers(task):
        argv = c.argv
        if not argv or len(argv[0].split()) < 2:
            continue
        field = "entryPoint" if c.get("entryPoint") else "command"
        line = argv[0]
        unless = "" if field == "entryPoint" else ", unless the image's ENTRYPOINT passes it to a shell"
        message = (f"{label(c)} starts with the single string `{line}`: Docker looks for an executable named "
                   f"with the spaces and the container fails to start{unless}")  # fmt: skip
        fix = None
        words = None if META.search(line) else shlex.split(line)
        if words and "=" not in words[0]:
            old = c.get(field)
            patch = [{"op": "test", "path": c.ptr(field), "value": old},
                     {"op": "replace", "path": c.ptr(field), "value": words + old[1:]}]  # fmt: skip
            fix = Fix(f"Split `{line}` into its words", patch)
        yield Violation(c.argv_pointers()[0], message, c.name, fix)
