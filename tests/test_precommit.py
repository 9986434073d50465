"""The pre-commit hooks, run by pre-commit itself from a clone of this working tree, with the
configuration the README shows."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from ecsinit_lint import __version__

from .readme import blocks

ROOT = Path(__file__).parents[1]
EXAMPLE = ROOT / "examples" / "zabbix-server.json"
TEMPLATE = """Resources:
  Task:
    Type: AWS::ECS::TaskDefinition
    Properties:
      ContainerDefinitions:
        - Name: web
          Image: nginx
"""
# Kubernetes manifests that mention the type: valid YAML, no template
MANIFESTS = "kind: ConfigMap\ndata:\n  note: AWS::ECS::TaskDefinition\n---\nkind: Service\n"
GIT_ENV = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@example.com", "GIT_CONFIG_NOSYSTEM": "1", "HOME": str(Path.home())}  # fmt: skip


def git(*args, cwd) -> str:
    proc = subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True,
                          env={**os.environ, **GIT_ENV})  # fmt: skip
    return proc.stdout


@pytest.fixture(scope="module")
def hook_repo(tmp_path_factory) -> tuple[Path, str]:
    """This working tree (committed or not) as a repository pre-commit can clone at a rev."""
    dest = tmp_path_factory.mktemp("hook-repo")
    for name in git("ls-files", "-z", "--cached", "--others", "--exclude-standard", cwd=ROOT).split("\0"):
        if name and (ROOT / name).is_file():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, dest / name)
    git("init", "-q", cwd=dest)
    git("add", "-A", cwd=dest)
    git("commit", "-q", "-m", "snapshot", cwd=dest)
    return dest, git("rev-parse", "HEAD", cwd=dest).strip()


@pytest.fixture(scope="module")
def pre_commit(tmp_path_factory, offline_pip):
    home = tmp_path_factory.mktemp("pre-commit-home")  # the hook's environment is built once

    def run(*args, cwd):
        env = {**os.environ, **GIT_ENV, **offline_pip, "PRE_COMMIT_HOME": str(home)}
        return subprocess.run([sys.executable, "-m", "pre_commit", *args], cwd=cwd, env=env,
                              capture_output=True, text=True)  # fmt: skip

    return run


def test_readme_hooks_fail_fix_and_pass(hook_repo, pre_commit, tmp_path):
    url, rev = hook_repo
    (config,) = blocks("pre-commit", "yaml")
    local = config.replace("https://github.com/ecsinit-lint/ecsinit-lint", str(url)).replace(f"v{__version__}", rev)
    assert local.count(rev) == 1 and local.count(str(url)) == 1
    project = tmp_path / "project"
    (project / "infra").mkdir(parents=True)
    (project / ".pre-commit-config.yaml").write_text(local)
    (project / "infra" / "zabbix.json").write_text(EXAMPLE.read_text())
    (project / "infra" / "stack.template").write_text(TEMPLATE)  # pre-commit has no type for it
    others = {"package.json": '{"name": "app", "private": true}\n', "values.yaml": "replicas: 2\nimage: app\n",
              "main.tf": 'resource "aws_s3_bucket" "logs" {\n  bucket = "logs"\n}\n', "k8s.yaml": MANIFESTS}  # fmt: skip
    others["tsconfig.json"] = '{\n  // TypeScript\n  "compilerOptions": {"strict": true, /* ok */},\n}\n'  # JSONC
    others[".vscode/settings.json"] = '{\n    "editor.formatOnSave": true, // on\n}\n'
    others.update({"empty.json": "", "blank.json": " \n\t\n", "bom.json": "\ufeff", "infra/empty.yaml": "\ufeff\n"})
    for name, text in others.items():
        (project / name).parent.mkdir(exist_ok=True)
        (project / name).write_text(text)
    git("init", "-q", cwd=project)
    git("add", "-A", cwd=project)

    check = pre_commit("run", "ecsinit-lint", "--all-files", cwd=project)
    assert check.returncode == 1, check.stdout + check.stderr
    assert "infra/zabbix.json:8:5: INIT001 " in check.stdout
    assert "infra/stack.template:6:11: INIT001 " in check.stdout
    assert "k8s.yaml" not in check.stdout

    fixed = pre_commit("run", "ecsinit-lint-fix", "--all-files", cwd=project)
    assert fixed.returncode == 1 and "files were modified by this hook" in fixed.stdout
    data = json.loads((project / "infra" / "zabbix.json").read_text())
    assert data["containerDefinitions"][0]["linuxParameters"] == {"initProcessEnabled": True}
    fixed_template = TEMPLATE + "          LinuxParameters:\n            InitProcessEnabled: true\n"
    assert (project / "infra" / "stack.template").read_text() == fixed_template
    assert {name: (project / name).read_text() for name in others} == others

    git("add", "-A", cwd=project)
    clean = pre_commit("run", "--all-files", cwd=project)
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert clean.stdout.count("Passed") == 2
