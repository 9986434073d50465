"""A one-file lint of a valid task definition imports nothing heavy (`python -X importtime`)."""

from __future__ import annotations

import json
import subprocess
import sys

HEAVY = ("jsonschema", "pydantic", "boto3", "botocore", "concurrent.futures.process", "bashlex", "jsonpatch",
         "ecsinit_lint.fixer", "ecsinit_lint.baseline")


def test_one_file_lint_imports_nothing_heavy(tmp_path):
    path = tmp_path / "taskdef.json"
    container = {"name": "app", "image": "debian", "command": ["./server"], "linuxParameters": {"initProcessEnabled": True}}
    path.write_text(json.dumps({"family": "app", "containerDefinitions": [container]}))
    result = subprocess.run([sys.executable, "-X", "importtime", "-m", "ecsinit_lint", "check", str(path)],
                            capture_output=True, text=True)  # fmt: skip
    assert result.returncode == 0, result.stdout
    imported = {line.rsplit("|", 1)[-1].strip() for line in result.stderr.splitlines() if line.startswith("import time:")}
    assert not {m for m in imported if m.split(".")[0] in HEAVY or m in HEAVY}, "a heavy import on the one-file path"
    assert "No findings in 1 file" in result.stdout
