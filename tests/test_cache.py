"""The findings cache: a run over unchanged files reads them back and reports the same; any
change that decides the findings makes the file linted again; a broken cache costs nothing."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from ecsinit_lint.batch import cache, parallel
from ecsinit_lint.engine.config import Configs
from ecsinit_lint.errors import InputError

from .strategies import BASES

ROOT = Path(__file__).parents[1]
ENOUGH = parallel.CACHE_MIN_FILES  # files a CLI run needs for the cache (100; 14 do not parse)


@pytest.fixture
def folder(tmp_path, monkeypatch) -> Path:
    """A cache of the test's own, used from one file on when linting in this process."""
    folder = tmp_path / "cache"
    monkeypatch.setenv("ECSINIT_LINT_CACHE_DIR", str(folder))
    monkeypatch.setattr(parallel, "CACHE_MIN_FILES", 1)
    return folder


def _files(directory: Path, count: int) -> list[str]:
    directory.mkdir(exist_ok=True)
    paths = []
    for n in range(count):
        path = directory / f"t{n:04d}.json"
        path.write_text("{" if n % 7 == 3 else json.dumps(BASES[n % len(BASES)], indent=2))
        paths.append(str(path))
    return paths


def _comparable(outcome):
    return (outcome.path, outcome.message) if isinstance(outcome, InputError) else outcome[:2]


def _lint(paths, **kwargs) -> list:
    folder = os.environ["ECSINIT_LINT_CACHE_DIR"]  # the test's own
    return [_comparable(o) for o in parallel.lint_files(paths, Configs(**kwargs), cache_dir=folder)]


def _rows(folder: Path) -> int:
    with sqlite3.connect(folder / "findings.sqlite3") as db:
        return db.execute("SELECT count(*) FROM findings").fetchone()[0]


def _check(*args: str, cwd=ROOT) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "ecsinit_lint", "check", *args], cwd=cwd, capture_output=True, text=True
    )


def _plain(path: str):
    """The outcome of linting the file without the cache."""
    (outcome,) = parallel.lint_files([path], Configs())
    return _comparable(outcome)


def test_a_second_run_reads_the_cache_and_reports_the_same(tmp_path, folder, monkeypatch):
    paths = _files(tmp_path / "in", 40)
    first = _lint(paths)
    assert first == [_plain(p) for p in paths]
    assert _rows(folder) == 40 - 6  # a file that does not parse is not recorded
    monkeypatch.setattr(parallel, "lint", lambda *a: pytest.fail("linted a file the cache holds"))
    assert _lint(paths) == first


def test_what_decides_the_findings_decides_the_row(tmp_path, folder, monkeypatch):
    path = Path(_files(tmp_path / "in", 1)[0])
    [(_, findings)] = _lint([str(path)])
    assert [f.code for f in findings] == ["INIT001"]
    assert _lint([str(path)], select=("SIG",)) == [(True, [])]  # other rules: another row
    data = json.loads(path.read_text())
    data["containerDefinitions"][0]["linuxParameters"] = {"initProcessEnabled": True}
    path.write_text(json.dumps(data))
    assert _lint([str(path)]) == [(True, [])]  # other bytes: linted again
    assert _rows(folder) == 2  # one row for each file and configuration
    monkeypatch.setattr(cache, "code_stamp", lambda: "other code")
    path.write_text(json.dumps(BASES[0]))
    assert [f.code for f in _lint([str(path)])[0][1]] == ["INIT001"]
    assert _rows(folder) == 1  # the rows of the other code are gone


def test_batches_keep_order_with_hits_misses_and_errors_in_the_pool(tmp_path, folder, monkeypatch):
    paths = _files(tmp_path / "in", 60)
    expected = [_plain(p) for p in paths]
    monkeypatch.setattr(parallel, "BATCH", 8)
    monkeypatch.setattr(parallel, "POOL_MIN_FILES", 3)
    monkeypatch.setattr(parallel, "CHUNK", 2)
    assert _lint(paths[::2]) == expected[::2]  # half of them cached
    assert _lint(paths) == expected
    assert _lint(paths) == expected


def test_terraform_files_are_not_cached(tmp_path, folder):
    tf = tmp_path / "main.tf"
    tf.write_text(
        'resource "aws_ecs_task_definition" "t" {\n  family = "t"\n  container_definitions = jsonencode([{ name = "a", image = "a" }])\n}\n'
    )
    assert [f.code for f in _lint([str(tf)])[0][1]] == ["INIT001"]
    assert not (folder / "findings.sqlite3").exists() or _rows(folder) == 0


def test_cli_output_is_the_same_cold_warm_and_without_cache(folder, tmp_path):
    files = tmp_path / "in"
    _files(files, ENOUGH)
    runs = [_check(str(files), "--format", "json", *flag) for flag in ([], [], ["--no-cache"])]
    assert runs[0].returncode == 2  # some files do not parse
    assert len({(r.returncode, r.stdout, r.stderr) for r in runs}) == 1
    rows = _rows(folder)
    assert rows == 100 - 14
    assert _check(str(files), "--cache-dir", str(tmp_path / "other")).returncode == 2
    assert _rows(tmp_path / "other") == rows
    _check(str(files), "--no-cache", "--cache-dir", str(tmp_path / "none"))
    assert not (tmp_path / "none").exists()


def test_a_few_files_are_always_linted(folder):
    assert _check("examples").returncode == 1
    assert not folder.exists()


@pytest.mark.parametrize("damage", ["garbage", "folder-is-a-file"])
def test_a_broken_cache_is_ignored(tmp_path, monkeypatch, damage):
    folder = tmp_path / "cache"
    if damage == "garbage":
        folder.mkdir()
        (folder / "findings.sqlite3").write_bytes(b"not a database" * 100)
    else:
        folder.write_text("")
    monkeypatch.setenv("ECSINIT_LINT_CACHE_DIR", str(folder))
    files = tmp_path / "in"
    _files(files, ENOUGH)
    run = _check(str(files), "--format", "json")
    assert (run.returncode, "Traceback" in run.stderr) == (2, False)
    assert (run.stdout, run.stderr) == _outputs(_check(str(files), "--format", "json", "--no-cache"))


def _outputs(run) -> tuple[str, str]:
    return run.stdout, run.stderr


def test_concurrent_runs_share_the_cache(tmp_path, folder):
    paths = _files(tmp_path / "in", ENOUGH)
    expected = _outputs(_check("--no-cache", "--format", "json", *paths))
    runs = [subprocess.Popen([sys.executable, "-m", "ecsinit_lint", "check", "--format", "json", *paths], cwd=ROOT,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(4)]  # fmt: skip
    assert [r.communicate() for r in runs] == [expected] * 4
    assert _rows(folder) == 100 - 14
