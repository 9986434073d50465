"""Configuration files: discovery, keys, per-rule options, validation, CLI overrides."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ecsinit_lint.cli.app import app
from ecsinit_lint.engine.config import Configs, load
from ecsinit_lint.errors import ConfigError

NO_INIT = {"family": "app", "containerDefinitions": [{"name": "app", "image": "debian", "command": ["./server"]}]}
SH_WRAPPED = {"family": "web", "containerDefinitions": [
    {"name": "web", "image": "python", "command": ["sh", "-c", "migrate && gunicorn app"],
     "linuxParameters": {"initProcessEnabled": True}}]}  # fmt: skip


def write(path: Path, content) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(content if isinstance(content, str) else json.dumps(content, indent=2))
    return path


def check(*args, cwd: Path, monkeypatch):
    monkeypatch.chdir(cwd)
    return CliRunner().invoke(app, ["check", *map(str, args)])


def codes(result) -> list[str]:
    return re.findall(r"^\S+:\d+:\d+: (\w+) ", result.stdout, re.M)


def files(result) -> list[str]:
    return re.findall(r"^(\S+):\d+:\d+: ", result.stdout, re.M)


def test_no_config_runs_every_rule(tmp_path, monkeypatch):
    write(tmp_path / "td.json", NO_INIT)
    result = check("td.json", cwd=tmp_path, monkeypatch=monkeypatch)
    assert result.exit_code == 1 and codes(result) == ["INIT001"]


def test_pyproject_table_select_and_fail_on(tmp_path, monkeypatch):
    write(tmp_path / "pyproject.toml", '[project]\nname = "x"\n\n[tool.ecsinit-lint]\nignore = ["INIT001"]\n')
    write(tmp_path / "td.json", NO_INIT)
    result = check("td.json", cwd=tmp_path, monkeypatch=monkeypatch)
    assert result.exit_code == 0 and codes(result) == []
    write(tmp_path / "pyproject.toml", '[tool.ecsinit-lint]\nfail-on = "never"\n')
    result = check("td.json", cwd=tmp_path, monkeypatch=monkeypatch)
    assert result.exit_code == 0 and codes(result) == ["INIT001"]


def test_nearest_config_wins_and_pyproject_without_table_is_passed_over(tmp_path, monkeypatch):
    write(tmp_path / ".ecsinit-lint.toml", 'ignore = ["INIT001"]\n')
    write(tmp_path / "svc" / "pyproject.toml", '[project]\nname = "svc"\n')  # no table: look further up
    write(tmp_path / "svc" / "td.json", NO_INIT)
    write(tmp_path / "other" / ".ecsinit-lint.toml", 'select = ["SIG"]\n')
    write(tmp_path / "other" / "td.json", NO_INIT)
    write(tmp_path / "loud" / ".ecsinit-lint.toml", "")  # empty: the defaults, nearer than the root's
    write(tmp_path / "loud" / "td.json", NO_INIT)
    result = check(".", cwd=tmp_path, monkeypatch=monkeypatch)
    assert files(result) == ["loud/td.json"]


def test_dot_file_wins_over_pyproject_in_one_directory(tmp_path):
    write(tmp_path / "pyproject.toml", '[tool.ecsinit-lint]\nselect = ["SIG"]\n')
    write(tmp_path / ".ecsinit-lint.toml", 'select = ["INIT"]\n')
    settings = Configs().for_path(str(tmp_path / "td.json"))
    assert settings.path.endswith(".ecsinit-lint.toml") and settings.select == ("INIT",)


def test_lookups_are_cached_per_directory(tmp_path):
    write(tmp_path / ".ecsinit-lint.toml", 'ignore = ["SIG"]\n')
    configs = Configs()
    first = configs.for_path(str(tmp_path / "a" / "b" / "one.json"))
    (tmp_path / ".ecsinit-lint.toml").write_text("this is no longer TOML [")
    assert configs.for_path(str(tmp_path / "a" / "two.json")) is first  # read once, not again
    with pytest.raises(ConfigError):
        Configs().for_path(str(tmp_path / "a" / "two.json"))


def test_explicit_config_file_and_cli_overrides(tmp_path, monkeypatch):
    write(tmp_path / "conf" / "lint.toml", 'ignore = ["INIT001"]\nfail-on = "never"\n')
    write(tmp_path / ".ecsinit-lint.toml", 'select = ["SIG"]\n')
    write(tmp_path / "td.json", NO_INIT)
    assert check("td.json", "--config", "conf/lint.toml", cwd=tmp_path, monkeypatch=monkeypatch).exit_code == 0
    result = check("td.json", "--config", "conf/lint.toml", "--ignore", "SIG", "--fail-on", "error",
                   cwd=tmp_path, monkeypatch=monkeypatch)  # fmt: skip
    assert result.exit_code == 1 and codes(result) == ["INIT001"]


def test_explicit_pyproject_needs_the_table(tmp_path, monkeypatch):
    write(tmp_path / "pyproject.toml", '[project]\nname = "x"\n')
    write(tmp_path / "td.json", NO_INIT)
    result = check("td.json", "--config", "pyproject.toml", cwd=tmp_path, monkeypatch=monkeypatch)
    assert result.exit_code == 2
    assert result.stderr == "pyproject.toml:1:1: error: no [tool.ecsinit-lint] table\n"


def test_per_file_ignores_are_relative_to_the_config(tmp_path, monkeypatch):
    write(tmp_path / ".ecsinit-lint.toml", '[per-file-ignores]\n"legacy/*.json" = ["missing-init-process"]\n')
    write(tmp_path / "legacy" / "td.json", NO_INIT)
    write(tmp_path / "new" / "td.json", NO_INIT)
    result = check(tmp_path / "legacy", tmp_path / "new", cwd=tmp_path / "new", monkeypatch=monkeypatch)
    assert files(result) == [str(tmp_path / "new" / "td.json")]


def test_exclude_skips_directories_and_files_in_walks_only(tmp_path, monkeypatch):
    write(tmp_path / ".ecsinit-lint.toml", 'exclude = ["cdk.out", "fixtures/*-bad.json"]\n')
    write(tmp_path / "cdk.out" / "td.json", NO_INIT)
    write(tmp_path / "fixtures" / "one-bad.json", NO_INIT)
    write(tmp_path / "fixtures" / "good.json", NO_INIT)
    result = check(".", cwd=tmp_path, monkeypatch=monkeypatch)
    assert files(result) == ["fixtures/good.json"]
    result = check("cdk.out/td.json", cwd=tmp_path, monkeypatch=monkeypatch)  # named: linted
    assert codes(result) == ["INIT001"]


CFN_NO_INIT = "Resources:\n  T:\n    Type: AWS::ECS::TaskDefinition\n    Properties:\n      ContainerDefinitions: [{Name: a, Image: b}]\n"
TREE = ["a.json", "keep.json", "sub/a.json", "sub/keep.json", "sub/deep/b.json", "cdk.out/t.json",
        "sub/cdk.out/t.json", "gen/x.json", "gen/y.yaml", "docs/gen/x.json", "data.json/inner.json"]  # fmt: skip


@pytest.mark.parametrize("patterns", [
    ["**/*.json"],                      # top-level files too (fnmatch missed them)
    ["*.json", "!keep.json"],           # negation re-includes
    ["/a.json"],                        # anchored: the top-level one only
    ["sub/*.json"],                     # an inner slash anchors; * stops at /
    ["cdk.out/"],                       # directories only, at any depth
    ["gen/"], ["/gen"], ["gen/**"],     # nested directories
    ["data.json/"],                     # a directory named like a file
    ["sub/**/b.json", "**/t.json"],
    ["*.json", "!sub/*.json"],          # re-included below a directory that is walked
])  # fmt: skip
def test_exclude_has_gitignore_semantics(tmp_path, monkeypatch, patterns):
    """What a walk lints is what git itself leaves untracked with the patterns as .gitignore."""
    for name in TREE:
        write(tmp_path / name, NO_INIT if name.endswith(".json") else CFN_NO_INIT)
    (tmp_path / ".gitignore").write_text("\n".join(patterns) + "\n")
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    listed = subprocess.run(["git", "ls-files", "--others", "--exclude-standard"], cwd=tmp_path,
                            capture_output=True, text=True, check=True).stdout.split()  # fmt: skip
    expected = sorted(set(listed) - {".gitignore", ".ecsinit-lint.toml"})
    write(tmp_path / ".ecsinit-lint.toml", f"exclude = {json.dumps(patterns)}\n")
    result = check(str(tmp_path), cwd=tmp_path, monkeypatch=monkeypatch)
    linted = sorted({str(Path(f).relative_to(tmp_path)) for f in files(result)})
    assert linted == expected


@pytest.mark.parametrize("pattern, ignored", [
    ("**/*.json", {"a.json", "sub/a.json", "sub/deep/b.json"}),
    ("*.json", {"a.json", "sub/a.json", "sub/deep/b.json"}),
    ("sub/*.json", {"sub/a.json"}),
    ("sub/", {"sub/a.json", "sub/deep/b.json"}),
    ("!sub/**", {"a.json"}),            # the files the pattern does not match
])  # fmt: skip
def test_per_file_ignores_have_gitignore_semantics(tmp_path, monkeypatch, pattern, ignored):
    write(tmp_path / ".ecsinit-lint.toml", f'[per-file-ignores]\n"{pattern}" = ["INIT001"]\n')
    for name in ("a.json", "sub/a.json", "sub/deep/b.json"):
        write(tmp_path / name, NO_INIT)
    result = check(".", cwd=tmp_path, monkeypatch=monkeypatch)
    flagged = {str(Path(f)) for f in files(result)}
    assert flagged == {"a.json", "sub/a.json", "sub/deep/b.json"} - ignored


def test_a_bad_pattern_is_a_config_error(tmp_path, monkeypatch):
    write(tmp_path / ".ecsinit-lint.toml", 'select = ["INIT"]\nexclude = ["ok", "\\\\"]\n')
    write(tmp_path / "td.json", NO_INIT)
    result = check(".", cwd=tmp_path, monkeypatch=monkeypatch)
    assert (result.exit_code, result.stderr) == (
        2,
        ".ecsinit-lint.toml:2:1: error: `exclude`: not a .gitignore pattern: '\\\\'\n",
    )


def test_patterns_cost_nothing_without_them(tmp_path):
    """pathspec is imported for a configuration with patterns, not for one without."""
    write(tmp_path / ".ecsinit-lint.toml", 'ignore = ["SIG002"]\n')
    write(tmp_path / "td.json", NO_INIT)
    code = "import sys; from ecsinit_lint.cli.app import main; sys.argv[1:] = ['check', 'td.json']\ntry: main()\nexcept SystemExit: print('pathspec' in sys.modules)"
    run = lambda: subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True).stdout  # noqa: E731
    assert run().endswith("False\n")
    write(tmp_path / ".ecsinit-lint.toml", 'exclude = ["gen/"]\n')
    assert run().endswith("True\n")


def test_unsafe_fixes_from_config(tmp_path, monkeypatch):
    su = {"family": "z", "containerDefinitions": [{"name": "z", "image": "zabbix", "linuxParameters": {"initProcessEnabled": True},
                                                   "command": ["su", "zabbix", "-s", "/bin/sh", "-c", "exec zabbix_server -f"]}]}  # fmt: skip
    write(tmp_path / "td.json", su)
    monkeypatch.chdir(tmp_path)
    safe_only = CliRunner().invoke(app, ["fix", "--diff", "td.json"])
    write(tmp_path / ".ecsinit-lint.toml", "unsafe-fixes = true\n")
    unsafe = CliRunner().invoke(app, ["fix", "--diff", "td.json"])
    overridden = CliRunner().invoke(app, ["fix", "--diff", "--no-unsafe-fixes", "td.json"])
    assert unsafe.stdout and unsafe.stdout != safe_only.stdout
    assert overridden.stdout == safe_only.stdout


def test_rule_option_from_config(tmp_path, monkeypatch):
    td = {
        "family": "app",
        "containerDefinitions": [{"name": "app", "image": "acme/app", "entryPoint": ["/usr/local/bin/entrypoint.sh"]}],
    }
    write(tmp_path / "td.json", td)
    assert codes(check("td.json", cwd=tmp_path, monkeypatch=monkeypatch)) == ["INIT001"]
    write(
        tmp_path / "pyproject.toml",
        '[tool.ecsinit-lint.rules.INIT001]\nextra-inits = ["/usr/local/bin/entrypoint.sh"]\n',
    )
    assert check("td.json", cwd=tmp_path, monkeypatch=monkeypatch).exit_code == 0


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        (
            "pyproject.toml",
            '[tool.ecsinit-lint]\nselect = ["INIT"]\nselekt = ["SIG"]\n',
            "pyproject.toml:3:1: error: unknown key `tool.ecsinit-lint.selekt`; the keys are: exclude, fail-on, ignore, images, "
            "per-file-ignores, rules, select, unsafe-fixes",
        ),
        (
            ".ecsinit-lint.toml",
            '\n[rules.INIT001]\nextra-init = ["x"]\n',
            ".ecsinit-lint.toml:3:1: error: unknown option `rules.INIT001.extra-init`: INIT001 takes: extra-inits",
        ),
        (
            ".ecsinit-lint.toml",
            "[rules.SIG003]\nstrict = true\n",
            ".ecsinit-lint.toml:2:1: error: unknown option `rules.SIG003.strict`: SIG003 has no options",
        ),
        (
            ".ecsinit-lint.toml",
            "[rules.INIT999]\n",
            ".ecsinit-lint.toml:1:8: error: unknown rule `rules.INIT999` (see `ecsinit-lint rules`)",
        ),
        # an array element's error points at its key, on the key's line (not 1:1)
        (
            ".ecsinit-lint.toml",
            '[rules.INIT001]\nextra-inits = [""]\n',
            ".ecsinit-lint.toml:2:1: error: `rules.INIT001.extra-inits.0`: '' should be non-empty",
        ),
        (
            ".ecsinit-lint.toml",
            'select = ["INIT"]\nrules.INIT001.extra-inits = [3]\n',
            ".ecsinit-lint.toml:2:15: error: `rules.INIT001.extra-inits.0`: 3 is not of type 'string'",
        ),
        (
            "pyproject.toml",
            '[tool.black]\nline-length = 100\n[tool.ecsinit-lint.rules]\nINIT001 = { extra-inits = "x" }\n',
            "pyproject.toml:4:13: error: `tool.ecsinit-lint.rules.INIT001.extra-inits`: 'x' is not of type 'array'",
        ),
        (
            ".ecsinit-lint.toml",
            '[rules.INIT001]\nextra-inits = "tini"\n',
            ".ecsinit-lint.toml:2:1: error: `rules.INIT001.extra-inits`: 'tini' is not of type 'array'",
        ),
        (
            ".ecsinit-lint.toml",
            'fail-on = "warn"\n',
            ".ecsinit-lint.toml:1:1: error: `fail-on`: 'warn' is not one of ['error', 'warning', 'info', 'never']",
        ),
        (
            ".ecsinit-lint.toml",
            'ignore = ["SIG", "INTI001"]\n',
            ".ecsinit-lint.toml:1:1: error: `ignore`: unknown rule selector 'INTI001' (see `ecsinit-lint rules`)",
        ),
        (
            ".ecsinit-lint.toml",
            '[per-file-ignores]\n"a/*" = ["NOPE"]\n',
            ".ecsinit-lint.toml:2:1: error: `per-file-ignores.a/*`: unknown rule selector 'NOPE' (see `ecsinit-lint rules`)",
        ),
        (".ecsinit-lint.toml", "select = [\n", ".ecsinit-lint.toml:1:1: error: invalid TOML: Invalid value"),
        (
            ".ecsinit-lint.toml",
            "select = 'INIT'\nselect = 'SIG'\n",
            ".ecsinit-lint.toml:2:15: error: invalid TOML: Cannot overwrite a value",
        ),
    ],
)
def test_config_errors_name_the_file_and_key(tmp_path, monkeypatch, name, text, message):
    write(tmp_path / name, text)
    write(tmp_path / "td.json", NO_INIT)
    result = check("td.json", cwd=tmp_path, monkeypatch=monkeypatch)
    assert (result.exit_code, result.stderr, result.stdout) == (2, message + "\n", "")


def test_config_error_is_one_line_without_traceback_in_a_subprocess(tmp_path):
    write(tmp_path / ".ecsinit-lint.toml", "bogus = 1\n")
    write(tmp_path / "td.json", NO_INIT)
    proc = subprocess.run([sys.executable, "-m", "ecsinit_lint", "check", "td.json"], cwd=tmp_path,
                          capture_output=True, text=True)  # fmt: skip
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1
    assert proc.stderr.startswith(".ecsinit-lint.toml:1:1: error: unknown key `bogus`")


def test_library_settings_carry_options(tmp_path):
    path = write(tmp_path / ".ecsinit-lint.toml", '[rules.INIT001]\nextra-inits = ["my-init"]\n')
    (init001,) = [r for r in load(str(path)).rules(str(tmp_path / "td.json")) if r.code == "INIT001"]
    assert init001.values == {"extra-inits": ["my-init"]}
    (default,) = [r for r in Configs().for_path("/").rules("/td.json") if r.code == "INIT001"]
    assert default.values == {"extra-inits": []}


@pytest.mark.parametrize("with_config", [False, True])
def test_jsonschema_and_toml_are_imported_only_for_a_config(tmp_path, with_config):
    write(tmp_path / "td.json", NO_INIT)
    if with_config:
        write(tmp_path / ".ecsinit-lint.toml", 'select = ["INIT"]\n')
    code = ("import sys; from ecsinit_lint.cli.app import main; sys.argv = ['ecsinit-lint', 'check', 'td.json']\n"
            "try: main()\nexcept SystemExit: pass\n"
            "print(sorted({'jsonschema', 'tomllib', 'tomli'} & set(sys.modules)))")  # fmt: skip
    proc = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True)
    loaded = proc.stdout.splitlines()[-1]
    expected = ["jsonschema", "tomllib" if sys.version_info >= (3, 11) else "tomli"] if with_config else []
    assert loaded == str(expected)


def test_stdin_takes_the_config_of_the_working_directory(tmp_path, monkeypatch):
    write(tmp_path / ".ecsinit-lint.toml", 'ignore = ["INIT001"]\n')
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["check", "-"], input=json.dumps(NO_INIT))
    assert (result.exit_code, result.stdout) == (0, "No findings in 1 file\n")


def test_a_pyproject_without_our_table_is_not_parsed(tmp_path):
    """Another tool's pyproject.toml, even a broken one, is no error of ours."""
    from ecsinit_lint.engine.config import Configs

    (tmp_path / "pyproject.toml").write_text("[tool.black\nline-length = 100\n")
    task = tmp_path / "task.json"
    task.write_text('{"family": "x", "containerDefinitions": [{"name": "a", "image": "b"}]}')
    assert Configs().for_path(str(task)).path is None
