"""The shell-level fixes and messages without a kernel: an `exec` never lands on a word with no
program behind it, a trap makes the exec unsafe, the patches `check --format json` prints
compose, SIG007 never splits into a builtin, and no message leaks the parser's internals.
tests/test_pid1_kernel.py runs the fixed argvs for real."""

from __future__ import annotations

import json
import signal
import subprocess
import sys

import jsonpatch
from hypothesis import given, settings
from hypothesis import strategies as st

from ecsinit_lint.analysis import shell
from ecsinit_lint.analysis.shell import NOT_PROGRAMS
from ecsinit_lint.engine.linter import lint
from ecsinit_lint.engine.registry import Selection
from ecsinit_lint.fix.fixer import fix
from ecsinit_lint.inputs.sources import load

RULES = Selection().rules()
SETTINGS = settings(max_examples=60, deadline=None)


def document(containers: list[dict]):
    return load("taskdef.json", json.dumps({"family": "t", "containerDefinitions": containers}).encode())


def container(command, init=True, **more) -> dict:
    c = {"name": "app", "image": "debian", "command": command, **more}
    if init:
        c["linuxParameters"] = {"initProcessEnabled": True}
    return c


def messages(doc, code: str) -> list[str]:
    return [f.message for f in lint(doc, RULES) if f.code == code]


def patched_in_order(doc, unsafe: bool):
    """The document's data with every finding's patch applied in the order reported."""
    data = doc.data
    for f in lint(doc, RULES):
        if f.fix and f.fix.applicability in (("safe", "unsafe") if unsafe else ("safe",)):
            data = jsonpatch.apply_patch(data, f.fix.patch)
    return data


# Nested `sh -c` layers: each a quoted script of the one around it, some with a trap.
LAYER = st.sampled_from(["{}", "./migrate && {}", "trap 'echo bye' EXIT; {}", "cd /tmp; {}", "FOO=1 {}"])


@st.composite
def nested(draw) -> str:
    script = draw(st.sampled_from(["./server", "./server > /dev/null"]))
    for depth in range(draw(st.integers(1, 3))):
        script = draw(LAYER).format(script)
        if depth < 2:
            quote = "'" if "'" not in script else '"'
            script = f"sh -c {quote}{script}{quote}" if quote not in script else script
    return script


@SETTINGS
@given(st.lists(nested(), min_size=1, max_size=3), st.booleans())
def test_reported_patches_compose_and_equal_the_fix(scripts, unsafe):
    doc = document([container(["sh", "-c", s]) | {"name": f"c{i}"} for i, s in enumerate(scripts)])
    fixed, _ = fix(doc, RULES, unsafe=unsafe)
    assert patched_in_order(doc, unsafe) == fixed.data


def test_check_json_patches_compose_with_jsonpatch(tmp_path):
    """Through the CLI: the patches of `check --format json`, applied in order, are `fix --write`."""
    path = tmp_path / "td.json"
    scripts = ["sh -c \"sh -c './server'\"", "trap 'echo bye' EXIT; sh -c './server'"]
    data = {
        "family": "t",
        "containerDefinitions": [container(["sh", "-c", s]) | {"name": f"c{i}"} for i, s in enumerate(scripts)],
    }
    path.write_text(json.dumps(data, indent=2) + "\n")
    run = [sys.executable, "-m", "ecsinit_lint", "check", "--format", "json", "--no-cache", str(path)]
    report = json.loads(subprocess.run(run, capture_output=True, text=True).stdout)
    assert sum(f["code"] == "SIG001" for f in report["findings"]) == 5
    for f in report["findings"]:
        if f["fix"] and f["fix"]["applicability"] == "safe":
            data = jsonpatch.apply_patch(data, f["fix"]["patch"])
    subprocess.run([sys.executable, "-m", "ecsinit_lint", "fix", "--write", str(path)], capture_output=True, check=True)
    assert json.loads(path.read_text()) == data
    assert data["containerDefinitions"][0]["command"][2] == "exec sh -c \"exec sh -c 'exec ./server'\""


def test_an_unquoted_nested_script_gets_no_exec():
    """`sh -c ./server` would become `sh -c exec ./server`, which runs `exec` alone."""
    doc = document([container(["sh", "-c", "sh -c ./server"])])
    fixed, _ = fix(doc, RULES, unsafe=True)
    assert fixed.data["containerDefinitions"][0]["command"][2] == "exec sh -c ./server"


NOT_EXECABLE = ["start() { ./server; }; start", "eval ./server", 'eval "$START"', "command ./server",
                "./migrate && source ./start.sh", "f() { ./server; }\nf"]  # fmt: skip


def test_no_exec_before_a_function_or_builtin():
    for script in NOT_EXECABLE:
        doc = document([container(["sh", "-c", script])])
        fixed, _ = fix(doc, RULES, unsafe=True)
        assert fixed.data["containerDefinitions"][0]["command"][2] == script, script
        assert any(f.code in ("SIG001", "SIG002") for f in lint(doc, RULES)), script


# A script's final command, as a builtin or keyword, or a function defined earlier.
@SETTINGS
@given(st.sampled_from(sorted(NOT_PROGRAMS - {"!", "{", "}", "[[", "]]"})), st.booleans())
def test_exec_never_lands_on_a_word_with_no_program(word, function):
    script = f"{word}() {{ ./server; }}; ./migrate && {word}" if function else f"./migrate && {word} ./server"
    doc = document([container(["sh", "-c", script])])
    for f in lint(doc, RULES):
        if f.fix:
            for op in f.fix.patch:
                assert f"exec {word}" not in json.dumps(op.get("value")), (script, f.fix)


def test_a_trap_makes_the_exec_unsafe():
    doc = document([container(["sh", "-c", "trap 'rm -f /tmp/lock' EXIT; node server.js"])])
    (finding,) = [f for f in lint(doc, RULES) if f.code == "SIG001"]
    assert finding.fix.applicability == "unsafe" and "EXIT" in finding.fix.title


# SIG007: argv[0] strings built from programs, builtins, keywords and an `exec` in front.
WORDS = st.sampled_from(
    ["node", "server.js", "npm", "start", "exec", "cd", "/app", "if", "true", "export", "-a", "time", "function"]
)


@SETTINGS
@given(st.lists(WORDS, min_size=1, max_size=4), st.lists(WORDS, max_size=2), st.booleans(), st.booleans())
def test_sig007_never_leaves_an_argv_that_cannot_start_reported_clean(first, rest, entry, unsafe):
    argv = [" ".join(first), *rest]
    c = {"name": "app", "image": "node", "entryPoint": argv} if entry else container(argv, init=False)
    doc = document([c])
    fixed, _ = fix(doc, Selection(("SIG007",)).rules(), unsafe=unsafe)
    new = fixed.data["containerDefinitions"][0]
    head = (new.get("entryPoint") or new["command"])[0]
    if head in NOT_PROGRAMS or " " in head:
        assert messages(fixed, "SIG007"), f"{new} cannot start, yet SIG007 says nothing"
    for f in lint(doc, Selection(("SIG007",)).rules()):
        if f.fix:  # only an entryPoint is known to be the argv: with `command` alone the split is unsafe
            assert f.fix.applicability == ("safe" if entry else "unsafe")


def test_sig007_drops_a_leading_exec():
    doc = document([{"name": "app", "image": "node", "entryPoint": ["exec node server.js"]}])
    fixed, done = fix(doc, RULES)
    assert fixed.data["containerDefinitions"][0]["entryPoint"] == ["node", "server.js"] and done
    assert not messages(fixed, "SIG007")


# SIG010 and the parser: valid shell bashlex lacks says nothing; an error never shows internals.
PIECES = st.sampled_from(["case $X in a) ./a;; *) ./b;; esac", "time ./server", "./server", "echo 'oops", "x=$((1+2))",
                          "select x in a; do :; done", "coproc ./a", "[[ -f x ]]", ";;", "fi", "exec ./server", "$(", "("])  # fmt: skip


@SETTINGS
@given(st.lists(PIECES, min_size=1, max_size=3), st.sampled_from(["; ", " && ", "\n"]))
def test_no_parser_internals_in_a_message(pieces, sep):
    doc = document([container(["sh", "-c", sep.join(pieces)])])
    for f in lint(doc, RULES):
        assert not any(leak in f.message for leak in ("type = {", "token = {", "parts = {", "Node(")), f.message


def test_valid_shell_bashlex_lacks_says_nothing():
    for script in ["case $MODE in web) exec ./web;; *) exec ./worker;; esac", "./m && time node s.js"]:
        doc = document([container(["sh", "-c", script])])
        assert [f.code for f in lint(doc, Selection(("SIG",)).rules())] == [], script


def test_sig002_says_what_the_script_does():
    said = {script: messages(document([container(["sh", "-c", script])]), "SIG002")
            for script in ["./migrate && ! node server.js", "./migrate && . ./start.sh", "./migrate && cd /app"]}  # fmt: skip
    assert "`!` makes the shell wait for `node`" in said["./migrate && ! node server.js"][0]
    assert "sourcing `./start.sh`" in said["./migrate && . ./start.sh"][0]
    assert "`cd /app` follows the last program `./migrate`" in said["./migrate && cd /app"][0]


def test_sig003_says_su_reaps_nothing_only_when_it_is_pid1():
    su = ["su", "app", "-c", "./server"]
    (with_init,) = messages(document([container(su)]), "SIG003")
    (alone,) = messages(document([container(su, init=False)]), "SIG003")
    assert "reaps" not in with_init and "stays in front of" in with_init
    assert "never reaps orphans" in alone and "PID 1" in alone


# Shell-ish text: quotes, expansions, substitutions, here-documents, comments.
SHELLISH = st.lists(st.sampled_from(["'", '"', "${", "$(", "}", ")", "`", "\\", " ", "a", ";", "\n", "<<E\n", "#", "&",
                                     "x=1 ", "sh -c "]), max_size=8)  # fmt: skip


class _Timeout(BaseException):  # not an Exception: the analysis takes those for parse errors
    pass


def _alarm(signum, frame):
    raise _Timeout


@settings(max_examples=2000, deadline=None)
@given(SHELLISH)
def test_analysis_of_any_script_finishes_and_never_raises(pieces):
    """bashlex loops forever on some texts (`echo '${'b`): the analysis must not."""
    script = "".join(pieces)
    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, 2.0, 0.5)  # again every 0.5 s, should the first be swallowed
    try:
        shell.analyse(["sh", "-c", script], ["/c/0", "/c/1", "/c/2"])
    except _Timeout:
        raise AssertionError(f"the analysis of {script!r} did not finish in 2 s") from None
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def test_masked_single_quotes_keep_the_words_values_and_offsets():
    """The parser is given single-quoted `$` masked; the analysis still sees the original words."""
    (script,) = shell.analyse(["sh", "-c", "trap 'kill -TERM $pid' TERM; x'${'y & pid=$!; wait $pid"]).scripts
    assert script.forwards_term and script.main.words == ["x${y"]
    launch = shell.analyse(["sh", "-c", "echo '${'b; sh -c 'echo $HOME; ./server'"], ["/c/0", "/c/1", "/c/2"])
    outer, inner = launch.scripts
    assert outer.main.words == ["sh", "-c", "echo $HOME; ./server"] and inner.main.words == ["./server"]
    assert inner.exec_at == len("echo '${'b; sh -c 'echo $HOME; ")
