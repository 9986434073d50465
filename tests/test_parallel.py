"""Many files go through a process pool; the results are those of one process, in order."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from ecsinit_lint.batch import parallel
from ecsinit_lint.engine.config import Configs
from ecsinit_lint.errors import InputError

from .strategies import BASES


def test_pool_matches_one_process_in_order(tmp_path, monkeypatch):
    paths = []
    for n in range(parallel.POOL_MIN_FILES + 50):
        path = tmp_path / f"t{n:04d}.json"
        path.write_text("{" if n % 97 == 0 else json.dumps(BASES[n % len(BASES)]))
        paths.append(str(path))
    pooled = list(parallel.lint_files(paths, Configs()))
    monkeypatch.setattr(parallel, "POOL_MIN_FILES", len(paths) + 1)
    serial = list(parallel.lint_files(paths, Configs()))

    def key(result):
        return (result.path, result.message) if isinstance(result, InputError) else result

    assert [key(r) for r in pooled] == [key(r) for r in serial]
    assert sum(isinstance(r, InputError) for r in pooled) == 3
    assert parallel.workers() >= 1


@pytest.mark.parametrize("cache", ["--no-cache", "cold", "warm"])
def test_standard_input_among_enough_files_for_the_pool(tmp_path, cache):
    """`check - DIR`: the workers' standard input is /dev/null, so the parent reads it."""
    for n in range(parallel.POOL_MIN_FILES):
        (tmp_path / f"t{n:04d}.json").write_text(json.dumps(BASES[0]))
    flags = [cache] if cache == "--no-cache" else ["--cache-dir", str(tmp_path / "cache")]
    zabbix = (Path(__file__).parents[1] / "examples" / "zabbix-server.json").read_bytes()
    argv = [sys.executable, "-m", "ecsinit_lint", "check", "--format", "json", *flags, "-", str(tmp_path)]
    for _ in range(1 + (cache == "warm")):
        done = subprocess.run(argv, input=zabbix, capture_output=True)
    report = json.loads(done.stdout)
    assert done.returncode == 1 and report["errors"] == []
    assert [f["code"] for f in report["findings"] if f["file"] == "-"] == ["INIT001"]
