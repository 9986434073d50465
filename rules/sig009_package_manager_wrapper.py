"""SIG009 package-manager-wrapper: a package manager's script runner is the main process.

## What it does
Flags a container whose main process is `npm start`, `npm run …` (`run-script`), `yarn start`,
`yarn run …`, `pnpm start` or `pnpm run …`, directly, behind an init, or as the final command
of a shell script.

## Why is this bad?
The package manager does not exec the app: it stays in front of it and, by its documentation,
runs the package.json script through `sh -c`, so the app sits one or two processes below PID 1.
Whether SIGTERM is passed down, and whether the package manager waits for the app to finish
shutting down, depends on the tool and its version; this has not been verified here, so the
finding is a warning to check, not a certainty. The wrapper also costs memory and start time.

## Example
```json
{"command": ["npm", "start"]}
```
Use instead, what the `start` script runs:
```json
{"command": ["node", "server.js"]}
```

## Fix and its safety
No automatic fix: the command the script runs lives in package.json, not in the task definition.

## Sources
pid1-facts §4 ("npm start / yarn start run scripts through `sh -c`", [unverified]).
"""

from ecsinit_lint.analysis.checks import label, launches
from ecsinit_lint.analysis.shell import basename
from ecsinit_lint.core.findings import Violation
from ecsinit_lint.engine.registry import rule

RUNNERS = {"npm": {"start", "run", "run-script", "restart"}, "yarn": {"start", "run"}, "pnpm": {"start", "run"}}
VALUE_OPTIONS = {"--prefix", "--cwd", "--dir", "-C", "-w", "--workspace", "--filter", "-F"}


def subcommand(words: list[str]) -> str | None:
    """The first operand after the package manager's options."""
    i = 1
    while i < len(words) and words[i].startswith("-"):
        i += 2 if words[i] in VALUE_OPTIONS else 1
    return words[i] if i < len(words) else None


@rule("SIG009", "package-manager-wrapper", "warning")
def check(task):
    for c, started in launches(task):
        main = started.main
        if not main:
            continue
        tool = basename(main[0])
        sub = subcommand(main) if tool in RUNNERS else None
        if sub in RUNNERS.get(tool, ()):
            message = (f"`{tool} {sub}` stays in front of the app of {label(c)} and runs it through a shell, "
                       f"which may not pass SIGTERM on or wait for its shutdown: run the app directly")  # fmt: skip
            yield Violation(c.argv_pointers[0], message)
