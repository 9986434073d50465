"""`fix` wall time on one large IaC file, beside `check` of the same file: a CloudFormation YAML
template of 100 task definitions, 3 containers each, every container needing INIT001 and SIG001
(600 fixes). Target: the YAML edits linear in the file (the ops of a round spliced from one
composition, the text read once again): twice the task definitions take at most 3x the time,
where re-composing per op (quadratic) took 4x. Before: 141 s for `fix` of this template."""

from __future__ import annotations

import io
import time

import pytest
from ruamel.yaml import YAML

from ecsinit_lint.engine.linter import lint
from ecsinit_lint.engine.registry import Selection
from ecsinit_lint.fix.fixer import fix
from ecsinit_lint.inputs.sources import load

RULES = Selection().rules()


def cfn_yaml(tasks: int) -> bytes:
    """A template as `ruamel.yaml` dumps it (block style), `tasks` task definitions."""
    resources = {}
    for n in range(tasks):
        containers = [{"Name": f"c{n}-{i}", "Image": f"app:{i}", "Essential": i == 0,
                       "Command": ["sh", "-c", f"./migrate-{i} && node server{i}.js"]} for i in range(3)]  # fmt: skip
        props = {"Family": f"svc-{n}", "ContainerDefinitions": containers}
        resources[f"Task{n}"] = {"Type": "AWS::ECS::TaskDefinition", "Properties": props}
    out = io.StringIO()
    YAML().dump({"AWSTemplateFormatVersion": "2010-09-09", "Resources": resources}, out)
    return out.getvalue().encode()


def _fix(raw: bytes) -> int:
    fixed, done = fix(load("cfn.yaml", raw), RULES)
    fixed.edited([])
    return len(done)


def _ops(raw: bytes):
    doc = load("cfn.yaml", raw)
    return doc, [op for f in lint(doc, RULES) if f.code == "INIT001" for op in f.fix.patch]


def _edit_seconds(doc, ops) -> float:
    """The YAML side of a round: every op spliced into the text, the text read again."""
    start = time.perf_counter()
    load("cfn.yaml", doc.edited(ops).encode())
    return time.perf_counter() - start


@pytest.fixture(scope="module")
def template() -> bytes:
    return cfn_yaml(100)


def test_check_cfn_yaml_100_tasks(benchmark, template):
    found = benchmark.pedantic(lambda: len(lint(load("cfn.yaml", template), RULES)), rounds=3, warmup_rounds=1)
    assert found == 600
    benchmark.extra_info.update(kib=len(template) // 1024, median_s=round(benchmark.stats.stats.median, 3))


def test_fix_cfn_yaml_100_tasks(benchmark, template):
    assert benchmark.pedantic(_fix, (template,), rounds=3, warmup_rounds=1) == 600
    benchmark.extra_info.update(kib=len(template) // 1024, median_s=round(benchmark.stats.stats.median, 3))


def test_yaml_edits_grow_linearly(benchmark, template):
    doc, ops = _ops(template)
    benchmark.pedantic(_edit_seconds, (doc, ops), rounds=3, warmup_rounds=1)
    half = min(_edit_seconds(*_ops(cfn_yaml(50))) for _ in range(3))
    growth = benchmark.stats.stats.min / half
    benchmark.extra_info.update(ops=len(ops), growth_50_to_100=round(growth, 2))
    assert growth < 3, "the YAML edits grow faster than the file"
