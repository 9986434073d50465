import re
from pathlib import Path

from ecsinit_lint.cli.rules import rules_reference, rules_table
from ecsinit_lint.engine.registry import load_rules

README = Path(__file__).parents[1] / "README.md"


def test_rules_table_is_current():
    text = README.read_text()
    table = re.search(r"<!-- rules-table:start -->\n(.*)<!-- rules-table:end -->", text, re.S).group(1)
    assert table == rules_table(), "copy the table at the top of `ecsinit-lint rules --markdown`"


def test_rule_reference_is_current():
    """docs/rules.md is `ecsinit-lint rules --markdown`: every rule, its docstring whole."""
    import subprocess
    import sys

    reference = (README.parent / "docs" / "rules.md").read_text()
    printed = subprocess.run(
        [sys.executable, "-m", "ecsinit_lint", "rules", "--markdown"], capture_output=True, text=True
    )
    assert printed.stdout == rules_reference()
    assert reference == rules_reference(), "regenerate with `ecsinit-lint rules --markdown > docs/rules.md`"
    for rule in load_rules().values():
        assert f"\n## {rule.code} {rule.name}\n" in reference
        assert all(line.removeprefix("#") in reference for line in rule.doc.splitlines()[1:])


def test_quick_start_has_two_commands():
    block = re.search(r"## Quick start\n+```sh\n(.*?)```", README.read_text(), re.S).group(1)
    assert block.split("\n")[:2] == ["make run", "make test"]


def _try_it_blocks():
    """The "Try it" shell blocks of the README and the docs/ pages: a heredoc task definition,
    then commands whose comments name the codes they print."""
    pages = [README, *sorted((README.parent / "docs").glob("*.md"))]
    return [b for page in pages for b in re.findall(r"```sh\n(.*?)```", page.read_text(), re.S) if "<<'JSON'" in b]


def test_try_it_examples_print_what_their_comments_say(tmp_path):
    import shutil
    import subprocess
    import sys

    blocks = _try_it_blocks()
    assert len(blocks) >= 2
    cli = shutil.which("ecsinit-lint", path=str(Path(sys.executable).parent))
    for block in blocks:
        script = block.replace("/tmp/", f"{tmp_path}/").replace("ecsinit-lint ", f"{cli} ")
        lines = script.splitlines()
        end = lines.index("JSON")  # the heredoc's closing line
        subprocess.run(["bash", "-c", "\n".join(lines[: end + 1])], check=True)
        for line in lines[end + 1 :]:
            command, _, comment = line.partition("#")
            result = subprocess.run(["bash", "-c", command], capture_output=True, text=True)
            assert result.returncode in (0, 1), result.stderr
            for code in re.findall(r"\b[A-Z]{3,4}\d{3}\b", comment):
                if "check" in command:
                    assert code in result.stdout, (line, result.stdout)
