"""Every `pid1-facts §N` the code, the rules or the README cite is a section of docs/pid1-facts.md."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CITATION = re.compile(r"pid1-facts\s+§(\d+)(?:\s*[-–]\s*§(\d+))?")


def _sections() -> set[int]:
    text = (ROOT / "docs" / "pid1-facts.md").read_text(encoding="utf-8")
    return {int(n) for n in re.findall(r"^## (\d+)\. ", text, re.M)}


def _citations():
    files = [ROOT / "README.md", *(ROOT / "ecsinit_lint").rglob("*.py"), *(ROOT / "rules").glob("*.py")]
    for path in files:
        for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            for m in CITATION.finditer(line):
                first, last = int(m[1]), int(m[2] or m[1])
                for n in range(first, last + 1):
                    yield f"{path.relative_to(ROOT)}:{lineno}", n


def test_every_citation_resolves():
    sections = _sections()
    cited = list(_citations())
    assert len(cited) > 20  # the rules do cite the facts
    assert [(where, n) for where, n in cited if n not in sections] == []
