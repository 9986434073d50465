"""Lint many files on every core: a process pool when a batch has enough files to lint, results
in input order, and with the cache, unchanged files read back from it instead of linted."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from functools import cached_property
from itertools import islice
from typing import TYPE_CHECKING, NamedTuple

from ..core.findings import Finding
from ..engine.config import Configs, Settings
from ..engine.linter import lint
from ..errors import InputError
from ..inputs.document import Document
from ..inputs.sources import is_stdin, load, read, self_contained
from ..output.report import crashed_on

if TYPE_CHECKING:
    from .cache import Cache

POOL_MIN_FILES = 200  # files to lint in a batch before the workers are worth starting
CHUNK = 64  # files a worker takes at a time: few round trips, little waiting at the end
BATCH = 2048  # files read ahead: memory stays flat in the number of files
# Files in a run before the cache is worth its cost (~10 ms to import SQLite and hash, a write):
# a pre-commit hook's few changed files are always linted.
CACHE_MIN_FILES = 100

Outcome = tuple[bool, list[Finding], Document | None]
_worker: list = []  # a worker's copy of (configuration, keep, run)


class Run:
    """The files linted together: what a document reads from one of them (a Terraform `file()`)
    is that file's to report. Their real paths are looked up only when a document asks."""

    def __init__(self, paths: list[str]):
        self.paths = paths

    @cached_property
    def real_paths(self) -> frozenset[str]:
        return frozenset(os.path.realpath(p) for p in self.paths if not is_stdin(p))

    def __contains__(self, path: str | None) -> bool:
        return path is not None and path in self.real_paths


class Job(NamedTuple):
    """A file to lint, and what the cache needs: its bytes and key when the cache looked it up
    already, or the code stamp to make its key with (a cache that holds nothing to look up)."""

    path: str
    raw: bytes | None = None
    key: tuple[bytes, bytes] | None = None
    stamp: str | None = None


def _loaded(path: str, raw: bytes | None = None) -> tuple[bytes, Document | None] | InputError:
    """The file read (unless its bytes are given) and loaded: its bytes and document (None when
    it holds no task definition), or the error; a bug met on the file is its error."""
    try:
        raw = read(path) if raw is None else raw
        return raw, load(path, raw)
    except InputError as exc:
        return exc
    except Exception as exc:  # a bug met on this file (in a worker too) is its error, not the run's end
        return crashed_on(path, exc)


def own(findings: Iterable[Finding], doc: Document, run: Run) -> list[Finding]:
    """The findings of a document but those of a file it reads (a Terraform `file()`) that the
    run lints itself: that file reports them."""
    return [f for f in findings if doc.read_from(f.task) not in run]


def documents(paths: list[str], configs: Configs) -> Iterator[tuple[bytes, Document, Settings] | InputError]:
    """For a command that edits the files (`fix`), each in turn: its bytes, document and
    settings, or the error reading it; files that hold no task definition are left out. Each
    file's configuration is looked up as the file is reached."""
    for path in paths:
        settings = configs.for_path(path)
        loaded = _loaded(path)
        if isinstance(loaded, InputError):
            yield loaded
        elif loaded[1] is not None:
            yield *loaded, settings


def _lint(job: Job, configs: Configs, keep: bool, run: Run, images=None) -> tuple[Outcome | InputError, tuple | None]:
    """The job's outcome, and the cache row to write for it when the cache is in use.
    `images`: gives the run's image reader, for files whose settings ask for images."""
    settings = configs.for_path(job.path)
    rules = settings.rules(job.path)
    loaded = _loaded(job.path, job.raw)
    if isinstance(loaded, InputError):
        return loaded, None
    raw, doc = loaded
    try:
        reader = images(settings.images) if doc is not None and images is not None and settings.images else None
        findings = [] if doc is None else own(lint(doc, rules, reader), doc, run)
    except InputError as exc:
        return exc, None
    except Exception as exc:  # a bug met on this file (in a worker too) is its error, not the run's end
        return crashed_on(job.path, exc), None
    outcome = doc is not None, findings, doc if keep else None
    if job.key is None and job.stamp is None:
        return outcome, None
    from .cache import key, row

    return outcome, row(job.key or key(job.stamp, rules, job.path, raw), outcome[0], outcome[1])


def _init(configs: Configs, keep: bool, run: Run) -> None:
    _worker[:] = [configs, keep, run]


def _lint_in_worker(job: Job):
    return _lint(job, *_worker)


def workers() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def lint_files(paths: Iterable[str], configs: Configs, keep: bool = False, cache_dir: str | None = None,
               images=None) -> Iterator[Outcome | InputError]:  # fmt: skip
    """For each path, in order: (whether the file holds a task definition, its findings, the
    document if `keep`), or the error reading it. Each path's configuration is looked up here
    first, so a bad one fails before any work. With a cache folder and enough files, a file
    whose findings the cache holds is not linted, and the others' findings are written to it
    (not with `keep`: that needs the documents). `images(mode)` gives the image reader for files
    whose settings ask for images: those are linted in this process (the reader and its notes
    live here) and never cached, as their findings depend on more than the file."""
    paths = list(paths)
    with_images = False
    for path in paths:
        configs.for_path(path).rules(path)
        with_images = with_images or bool(images is not None and configs.for_path(path).images)
    run = Run(paths)
    cache = None
    if cache_dir is not None and not keep and len(paths) >= CACHE_MIN_FILES:
        from .cache import Cache

        cache = Cache(cache_dir)
    pool = None
    try:
        previous: tuple[list, Iterator] | None = None
        for batch in _batches(paths, configs, cache):
            jobs = [item for item in batch if isinstance(item, Job)]
            if pool is None and len(jobs) >= POOL_MIN_FILES and workers() > 1 and not with_images:
                from concurrent.futures import ProcessPoolExecutor  # not on the one-file path

                pool = ProcessPoolExecutor(workers(), initializer=_init, initargs=(configs, keep, run))
            # submitted now, so the workers lint this batch while the previous one is reported
            results = (
                pool.map(_lint_in_worker, jobs, chunksize=CHUNK)
                if pool
                else (_lint(j, configs, keep, run, images) for j in jobs)
            )
            if previous is not None:
                yield from _merged(*previous, cache)
            previous = batch, iter(results)
        if previous is not None:
            yield from _merged(*previous, cache)
    finally:
        if pool is not None:
            pool.shutdown(cancel_futures=True)
        if cache is not None:
            cache.flush()


def _batches(paths: list[str], configs: Configs, cache: Cache | None) -> Iterator[list]:
    """The paths in batches, each file a Job or, read from the cache, its outcome."""
    look = cache is not None and cache.holds_any()
    for start in range(0, len(paths), BATCH):
        yield [_looked_up(path, configs, cache, look) for path in islice(paths, start, start + BATCH)]


def _looked_up(path: str, configs: Configs, cache: Cache | None, look: bool) -> Job | Outcome | InputError:
    """A worker reads its files and makes their keys from the stamp. A file to look up in the
    cache is read here, and so is standard input: a worker's is /dev/null."""
    cached = cache is not None and self_contained(path) and not configs.for_path(path).images
    stamp, lookup = (cache.stamp, look) if cached else (None, False)
    if not is_stdin(path) and not lookup:
        return Job(path, stamp=stamp)
    try:
        raw = read(path)
    except InputError as exc:
        return exc
    if not lookup:
        return Job(path, raw, stamp=stamp)
    key = cache.key(path, configs.for_path(path).rules(path), raw)
    return cache.get(key) or Job(path, raw, key)


def _merged(batch: list, results: Iterator, cache: Cache | None) -> Iterator[Outcome | InputError]:
    for item in batch:
        if not isinstance(item, Job):
            yield item
            continue
        outcome, entry = next(results)
        if entry is not None:
            cache.add(entry)
        yield outcome
