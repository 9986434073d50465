"""SIG002 shell-main-not-execable: a `sh -c` script's main process cannot simply be exec'd.

## What it does
Flags a shell `-c` script whose main process is not the script's final simple command: the
script ends in a pipeline, a background job followed by `wait`, a compound command (`if`, a
subshell or `{ …; }`), a loop that restarts a program (`while true; do ./server; done`), the main command is followed by other commands (`app; echo
done`: a final builtin such as `echo`, `true`, `:`, `cd`, `exit` or `wait` is never the main
process), the main command is negated (`! app`: the shell waits to invert its status), the
script ends by sourcing a file (`. ./start.sh`, whose commands are not read here), or a TERM
trap is set. The forwarding pattern
`trap 'kill -TERM $pid; wait $pid' TERM; app & pid=$!; wait $pid` is graceful and not flagged;
a TERM trap that ends `app & wait` without passing the signal on is SIG006's finding, and a
keep-alive as the main command is SIG004's (or, alone, harmless behind an init). Not flagged
either: a script ending in a loop (`while true; do …; sleep 60; done`), which no `exec` can
replace and whose PID 1 INIT001 already reports, when its body sleeps or runs only builtins
and pipelines (so a restart loop with a `sleep`, or its program in an `if`, is missed),
and a one-shot check that maps its command's status to an exit code (`cmd && exit 0 || exit 1`).
Under busybox's ash, whose `-c` execs through `if`, subshells and groups, those are not flagged.

## Why is this bad?
In each of these shapes the shell keeps running as PID 1 with the app as its child, in dash,
bash and busybox alike. PID 1 ignores SIGTERM unless it has a handler, so ECS waits
`stopTimeout` and SIGKILLs the task; a trap makes every shell fork the app instead of exec'ing it.

## Example
```json
{"command": ["sh", "-c", "./server | tee /var/log/server.log"]}
```
Use instead: log to stdout (the awslogs driver collects it) and exec the server:
```json
{"command": ["sh", "-c", "exec ./server"]}
```

## Fix and its safety
No automatic fix: which command is the main one, and what the trailing commands or the pipe
were for, is the author's call. The message says what to change.

## Sources
pid1-facts §4 (the table rows for pipelines, trailing commands, `& wait`, traps, compounds).
"""

from ecsinit_lint.analysis.checks import init_in_front, label, scripts, where
from ecsinit_lint.core.findings import Violation
from ecsinit_lint.engine.registry import rule

ADVICE = {
    "pipeline": "the script ends in a pipeline; exec the main program and send its output to stdout instead of piping it",
    "background-wait": "the script backgrounds its main program and waits; run it in the foreground with `exec`, "
    "or forward the signal: `trap 'kill -TERM $pid; wait $pid' TERM; app & pid=$!; wait $pid`",
    "compound": "the script ends in a compound command (if, subshell or group); "
    "end it with `exec` of the main program instead",
    "loop": "the script ends in a loop around its program, which no shell execs; run the program once with `exec` "
    "and let ECS restart the container",
    "followed": "`{after}` follows the last program `{app}`; if `{app}` is the main program, make it the last command "
    "and exec it",
    "negated": "`!` makes the shell wait for `{app}` to invert its exit status; drop the `!` and exec `{app}`",
    "sourced": "the script ends by sourcing `{file}`, whose commands run in this shell; unless that file ends in `exec` "
    "of the main program (not checked here), the shell stays in front of it",
    "trap": "a TERM trap makes the shell run `{app}` as a child; drop the trap and exec `{app}`, or forward the signal",
}


@rule("SIG002", "shell-main-not-execable", "warning")
def check(task):
    for c, started, script in scripts(task):
        verdict = script.verdict
        if verdict not in ADVICE or (verdict == "background-wait" and (script.forwards_term or script.trap_kills_app)):
            continue  # graceful (forwarding pattern), or SIG006's finding
        if verdict == "compound" and script.shell in ("busybox", "ash"):
            continue
        app = script.main.words[0] if script.main else ""
        file = script.main.words[1] if script.main and len(script.main.words) > 1 else ""
        advice = ADVICE[verdict].format(app=app, after=script.after, file=file)
        pointer = where(c, started, script)
        init = init_in_front(c, started)
        if init and script is started.scripts[0]:
            what = f"{init} forwards SIGTERM only to the `{script.shell} -c` shell of {label(c)}, not to the app"
        else:
            what = f"`{script.shell} -c` stays PID 1 of {label(c)} and drops SIGTERM"
        message = f"{what}: {advice}"
        yield Violation(pointer, message)
