"""Every `pid1-facts §N` the code, the rules, the README or the docs/ pages cite is a section of docs/pid1-facts.md."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CITATION = re.compile(r"pid1-facts\s+§(\d+)(?:\s*[-–]\s*§(\d+))?")


def _sections() -> set[int]:
    text = (ROOT / "docs" / "pid1-facts.md").read_text(encoding="utf-8")
    return {int(n) for n in re.findall(r"^## (\d+)\. ", text, re.M)}


def _citations():
    docs = [p for p in (ROOT / "docs").glob("*.md") if p.name != "pid1-facts.md"]
    files = [ROOT / "README.md", *docs, *(ROOT / "ecsinit_lint").rglob("*.py"), *(ROOT / "rules").glob("*.py")]
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


def _slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def test_relative_links_resolve():
    """The README and the docs/ pages link each other by file and heading: each link names a
    file that exists and, with `#anchor`, one of its headings (a moved section breaks none)."""
    pages = [ROOT / "README.md", *(ROOT / "docs").glob("*.md")]
    links = 0
    for page in pages:
        for target in re.findall(r"\]\(([^)\s]+)\)", page.read_text(encoding="utf-8")):
            if re.match(r"\w+:", target):
                continue  # https:, mailto:
            path, _, anchor = target.partition("#")
            linked = (page.parent / path).resolve() if path else page
            assert linked.exists(), (page.name, target)
            if anchor:
                headings = re.findall(r"^#+ (.+)$", linked.read_text(encoding="utf-8"), re.M)
                assert anchor in {_slug(h) for h in headings}, (page.name, target)
            links += 1
    assert links > 10
