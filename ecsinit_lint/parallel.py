"""Lint many files on every core: a process pool above a file count, results in input order."""

from __future__ import annotations

import os
from typing import Iterable, Iterator

from .config import Configs
from .linter import Finding, lint
from .sources import InputError, load, read

POOL_MIN_FILES = 200  # below this, starting the workers costs more than it saves
CHUNK = 64  # files a worker takes at a time: few round trips, little waiting at the end

_configs: list[Configs] = []  # a worker's copy of the configuration


def lint_file(path: str, configs: Configs) -> tuple[bool, list[Finding]] | InputError:
    """(whether the file holds a task definition, its findings), or the error reading it."""
    try:
        doc = load(path, read(path))
    except InputError as exc:
        return exc
    return (False, []) if doc is None else (True, lint(doc, configs.for_path(path).rules(path)))


def _init(configs: Configs) -> None:
    _configs[:] = [configs]


def _lint_in_worker(path: str):
    return lint_file(path, _configs[0])


def workers() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def lint_files(paths: Iterable[str], configs: Configs) -> Iterator[tuple[bool, list[Finding]] | InputError]:
    """lint_file for each path, in order; in a process pool when there are enough files.
    Each path's configuration is looked up here first, so a bad one fails before any work."""
    paths = list(paths)
    for path in paths:
        configs.for_path(path).rules(path)
    if len(paths) < POOL_MIN_FILES or workers() < 2:
        for path in paths:
            yield lint_file(path, configs)
        return
    from concurrent.futures import ProcessPoolExecutor  # not on the one-file path

    with ProcessPoolExecutor(workers(), initializer=_init, initargs=(configs,)) as pool:
        yield from pool.map(_lint_in_worker, paths, chunksize=CHUNK)
