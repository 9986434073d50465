"""Each SIG verdict against a real kernel (pid1-facts §10): lint `command: [SHELL, "-c", SCRIPT]`
with the library, run the same argv as PID 1 of a fresh PID namespace under dash (written `sh`
in the task definition, as Debian's /bin/sh), bash and busybox sh, stop it from outside, and
compare. A flagged container must lose the app's SIGTERM the way the rule says; an unflagged one
must shut down gracefully; a fixed one too. The shells' versions are in the report header.
Shapes the SIG rules leave to INIT001 on purpose (a lone `sleep`, loops that sleep, one-shot
checks: nothing to exec into) are not in the table: without an init they hang."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from functools import cache

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ecsinit_lint.engine.linter import lint
from ecsinit_lint.engine.registry import Selection
from ecsinit_lint.fix.fixer import fix
from ecsinit_lint.inputs.sources import load

from . import pid1

pytestmark = pytest.mark.skipif(pid1.missing() is not None, reason=pid1.missing() or "")

# pid1-facts §4's rows, and the shapes each SIG rule is about.
SCRIPTS = [
    "app", "FOO=1 app", 'app "$@"', "nohup app", "env FOO=1 app",
    "echo hi; app", "set -e; app", "cd /tmp && app", "false || app", "sleep 100 & app",
    "app > /dev/null 2>&1", "if true; then app; fi", "(app)", "{ app; }",
    "app | cat", "app; echo done", "app & wait",
    "trap 'exit 0' TERM; app", "trap 'exit 0' TERM; app & wait", "trap 'echo bye' TERM; app & wait $!",
    "trap 'kill -TERM $pid; wait $pid' TERM; app & pid=$!; wait $pid",
    "exec app", "cd /tmp && exec app", "echo hi; exec app > /dev/null",
    "app & tail -f /dev/null", "app & sleep infinity", "app & while true; do sleep 3600; done",
    "app & exec tail -f /dev/null", "app & sleep 30", "app &", "app & echo started",
    "while true; do app; done",
    "sh -c 'app'", "exec sh -c 'echo hi; exec app'", "sh -c app",
    "f() { app; }; f", "f() { exec app; }; f", "eval app", "command app", ". ./start.sh", "! app",
    "trap 'echo bye' EXIT; app", "trap 'echo bye' HUP; app", "trap '' INT; app", "(trap 'echo bye' EXIT; true); app",
]  # fmt: skip
INITS = [  # (task definition argv, argv run): an init in front
    (["tini", "--", "sh", "-c", "app"], ["tini", "--", "dash", "-c", "app"]),
    (["tini", "--", "sh", "-c", "app; echo"], ["tini", "--", "dash", "-c", "app; echo"]),
    (["tini", "--", "sh", "-c", "exec app"], ["tini", "--", "dash", "-c", "exec app"]),
    (["tini", "--", "bash", "-c", "echo hi; app"], ["tini", "--", "bash", "-c", "echo hi; app"]),
    (["tini", "--", "app"], ["tini", "--", "app"]),
    (["dumb-init", "app"], ["dumb-init", "app"]),
    (["dumb-init", "-r", "15:0", "app"], ["dumb-init", "-r", "15:0", "app"]),
    (["dumb-init", "--rewrite", "15:9", "app"], ["dumb-init", "--rewrite", "15:9", "app"]),
]
# Scripts again with `initProcessEnabled: true`, run behind tini as Docker's --init does.
WITH_INIT_FLAG = ["app", "app; echo done", "app & tail -f /dev/null", "trap 'exit 0' TERM; app & wait", "exec app",
                  "f() { app; }; f", "trap 'echo bye' EXIT; app"]  # fmt: skip
CASES = (
    [([*task, "-c", s], [*run, "-c", s], False) for s in SCRIPTS for run, task in pid1.SHELLS.values()]
    + [(task, run, False) for task, run in INITS]
    + [
        ([*task, "-c", s], ["tini", "--", *run, "-c", s], True)
        for s in WITH_INIT_FLAG
        for run, task in pid1.SHELLS.values()
    ]
)

# What each rule claims the stop looks like, without an init and behind one (tini, dumb-init):
# "hang" = PID 1 ignores SIGTERM and ECS SIGKILLs at stopTimeout; "ungraceful" = the app is
# SIGKILLed without ever getting SIGTERM; "early" = PID 1 exits at once, before any stop.
CLAIMS = {
    "SIG001": ({"hang"}, {"ungraceful"}),
    "SIG002": ({"hang"}, {"ungraceful"}),
    "SIG004": ({"hang"}, {"ungraceful"}),
    "SIG005": ({"early"}, {"early"}),
    "SIG006": ({"ungraceful"}, {"ungraceful"}),
    "SIG007": ({"early"}, {"early"}),
    "SIG008": ({"hang"}, {"hang", "ungraceful"}),  # dumb-init: 15:0 ignores, 15:9 kills
}
# A shell kept by a trap: dash and busybox stay PID 1 (hang), bash exits on SIGTERM to run an
# EXIT trap and the app is SIGKILLed (ungraceful); the message says only that SIGTERM is lost.
TRAP_CLAIM = {"hang", "ungraceful"}
INIT_NAMES = {"tini", "dumb-init"}
# Files the scripts source, in the app's directory (the working directory of a run).
SOURCED = {"start.sh": "app\n", "env.sh": "FOO=2\n", "lib.sh": "s() { app; }\n"}


def document(argv: list[str], init: bool = False):
    container = {"name": "app", "image": "debian", "command": argv}
    if init:
        container["linuxParameters"] = {"initProcessEnabled": True}
    return load("taskdef.json", json.dumps({"family": "t", "containerDefinitions": [container]}).encode())


def findings(argv: list[str], init: bool = False):
    return lint(document(argv, init), Selection(("SIG",)).rules())


def codes(argv: list[str], init: bool = False) -> list[str]:
    return sorted({f.code for f in findings(argv, init)})


def exec_fixable(argv: list[str], init: bool = False) -> bool:
    """SIG001 flags the argv and has a fix for every layer it flags."""
    fixes = [f.fix for f in findings(argv, init) if f.code == "SIG001"]
    return bool(fixes) and all(fixes)


def fixed_argv(argv: list[str], init: bool = False, unsafe: bool = True) -> list[str]:
    fixed, done = fix(document(argv, init), Selection(("SIG",)).rules(), unsafe=unsafe)
    assert done, f"no fix for {argv}"
    return fixed.data["containerDefinitions"][0]["command"]


def _run(argv: list[str]) -> str:
    """The outcome of stopping argv; a run that could not be made is reported as its error, so
    that it fails its own test, not the whole module."""
    app = pid1.App()
    try:
        with pid1._FORK:
            for name, text in SOURCED.items():
                (app.dir / name).write_text(text)
        return pid1.stop(argv, app).outcome
    except (OSError, TimeoutError) as exc:
        return f"error: {exc}"
    finally:
        app.cleanup()


@cache
def outcomes() -> dict[tuple[str, ...], str]:
    """Every run of this module at once, in threads: each takes up to pid1.GRACE seconds."""
    runs = {tuple(run) for _, run, _ in CASES}
    runs |= {tuple(swap(task, run, fixed_argv(task, init))) for task, run, init in CASES if exec_fixable(task, init)}
    with ThreadPoolExecutor(max_workers=24) as pool:
        return dict(zip(runs, pool.map(lambda argv: _run(list(argv)), runs)))


def swap(task: list[str], run: list[str], fixed: list[str]) -> list[str]:
    """The fixed argv with the real shell names of the run (fixes change only script operands);
    a run behind Docker's init has `tini --` in front."""
    head, run = run[: len(run) - len(task)], run[len(run) - len(task) :]
    return head + [r if t != r else f for t, r, f in zip(task, run, fixed)]


def _id(case) -> str:
    task, run, init = case
    return " ".join(run[2:] if init else run) + (" [initProcessEnabled]" if init else "")


@pytest.mark.parametrize(("task", "run", "init"), CASES, ids=map(_id, CASES))
def test_verdict_matches_the_kernel(task, run, init):
    found = {f.code: f.message for f in findings(task, init) if f.code in CLAIMS}
    observed = outcomes()[tuple(run)]
    if not found:
        assert observed == "graceful", f"no SIG rule flags {task}, but the stop was {observed}"
    behind_init = init or task[0] in INIT_NAMES
    for code, message in found.items():
        claim = TRAP_CLAIM if "to keep its trap" in message else CLAIMS[code][behind_init]
        assert observed in claim, f"{code} flags {task}, claiming {sorted(claim)}, but the stop was {observed}"


FIXABLE = [c for c in CASES if exec_fixable(c[0], c[2])]


@pytest.mark.parametrize(("task", "run", "init"), FIXABLE, ids=map(_id, FIXABLE))
def test_sig001_fix_is_graceful(task, run, init):
    fixed = swap(task, run, fixed_argv(task, init))
    assert "exec " in fixed[-1]
    assert outcomes()[tuple(fixed)] == "graceful", f"{fixed} still does not stop gracefully"


def test_single_string_argv_does_not_start_and_its_fix_does():
    argv = ["app --port 80"]
    assert codes(argv) == ["SIG007"]
    assert _run(argv) == "early"
    fixed = fixed_argv(argv)
    assert fixed == ["app", "--port", "80"] and codes(fixed) == []
    assert _run(fixed) == "graceful"


@pytest.mark.parametrize("shell", ["/bin/bash", "/bin/sh"])
def test_su_sigkills_a_slow_app_and_its_fix_does_not(shell):
    """SIG003: su forwards SIGTERM and SIGKILLs the app 2 s later; under dash (which forks) the
    app never even gets it. su reaps no orphans. The fix, `user` and the bare command, is graceful."""
    app = pid1.App(shutdown=4, orphans=3)
    try:
        argv = ["su", "nobody", "-s", shell, "-c", str(app.path)]
        assert codes(argv) == ["SIG003"]
        run = pid1.stop(argv, app, settle=0.5)
        assert run.zombies == 3, "su reaped the orphans"
        if shell == "/bin/bash":  # bash execs the app: it gets SIGTERM, then SIGKILL at 2 s
            assert run.outcome == "cut" and 1.5 < run.seconds < 3.5, run
        else:
            assert run.outcome == "ungraceful", run
        fixed, done = fix(document(argv), Selection(("SIG003",)).rules(), unsafe=True)
        container = fixed.data["containerDefinitions"][0]
        assert container["user"] == "nobody" and container["command"] == [str(app.path)]
        # ECS's `user` sets the ids before exec; setpriv does the same without a process of its own.
        run = pid1.stop(["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", *container["command"]], app)
        assert run.outcome == "graceful", run
    finally:
        app.cleanup()


# Each shape of fix, run for real: the fixed argv still starts the app, and an exec'd app gets
# SIGTERM. (script, the fix expected) for SIG001; the fix runs under dash, bash and busybox.
EXEC_FIXES = [
    ("cd /tmp && FOO=1 app > /dev/null 2>&1", "cd /tmp && FOO=1 exec app > /dev/null 2>&1"),
    ("trap '' INT; umask 022; app", "trap '' INT; umask 022; exec app"),
    ("(trap 'echo bye' EXIT; true); app", "(trap 'echo bye' EXIT; true); exec app"),
    ("trap 'echo bye' EXIT; app", "trap 'echo bye' EXIT; exec app"),  # unsafe: the trap is dropped
    ("f() { :; }; f; . ./env.sh; app", "f() { :; }; f; . ./env.sh; exec app"),
    ("sh -c 'app'", "exec sh -c 'exec app'"),
    ("cd /tmp && </dev/null FOO=1 app", "cd /tmp && </dev/null FOO=1 exec app"),  # exec after every assignment
    ("echo '${'b; app", "echo '${'b; exec app"),  # a text bashlex alone loops on
]


@pytest.mark.parametrize("shell", list(pid1.SHELLS))
@pytest.mark.parametrize(("script", "expected"), EXEC_FIXES, ids=[s for s, _ in EXEC_FIXES])
def test_an_exec_fix_still_starts_the_app_and_it_gets_sigterm(script, expected, shell):
    """The fix is made for `sh` (dash, which needs it); the fixed script runs in every shell."""
    fixed = fixed_argv(["sh", "-c", script])
    assert fixed == ["sh", "-c", expected]
    assert _run([*pid1.SHELLS[shell][0], "-c", expected]) == "graceful"


@pytest.mark.parametrize(("entry", "expected"), [(["exec app --port 80"], ["app", "--port", "80"]),
                                                 (["exec", "app"], ["app"])])  # fmt: skip
def test_a_split_or_dropped_exec_still_starts_the_app(entry, expected):
    """SIG007: argv[0] `exec …` cannot start; the fix drops the `exec` (and splits the string)."""
    container = {"name": "app", "image": "debian", "entryPoint": entry}
    doc = load("taskdef.json", json.dumps({"family": "t", "containerDefinitions": [container]}).encode())
    assert _run(entry) == "early"
    fixed, done = fix(doc, Selection(("SIG",)).rules())
    argv = fixed.data["containerDefinitions"][0]["entryPoint"]
    assert done and argv == expected
    assert _run(argv) == "graceful"


def test_su_with_exec_becomes_the_bare_command():
    """SIG003: `su USER -c "exec app"` becomes `user` and `[app]`, not `["exec", "app"]`."""
    app = pid1.App()
    try:
        argv = ["su", "nobody", "-s", "/bin/sh", "-c", f"exec {app.path}"]
        fixed, done = fix(document(argv), Selection(("SIG003",)).rules(), unsafe=True)
        container = fixed.data["containerDefinitions"][0]
        assert container["command"] == [str(app.path)] and container["user"] == "nobody"
        run = pid1.stop(["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", *container["command"]], app)
        assert run.outcome == "graceful", run
    finally:
        app.cleanup()


# Scripts that define names or set traps in ways the analysis does not follow, each with the
# shells that run it: no safe fix, and the script as it is starts the app (bash and busybox may
# exec its last command, which the SIG rules then leave alone).
NO_SAFE_FIX = [
    ("alias s=app\ns", ["dash", "busybox"]),  # bash -c expands no aliases
    ("eval 's() { app; }'; s", list(pid1.SHELLS)),
    ("function s { app; }; s", ["bash", "busybox"]),  # dash has no `function` keyword
    (". ./lib.sh && s", list(pid1.SHELLS)),
    ("eval \"trap 'echo bye' EXIT\"; app", list(pid1.SHELLS)),
    ("command trap 'echo bye' EXIT; app", list(pid1.SHELLS)),
    ("builtin trap 'echo bye' EXIT; app > /dev/null", ["bash"]),  # dash and busybox have no `builtin`
]


@pytest.mark.parametrize(("script", "shell"), [(s, sh) for s, shells in NO_SAFE_FIX for sh in shells])
def test_no_safe_exec_past_what_the_analysis_does_not_follow(script, shell):
    run, task = pid1.SHELLS[shell]
    fixed, _ = fix(document([*task, "-c", script]), Selection(("SIG",)).rules())
    assert fixed.data["containerDefinitions"][0]["command"][-1] == script
    assert _run([*run, "-c", script]) in ("hang", "ungraceful", "graceful")


# Scripts composed from pieces: whatever the SAFE fix does, an app that started still starts under dash,
# and a script the SIG rules then pass stops gracefully.
PIECES = ["cd /tmp", "export FOO=1", ":", "set -e", "umask 022", "FOO=1", "g() { :; }", "g() { :; }; g", "trap 'echo bye' EXIT",
          "trap '' INT", "trap - HUP", "echo hi > /dev/null", ". ./env.sh", "true", "alias g=true", "eval 'h() { :; }'",
          "command trap 'echo bye' EXIT", "eval \"trap 'echo bye' EXIT\"", "</dev/null FOO=1 true"]  # fmt: skip
FINALS = ["app", "FOO=1 app", "app > /dev/null 2>&1", "f() { app; }; f", "eval app", "command app", "env FOO=1 app",
          "sh -c 'app'", "sh -c app", ". ./start.sh", "{ app; }", "exec app", "app 2>/dev/null", "</dev/null FOO=1 app",
          "FOO=1 </dev/null BAR=2 app", "alias s=app\ns", "eval 's() { app; }'; s", ". ./lib.sh && s"]  # fmt: skip


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(PIECES), max_size=3), st.sampled_from(FINALS), st.sampled_from(["; ", " && ", "\n"]))
def test_a_safe_fix_of_a_composed_script_still_starts_the_app(pieces, final, sep):
    script = sep.join([*pieces, final])
    fixed, _ = fix(document(["sh", "-c", script]), Selection(("SIG",)).rules())
    fixed_script = fixed.data["containerDefinitions"][0]["command"][2]
    outcome = _run(["dash", "-c", fixed_script])
    if outcome == "early" and _run(["dash", "-c", script]) == "early":
        return  # never started before the fix either (`cd /tmp; . ./env.sh`: no env.sh there)
    assert outcome != "early" and not outcome.startswith("error"), f"{fixed_script!r}: {outcome}"
    if not codes(["sh", "-c", fixed_script]):
        assert outcome == "graceful", f"{fixed_script!r} passes the SIG rules, but the stop was {outcome}"
