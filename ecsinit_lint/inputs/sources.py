"""Read inputs, detect what they hold, and present each task definition with its pointer."""

from __future__ import annotations

import json
import os
import re
import stat
import sys
from collections import Counter
from collections.abc import Callable, Iterator

from ..core import suppress
from ..core.pointer import join_pointer
from ..core.schema import schema
from ..core.taskdef import CONTAINER_KEYS, Container, TaskDef, is_container
from ..errors import InputError
from . import jsonpos
from .document import DESCRIBE_WRAPPERS, Document, JsonDocument

MAX_BYTES = 32 * 1024 * 1024  # a task definition is at most 64 KiB; a Terraform plan can be large
SKIP_DIRS = {".git", ".hg", ".svn", ".venv", "venv", "node_modules", "__pycache__", ".terraform", ".tox"}


# devcontainer.json keys, which no ECS container has (its `name`, `image`, `privileged` it shares)
DEVCONTAINER_KEYS = {"features", "customizations", "forwardPorts", "portsAttributes", "remoteUser", "containerUser",
                     "remoteEnv", "containerEnv", "runArgs", "workspaceFolder", "workspaceMount", "overrideCommand",
                     "shutdownAction", "initializeCommand", "onCreateCommand", "updateContentCommand",
                     "postCreateCommand", "postStartCommand", "postAttachCommand", "hostRequirements"}  # fmt: skip


def _ecs_keys(item: dict, beyond: tuple = ()) -> bool:
    """Whether most keys of a container-like object are the ECS ContainerDefinition's, one of them
    not in `beyond`, and none only a devcontainer.json has (one has a name and an image too)."""
    known = schema()["$defs"]["ContainerDefinition"]["properties"].keys() & item.keys()
    return (
        len(known) > len(item) - len(known) and bool(known.difference(beyond)) and not DEVCONTAINER_KEYS & item.keys()
    )


def find_tasks(data) -> tuple[str, list[TaskDef]] | None:
    """What a parsed JSON document holds, or None when it is no task definition. A bare list of
    containers, or a container alone, needs mostly the keys of ECS containers, and a container
    alone one beyond a name and an image: other formats have those too."""
    if isinstance(data, list):
        if data and all(is_container(item) and _ecs_keys(item) for item in data):
            task = TaskDef.build({}, "", "camel", "", data)
            task.decoder = "either"  # also Terraform's container_definitions file
            return "containers", [task]
        return None
    if not isinstance(data, dict):
        return None
    if isinstance(data.get("containerDefinitions"), list):
        return "taskdef", [TaskDef.build(data, "", "camel", "/containerDefinitions", data["containerDefinitions"])]
    for wrapper in DESCRIBE_WRAPPERS:
        inner = data.get(wrapper)
        if isinstance(inner, dict) and isinstance(inner.get("containerDefinitions"), list):
            ptr = "/" + wrapper
            task = TaskDef.build(inner, ptr, "camel", ptr + "/containerDefinitions", inner["containerDefinitions"])
            task.suppressions += suppress.from_tags(data.get("tags"), "/tags")  # the live revision's tags
            return "describe", [task]
    if isinstance(data.get("Resources"), dict):  # CloudFormation, SAM, CDK synth output
        from .cfn import cfn_tasks

        tasks = cfn_tasks(data)
        return ("cloudformation", tasks) if tasks else None
    if "format_version" in data and ("planned_values" in data or "values" in data):  # terraform show -json
        from .terraform import plan_tasks

        tasks = plan_tasks(data)
        return ("terraform-plan", tasks) if tasks else None
    if (
        is_container(data)
        and ("name" in data or len(CONTAINER_KEYS & data.keys()) >= 2)
        and _ecs_keys(data, ("name", "image"))
    ):
        task = TaskDef({}, "", "camel", decoder="either")
        task.containers.append(Container(data, "", "camel", task=task))
        return "container", [task]
    return None


def decode(path: str, raw: bytes) -> tuple[str, bool]:
    """UTF-8 text without its BOM, and whether it had one."""
    if len(raw) > MAX_BYTES:
        raise InputError(path, f"file is larger than the {MAX_BYTES // 2**20} MiB limit")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        before = raw[: exc.start].decode("utf-8", "replace")
        line, col = jsonpos.line_col(before, len(before))
        raise InputError(path, f"not UTF-8 text (byte 0x{raw[exc.start]:02x})", line, col) from None
    if text.startswith("\ufeff"):
        return text[1:], True
    return text, False


class _Repeated(Exception):
    """An object repeats a key: parse again, noting where."""


def _unique_pairs(pairs: list) -> dict:
    obj = dict(pairs)
    if len(obj) < len(pairs):
        raise _Repeated
    return obj


_decoder = json.JSONDecoder(object_pairs_hook=_unique_pairs)


def parse_json(path: str, text: str, repeated: list[str] | None = None):
    """The parsed JSON; the pointer of each key an object repeats is added to `repeated`."""
    try:
        if repeated is None:
            return json.loads(text)
        try:
            return _decoder.decode(text)
        except _Repeated:  # rare: parse again, noting the objects that repeat a key
            found = []

            def pairs_hook(pairs):
                obj = dict(pairs)
                if len(obj) < len(pairs):
                    found.append((obj, sorted(k for k, n in Counter(k for k, _ in pairs).items() if n > 1)))
                return obj

            data = json.JSONDecoder(object_pairs_hook=pairs_hook).decode(text)
        repeated += _pointers_of(data, found)
        return data
    except json.JSONDecodeError as exc:
        raise InputError(path, f"invalid JSON: {exc.msg}", exc.lineno, exc.colno) from None
    except RecursionError:
        raise InputError(path, "JSON nested too deeply") from None


def _pointers_of(data, found) -> list[str]:
    """Pointers of the (object, keys) pairs in `found`, by walking `data` for the objects."""
    wanted = {id(obj): keys for obj, keys in found}
    pointers, stack = [], [(data, "")]
    while stack:
        value, ptr = stack.pop()
        if id(value) in wanted:
            pointers += [ptr + join_pointer([k]) for k in wanted[id(value)]]
        items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
        stack += [(v, ptr + join_pointer([k])) for k, v in items]
    return sorted(pointers)


# JSON text with comments and trailing commas (JSONC: tsconfig.json, .vscode/settings.json) made
# JSON: a string is kept, a comment or a comma before a closing bracket goes. (A pattern, compiled
# by `re` when first used: only text that is not JSON needs it.)
_JSONC = r'("(?:\\.|[^"\\\n])*")|//[^\n]*|/\*.*?\*/|,(?=(?:\s|//[^\n]*|/\*.*?\*/)*[}\]])'


def _holds_tasks(text: str) -> bool:
    """Whether text that is not JSON may be a task definition: unless it is JSONC holding none
    (a tsconfig.json), it is. A task definition with comments is broken (the AWS CLI and
    Terraform read strict JSON), and so is text that is not even JSONC: what it was meant to
    be cannot be told, and an unread task definition must not pass as clean."""
    try:
        data = json.loads(re.sub(_JSONC, lambda m: m.group(1) or "", text, flags=re.S))
    except (ValueError, RecursionError):
        return True
    return find_tasks(data) is not None


def load_json(path: str, text: str, bom: bool) -> Document | None:
    repeated: list[str] = []
    try:
        data = parse_json(path, text, repeated)
    except InputError:
        if _holds_tasks(text):
            raise
        return None  # tsconfig.json with comments: no task definition, skipped like package.json
    found = find_tasks(data)
    if found is None:
        return None
    for task in found[1]:
        task.repeated_keys = repeated
    return JsonDocument(path, text, data, found[0], found[1], bom)


# The suffixes a directory walk reads; any other file named on the command line is read as JSON.
SUFFIXES = (".json", ".yaml", ".yml", ".template", ".tf")


def self_contained(path: str) -> bool:
    """Whether the file alone decides its findings: a Terraform file also reads others (`file()`)."""
    return os.path.splitext(path)[1].lower() != ".tf"


def load(path: str, raw: bytes) -> Document | None:
    """The document in `raw`, or None when it holds no task definition. The format modules are
    imported only for their own files: their parsers cost start-up time."""
    text, bom = decode(path, raw)
    if not text.strip(" \t\r\n"):  # empty, blank or only a BOM: a placeholder, not invalid JSON
        return None
    suffix = os.path.splitext(path)[1].lower()
    if suffix in (".yaml", ".yml", ".template"):
        from . import cfn

        if not cfn.names_task_type(text):
            return None
        if not text.lstrip().startswith("{"):
            return cfn.load_yaml(path, text, bom)
        # a JSON template (`.template`): the JSON splice keeps more
    elif suffix == ".tf":
        from .terraform import load_tf

        return load_tf(path, text, bom)
    return load_json(path, text, bom)


class StdinPath(str):
    """Standard input, named as the file it stands for (`--stdin-filename`): the name picks the
    format, the configuration and the per-file ignores, and the findings carry it."""


def is_stdin(path: str) -> bool:
    return path == "-" or isinstance(path, StdinPath)


def read(path: str) -> bytes:
    """The file's bytes. A FIFO or a device is refused before it is opened (reading one could block
    forever), and the open does not block should the file become one in between."""
    try:
        if is_stdin(path):
            return sys.stdin.buffer.read()
        info = os.stat(path)
        if not stat.S_ISREG(info.st_mode):
            raise InputError(path, "not a regular file")
        with open(path, "rb", opener=_nonblocking) as f:
            if info.st_size <= MAX_BYTES:
                return f.read()  # read(n) would allocate all n bytes first: 3x the cost
            return f.read(MAX_BYTES + 1)  # too large: read up to the cap
    except OSError as exc:
        raise InputError(path, exc.strerror or str(exc)) from None


def _nonblocking(path: str, flags: int) -> int:
    return os.open(path, flags | os.O_NONBLOCK)


def expand(paths: list[str], skip: Callable[[str], bool] = lambda path: False) -> Iterator[str]:
    """Files to lint, each once (named twice or through a link, one file keeps its first name) and
    without a leading `./`: given files as they are, directories walked for the suffixes in
    SUFFIXES, leaving out what is not a regular file (a FIFO) and the files and directories `skip`
    names (the configuration's `exclude`; a directory's path ends with a separator). Symlinked
    files are linted, symlinked directories not walked."""
    seen: set = set()
    for path in paths:
        info = None if path == "-" else _stat(path)
        if info is None or not stat.S_ISDIR(info.st_mode):
            yield from _once(_clean(path), info, seen)
            continue
        for root, dirs, files in os.walk(path):
            root = _clean(root)
            dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS and not skip(os.path.join(root, d, "")))
            for name in sorted(files):
                file = os.path.join(root, name) if root != "." else name
                if os.path.splitext(name)[1].lower() in SUFFIXES and not skip(file):
                    info = _stat(file)  # None for a dangling link or a loop: reading it says so
                    if info is None or stat.S_ISREG(info.st_mode):
                        yield from _once(file, info, seen)


def _stat(path: str) -> os.stat_result | None:
    try:
        return os.stat(path)
    except OSError:
        return None


def _once(path: str, info: os.stat_result | None, seen: set) -> Iterator[str]:
    """The path unless its file (by device and inode: links and bind mounts too) was seen."""
    key = (info.st_dev, info.st_ino) if info is not None else path
    if key not in seen:
        seen.add(key)
        yield path


def _clean(path: str) -> str:
    """The path without a leading `./`, as other linters print it."""
    while path.startswith("./"):
        path = path[2:].lstrip("/")
    return path or "."
