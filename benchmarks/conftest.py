"""Inputs for the benchmarks: task definitions generated from the real corpus's shapes."""

from __future__ import annotations

import copy
import json
import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parents[1]))
from tests.strategies import BASES  # noqa: E402

FILES = 10_000


def variant(n: int) -> dict:
    """The n-th generated task definition: a corpus shape with its own family and names."""
    data = copy.deepcopy(BASES[n % len(BASES)])
    data["family"] = f"svc-{n}"
    for i, c in enumerate(data["containerDefinitions"]):
        if isinstance(c, dict):
            c["name"] = f"{c.get('name', 'c')}-{n}-{i}"
    return data


def generate(directory: Path, count: int) -> list[str]:
    paths = []
    for n in range(count):
        path = directory / f"{n // 1000:02d}" / f"taskdef-{n:05d}.json"
        path.parent.mkdir(exist_ok=True)
        path.write_text(json.dumps(variant(n), indent=2) + "\n")
        paths.append(str(path))
    return paths


@pytest.fixture(scope="session", autouse=True)
def cache_dir(tmp_path_factory):
    """A findings cache of the session's own, for the CLI runs too."""
    os.environ["ECSINIT_LINT_CACHE_DIR"] = str(tmp_path_factory.mktemp("cache"))


@pytest.fixture(scope="session")
def corpus(tmp_path_factory) -> tuple[Path, list[str]]:
    directory = tmp_path_factory.mktemp("taskdefs")
    return directory, generate(directory, FILES)
