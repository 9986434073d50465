"""The README's Configuration and suppression section: its files are written to a scratch
directory and its console session is run there, output compared line for line."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path

README = Path(__file__).parents[1] / "README.md"


def _section() -> str:
    return re.search(r"^## Configuration and suppression\n(.*?)^## ", README.read_text(), re.S | re.M).group(1)


def test_configuration_example_runs_as_shown(tmp_path):
    section = _section()
    files = re.findall(r"<!-- example-file: (\S+) -->\n```\w+\n(.*?)```", section, re.S)
    assert [name for name, _ in files] == ["pyproject.toml", "deploy/web.json"]
    for name, text in files:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    session = re.search(r"<!-- example-run -->\n```console\n(.*?)```", section, re.S).group(1)
    commands = re.split(r"^\$ ", session, flags=re.M)[1:]
    assert len(commands) == 3
    for block in commands:
        command, _, expected = block.partition("\n")
        argv = shlex.split(command)
        assert argv[0] == "ecsinit-lint"
        proc = subprocess.run([sys.executable, "-m", "ecsinit_lint", *argv[1:]], cwd=tmp_path,
                              capture_output=True, text=True)  # fmt: skip
        assert proc.stdout + proc.stderr == expected, command
