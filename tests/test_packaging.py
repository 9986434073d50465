"""`rules/` ships as `ecsinit_lint.rules`, in a wheel and in the editable install; nothing named
`rules` lands in site-packages."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).parents[1]


def test_wheel_contents(tmp_path):
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(ROOT)],
        check=True, capture_output=True,
    )  # fmt: skip
    (wheel,) = tmp_path.glob("ecsinit_lint-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    rule_modules = {p.name for p in (ROOT / "rules").glob("*.py")}
    assert {n.split("/")[-1] for n in names if n.startswith("ecsinit_lint/rules/")} == rule_modules
    assert not [n for n in names if n.startswith("rules/")]
    assert any(n.endswith("entry_points.txt") for n in names)


def test_editable_install_maps_rules(tmp_path):
    code = (
        "import importlib.util, ecsinit_lint.rules as r;"
        "print(list(r.__path__)[0]); print(importlib.util.find_spec('rules'))"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, check=True)
    path, top_level = out.stdout.split()
    assert Path(path).resolve() == (ROOT / "rules").resolve()
    assert top_level == "None"
