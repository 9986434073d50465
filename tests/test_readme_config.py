"""The README's Configuration and suppression section: each example runs on its own. An
`example-run` console session runs in a fresh directory that holds only the `example-file`s
written since the previous run, its output compared line for line."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys

from .readme import section

FILE = re.compile(r"<!-- example-file: (\S+) -->\n```\w+\n(.*?)```", re.S)
RUN = re.compile(r"<!-- example-run -->\n```console\n(.*?)```", re.S)


def _examples() -> list[tuple[list[tuple[str, str]], str]]:
    """(files, console session) of each example, in the section's order."""
    body, examples, start = section("Configuration and suppression"), [], 0
    for run in RUN.finditer(body):
        examples.append((FILE.findall(body, start, run.start()), run.group(1)))
        start = run.end()
    return examples


def test_every_file_belongs_to_one_run():
    examples = _examples()
    assert [[name for name, _ in files] for files, _ in examples] == [
        ["pyproject.toml", "deploy/web.json"],
        ["services/api.json"],
    ]
    assert len(FILE.findall(section("Configuration and suppression"))) == 3  # none after the last run


def test_each_example_runs_as_shown(tmp_path):
    for n, (files, session) in enumerate(_examples()):
        here = tmp_path / str(n)  # a directory of its own: nothing of another example
        for name, text in files:
            (here / name).parent.mkdir(parents=True, exist_ok=True)
            (here / name).write_text(text)
        commands = re.split(r"^\$ ", session, flags=re.M)[1:]
        assert commands
        for block in commands:
            command, _, expected = block.partition("\n")
            argv = shlex.split(command)
            assert argv[0] == "ecsinit-lint"
            proc = subprocess.run([sys.executable, "-m", "ecsinit_lint", *argv[1:]], cwd=here,
                                  capture_output=True, text=True)  # fmt: skip
            assert proc.stdout + proc.stderr == expected, command
