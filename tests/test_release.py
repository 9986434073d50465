"""Releases: the version, the changelog and the README's snippets name one release, and the
wheel that `python -m build` makes installs in a fresh virtual environment and runs."""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
import venv
from pathlib import Path

from ecsinit_lint import __version__

ROOT = Path(__file__).parents[1]
EXAMPLE = ROOT / "examples" / "zabbix-server.json"


def test_changelog_and_snippets_name_the_version():
    changelog = (ROOT / "CHANGELOG.md").read_text()
    headings = re.findall(r"^## \[([^\]]+)\](?: - (\d{4}-\d\d-\d\d))?$", changelog, re.M)
    assert headings[0] == ("Unreleased", "")
    released = headings[1:]
    assert released and all(date for _, date in released), "a release heading is `## [X.Y.Z] - YYYY-MM-DD`"
    assert released[0][0] == __version__, "the latest release in CHANGELOG.md is ecsinit_lint.__version__"
    for version, _ in headings:  # each heading links to its tag or comparison
        assert re.search(rf"^\[{re.escape(version)}\]: https://", changelog, re.M), version
    readme = (ROOT / "README.md").read_text()
    tags = re.findall(r"ecsinit-lint/ecsinit-lint@(v[^\s\"']+)", readme) + re.findall(r"^\s+rev: (\S+)$", readme, re.M)
    assert len(tags) >= 3  # the Action, the GitLab job, pre-commit
    assert set(tags) == {f"v{__version__}"}


def _build_wheel(out: Path, env: dict) -> tuple[Path, str]:
    """`python -m build --wheel` as the README says (pip wheel where build is not installed)."""
    if importlib.util.find_spec("build"):
        argv = [sys.executable, "-m", "build", "--wheel", "--outdir", str(out), str(ROOT)]
    else:
        argv = [sys.executable, "-m", "pip", "wheel", "--no-deps", "-w", str(out), str(ROOT)]
    proc = subprocess.run(argv, env=env, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    (wheel,) = out.glob(f"ecsinit_lint-{__version__}-*.whl")
    return wheel, proc.stdout + proc.stderr


def test_wheel_installs_in_a_fresh_venv(tmp_path, offline_pip):
    env = {**os.environ, **offline_pip}
    wheel, log = _build_wheel(tmp_path / "dist", env)
    assert "BuildBackendWarning" not in log and "absent from the `packages`" not in log, log
    venv.create(tmp_path / "venv", with_pip=True)
    bin_dir = tmp_path / "venv" / "bin"
    install = subprocess.run([bin_dir / "python", "-m", "pip", "install", "-q", str(wheel)], env=env,
                             capture_output=True, text=True)  # fmt: skip
    assert install.returncode == 0, install.stdout + install.stderr
    run = lambda *args: subprocess.run([bin_dir / "ecsinit-lint", *args], cwd=tmp_path, capture_output=True, text=True)  # noqa: E731
    assert run("--version").stdout == f"ecsinit-lint {__version__}\n"
    (tmp_path / "taskdef.json").write_text(EXAMPLE.read_text())
    check = run("check", "taskdef.json")
    assert check.returncode == 1 and "taskdef.json:8:5: INIT001 " in check.stdout, check.stdout + check.stderr
    where = subprocess.run([bin_dir / "python", "-c", "import ecsinit_lint; print(ecsinit_lint.__file__)"], cwd=tmp_path,
                           capture_output=True, text=True).stdout  # fmt: skip
    assert where.startswith(str(tmp_path / "venv")), "ran the installed wheel, not the source tree"
    schema = run("check", "--select", "TD", "taskdef.json")  # the shipped JSON Schema is found
    assert schema.returncode == 0 and schema.stderr == "", schema.stderr
