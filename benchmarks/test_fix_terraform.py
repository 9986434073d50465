"""`fix` of a 50-resource `.tf` (3 containers each, every one needing INIT001 and SIG001: 300
edits, ~21 KB): the edits of a round are spliced from one parse, so the time grows with the file,
not with the file times its edits (trust-report H1: 45 s before)."""

from __future__ import annotations

from ecsinit_lint.engine.registry import Selection
from ecsinit_lint.fix.fixer import fix
from ecsinit_lint.inputs.sources import load

RESOURCES = 50

CONTAINER = """    {{ name = "app-{n}-{i}", image = "example/app:{n}", essential = {essential},
      command = ["sh", "-c", "./migrate && node server.js"] }},
"""


def terraform(resources: int) -> str:
    blocks = []
    for n in range(resources):
        containers = "".join(CONTAINER.format(n=n, i=i, essential=str(i == 0).lower()) for i in range(3))
        blocks.append(f'resource "aws_ecs_task_definition" "svc_{n}" {{\n  family = "svc-{n}"\n'
                      f"  container_definitions = jsonencode([\n{containers}  ])\n}}\n")  # fmt: skip
    return "\n".join(blocks)


def test_fix_terraform_50_resources(benchmark, tmp_path):
    path = tmp_path / "main.tf"
    path.write_text(terraform(RESOURCES))
    doc, rules = load(str(path), path.read_bytes()), Selection().rules()
    fixed, done = benchmark.pedantic(fix, (doc, rules), rounds=1, warmup_rounds=0)
    assert len(done) == RESOURCES * 3 * 2
    assert fixed.text.count("initProcessEnabled = true") == RESOURCES * 3
    benchmark.extra_info["kilobytes"] = round(len(doc.text) / 1024, 1)
