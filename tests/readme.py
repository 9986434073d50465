"""The README's copy-paste examples, and those of the docs/ pages, as the tests run them."""

import re
from pathlib import Path

ROOT = Path(__file__).parents[1]
README = ROOT / "README.md"
DOCS = ROOT / "docs"


def section(title: str, path: Path = README) -> str:
    """The body of the section of `path` headed `## title`, to the next `## ` heading."""
    found = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", path.read_text(), re.M | re.S)
    assert found, f"no section `## {title}` in {path.relative_to(ROOT)}"
    return found.group(1)


def blocks(title: str, lang: str, path: Path = README) -> list[str]:
    """The ```lang blocks of the section of `path` headed `## title`."""
    return re.findall(rf"^```{lang}\n(.*?)^```", section(title, path), re.M | re.S)
