"""Which files are task definitions: an ordinary repository file that is not one, in a format
the linter reads (JSONC such as tsconfig.json), is skipped quietly; one that is, but broken,
or text that is not even JSONC, stays a one-line error with exit status 2."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from ecsinit_lint.errors import InputError
from ecsinit_lint.inputs.sources import load

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
    """JSONC that holds an ECS container definition (most of its keys the ECS ones) is read as
    one: an ECS tool reads strict JSON."""
    text = '{\n  // the web tier\n  "name": "web",\n  "image": "nginx",\n  "essential": true,\n}\n'
    with pytest.raises(InputError, match="invalid JSON"):
        load(str(tmp_path / "web.json"), text.encode())


# Ordinary repository files with a name and an image that are no ECS container
OTHERS = {
    ".devcontainer/devcontainer.json": """{
  "name": "Python 3",
  "image": "mcr.microsoft.com/devcontainers/python:1-3.12-bullseye",
  "features": {"ghcr.io/devcontainers/features/node:1": {"version": "lts"}},
  "customizations": {"vscode": {"extensions": ["ms-python.python"]}},
  "postCreateCommand": "pip3 install --user -r requirements.txt"
}
""",
    "other/.devcontainer/devcontainer.json": DEVCONTAINER,
    "privileged/.devcontainer/devcontainer.json": '{"name": "dind", "image": "docker:dind", "privileged": true, '
                                                  '"runArgs": ["--init"]}\n',
    "commented/.devcontainer.json": """// For format details, see https://aka.ms/devcontainer.json.
{
  "name": "Node.js",
  // Or use a Dockerfile or Docker Compose file.
  "image": "mcr.microsoft.com/devcontainers/javascript-node:1-20-bullseye",
  "forwardPorts": [3000],
  "postCreateCommand": "yarn install",
  "remoteUser": "node", // trailing comma next
}
""",
    "compose.json": """{
  "services": {
    "web": {"image": "nginx:1.25", "command": ["nginx", "-g", "daemon off;"], "ports": ["80:80"]},
    "db": {"image": "postgres:16", "environment": {"POSTGRES_PASSWORD": "example"}}
  }
}
""",
    "web-service.json": '{"image": "nginx:1.25", "command": ["nginx", "-g", "daemon off;"], "ports": ["80:80"], '
                        '"restart": "always", "volumes": ["./conf:/etc/nginx:ro"]}\n',
    ".github/workflows/ci.json": """{
  "name": "CI",
  "on": {"push": {"branches": ["main"]}, "pull_request": {}},
  "jobs": {"test": {
    "runs-on": "ubuntu-latest",
    "container": {"image": "python:3.12", "options": "--user 1001"},
    "services": {"redis": {"image": "redis:7", "ports": ["6379:6379"]}},
    "steps": [{"uses": "actions/checkout@v4"}, {"name": "Test", "run": "pytest"}]
  }}
}
""",
}  # fmt: skip


def test_other_formats_with_a_name_and_an_image_pass_quietly(tmp_path):
    """A devcontainer.json (with or without comments), Compose JSON and a workflow in JSON are no
    container definitions: their keys are mostly other formats' (or only a name and an image)."""
    for name, text in OTHERS.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
        assert load(name, text.encode()) is None, name
    (tmp_path / "td.json").write_text('{"family": "a", "containerDefinitions": [{"name": "a", "image": "x"}]}\n')
    proc = _cli("check", ".", "--no-cache", cwd=tmp_path)
    assert (proc.returncode, proc.stderr) == (1, ""), proc.stderr
    assert proc.stdout.startswith("td.json:1:42: INIT001 ") and "1 finding" in proc.stdout, proc.stdout
