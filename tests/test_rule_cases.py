"""Drive every rule's case file: a base task definition, JSON Patch variants, the codes each
variant must raise, (`fixed`) the patch that `fix` must amount to (`[]`: nothing to fix), and
(`options`) the rule's option values for the variant. A case runs the file's rule alone unless it
lists the rules to run (`select`), as rules that merge findings need; `severity` lists the
findings' levels where a rule reports more than one; `image` (the file's or the case's, `null`
for none) is the config of the image the first container names, read as `--images` reads it,
from an OCI layout built here."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import jsonpatch
import pytest
from ruamel.yaml import YAML

from ecsinit_lint.engine.linter import lint
from ecsinit_lint.engine.registry import Selection, load_rules
from ecsinit_lint.fix.fixer import fix
from ecsinit_lint.inputs.sources import load

from . import imagetools

CASES = Path(__file__).parent / "cases"


def _cases():
    yaml = YAML(typ="safe")
    for path in sorted(CASES.glob("*.yaml")):
        spec = yaml.load(path)
        for case in spec["cases"]:
            yield pytest.param(spec, case, id=f"{spec['rule']}: {case['name']}")


def _variant(spec, case, tmp_path):
    """The case's document: the base with its patch applied, or its own `text`."""
    path = tmp_path / "taskdef.json"
    if "text" in case:
        path.write_text(case["text"])
        return json.loads(case["text"]), load(str(path), path.read_bytes())
    data = jsonpatch.apply_patch(copy.deepcopy(spec["base"]), case.get("patch", []))
    path.write_text(json.dumps(data, indent=2) + "\n")
    return data, load(str(path), path.read_bytes())


@pytest.mark.parametrize(("spec", "case"), list(_cases()))
def test_case(spec, case, tmp_path):
    data, doc = _variant(spec, case, tmp_path)
    rules = [
        r.configured(case.get("options", {})) for r in Selection(tuple(case.get("select", [spec["rule"]]))).rules()
    ]
    images = _images(spec, case, data, tmp_path)
    findings = lint(doc, rules, images)
    assert [f.code for f in findings] == case["expect"]
    _assert_containers(doc, findings)
    if "severity" in case:
        assert [f.severity for f in findings] == case["severity"]
    if "fixed" in case:
        fixed, done = fix(doc, rules, case.get("unsafe", False), images=images)
        assert bool(done) == bool(case["fixed"]), "`fixed: []` means no fix applies"
        assert fixed.data == jsonpatch.apply_patch(data, case["fixed"])
        again, more = fix(fixed, rules, case.get("unsafe", False), images=images)
        assert not more and again.text == fixed.text, "fixing twice changed something"


def _assert_containers(doc, findings):
    """Each finding names the container whose pointer prefixes its own (the linter derives it);
    only a suppression entry, outside the containers, names the container it was written for."""
    containers = [c for task in doc.tasks for c in task.containers]
    for f in findings:
        holding = [c.name for c in containers if f.pointer == c.pointer or f.pointer.startswith(c.pointer + "/")]
        if holding:
            assert f.container == holding[0], f
        else:
            assert f.container is None or f.code == "SUP001", f


def _images(spec, case, data, tmp_path):
    """An image reader holding the case's image under the first container's name, or None."""
    config = case.get("image", spec.get("image"))
    if config is None:
        return None
    from ecsinit_lint.images.reader import Reader

    name = data["containerDefinitions"][0]["image"]
    layout = imagetools.oci_layout(
        tmp_path / "layout", [imagetools.Built([{}], config, oci=True)], name.rsplit(":", 1)[-1]
    )
    return Reader({name: str(layout)}, folder=tmp_path / "cache")


def test_every_rule_has_a_case_file():
    covered = {p.stem for p in CASES.glob("*.yaml")}
    assert set(load_rules()) <= covered
