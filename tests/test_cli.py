"""The CLI as users meet it: a subprocess, its output and exit status."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from ecsinit_lint import __version__
from ecsinit_lint.batch import parallel
from ecsinit_lint.engine.registry import load_rules
from ecsinit_lint.inputs.sources import SUFFIXES
from ecsinit_lint.output import report

EXAMPLES = Path(__file__).parents[1] / "examples"


def run(*args, stdin: str | None = None, cwd=None):
    return subprocess.run(
        [sys.executable, "-m", "ecsinit_lint", *map(str, args)],
        input=stdin, capture_output=True, text=True, cwd=cwd,
    )  # fmt: skip


def test_zabbix_example_is_flagged():
    result = run("check", EXAMPLES / "zabbix-server.json")
    assert result.returncode == 1
    assert "zabbix-server.json:8:5: INIT001 `zabbix-server` runs without an init" in result.stdout
    assert "zabbix-web" not in result.stdout


def test_good_example_is_clean():
    result = run("check", EXAMPLES / "good.json")
    assert (result.returncode, result.stdout) == (0, "No findings in 1 file\n")


def test_json_format_fields():
    result = run("check", "--format", "json", EXAMPLES / "shell-wrapper.json")
    report = json.loads(result.stdout)
    sig001 = next(f for f in report["findings"] if f["code"] == "SIG001")
    assert sig001["pointer"] == "/containerDefinitions/0/command/0"
    assert (sig001["line"], sig001["task"], sig001["container"], sig001["severity"]) == (10, "web", "web", "error")
    assert sig001["fix"]["applicability"] == "safe"
    assert sig001["fix"]["patch"][0]["op"] == "test"
    assert report["summary"]["findings"] == len(report["findings"]) == 3
    assert report["errors"] == []


def test_stdin():
    text = (EXAMPLES / "zabbix-server.json").read_text()
    result = run("check", "-", stdin=text)
    assert result.returncode == 1 and result.stdout.startswith("-:8:5: INIT001")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b'{"family": "x",\n  "containerDefinitions": [}\n', "2:28: error: invalid JSON: Expecting value"),
        (b"{", "1:2: error: invalid JSON: Expecting property name enclosed in double quotes"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\xff\xfe", "1:1: error: not UTF-8 text (byte 0x89)"),
    ],
    ids=["invalid JSON", "truncated file", "binary file"],
)
def test_bad_input_is_one_line_and_exit_2(tmp_path, content, message):
    path = tmp_path / "bad.json"
    path.write_bytes(content)
    result = run("check", path)
    assert result.returncode == 2
    assert result.stderr == f"{path}:{message}\n"
    assert "Traceback" not in result.stdout + result.stderr


def test_directory_of_mixed_files(tmp_path):
    (tmp_path / "package.json").write_text('{"name": "web", "version": "1.0.0"}')
    (tmp_path / "tsconfig.json").write_text('{"compilerOptions": {"strict": true}}')
    (tmp_path / "notes.txt").write_text("not linted: not a .json file")
    (tmp_path / "broken.json").write_text('{"family": ')
    sub = tmp_path / "ecs"
    sub.mkdir()
    (sub / "task.json").write_text((EXAMPLES / "zabbix-server.json").read_text())
    result = run("check", tmp_path)
    assert result.returncode == 2  # the broken file is an error; the others are still linted
    assert "broken.json:1:12: error: invalid JSON" in result.stderr
    assert "task.json:8:5: INIT001" in result.stdout
    assert "package.json" not in result.stdout + result.stderr
    assert "in 1 file\n" in result.stdout


def test_missing_path():
    result = run("check", "no/such/file.json")
    assert result.returncode == 2
    assert result.stderr == "no/such/file.json:1:1: error: No such file or directory\n"


def test_unknown_selector_is_an_error():
    result = run("check", "--select", "INIT999", EXAMPLES / "good.json")
    assert result.returncode == 2 and "unknown rule selector: INIT999" in result.stderr


def test_select_ignore_and_fail_on():
    path = EXAMPLES / "shell-wrapper.json"
    assert run("check", "--select", "SIG002", path).returncode == 0  # a warning does not fail by default
    assert run("check", "--select", "SIG002", "--fail-on", "warning", path).returncode == 1
    assert run("check", "--ignore", "INIT,SIG", path).returncode == 0
    assert run("check", "--select", "missing-init-process", "--fail-on", "never", path).returncode == 0


def test_fix_prints_registerable_revision_for_describe_output():
    result = run("fix", EXAMPLES / "describe-output.json")
    revision = json.loads(result.stdout)
    assert result.returncode == 0
    assert "taskDefinitionArn" not in revision and "revision" not in revision and "status" not in revision
    assert revision["tags"] == [{"key": "team", "value": "payments"}]
    assert revision["containerDefinitions"][0]["linuxParameters"] == {"initProcessEnabled": True}


def test_fix_diff_and_write(tmp_path):
    path = tmp_path / "task.json"
    original = (EXAMPLES / "shell-wrapper.json").read_text().replace("\n", "\r\n")
    path.write_bytes(original.encode())
    diff = run("fix", "--diff", path)
    assert diff.returncode == 1
    assert '+      "command": ["python manage.py migrate && exec gunicorn' in diff.stdout.replace("\r", "")
    assert path.read_bytes() == original.encode(), "--diff must not write"
    assert run("fix", "--write", path).returncode == 0
    written = path.read_bytes().decode()
    assert "\r\n" in written and "\n" not in written.replace("\r\n", "")
    assert "exec gunicorn" in written and written.count("initProcessEnabled") == 2
    assert run("fix", "--write", path).stderr.startswith("fixed 0 files")
    assert run("check", "--select", "INIT001,SIG001", path).returncode == 0


def test_fix_unsafe_only_when_asked(tmp_path):
    path = tmp_path / "su.json"
    path.write_text((EXAMPLES / "su-wrapper.json").read_text())
    assert "exec" not in run("fix", path).stdout and '"user"' not in run("fix", path).stdout
    fixed = json.loads(run("fix", "--unsafe-fixes", path).stdout)["containerDefinitions"][0]
    assert fixed["user"] == "zabbix"
    assert fixed["command"] == ["/usr/sbin/zabbix_server", "--foreground", "-c", "/etc/zabbix/zabbix_server.conf"]


def test_write_refuses_stdin():
    result = run("fix", "--write", "-", stdin="{}")
    assert result.returncode == 2 and "cannot rewrite stdin" in result.stderr


def test_rule_docs():
    listing = run("rules").stdout
    assert "INIT001  missing-init-process" in listing
    doc = run("rule", "SIG001").stdout
    for heading in ("## What it does", "## Why is this bad?", "## Example", "## Fix and its safety", "## Sources"):
        assert heading in doc
    assert run("rule", "NOPE").returncode == 2


def test_check_does_not_import_boto3():
    code = "import sys; from ecsinit_lint.cli.app import main; sys.argv=['x','check','%s']\n" % (EXAMPLES / "good.json")
    code += (
        "try:\n main()\nexcept SystemExit: pass\nassert 'boto3' not in sys.modules and 'botocore' not in sys.modules"
    )
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0


# A rule with a bug, registered beside the real ones through the rule API: an exception on the
# files it names, a finding of an unknown severity on others (which the report cannot render).
BUGGY_RULE = """
from ecsinit_lint.core.findings import Violation
from ecsinit_lint.engine.registry import load_rules, rule

load_rules()


@rule("ZZZ001", "buggy", "error")
def buggy(task):
    family = task.label or ""
    if family.startswith("crash"):
        raise ValueError("a bug in\\n" + family)
    if family == "interrupt":
        raise KeyboardInterrupt
    if family == "fatal":
        yield Violation("/family", "a finding", severity="fatal")
"""


def run_with_bug(tmp_path, *args, **env):
    (tmp_path / "buggy.py").write_text(BUGGY_RULE)
    code = "import buggy; from ecsinit_lint.__main__ import main; main()"
    env = {**os.environ, "PYTHONPATH": str(tmp_path), **env}
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, cwd=tmp_path, env=env)


def task_file(path: Path, family: str) -> Path:
    path.write_text(json.dumps({"family": family, "containerDefinitions": [{"name": "app", "image": "x"}]}))
    return path


@pytest.mark.parametrize("files", [1, parallel.POOL_MIN_FILES], ids=["in process", "in pool workers"])
def test_a_crash_on_one_file_is_that_files_error(tmp_path, files):
    """A bug met on one file is one line naming it, exit 2; the other files are still reported."""
    for i in range(files):
        task_file(tmp_path / f"ok{i:03}.json", f"ok{i}")
    task_file(tmp_path / "crash.json", "crash")
    result = run_with_bug(tmp_path, "check", "--no-cache", ".")
    assert result.returncode == 2
    (line,) = result.stderr.splitlines()
    assert line.endswith("crash.json:1:1: error: internal error: ValueError: a bug in crash (please report)")
    assert result.stdout.count("INIT001") == files and f"in {files} file" in result.stdout
    fixed = run_with_bug(tmp_path, "fix", "--write", "crash.json", "ok000.json")
    assert fixed.returncode == 2 and "crash.json:1:1: error: internal error: ValueError" in fixed.stderr
    assert "initProcessEnabled" in (tmp_path / "ok000.json").read_text()


@pytest.mark.parametrize("format", report.FORMATS)
def test_last_resort_handler_is_one_line_and_exit_2(tmp_path, format):
    task_file(tmp_path / "fatal.json", "fatal")
    result = run_with_bug(tmp_path, "check", "--format", format, "fatal.json")
    assert result.returncode == 2
    assert re.fullmatch(
        r"ecsinit-lint: error: internal error: (AttributeError|KeyError|ValueError): .+ \(please report\)\n",
        result.stderr,
    )
    debug = run_with_bug(tmp_path, "check", "--format", format, "fatal.json", ECSINIT_LINT_DEBUG="1")
    assert debug.returncode == 1 and "Error" in debug.stderr and "internal error" not in debug.stderr


def test_keyboard_interrupt_is_130(tmp_path):
    task_file(tmp_path / "interrupt.json", "interrupt")
    result = run_with_bug(tmp_path, "check", "interrupt.json")
    assert result.returncode == 130 and "Traceback" not in result.stderr


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
@pytest.mark.parametrize("command", [["check"], ["check", "--format", "sarif"], ["fix"], ["rules"], ["--version"],
                                     ["-V"], ["--help"], ["check", "--help"], ["rule", "INIT001"]])  # fmt: skip
def test_a_full_disk_on_stdout_is_one_line_and_exit_2(command):
    args = [*command, EXAMPLES / "shell-wrapper.json"] if command[0] in ("check", "fix") else command
    with open("/dev/full", "w") as full:
        result = subprocess.run(
            [sys.executable, "-m", "ecsinit_lint", *map(str, args)], stdout=full, stderr=subprocess.PIPE, text=True
        )
    assert (result.returncode, result.stderr) == (
        2,
        "ecsinit-lint: error: cannot write to standard output: No space left on device\n",
    )


@pytest.mark.parametrize("command", [["check"], ["check", "--format", "json"], ["fix"], ["rules"], ["-V"], ["--help"],
                                     ["audit", "--help"]])  # fmt: skip
def test_a_closed_stdout_is_one_line_and_exit_2(command):
    """`>&-`: the process starts with no standard output at all (sys.stdout is None)."""
    args = [*command, EXAMPLES / "shell-wrapper.json"] if command[0] in ("check", "fix") else command
    closed = ["sh", "-c", 'exec "$@" >&-', "sh", sys.executable, "-m", "ecsinit_lint"]
    result = subprocess.run([*closed, *map(str, args)], stderr=subprocess.PIPE, text=True)
    assert (result.returncode, result.stderr) == (
        2,
        "ecsinit-lint: error: cannot write to standard output: it is closed\n",
    )


@pytest.mark.parametrize("command", [["check"], ["fix", "--diff"], ["rules"]])
def test_a_closed_pipe_is_quiet_and_exit_2(command):
    """`| head -1`: the reader has left when the report is written (here: before the command starts)."""
    args = [*command, EXAMPLES / "shell-wrapper.json"] if command[0] != "rules" else command
    proc = subprocess.Popen(
        [sys.executable, "-m", "ecsinit_lint", *map(str, args)], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    proc.stdout.close()
    assert (proc.wait(timeout=30), proc.stderr.read()) == (2, b"")


def test_text_no_encoding_writes_is_escaped(tmp_path):
    """A JSON escape can make a lone surrogate, which UTF-8 cannot write: every format prints it escaped."""
    path = tmp_path / "odd.json"
    path.write_text('{"family": "f", "containerDefinitions": [{"name": "a\\ud800b", "image": "x"}]}')
    for fmt in report.FORMATS:
        result = run("check", "--format", fmt, path)
        assert result.returncode == 1, (fmt, result.stderr)
        assert "a\\ud800b" in result.stdout or (fmt == "junit" and "a\ufffdb" in result.stdout)


# --- ruff's vocabulary -------------------------------------------------------------------


def test_short_help_and_version():
    assert run("-h").stdout == run("--help").stdout and "Usage: ecsinit-lint" in run("-h").stdout
    assert run("check", "-h").returncode == 0 and "--stdin-filename" in run("check", "-h").stdout
    assert run("-V").stdout == run("--version").stdout == f"ecsinit-lint {__version__}\n"


@pytest.mark.parametrize("command", ["check", "fix"])
def test_help_names_every_format_a_walk_reads(command):
    shown = " ".join(run(command, "--help").stdout.split())
    assert all(suffix in shown for suffix in SUFFIXES)


def test_quiet_prints_the_findings_only():
    full = run("check", EXAMPLES / "shell-wrapper.json").stdout.splitlines()
    quiet = run("check", "-q", EXAMPLES / "shell-wrapper.json")
    assert quiet.returncode == 1 and quiet.stdout.splitlines() == full[:3] and full[3].startswith("Found 3")
    assert run("check", "--quiet", EXAMPLES / "good.json").stdout == ""
    assert run("fix", "-q", EXAMPLES / "zabbix-server.json").stderr == ""


def test_exit_zero():
    assert run("check", "--exit-zero", EXAMPLES / "shell-wrapper.json").returncode == 0
    assert run("check", "--exit-zero", "no/such.json").returncode == 2  # an error is still one


def test_check_fix_writes_then_reports_what_is_left(tmp_path):
    path = tmp_path / "su.json"
    path.write_text((EXAMPLES / "su-wrapper.json").read_text())
    safe = run("check", "--fix", path)  # SIG003's fix is unsafe: nothing to write
    assert safe.returncode == 1 and "SIG003" in safe.stdout and "fixed 0 files; 1 finding left" in safe.stderr
    assert "1 hidden fix can be enabled with `--unsafe-fixes`" in safe.stdout
    unsafe = run("check", "--fix", "--unsafe-fixes", path)
    assert unsafe.returncode == 0 and unsafe.stdout == "No findings in 1 file\n"
    assert json.loads(path.read_text())["containerDefinitions"][0]["user"] == "zabbix"
    assert run("check", "--fix", "-", stdin="{}").returncode == 2


@pytest.mark.parametrize(
    "name, text, args",
    [
        ("bad.json", '{"family": "x", "containerDefinitions": [\xff]}', []),  # not UTF-8
        ("bad.json", '{"family": "x", "containerDefinitions": [}', []),  # invalid JSON
        ("missing.json", None, []),  # unreadable: no such file
        ("td.json", '{"family": "x", "containerDefinitions": []}', ["--select", "NOPE"]),  # a usage error
        ("td.json", '{"family": "x", "containerDefinitions": []}', ["--config", "bad.toml"]),  # a bad configuration
    ],
)
def test_check_fix_says_each_error_once(tmp_path, name, text, args):
    """The fix pass and the check read the same files and options: an error both meet is said
    once, as `check` alone says it."""
    (tmp_path / "bad.toml").write_text("nope = 1\n")
    if text is not None:
        (tmp_path / name).write_text(text, encoding="utf-8", errors="surrogateescape")
    task_file(tmp_path / "ok.json", "ok")
    alone = run("check", *args, name, "ok.json", cwd=tmp_path)
    fixed = run("check", "--fix", *args, name, "ok.json", cwd=tmp_path)
    errors = [line for line in alone.stderr.splitlines() if "error:" in line]
    assert len(errors) == 1 and alone.returncode == fixed.returncode == 2
    assert [line for line in fixed.stderr.splitlines() if "error:" in line] == errors


def test_fix_write_exits_0_with_findings_left_and_check_fix_exits_1(tmp_path):
    """`fix --write` is the fixer (0 whatever is left, as `ruff check --fix --exit-zero`);
    `check --fix` is ruff's `check --fix`: 1 while findings at or above --fail-on remain."""
    path = tmp_path / "su.json"
    path.write_text((EXAMPLES / "su-wrapper.json").read_text())  # SIG003: its fix is unsafe
    assert run("fix", "--write", path).returncode == 0
    assert run("check", "--fix", path).returncode == 1
    assert run("check", "--fix", "--fail-on", "never", path).returncode == 0


def test_hidden_fixes_are_counted_only_when_hidden():
    path = EXAMPLES / "su-wrapper.json"
    assert "hidden fix" not in run("check", "--unsafe-fixes", path).stdout
    assert "[*] 1 fixable" in run("check", "--unsafe-fixes", path).stdout


def test_show_fixes():
    out = run("check", "--show-fixes", EXAMPLES / "shell-wrapper.json").stdout.splitlines()
    assert out[1] == "  fix (safe): Set linuxParameters.initProcessEnabled to true"
    assert out[3].startswith("  fix (safe): Exec `gunicorn`") and out[4].startswith(
        str(EXAMPLES / "shell-wrapper.json")
    )


def test_statistics_count_per_code_most_first():
    result = run("check", "--statistics", EXAMPLES)
    rows = [line.split() for line in result.stdout.splitlines()]
    assert result.returncode == 1
    assert rows[0] == ["3", "INIT001", "missing-init-process", "3", "fixable"]
    assert [int(r[0]) for r in rows] == sorted((int(r[0]) for r in rows), reverse=True)
    assert len({line.index(row[2]) for line, row in zip(result.stdout.splitlines(), rows)}) == 1  # aligned
    as_json = json.loads(run("check", "--statistics", "--format", "json", EXAMPLES).stdout)
    assert as_json[0] == {"code": "INIT001", "name": "missing-init-process", "count": 3, "fixable": 3}
    assert (
        sum(r["count"] for r in as_json)
        == json.loads(run("check", "--format", "json", EXAMPLES).stdout)["summary"]["findings"]
    )


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_statistics_to_a_file_in_the_format(tmp_path, fmt):
    out = tmp_path / "st.txt"
    result = run("check", "--statistics", "-o", out, "--format", fmt, EXAMPLES)
    assert result.returncode == 1
    assert result.stdout == run("check", "--statistics", EXAMPLES).stdout  # the console gets the text table
    expected = run("check", "--statistics", "--format", fmt, EXAMPLES).stdout
    assert out.read_text() == expected and (fmt == "text" or json.loads(expected)[0]["code"] == "INIT001")


@pytest.mark.parametrize("fmt", sorted(set(report.FORMATS) - {"text", "json"}))
def test_statistics_in_another_format_is_a_usage_error(fmt):
    result = run("check", "--statistics", "--format", fmt, EXAMPLES)
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == f"ecsinit-lint: error: --statistics is a text or json table, not --format {fmt}\n"


def test_summary_severities_in_order(tmp_path):
    path = tmp_path / "t.json"
    path.write_text(json.dumps({"family": "t", "pidMode": "task", "containerDefinitions": [
        {"name": "a", "image": "x", "linuxParameters": {"initProcessEnabled": True}},
        {"name": "b", "image": "x", "command": ["sh", "-c", "./m && node s.js | tee log"]},
        {"name": "c", "image": "x", "command": ["sh", "-c", "./m && node s.js"]}]}))  # fmt: skip
    (summary,) = [
        line
        for line in run("check", "--select", "INIT003,SIG,INIT001", path).stdout.splitlines()
        if line.startswith("Found")
    ]
    assert re.fullmatch(r"Found \d+ findings \(\d+ errors?, \d+ warnings?, \d+ infos?\) in 1 file", summary), summary


@pytest.mark.parametrize(("env", "flag", "coloured"), [
    ({}, "auto", False), ({"FORCE_COLOR": "1"}, "auto", True), ({"FORCE_COLOR": ""}, "auto", False),
    ({"NO_COLOR": "1", "FORCE_COLOR": "1"}, "auto", False), ({"NO_COLOR": "1"}, "always", True),
    ({"FORCE_COLOR": "1"}, "never", False), ({}, "always", True),
])  # fmt: skip
def test_colour(env, flag, coloured):
    environ = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")} | env
    result = subprocess.run([sys.executable, "-m", "ecsinit_lint", "check", "--color", flag, str(EXAMPLES / "su-wrapper.json")],
                            capture_output=True, text=True, env=environ)  # fmt: skip
    assert ("\x1b[31mSIG003\x1b[0m" in result.stdout) == coloured and result.returncode == 1


def test_stdin_filename_picks_format_and_configuration(tmp_path):
    (tmp_path / "deploy").mkdir()
    (tmp_path / "deploy" / ".ecsinit-lint.toml").write_text('[per-file-ignores]\n"*.yaml" = ["SIG001"]\n')
    yaml = (Path(__file__).parent / "fixtures" / "iac" / "sam.yaml").read_text()
    plain = run("check", "-", stdin=yaml, cwd=tmp_path)
    assert plain.returncode == 2 and "invalid JSON" in plain.stderr  # JSON stays the default
    named = run("check", "-", "--stdin-filename", "deploy/sam.yaml", "--format", "json", stdin=yaml, cwd=tmp_path)
    found = json.loads(named.stdout)["findings"]
    assert {f["file"] for f in found} == {"deploy/sam.yaml"} and [f["code"] for f in found] == ["INIT001"]
    fixed = run("fix", "-", "--stdin-filename", "sam.yaml", stdin=yaml, cwd=tmp_path)
    assert fixed.returncode == 0 and "InitProcessEnabled: true" in fixed.stdout and "Transform:" in fixed.stdout


def test_rules_json_and_aligned_listing():
    rules = json.loads(run("rules", "--format", "json").stdout)
    assert [r["code"] for r in rules] == list(load_rules())
    assert all(r.keys() == {"code", "name", "severity", "fixable", "summary", "options"} for r in rules)
    assert rules[0]["options"]["extra-inits"]["default"] == []
    lines = run("rules").stdout.splitlines()
    for column in (1, 2, 3, 4):  # each column starts at one place, whatever the code's length
        assert len({line.index(re.split(r"  +", line)[column]) for line in lines}) == 1


def test_one_wording_for_fix_summaries(tmp_path):
    path = tmp_path / "z.json"
    path.write_text((EXAMPLES / "zabbix-server.json").read_text())
    assert run("fix", path).stderr == run("fix", "--diff", path).stderr == "would fix 1 file; 0 findings left\n"
    assert run("fix", "--write", path).stderr == "fixed 1 file; 0 findings left\n"
