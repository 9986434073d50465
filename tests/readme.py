"""The README's copy-paste examples, as the tests run them."""

import re
from pathlib import Path

README = Path(__file__).parents[1] / "README.md"


def blocks(section: str, lang: str) -> list[str]:
    """The ```lang blocks of the README section headed `## section`."""
    text = README.read_text()
    body = re.search(rf"^## {re.escape(section)}\n(.*?)(?=^## |\Z)", text, re.M | re.S).group(1)
    return re.findall(rf"^```{lang}\n(.*?)^```", body, re.M | re.S)
