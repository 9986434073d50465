"""Which files are task definitions: an ordinary repository file that is not one, in a format
the linter reads (JSONC such as tsconfig.json), is skipped quietly; one that is, but broken,
or text that is not even JSONC, stays a one-line error with exit status 2."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from ecsinit_lint.sources import InputError, load

TSCONFIG = """{
  // TypeScript settings: see https://aka.ms/tsconfig
  "compilerOptions": {
    "target": "ES2020", /* modern */
    "strict": true,
    "paths": { "@/*": ["./src/*"] }, // "quoted // in a comment"
  },
  "include": ["src/**/*.ts", "tests/**/*.ts",],
}
"""
SETTINGS = """{
    // Editor
    "editor.formatOnSave": true,
    "files.exclude": {"**/.git": true, /* keep */ "**/*.js": {"when": "$(basename).ts"},},
    "[python]": {"editor.defaultFormatter": "ms-python.black-formatter",},
    "url": "http://example.com/*not a comment*/",
}
"""
DEVCONTAINER = '{\n  // Dev container\n  "name": "app",\n  "image": "mcr.microsoft.com/devcontainers/base:debian",\n}\n'
# Task definitions that are broken: an ECS tool reads strict JSON, so these stay errors.
BROKEN = {
    "commented-td.json": ('{\n  "family": "web",\n  // the web tier\n  "containerDefinitions": [{"name": "web", '
                          '"image": "nginx"}]\n}\n', "3:3: error: invalid JSON: Expecting property name"),
    "trailing-comma.json": ('[{"name": "web", "image": "nginx",}]\n', "1:35: error: invalid JSON: Expecting property name"),
    "truncated.json": ('{"family": "web", "containerDefinitions": [{"name": "web", "image": "nginx"\n',
                       "2:1: error: invalid JSON: Expecting ',' delimiter"),
    "cfn.json": ('{"Resources": {"T": {"Type": "AWS::ECS::TaskDefinition", "Properties": {\n',
                 "2:1: error: invalid JSON: Expecting property name"),
}  # fmt: skip


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ecsinit_lint", *args], capture_output=True, text=True, cwd=cwd)


@pytest.mark.parametrize("text", [TSCONFIG, SETTINGS, '{"a": 1 /* one */}', "// nothing\n[]", "", " \r\n", "\ufeff"])
def test_jsonc_that_is_no_task_definition_is_none(tmp_path, text):
    assert load(str(tmp_path / "x.json"), text.encode()) is None


@pytest.mark.parametrize("text", ["{", '{"compilerOptions": {', "[" * 5000 + "]" * 5000])
def test_text_that_is_not_even_jsonc_stays_an_error(tmp_path, text):
    """What it was meant to be cannot be told: an unread task definition must not pass as clean."""
    with pytest.raises(InputError):
        load(str(tmp_path / "x.json"), text.encode())


def test_jsonc_files_pass_quietly_beside_a_finding(tmp_path):
    (tmp_path / ".vscode").mkdir()
    (tmp_path / "tsconfig.json").write_text(TSCONFIG)
    (tmp_path / ".vscode" / "settings.json").write_text(SETTINGS)
    (tmp_path / "td.json").write_text('{"family": "a", "containerDefinitions": [{"name": "a", "image": "x"}]}\n')
    proc = _cli("check", ".", "--no-cache", cwd=tmp_path)
    assert (proc.returncode, proc.stderr) == (1, ""), proc.stderr
    assert proc.stdout.startswith("td.json:1:42: INIT001 ") and "in 1 file" in proc.stdout


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_a_broken_task_definition_stays_an_error(tmp_path, name):
    text, message = BROKEN[name]
    (tmp_path / name).write_text(text)
    with pytest.raises(InputError):
        load(str(tmp_path / name), text.encode())
    for command in ("check", "fix"):
        proc = _cli(command, name, "--no-cache" if command == "check" else "--diff", cwd=tmp_path)
        assert proc.returncode == 2 and proc.stderr.startswith(f"{name}:{message}"), proc.stderr
        assert "Traceback" not in proc.stderr


def test_a_commented_container_is_still_an_error(tmp_path):
    """JSONC that holds a container (a devcontainer.json has `name` and `image`) is read as one:
    the sniff cannot tell it from a commented container definition."""
    with pytest.raises(InputError, match="invalid JSON"):
        load(str(tmp_path / "devcontainer.json"), DEVCONTAINER.encode())
