"""A one-file lint of a valid task definition imports nothing heavy (`python -X importtime`).

A pre-commit hook pays the start-up on every commit: what only another command, format or input
needs stays off this path, and the timing itself is benchmarks/test_one_file.py's.
"""

from __future__ import annotations

import json
import marshal
import os
import subprocess
import sys
from pathlib import Path

import pytest

HEAVY = ("jsonschema", "pydantic", "boto3", "botocore", "concurrent.futures.process", "bashlex", "jsonpatch",
         "ecsinit_lint.fix.fixer", "ecsinit_lint.batch.baseline", "ecsinit_lint.audit.run", "ecsinit_lint.audit.region", "ecsinit_lint.output.sarif", "ecsinit_lint.output.junit",
         "ecsinit_lint.inputs.cfn", "ecsinit_lint.inputs.terraform", "ruamel", "hcl2", "lark", "tomllib", "tomli", "rich", "csv",
         "sqlite3", "xml", "ecsinit_lint.images", "shlex")  # fmt: skip
# what the bashlex table cache (shellparser) would import but for writing it
CACHE_WRITE = ("pickle", "hashlib", "tempfile")


def _imported(path, **env) -> tuple[subprocess.CompletedProcess, set[str]]:
    """`python -X importtime -m ecsinit_lint check PATH` and the modules it imported."""
    result = subprocess.run([sys.executable, "-X", "importtime", "-m", "ecsinit_lint", "check", str(path)],
                            capture_output=True, text=True, cwd=path.parent, env={**os.environ, **env})  # fmt: skip
    imported = {
        line.rsplit("|", 1)[-1].strip() for line in result.stderr.splitlines() if line.startswith("import time:")
    }
    return result, imported


def _of(imported: set[str], names) -> set[str]:
    return {m for m in imported if m in names or m.split(".")[0] in names}


def test_one_file_lint_imports_nothing_heavy(tmp_path):
    path = tmp_path / "taskdef.json"
    container = {
        "name": "app",
        "image": "debian",
        "command": ["./server"],
        "linuxParameters": {"initProcessEnabled": True},
    }
    path.write_text(json.dumps({"family": "app", "containerDefinitions": [container]}))
    result, imported = _imported(path)
    assert result.returncode == 0, result.stdout
    assert not _of(imported, HEAVY), "a heavy import on the one-file path"
    assert "No findings in 1 file" in result.stdout


def test_shell_script_lint_reads_the_cached_tables_without_pickle(tmp_path):
    path = tmp_path / "taskdef.json"
    container = {"name": "app", "image": "debian", "command": ["sh", "-c", "migrate && exec ./server"],
                 "linuxParameters": {"initProcessEnabled": True}}  # fmt: skip
    path.write_text(json.dumps({"family": "app", "containerDefinitions": [container]}))
    cache = tmp_path / "cache"
    first, _ = _imported(path, XDG_CACHE_HOME=str(cache))  # builds and writes the tables
    assert first.returncode == 0, first.stdout + first.stderr[-2000:]
    (tables,) = (cache / "ecsinit-lint").iterdir()
    assert tables.suffix == ".marshal"
    result, imported = _imported(path, XDG_CACHE_HOME=str(cache))
    assert (result.returncode, result.stdout) == (first.returncode, first.stdout)
    assert "bashlex.parser" in imported and not _of(imported, CACHE_WRITE)
    written = tables.read_bytes()
    tables.write_bytes(written[: len(written) // 2])  # a broken cache is rebuilt
    result, _ = _imported(path, XDG_CACHE_HOME=str(cache))
    assert (result.returncode, result.stdout) == (first.returncode, first.stdout)
    assert marshal.loads(tables.read_bytes()) == marshal.loads(written)


def test_the_command_collects_no_garbage_at_start_up():
    """`ecsinit-lint` runs __main__.main: the collector is off while importing and the imports are
    frozen out of its sight (no walk over them, now or at exit)."""
    pyproject = (Path(__file__).parents[1] / "pyproject.toml").read_text()
    assert '\necsinit-lint = "ecsinit_lint.__main__:main"\n' in pyproject
    code = ("import gc, ecsinit_lint.cli.app as cli\n"
            "cli.main = lambda: print(gc.isenabled(), gc.get_freeze_count() > 1000)\n"
            "from ecsinit_lint.__main__ import main\n"
            "main()\n")  # fmt: skip
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout == "True True\n"


@pytest.mark.parametrize("argv, status, says", [
    (["--help"], 0, "Commands:"),
    (["check", "--help"], 0, "--format"),
    (["--version"], 0, "ecsinit-lint "),
    (["check", "--bogus", "x.json"], 2, "Error: No such option: --bogus"),
    (["chek", "x.json"], 2, "Did you mean 'check'?"),
    (["check", "missing.json"], 2, "missing.json:1:1: error: "),
])  # fmt: skip
def test_help_and_errors_print_without_rich(tmp_path, argv, status, says):
    """typer formats help and errors with rich only in a markup mode: the CLI sets none, so no
    path loads rich (nor markdown_it), and the text is click's."""
    result = subprocess.run([sys.executable, "-X", "importtime", "-m", "ecsinit_lint", *argv], cwd=tmp_path,
                            capture_output=True, text=True)  # fmt: skip
    imported = {
        line.rsplit("|", 1)[-1].strip() for line in result.stderr.splitlines() if line.startswith("import time:")
    }
    assert result.returncode == status
    assert says in result.stdout + result.stderr
    assert not _of(imported, ("rich", "markdown_it", "pygments"))


def test_a_run_builds_only_the_command_it_names():
    """typer would make a click command of each command on each run: the app makes only the named
    one, and imports only its module; the help makes them all."""
    code = ("import sys, typer.main\n"
            "from ecsinit_lint.cli.app import main\n"
            "built = []\n"
            "make = typer.main.get_command_from_info\n"
            "def counted(command_info, **kw):\n"
            "    built.append(command_info.name)\n"
            "    return make(command_info, **kw)\n"
            "typer.main.get_command_from_info = counted\n"
            "for argv in (['rules'], ['--help']):\n"
            "    sys.argv[1:] = argv\n"
            "    try: main()\n"
            "    except SystemExit: pass\n"
            "    modules = sorted(m for m in sys.modules if m.startswith('ecsinit_lint.cli.'))\n"
            "    print(sorted(built), modules, file=sys.stderr)\n"
            "    built.clear()\n")  # fmt: skip
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    cli = ["ecsinit_lint.cli.app", "ecsinit_lint.cli.audit", "ecsinit_lint.cli.check", "ecsinit_lint.cli.fix",
           "ecsinit_lint.cli.rules"]  # fmt: skip
    assert result.stderr.splitlines() == [
        f"['rules'] {['ecsinit_lint.cli.app', 'ecsinit_lint.cli.rules']}",
        f"{sorted(['check', 'fix', 'audit', 'rules', 'rule'])} {cli}",
    ], result.stderr
