"""`fix` on real task definitions: the written file parses, equals the original plus the patches
`check` reports, is idempotent, and the fixed revision registers against the ECS API."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import jsonpatch

from ecsinit_lint.engine.linter import lint
from ecsinit_lint.engine.registry import Selection
from ecsinit_lint.errors import InputError
from ecsinit_lint.fix.fixer import fix
from ecsinit_lint.inputs.document import JsonDocument
from ecsinit_lint.inputs.sources import load

EXAMPLES = Path(__file__).parents[1] / "examples"
RULES = Selection().rules()


def strict_json(corpus: Path) -> list[Path]:
    """Corpus JSON files that parse and hold a task definition."""
    found = []
    for path in sorted(corpus.glob("*.json")):
        try:
            doc = load(str(path), path.read_bytes())
        except InputError:
            continue
        if isinstance(doc, JsonDocument):
            found.append(path)
    return found


def patched_by_reports(data, path: Path):
    """Apply the safe patches that successive `check` runs report, as a user's RFC 6902 library would."""
    for _ in range(10):
        text = json.dumps(data)
        findings = lint(load(str(path), text.encode()), RULES)
        patches = [f.fix.patch for f in findings if f.fix and f.fix.applicability == "safe"]
        applied = False
        for patch in patches:
            try:
                data = jsonpatch.apply_patch(data, patch)
                applied = True
            except jsonpatch.JsonPatchException:
                continue
        if not applied:
            return data
    raise AssertionError("patches did not converge")


def test_write_on_corpus_copies(corpus, tmp_path):
    files = strict_json(corpus)
    assert len(files) > 60
    for src in files:
        copy = tmp_path / src.name
        shutil.copyfile(src, copy)
        original = copy.read_bytes()
        doc = load(str(copy), original)
        fixed, done = fix(doc, RULES)
        expected = patched_by_reports(json.loads(original.decode("utf-8-sig")), copy)
        assert fixed.data == expected, src.name
        again, more = fix(fixed, RULES)
        assert not more and again.text == fixed.text, f"{src.name}: not idempotent"
        if done:
            assert fixed.text.count("\r\n") >= original.decode("utf-8-sig").count("\r\n"), src.name
    result = subprocess.run(
        [sys.executable, "-m", "ecsinit_lint", "fix", "--write", str(tmp_path)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    for src in files:
        written = (tmp_path / src.name).read_bytes()
        assert load(str(src), written).data == fix(load(str(src), src.read_bytes()), RULES)[0].data


def _revision(path: Path) -> dict:
    doc = load(str(path), path.read_bytes())
    fixed, _ = fix(doc, RULES, unsafe=True)
    if fixed.kind == "describe":
        return fixed.registerable(fixed.data)
    if fixed.kind in ("containers", "container"):
        containers = fixed.data if fixed.kind == "containers" else [fixed.data]
        return {"family": path.stem, "containerDefinitions": containers}
    return fixed.data


def test_fixed_examples_register_against_the_ecs_api(aws_env):
    import boto3

    ecs = boto3.client("ecs")
    for path in sorted(EXAMPLES.glob("*.json")):
        revision = _revision(path)
        response = ecs.register_task_definition(**revision)["taskDefinition"]
        assert response["family"] == revision["family"]
        for sent, stored in zip(revision["containerDefinitions"], response["containerDefinitions"]):
            assert stored.get("linuxParameters") == sent.get("linuxParameters")
            assert stored.get("command") == sent.get("command")
        findings = lint(
            load("registered.json", json.dumps(response).encode()), Selection(("INIT001", "SIG001")).rules()
        )
        assert findings == [], path.name


def test_fixed_corpus_revisions_still_register(corpus, aws_env):
    """A fix never makes a revision unregisterable: what registered before registers after."""
    import boto3
    from botocore.exceptions import ParamValidationError

    ecs = boto3.client("ecs")
    registered = 0
    for path in strict_json(corpus):
        doc = load(str(path), path.read_bytes())
        before = doc.registerable(doc.data) if doc.kind == "describe" else doc.data
        if doc.kind in ("containers", "container"):
            continue
        try:
            ecs.register_task_definition(**before)
        except ParamValidationError:
            continue  # placeholders or keys ECS does not know: not registerable as written
        ecs.register_task_definition(**_revision(path))
        registered += 1
    assert registered > 20
