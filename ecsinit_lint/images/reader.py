"""What `--images` gives the rules: each container's image read once a run (a registry, or an
archive named with `--image NAME=PATH`) and a `View` of it put on the container before any rule
asks, so every rule that judges the argv judges the one Docker runs. An image that cannot be
read is one note, and its containers are judged from the task definition alone."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

from ..analysis import entrypoint
from ..analysis.shell import EXEC_WRAPPERS, FORWARDING_INITS, PID1_ONLY, SHELLS, SU_WRAPPERS, SUPERVISORS, basename
from ..core.taskdef import Container, TaskDef, is_unknown, known_str_list, memoised
from . import argv as merge
from .client import Client
from .errors import ImageError
from .image import Image, from_archive, from_layout, from_registry, platform_for
from .reference import DIGEST, Reference, parse
from .store import Store, _atomic_write

SAID = {merge.IMAGE_ENTRYPOINT: "ENTRYPOINT", merge.IMAGE_CMD: "CMD"}
SHELL_RECORD = "shell-v1"  # bump when Image.shell decides otherwise: the records are by digest
SCRIPT_RECORD = "script-v1"  # bump when what is kept of an entrypoint script changes


def decided(word: str) -> bool:
    """Whether the image config alone says what argv[0] `word` does as PID 1: an init, a
    supervisor, a shell or a wrapper the shell analysis follows. Anything else (an entrypoint
    script) is the script follower's to judge."""
    name = basename(word)
    return (word in PID1_ONLY or word == "/dev/init" or name in FORWARDING_INITS or name in SUPERVISORS
            or name in SHELLS or name == "busybox" or name in EXEC_WRAPPERS or name in SU_WRAPPERS)  # fmt: skip


@dataclass
class View:
    """A container's image as the rules see it.

    `merged` is Docker's merge of the task definition over the image config; `effective` is the
    argv the rules judge: the merge, except when argv[0] is the image's ENTRYPOINT and not
    `decided` (a script): that one is `script`, where the entrypoint script's verdict plugs in
    (entrypoint.follow), and until then the task definition's own argv is judged, as today."""

    image: Image
    merged: merge.Effective
    effective: merge.Effective
    reader: Reader = field(repr=False)
    script: str | None = None

    def pointers(self, c: Container, part: merge.Part) -> list[str]:
        if part.source in SAID:
            return [c.ptr("image")] * len(part.words)
        return [c.ptr(part.source, i) for i in range(len(part.words))]

    @property
    def origin(self) -> str:
        """ "the image's ENTRYPOINT `…` and CMD `…`": the parts of the judged argv from the image."""
        said = [f"{SAID[p.source]} `{' '.join(p.words)}`" for p in self.effective.parts if p.source in SAID]
        return "the image's " + " and ".join(said) if said else ""

    @property
    def stop_signal(self) -> str | None:
        """The image's STOPSIGNAL as ECS names it (`SIGQUIT`), None when it sets none."""
        signal = (self.image.config.stop_signal or "").strip().upper()
        if not signal:
            return None
        return f"signal {signal}" if signal.isdigit() else signal if signal.startswith("SIG") else "SIG" + signal

    @property
    def shell(self) -> str | None:
        """What /bin/sh is in the image (busybox, dash, bash), None when not decided."""
        return self.reader.shell(self.image)

    def ending(self, c: Container) -> Ending | None:
        """How the image's entrypoint `script` ends for the container (entrypoint.follow), with
        the container's arguments, Env and user; None when argv[0] is no script of the image or
        it could not be read (a note). Worked out once a container."""
        return None if self.script is None else _ending(c)

    def _follow(self, c: Container) -> Ending | None:
        env = environment(self.image.config, c)
        found = self.reader.script(self.image, self.script, env)
        if found is None:
            return None
        zero, text = found
        user = self.image.config.user or ""  # none: root
        if (given := c.get("user")) is not None:  # the task definition's wins; None: not known
            user = given if isinstance(given, str) and not is_unknown(given) else None
        outcome = entrypoint.follow(text, self.merged.argv[1:], env, self.shell, path=zero, user=user)
        return Ending(self.script, zero, text, outcome)


@memoised
def _ending(c: Container) -> Ending | None:
    """`View.ending`, worked out once a container (reading an image clears the memo)."""
    return c.image._follow(c)


@dataclass(frozen=True)
class Ending:
    """The image's entrypoint script, followed: `script` as ENTRYPOINT names it, `path` where
    it runs from (`$0`), its `text`, and the `outcome` (its paths, analysis/entrypoint.py)."""

    script: str
    path: str
    text: str
    outcome: entrypoint.Outcome


def environment(config, c: Container) -> dict[str, str]:
    """The variables the container is known to have: the image's Env under the task
    definition's `environment`. A variable given a value not known here (a `secrets` entry, an
    unknown `value`, anything an `environmentFiles` file may set) is left out: unknown."""
    env = dict(config.env)
    files = c.get("environmentFiles")
    if files:  # a file may set any name, and `environment` wins over it
        env = {}
    given = c.get("environment")
    if given is not None and not isinstance(given, list):
        return {}  # `!Ref Env`: any variable may be set
    for item in given or ():
        name = item.get(c.key("name")) if isinstance(item, dict) else None
        if not isinstance(name, str):
            return {}
        value = item.get(c.key("value"))
        if isinstance(value, str):
            env[name] = value
        else:
            env.pop(name, None)
    secrets = c.get("secrets")
    for item in secrets if isinstance(secrets, list) else ():
        name = item.get(c.key("name")) if isinstance(item, dict) else None
        if isinstance(name, str):
            env.pop(name, None)
    return env


def _pinned(name: str, digest: str) -> str:
    """`name` at `digest` (`repo:tag@sha256:…`, read by digest); `name` when either is no reference."""
    try:
        return str(parse(name).at(digest)) if DIGEST.fullmatch(digest) else name
    except ValueError:
        return name


class Reader:
    """The images of one run, each read once (per platform): registries through one client
    and the cache folder `check` uses, `archives` (NAME -> docker save archive or OCI layout)
    in their place. `notes`: one line per image that could not be read."""

    def __init__(self, archives: dict[str, str] | None = None, refresh: bool = False, insecure=(), folder=None):
        self.archives: dict[Reference, str] = {parse(name): path for name, path in (archives or {}).items()}
        self.store = Store(folder, refresh=refresh)
        self.client = Client(insecure=insecure)
        self.read: dict[tuple[str, str], Image | ImageError] = {}
        self.notes: list[str] = []
        self.failed: list[ImageError] = []
        self.shells: dict[int, str | None] = {}  # id(Image) -> what its /bin/sh is
        self.scripts: dict[tuple, tuple[str, str] | None] = {}  # (id(Image), argv[0], PATH) -> ($0, text)

    def shell(self, image: Image) -> str | None:
        """What /bin/sh is in the image, read once (it may take a layer) and kept in the cache
        by the image's digest, which names its bytes: a warm run reads no layer for it."""
        if id(image) not in self.shells:
            record = (
                self.store.folder / "shells" / hashlib.sha256(f"{SHELL_RECORD}\0{image.digest}".encode()).hexdigest()
            )
            try:
                self.shells[id(image)] = json.loads(record.read_text())["shell"]
            except (OSError, ValueError, KeyError, TypeError):
                try:
                    found = image.shell()
                except ImageError as exc:
                    self.notes.append(f"{exc}; its /bin/sh is taken to be dash")
                    self.shells[id(image)] = None
                    return None
                self.shells[id(image)] = found.kind if found else None
                if image.digest:
                    _atomic_write(record, json.dumps({"shell": self.shells[id(image)]}).encode())
        return self.shells[id(image)]

    def script(self, image: Image, name: str, env: dict[str, str]) -> tuple[str, str] | None:
        """($0, text) of the script argv[0] `name` runs in the image, found through the PATH of
        `env`; None when it is absent, not a script (no `#!`), or could not be read (a note).
        Kept in the cache by the image's digest: a warm run reads no layer for it."""
        key = (id(image), name, env.get("PATH", ""))
        if key not in self.scripts:
            self.scripts[key] = self._script(image, name, env)
        return self.scripts[key]

    def _script(self, image: Image, name: str, env: dict[str, str]) -> tuple[str, str] | None:
        where = f"{SCRIPT_RECORD}\0{image.digest}\0{name}\0{env.get('PATH', '')}"
        record = self.store.folder / "scripts" / hashlib.sha256(where.encode()).hexdigest()
        try:
            kept = json.loads(record.read_text())
            return (kept["path"], kept["text"]) if kept["text"] is not None else None
        except (OSError, ValueError, KeyError, TypeError):
            pass
        try:
            found = image.read_file(name, env)
            zero = found and _zero(image, name, env, found)
        except ImageError as exc:
            self.notes.append(f"{exc}; its ENTRYPOINT `{name}` is not followed")
            return None
        if found is not None and found.truncated:
            self.notes.append(f"{image.name}: its ENTRYPOINT `{name}` is over {len(found.data)} bytes: not followed")
            return None
        text = found.data.decode("utf-8", "replace") if found is not None and found.data.startswith(b"#!") else None
        if image.digest:
            _atomic_write(record, json.dumps({"path": zero, "text": text}).encode())
        return (zero, text) if text is not None else None

    def image(self, name: str, platform: str) -> Image | None:
        if (name, platform) not in self.read:
            try:
                self.read[name, platform] = self._open(name, platform)
            except ImageError as exc:
                self.read[name, platform] = exc
                self.failed.append(exc)
                note = f"{exc}; judged from the task definition alone"
                if note not in self.notes:  # `nginx` and `nginx:latest` are one image
                    self.notes.append(note)
        found = self.read[name, platform]
        return found if isinstance(found, Image) else None

    def _open(self, name: str, platform: str) -> Image:
        try:
            ref = parse(name)
        except ValueError as e:
            raise ImageError(name, f"not an image reference: {e}") from None
        path = self.archives.get(ref)
        if path is None:
            return from_registry(ref, self.client, self.store, platform)
        opener = from_layout if Path(path).is_dir() else from_archive
        return opener(path, name, platform)

    def attach(self, task: TaskDef, digests: dict[str, str] | None = None) -> None:
        """Put each Linux container's View on it (none where the argv is not known). `digests`:
        container name -> the digest of the image it runs (the audit's running tasks), read
        instead of what the `image` tag names now."""
        if task.is_windows:
            return
        runtime = task.get("runtimePlatform")
        runtime = runtime if isinstance(runtime, dict) else {}
        platform = platform_for(*(v if isinstance(v := runtime.get(task.key(k)), str) else None
                                  for k in ("cpuArchitecture", "operatingSystemFamily")))  # fmt: skip
        for c in task.containers:
            name, entry, command = c.get("image"), c.get("entryPoint"), c.get("command")
            if not isinstance(name, str) or any(v is not None and known_str_list(v) is None for v in (entry, command)):
                continue  # `!Ref Image`, an entryPoint only known at deploy time
            if digests and digests.get(c.name):
                name = _pinned(name, digests[c.name])
            image = self.image(name, platform)
            if image is None:
                continue
            merged = merge.effective(image.config, entry, command)
            view = View(image, merged, merged, self)
            first = merged.parts[0] if merged.parts else None
            if first is not None and first.source == merge.IMAGE_ENTRYPOINT and not decided(first.words[0]):
                view.script, view.effective = first.words[0], merge.effective(None, entry, command)
            c.image = view
            for cached in ("argv", "argv_pointers"):  # worked out without the image (is_windows)
                c.__dict__.pop(cached, None)
            c.memo.clear()
        task.memo.clear()

    def close(self) -> None:
        for image in self.read.values():
            if isinstance(image, Image):
                image.close()


def _zero(image: Image, name: str, env: dict[str, str], found) -> str:
    """`$0` of the script: argv[0] when it has a slash, else the PATH entry exec ran (the
    kernel passes the path it was given, not the one symlinks lead to)."""
    if "/" in name:
        return name
    if not found.links:
        return found.path
    first = found.links[0]
    for candidate in image.candidates(name, env):
        if candidate == first or candidate.startswith(first + "/"):
            return candidate
    return found.path
