"""Throughput over 10,000 task definitions against the floor of only parsing them.

`make bench` prints the table; each row's `extra_info` holds files/s. Targets: the whole lint
within 3x the `json.loads` floor, memory flat in the number of files, both cores used. The lint
rows run without the findings cache, except `test_lint_warm_cache`: a re-run over files the
cache holds. The CLI memory rows run with the cache (as `check` does by default).
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tracemalloc

from ecsinit_lint.batch import parallel
from ecsinit_lint.engine.config import Configs

from .conftest import generate


def _floor(paths):
    for path in paths:
        with open(path, "rb") as f:
            json.loads(f.read())


def _lint(paths, cached=False):
    folder = os.environ["ECSINIT_LINT_CACHE_DIR"] if cached else None
    return sum(
        len(r[1]) for r in parallel.lint_files(paths, Configs(), cache_dir=folder) if not isinstance(r, Exception)
    )


def _rate(benchmark, paths):
    benchmark.extra_info["files_per_second"] = round(len(paths) / benchmark.stats.stats.median)


def test_floor_json_loads(benchmark, corpus):
    _, paths = corpus
    benchmark.pedantic(_floor, (paths,), rounds=3, warmup_rounds=1)
    _rate(benchmark, paths)


def test_lint_one_process(benchmark, corpus, monkeypatch):
    _, paths = corpus
    monkeypatch.setattr(parallel, "POOL_MIN_FILES", len(paths) + 1)
    found = benchmark.pedantic(_lint, (paths,), rounds=3, warmup_rounds=1)
    assert found > 0
    _rate(benchmark, paths)


def test_lint_pool(benchmark, corpus):
    _, paths = corpus
    found = benchmark.pedantic(_lint, (paths,), rounds=3, warmup_rounds=1)
    assert found > 0
    _rate(benchmark, paths)


def test_lint_warm_cache(benchmark, corpus):
    """A run over files the cache holds (after a first run wrote it): read, hash, look up."""
    _, paths = corpus
    found = _lint(paths, cached=True)
    assert benchmark.pedantic(_lint, (paths, True), rounds=3, warmup_rounds=1) == found
    _rate(benchmark, paths)


def _peak_traced(paths) -> int:
    """Peak Python memory of this process (the workers' are alike) while it lints `paths` with
    the cache, findings dropped: what `check` holds besides the findings it reports."""
    tracemalloc.start()
    for _ in parallel.lint_files(paths, Configs(), cache_dir=os.environ["ECSINIT_LINT_CACHE_DIR"]):
        pass
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak


def _peak_rss_cli(directory) -> int:
    """Peak RSS (KiB) of `ecsinit-lint check DIR` and its workers."""
    code = (
        "import resource, subprocess, sys;"
        "subprocess.run([sys.executable, '-m', 'ecsinit_lint', 'check', sys.argv[1]], stdout=subprocess.DEVNULL);"
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
    )
    return int(subprocess.run([sys.executable, "-c", code, str(directory)], capture_output=True, text=True).stdout)


def test_memory_is_flat_in_the_number_of_files(benchmark, corpus, tmp_path):
    directory, paths = corpus
    small = tmp_path / "small"
    small.mkdir()
    generate(small, len(paths) // 10)
    half = len(paths) // 2  # both runs have more than two batches (parallel.BATCH) to read ahead
    traced = {n: _peak_traced(paths[:n]) for n in (half, len(paths))}
    rss = {"1/10": _peak_rss_cli(small), "all": _peak_rss_cli(directory)}
    benchmark.extra_info.update({f"lint_peak_traced_bytes_{n}": v for n, v in traced.items()})
    benchmark.extra_info.update({f"cli_peak_rss_kib_{k}": v for k, v in rss.items()})
    benchmark.pedantic(lambda: None, rounds=1)
    print(
        f"\nlint peak (tracemalloc): {traced}; CLI peak RSS KiB: {rss}; self {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}"
    )
    assert traced[len(paths)] < 1.5 * traced[half], "lint memory grows with the number of files"
