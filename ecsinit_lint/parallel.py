"""Lint many files on every core: a process pool above a file count, results in input order."""

from __future__ import annotations

import os
from functools import cached_property
from typing import Iterable, Iterator

from .config import Configs
from .linter import Finding, lint
from .sources import Document, InputError, load, read

POOL_MIN_FILES = 200  # below this, starting the workers costs more than it saves
CHUNK = 64  # files a worker takes at a time: few round trips, little waiting at the end

Outcome = tuple[bool, list[Finding], Document | None]
_worker: list = []  # a worker's copy of (configuration, keep, run)


class Run:
    """The files linted together: what a document reads from one of them (a Terraform `file()`)
    is that file's to report. Their real paths are looked up only when a document asks."""

    def __init__(self, paths: list[str]):
        self.paths = paths

    @cached_property
    def real_paths(self) -> frozenset[str]:
        return frozenset(os.path.realpath(p) for p in self.paths if p != "-")

    def __contains__(self, path: str | None) -> bool:
        return path is not None and path in self.real_paths


def lint_file(path: str, configs: Configs, keep: bool = False, run: Run = Run([])) -> Outcome | InputError:
    """(whether the file holds a task definition, its findings, the document if `keep`), or
    the error reading it."""
    try:
        doc = load(path, read(path))
    except InputError as exc:
        return exc
    if doc is None:
        return False, [], None
    findings = [f for f in lint(doc, configs.for_path(path).rules(path)) if doc.read_from(f.task) not in run]
    return True, findings, doc if keep else None


def _init(configs: Configs, keep: bool, run: Run) -> None:
    _worker[:] = [configs, keep, run]


def _lint_in_worker(path: str):
    return lint_file(path, *_worker)


def workers() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def lint_files(paths: Iterable[str], configs: Configs, keep: bool = False) -> Iterator[Outcome | InputError]:
    """lint_file for each path, in order; in a process pool when there are enough files.
    Each path's configuration is looked up here first, so a bad one fails before any work."""
    paths = list(paths)
    for path in paths:
        configs.for_path(path).rules(path)
    run = Run(paths)
    if len(paths) < POOL_MIN_FILES or workers() < 2:
        for path in paths:
            yield lint_file(path, configs, keep, run)
        return
    from concurrent.futures import ProcessPoolExecutor  # not on the one-file path

    with ProcessPoolExecutor(workers(), initializer=_init, initargs=(configs, keep, run)) as pool:
        yield from pool.map(_lint_in_worker, paths, chunksize=CHUNK)
