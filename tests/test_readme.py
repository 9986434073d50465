import re
from pathlib import Path

from ecsinit_lint.cli import rules_table

README = Path(__file__).parents[1] / "README.md"


def test_rules_table_is_current():
    text = README.read_text()
    table = re.search(r"<!-- rules-table:start -->\n(.*)<!-- rules-table:end -->", text, re.S).group(1)
    assert table == rules_table(), "regenerate with `ecsinit-lint rules --markdown`"


def test_quick_start_has_two_commands():
    block = re.search(r"## Quick start\n+```sh\n(.*?)```", README.read_text(), re.S).group(1)
    assert block.split("\n")[:2] == ["make run", "make test"]
