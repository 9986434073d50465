"""In-document suppressions, written where they survive the paths a task definition takes:

- the task-definition tag `ecsinit-lint:ignore` (`tags` [{key, value}] in ECS JSON and the
  describe output, `Tags` [{Key, Value}] in CloudFormation, a map in Terraform), whose value
  lists entries separated by spaces (ECS tag values allow no commas): `INIT001 SIG001:sidecar`;
- CloudFormation `Metadata: {ecsinit-lint: {ignore: [INIT001, SIG001:sidecar]}}` on the resource;
- a YAML comment `# ecsinit-lint: ignore[INIT001, SIG001:sidecar]`.

An entry is a rule code, prefix or name, optionally `:container`. Tags and metadata apply to
their task definition; a comment applies to the task definition it sits in (one above the
first task definition, to the first). The loaders put what lies outside the task's data in
`TaskDef.suppressions`; the linter applies them all in `apply`:

    task.suppressions += from_metadata(resource.get("Metadata"), "/Resources/Td/Metadata")  # CloudFormation
    attach_comments(doc, from_comments((line, comment) for …))  # YAML, once doc.tasks are built
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from ..core.findings import Violation
from ..core.pointer import join_pointer, split_pointer
from .registry import Rule, load_rules, matches

TAG_KEY = "ecsinit-lint:ignore"
METADATA_KEY = "ecsinit-lint"
COMMENT = re.compile(r"(?:^|\s)(#\s*ecsinit-lint:\s*ignore\[([^\]]*)\])")
ORIGINS = {"tag": f"tag `{TAG_KEY}`", "metadata": f"Metadata `{METADATA_KEY}`", "comment": "comment"}


@dataclass(frozen=True)
class Suppression:
    code: str  # a rule code, prefix or name, as written
    container: str | None
    origin: str  # "tag", "metadata" or "comment"
    pointer: str = ""  # where it is written (tags, metadata)
    position: tuple[int, int] | None = None  # line and column (comments)

    @property
    def text(self) -> str:
        return f"{self.code}:{self.container}" if self.container else self.code

    def covers(self, rule: Rule, container: str | None) -> bool:
        return bool(self.code) and matches(rule, self.code) and self.container in (None, container)

    def violation(self, why: str) -> Violation:
        return Violation(self.pointer, f"{ORIGINS[self.origin]} entry `{self.text}` {why}", self.container,
                         position=self.position)  # fmt: skip


def entries(value: str) -> list[tuple[str, str | None]]:
    """(code, container) for each entry of `INIT001 SIG001:sidecar` (commas also separate)."""
    out = []
    for word in re.split(r"[\s,]+", value.strip()):
        if word:
            code, _, container = word.partition(":")
            out.append((code, container or None))
    return out


def from_tags(tags, pointer: str, style: str = "camel") -> list[Suppression]:
    """The `ecsinit-lint:ignore` tag in a tag list ([{key, value}] or [{Key, Value}]) or map."""
    key, value = ("Key", "Value") if style == "pascal" else ("key", "value")
    if isinstance(tags, dict):
        found = [(join_pointer(split_pointer(pointer) + [TAG_KEY]), tags.get(TAG_KEY))]
    elif isinstance(tags, list):
        found = [(join_pointer(split_pointer(pointer) + [i, value]), t.get(value))
                 for i, t in enumerate(tags) if isinstance(t, dict) and t.get(key) == TAG_KEY]  # fmt: skip
    else:
        return []
    return [Suppression(code, container, "tag", ptr)
            for ptr, text in found if isinstance(text, str) for code, container in entries(text)]  # fmt: skip


def from_metadata(metadata, pointer: str) -> list[Suppression]:
    """`{ecsinit-lint: {ignore: [entries] or "entries"}}` of a CloudFormation resource's Metadata."""
    ours = metadata.get(METADATA_KEY) if isinstance(metadata, dict) else None
    listed = ours.get("ignore") if isinstance(ours, dict) else None
    base = split_pointer(pointer) + [METADATA_KEY, "ignore"]
    if isinstance(listed, str):
        listed, paths = [listed], [join_pointer(base)]
    elif isinstance(listed, list):
        paths = [join_pointer(base + [i]) for i in range(len(listed))]
    else:
        return []
    return [Suppression(code, container, "metadata", ptr)
            for ptr, text in zip(paths, listed) if isinstance(text, str) for code, container in entries(text)]  # fmt: skip


def from_comments(lines: Iterable[tuple[int, str]]) -> list[Suppression]:
    """The suppressions in (line number, comment or line text) pairs: `# ecsinit-lint: ignore[…]`."""
    out = []
    for number, line in lines:
        for m in COMMENT.finditer(line):
            pos = (number, m.start(1) + 1)
            out += [Suppression(code, container, "comment", position=pos) for code, container in entries(m.group(2))]
    return out


def attach_comments(doc, suppressions: list[Suppression]) -> None:
    """Give each comment suppression to the task definition it sits in: the last one that starts
    at or above its line, or the first when it is above them all."""
    starts = [(doc.locate(task.pointer)[0], task) for task in doc.tasks]
    for s in suppressions:
        above = [task for start, task in starts if start <= s.position[0]]
        (above[-1] if above else starts[0][1]).suppressions.append(s)


def of(task) -> list[Suppression]:
    """Every suppression of a task definition: its own tags and what the loader found."""
    tags = task.get("tags")
    return (from_tags(tags, task.ptr("tags"), task.style) if tags else []) + task.suppressions


def problem(s: Suppression, task) -> str | None:
    """Why an entry can never suppress anything in this task, if it cannot."""
    if not s.code or not any(matches(r, s.code) for r in load_rules().values()):
        return "names no rule"
    names = [c.name for c in task.containers]
    if s.container is not None and None not in names and s.container not in names:
        return f"names no container of this task definition ({', '.join(f'`{n}`' for n in names)})"
    return None


def apply(task, findings: list, rules: list[Rule]) -> tuple[list, list[Suppression]]:
    """The findings no suppression covers, and the valid suppressions of a selected rule that
    covered none (reported as SUP001; an invalid one is reported by SUP001's own check)."""
    suppressions = of(task)
    if not suppressions:
        return findings, []
    by_code = {r.code: r for r in rules}
    used, kept = set(), []
    for f in findings:
        covering = [s for s in suppressions if s.covers(by_code[f.code], f.container)]
        used.update(covering)
        if not covering:
            kept.append(f)
    unused = [s for s in dict.fromkeys(suppressions)
              if s not in used and problem(s, task) is None and any(matches(r, s.code) for r in rules)]  # fmt: skip
    return kept, unused
