"""SIG007 single-string-command: the argv's first element is a whole command line with spaces.

## What it does
Flags a container whose argv starts with one string holding spaces, such as
`"command": ["npm start"]` or `"entryPoint": ["java -jar app.jar"]`, or with a shell builtin
or keyword that is no program (`["exec", "node", "server.js"]`). An element that is the
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
When the string has no shell syntax (quotes, `$`, `;`, `&`, `|`, redirections, globs, `~`,
variable assignments): splits it into words with `shlex.split`, exactly as a shell would, and
drops a leading `exec` (an argv is exec'd anyway). Safe when the string is in the task
definition's `entryPoint`; unsafe when only `command` is set, as an image ENTRYPOINT that runs
its arguments with `sh -c` would then get the words one by one (`sh -c npm start` runs `npm`
alone). No fix when the first word is a shell keyword or builtin with no program behind it
(`if`, `cd`, `export`, …), which no split can make start, nor with shell syntax: wrap it as
`["sh", "-c", "exec …"]` by hand. The same holds for an argv whose first element is such a word
on its own (`["exec", "node", "server.js"]`, `["cd", "/app"]`): flagged, and a leading `exec`
is dropped the same way.

## Sources
pid1-facts §3 (how entryPoint and command make the argv), §4 (single-element commands).
"""

from ecsinit_lint.analysis.checks import label, linux_containers
from ecsinit_lint.analysis.shell import META, NOT_PROGRAMS, split_exec
from ecsinit_lint.core.findings import Applicability, Fix, Violation
from ecsinit_lint.engine.registry import rule
from ecsinit_lint.fix.patches import argv_field, replace_value


@rule("SIG007", "single-string-command", "error", fixable="sometimes")
def check(task):
    for c in linux_containers(task):
        argv = c.argv
        if not argv or (len(argv[0].split()) < 2 and argv[0] not in NOT_PROGRAMS):
            continue
        field = argv_field(c)
        line = argv[0]
        unless = "" if field == "entryPoint" else ", unless the image's ENTRYPOINT passes it to a shell"
        if line in NOT_PROGRAMS:
            message = (f"{label(c)} starts with `{line}`, a shell builtin or keyword that is no program: Docker cannot "
                       f"run it and the container fails to start{unless}")  # fmt: skip
        else:
            message = (f"{label(c)} starts with the single string `{line}`: Docker looks for an executable named "
                       f"with the spaces and the container fails to start{unless}")  # fmt: skip
        fix, old = None, c.get(field)
        import shlex  # only for a single-string command: not on a clean file's path

        words = None if META.search(line) else split_exec(shlex.split(line) + old[1:])
        if words and "=" not in words[0] and words[0] not in NOT_PROGRAMS:
            title = f"Split `{line}` into its words" if " " in line.strip() else f"Drop the leading `{line}`"
            fix = Fix(
                title,
                replace_value(c.ptr(field), old, words),
                Applicability.SAFE if field == "entryPoint" else Applicability.UNSAFE,
            )
        yield Violation(c.argv_pointers[0], message, fix=fix)
