"""Task definitions as the rules see them: plain dicts, a pointer into the source document, and
the key style of the format they came from (ECS camelCase or CloudFormation PascalCase)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property, wraps
from typing import Any, TypeVar

from .pointer import join_pointer, split_pointer

WINDOWS_SHELLS = {"powershell", "powershell.exe", "pwsh", "pwsh.exe", "cmd", "cmd.exe"}
WINDOWS_IMAGES = (
    "mcr.microsoft.com/windows",
    "mcr.microsoft.com/dotnet/framework",
    "microsoft/windowsservercore",
    "microsoft/nanoserver",
    "microsoft/iis",
    "microsoft/dotnet-framework",
)


CONTAINER_KEYS = {"image", "essential", "command", "entryPoint", "portMappings", "linuxParameters"}


def is_container(item) -> bool:
    return isinstance(item, dict) and ("image" in item or ("name" in item and CONTAINER_KEYS & item.keys()))


def is_unknown(value) -> bool:
    """A value only known at deploy time: a CloudFormation intrinsic function (`{"Ref": …}`,
    `{"Fn::Sub": …}`) or a marker the loaders put for a Terraform interpolation."""
    if isinstance(value, dict) and len(value) == 1:
        (key,) = value
        return key == "Ref" or key.startswith("Fn::") or key == "__unknown__"
    return False


_MISSING = object()


def _related(a: str, b: str) -> bool:
    """Whether one pointer is the other or holds it."""
    return a == b or a.startswith(b + "/") or b.startswith(a + "/")


def resolve(document, pointer: str):
    """The value at `pointer` in plain data, or a sentinel when there is none."""
    for token in split_pointer(pointer):
        if isinstance(document, dict) and token in document:
            document = document[token]
        elif isinstance(document, list) and token.isdigit() and int(token) < len(document):
            document = document[int(token)]
        else:
            return _MISSING
    return document


def known_str_list(value) -> list[str] | None:
    """The value as a list of strings, or None when it is absent, malformed or not known."""
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return value
    return None


N = TypeVar("N", bound="Node")
V = TypeVar("V")


def memoised(fact: Callable[[N], V]) -> Callable[[N], V]:
    """`fact(node)` of a TaskDef or Container, worked out once and kept in the node's `memo`. For the
    facts that modules above core work out (a container's launch, a task's schema errors): as a
    `cached_property` here, core would import them. What the data alone decides is a
    `cached_property`. The views are not changed once loaded; reading an image clears the memo."""

    @wraps(fact)
    def once(node: N) -> V:
        try:
            return node.memo[fact]
        except KeyError:
            value = node.memo[fact] = fact(node)
            return value

    return once


@dataclass
class Node:
    """A dict from a task definition, with its pointer and the key style of its document."""

    data: dict
    pointer: str
    style: str  # "camel" (ECS API, Terraform) or "pascal" (CloudFormation)

    def key(self, name: str) -> str:
        return name[0].upper() + name[1:] if self.style == "pascal" else name

    def get(self, name: str, default=None) -> Any:
        return self.data.get(name if self.style == "camel" else self.key(name), default)

    def has(self, name: str) -> bool:
        return self.key(name) in self.data

    def dotted(self, *names: str) -> str:
        """Field names as a dotted path in the document's style, for messages."""
        return ".".join(self.key(n) for n in names)

    def ptr(self, *names) -> str:
        """Document pointer of a field below this node; strings are field names (ECS's own,
        which need no escaping), ints indexes."""
        return self.pointer + "".join(["/" + (self.key(n) if isinstance(n, str) else str(n)) for n in names])

    def child(self, name: str) -> Node | None:
        value = self.get(name)
        return Node(value, self.ptr(name), self.style) if isinstance(value, dict) else None


@dataclass
class Container(Node):
    """One container definition of a task definition (`task`)."""

    task: TaskDef = field(default=None, repr=False)
    memo: dict = field(default_factory=dict, repr=False, compare=False)  # see `memoised`
    spelt: dict = field(default_factory=dict, repr=False)  # {ECS key: the input's own} where they differ (a module's)

    def dotted(self, *names: str) -> str:
        return ".".join([self.spelt.get(names[0], self.key(names[0])), *map(self.key, names[1:])])

    # What its image decides (images/reader.py `View`), set with --images before any rule asks
    image: Any = field(default=None, repr=False, compare=False)

    @property
    def name(self) -> str | None:
        name = self.get("name")
        return name if isinstance(name, str) else None

    @cached_property  # the data is not changed once loaded: a fix makes a new document
    def argv(self) -> list[str] | None:
        """The argv the task definition sets (entryPoint + command), None when unknown.

        Without `entryPoint` the image's ENTRYPOINT would come first; most images have none
        or one that execs its arguments, so `command` is taken as the argv (pid1-facts §3).
        With the image read (`image`), it is Docker's merge of the two (images/argv.py).
        """
        if self.image is not None:
            return self.image.effective.argv or None
        entry, command = self.get("entryPoint"), self.get("command")
        if entry is None and command is None:
            return None
        entry, command = known_str_list(entry or []), known_str_list(command or [])
        if entry is None or command is None:
            return None
        return entry + command

    def argv_sources(self) -> tuple[str | None, ...]:
        """The pointer of each argv element that the task definition holds, None for the image's."""
        if self.image is None:
            return self.argv_pointers
        return tuple(None if p == self.ptr("image") else p for p in self.argv_pointers)

    @cached_property
    def argv_pointers(self) -> tuple[str, ...]:
        """Document pointer of each argv element, in argv order; an element from the image is
        at the container's `image`."""
        if self.image is not None:
            return tuple(ptr for part in self.image.effective.parts
                         for ptr in self.image.pointers(self, part))  # fmt: skip
        ptrs = []
        for name in ("entryPoint", "command"):
            value = self.get(name)
            if isinstance(value, list):
                base = self.ptr(name)
                ptrs += [f"{base}/{i}" for i in range(len(value))]
        return tuple(ptrs)


@dataclass
class TaskDef(Node):
    """One task definition. For a bare container list or object, `data` is empty."""

    label: str | None = None  # family, CloudFormation logical id or Terraform address
    containers: list[Container] = field(default_factory=list)
    # What the loaders find outside `data` (core/suppress.py): describe output tags, CloudFormation
    # Metadata, YAML comments. Tags inside `data` are read from it.
    suppressions: list = field(default_factory=list)
    # Pointers whose value this view shows otherwise than the document holds it (an `Fn::If`
    # resolved to one branch, a JSON string decoded): a fix may not touch or rely on them.
    opaque: tuple[str, ...] = ()
    # Every view of the same resource (an `Fn::If` decided both ways), this one included, each as
    # (which branches it takes, the view): what a fix on one view must not break in another
    views: list = field(default_factory=list, repr=False, compare=False)
    # YAML: pointers whose value is an anchor's that aliases or merge keys repeat -> the anchor
    anchors: dict[str, str] = field(default_factory=dict)
    repeated_keys: list[str] = field(default_factory=list)  # pointers of keys an object repeats
    # What reads the container definitions' keys (TD001, TD002): "ecs" (the API: an unknown key is
    # rejected), "terraform" (the AWS provider: unknown keys dropped, case ignored), "either" (a
    # bare container list, read by both), or None (a module's own variables: not ECS's keys).
    decoder: str | None = "ecs"
    memo: dict = field(default_factory=dict, repr=False, compare=False)  # see `memoised`

    def container_at(self, pointer: str) -> Container | None:
        """The container a document pointer is in (the longest container pointer prefixing it),
        None for a pointer outside the containers."""
        holding = [c for c in self.containers if pointer == c.pointer or pointer.startswith(c.pointer + "/")]
        return max(holding, key=lambda c: len(c.pointer), default=None)

    def anchor_edited(self, patch: list[dict]) -> str | None:
        """The YAML anchor a patch would change, and with it every alias of it."""
        for op in patch:
            if op["op"] != "test":
                for p, anchor in self.anchors.items():
                    if _related(p, op["path"]):
                        return anchor
        return None

    def can_fix(self, patch: list[dict], document) -> bool:
        """Whether a patch computed on this view applies as it is to the document."""
        if self.anchors and self.anchor_edited(patch):
            return False
        if not self.opaque:
            return True
        for op in patch:
            path = op["path"]
            if any(_related(p, path) for p in self.opaque):
                return False
            if op["op"] == "test" and resolve(document, op["path"]) != op["value"]:
                return False
        return True

    @classmethod
    def build(cls, data: dict, pointer: str, style: str, containers_ptr: str, items, label=None):
        task = cls(data, pointer, style, label=label)
        for i, item in enumerate(items):
            if isinstance(item, dict) and not is_unknown(item):  # `local.sidecar`, `!Ref Sidecar`
                ptr = containers_ptr + join_pointer([i])
                task.containers.append(Container(item, ptr, style, task=task))
        if label is None and isinstance(task.get("family"), str):
            task.label = task.get("family")
        return task

    @cached_property
    def is_windows(self) -> bool:
        platform = self.get("runtimePlatform")
        family = platform.get(self.key("operatingSystemFamily")) if isinstance(platform, dict) else None
        if isinstance(family, str):
            return family.upper().startswith("WINDOWS")
        for c in self.containers:
            argv = c.argv or []
            if argv and argv[0].replace("\\", "/").rsplit("/", 1)[-1].lower() in WINDOWS_SHELLS:
                return True
            image = c.get("image")
            if isinstance(image, str) and image.lower().startswith(WINDOWS_IMAGES):
                return True
        return False

    @property
    def pid_mode(self) -> str | None:
        mode = self.get("pidMode")
        return mode if isinstance(mode, str) else None

    @cached_property  # asked for every container
    def shares_pid_namespace(self) -> bool:
        """pidMode `task` or `host`: Docker adds no init, and initProcessEnabled does nothing."""
        return self.pid_mode in ("task", "host")
