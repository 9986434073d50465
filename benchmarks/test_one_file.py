"""One-file lint wall time: `ecsinit-lint check FILE` as a fresh process, beside cfn-lint on
the same task definition as a CloudFormation template. Targets: a median at or under 0.25 s,
10x faster than cfn-lint."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import variant

ROUNDS = 15
FREE_FORM = {"dockerLabels", "options", "secretOptions", "driverOpts", "labels", "systemControls"}


def pascal(value, free_form=False):
    """CloudFormation's spelling of a task definition: PascalCase keys, free-form maps kept."""
    if isinstance(value, list):
        return [pascal(v) for v in value]
    if not isinstance(value, dict):
        return value
    if free_form:
        return value
    return {k[:1].upper() + k[1:]: pascal(v, k in FREE_FORM) for k, v in value.items()}


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    directory = tmp_path_factory.mktemp("one")
    data = variant(0)
    taskdef = directory / "taskdef.json"
    taskdef.write_text(json.dumps(data, indent=2) + "\n")
    template = directory / "template.json"
    resource = {"Type": "AWS::ECS::TaskDefinition", "Properties": pascal(data)}
    template.write_text(
        json.dumps({"AWSTemplateFormatVersion": "2010-09-09", "Resources": {"Task": resource}}, indent=2)
    )
    return taskdef, template


def _run(argv):
    return subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode


def test_ecsinit_lint_one_file(benchmark, files):
    command = [str(Path(sys.executable).with_name("ecsinit-lint")), "check", str(files[0])]
    assert benchmark.pedantic(_run, (command,), rounds=ROUNDS, warmup_rounds=1) in (0, 1)
    benchmark.extra_info["median_s"] = round(benchmark.stats.stats.median, 3)


def test_cfn_lint_same_content(benchmark, files):
    cfn_lint = shutil.which("cfn-lint", path=str(Path(sys.executable).parent))
    if cfn_lint is None:
        pytest.skip("cfn-lint is not installed")
    assert benchmark.pedantic(_run, ([cfn_lint, str(files[1])],), rounds=5, warmup_rounds=1) in (
        0,
        2,
        4,
        6,
        8,
        10,
        12,
        14,
    )
    benchmark.extra_info["median_s"] = round(benchmark.stats.stats.median, 3)
