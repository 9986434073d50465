"""A parsed input file: its text, its task definitions, and how to locate and edit them."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from ..core.taskdef import TaskDef
from . import jsonpos

DESCRIBE_WRAPPERS = ("taskDefinition", "daemonTaskDefinition")
READ_ONLY = ("taskDefinitionArn", "daemonTaskDefinitionArn", "revision", "status", "requiresAttributes",
             "compatibilities", "registeredAt", "registeredBy", "deregisteredAt", "deleteRequestedAt")  # fmt: skip


@dataclass
class Document:
    """A parsed input. Subclasses per format know positions and how to edit the text."""

    path: str  # as given ('-' for stdin)
    text: str  # without a BOM
    data: Any
    kind: str  # "taskdef", "describe", "containers" or "container" (and the formats' own kinds)
    tasks: list[TaskDef] = field(default_factory=list)
    bom: bool = False

    def locate(self, pointer: str) -> tuple[int, int]:
        raise NotImplementedError

    def edited(self, ops: list[dict]) -> str:
        raise NotImplementedError

    def by_hand(self, pointer: str) -> str:
        """Why the fix at `pointer` is made by hand, for the note `fix` prints."""
        return "not literal here"

    def read_from(self, task: str | None) -> str | None:
        """The real path of another file that a task's containers are read from (a Terraform
        `file()`): linted in the same run, that file reports them."""
        return None

    def registerable(self, data) -> dict:
        """A describe output as RegisterTaskDefinition input: read-only fields dropped, tags kept."""
        (wrapper,) = [w for w in DESCRIBE_WRAPPERS if isinstance(data.get(w), dict)]
        revision = {k: v for k, v in data[wrapper].items() if k not in READ_ONLY and v is not None}
        if data.get("tags"):
            revision["tags"] = data["tags"]
        return revision


@dataclass
class JsonDocument(Document):
    def by_hand(self, pointer: str) -> str:
        return "the plan is made from the .tf files: fix them" if self.kind == "terraform-plan" else "not literal here"

    def locate(self, pointer: str) -> tuple[int, int]:
        """Line and column of the value at `pointer`, or of its nearest existing ancestor."""
        offset, _ = self._locator.nearest(pointer)
        return jsonpos.line_col(self.text, offset)

    @cached_property  # the text does not change: an edit makes a new document
    def _locator(self) -> jsonpos.Locator:
        return jsonpos.Locator(self.text, unique=not any(t.repeated_keys for t in self.tasks))

    def edited(self, ops: list[dict]) -> str:
        """The document's text with the ops applied, formatting kept."""
        return ("\ufeff" if self.bom else "") + jsonpos.apply_ops(self.text, ops)
