"""The offline_pip fixture, registered by conftest.py."""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]


@pytest.fixture(scope="session")
def offline_pip(tmp_path_factory) -> dict:
    """Environment for a pip that installs ecsinit-lint from a wheelhouse without an index: the
    tests that build environments (pre-commit's, the action's) download once, not once each."""
    wheels = tmp_path_factory.mktemp("wheelhouse")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--wheel-dir", wheels, ROOT, "setuptools>=68"],
                   check=True, capture_output=True)  # fmt: skip
    return {"PIP_NO_INDEX": "1", "PIP_FIND_LINKS": str(wheels)}
