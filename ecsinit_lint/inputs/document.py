"""A parsed input file: its text, its task definitions, and how to locate and edit them."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from ..core.taskdef import TaskDef
from ..errors import FixError, InputError
from . import jsonpos

DESCRIBE_WRAPPERS = ("taskDefinition", "daemonTaskDefinition")
READ_ONLY = ("taskDefinitionArn", "daemonTaskDefinitionArn", "revision", "status", "requiresAttributes",
             "compatibilities", "registeredAt", "registeredBy", "deregisteredAt", "deleteRequestedAt")  # fmt: skip


def unreadable(exc: InputError) -> FixError:
    """The error of a fix whose edit left text that does not parse."""
    return FixError(f"fixing produced unreadable text ({exc.message}); file left as it was")


@dataclass
class Document:
    """A parsed input: its text, its data and the task definitions found in it.

    The loaders make one of a subclass per format, which implements:
    - `locate(pointer)`: line and column of the value at a pointer, or of its nearest ancestor;
    - `_apply(text, ops)`: the text with add/replace/remove ops applied in the format's own
      layout (raising FixError for an edit it cannot make, InputError when a parse of an
      intermediate text fails); `edited` wraps it;
    and may override `by_hand` (why a fix here is left to the user), `read_from` (another file
    a task's containers come from) and `registerable` (the data as RegisterTaskDefinition input).
    A document is not changed once loaded: a fix loads the edited text as a new one.
    """

    path: str  # as given ('-' for stdin)
    text: str  # without a BOM
    data: Any
    kind: str  # "taskdef", "describe", "containers" or "container" (and the formats' own kinds)
    tasks: list[TaskDef] = field(default_factory=list)
    bom: bool = False

    def locate(self, pointer: str) -> tuple[int, int]:
        raise NotImplementedError

    def edited(self, ops: list[dict]) -> str:
        """The text with a patch's ops applied, formatting kept, with the BOM it was read with.
        The `test` ops were checked on the data and edit nothing."""
        try:
            text = self._apply(self.text, [op for op in ops if op["op"] != "test"])
        except InputError as exc:  # an earlier op left text that does not parse
            raise unreadable(exc) from None
        return ("\ufeff" if self.bom else "") + text

    def _apply(self, text: str, ops: list[dict]) -> str:
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
    """A JSON file: a task definition, a describe output, containers, a template or a plan."""

    def by_hand(self, pointer: str) -> str:
        return "the plan is made from the .tf files: fix them" if self.kind == "terraform-plan" else "not literal here"

    def locate(self, pointer: str) -> tuple[int, int]:
        """Line and column of the value at `pointer`, or of its nearest existing ancestor."""
        offset, _ = self._locator.nearest(pointer)
        return jsonpos.line_col(self.text, offset)

    @cached_property  # the text does not change: an edit makes a new document
    def _locator(self) -> jsonpos.Locator:
        return jsonpos.Locator(self.text, unique=not any(t.repeated_keys for t in self.tasks))

    def _apply(self, text: str, ops: list[dict]) -> str:
        return jsonpos.apply_ops(text, ops)
