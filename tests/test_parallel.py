"""Many files go through a process pool; the results are those of one process, in order."""

from __future__ import annotations

import json

from ecsinit_lint import parallel
from ecsinit_lint.config import Configs
from ecsinit_lint.sources import InputError

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
