"""An image's config and files, from a registry, a `docker save` archive or an OCI layout.

`from_registry`, `from_archive` and `from_layout` give an `Image`: its `config` (ENTRYPOINT,
CMD, USER, STOPSIGNAL, Env, WorkingDir), `read_file` (a path, or a bare argv[0] found through
PATH as exec would, following symlinks across layers) and `shell()` (what /bin/sh is). Every
fault is an ImageError naming the image."""

from __future__ import annotations

import hashlib
import json
import os
import posixpath
import tarfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from .client import Client, sha256
from .errors import ImageError
from .layers import Filesystem, Found, Layer
from .limits import Budget, Limits
from .reference import Reference, parse
from .store import Store

DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"  # Docker's, when Env has none
DEFAULT_LIMITS = Limits()
ARCHITECTURES = {"X86_64": "amd64", "ARM64": "arm64"}  # ECS runtimePlatform.cpuArchitecture


def platform_for(cpu_architecture: str | None = None, os_family: str | None = None) -> str:
    """`os/arch` from a task definition's runtimePlatform (default linux/amd64)."""
    arch = ARCHITECTURES.get((cpu_architecture or "X86_64").upper(), "amd64")
    system = "windows" if (os_family or "LINUX").upper().startswith("WINDOWS") else "linux"
    return f"{system}/{arch}"


@dataclass(frozen=True)
class Config:
    entrypoint: tuple[str, ...] | None
    cmd: tuple[str, ...] | None
    user: str | None
    stop_signal: str | None
    env: tuple[tuple[str, str], ...]
    working_dir: str | None
    platform: str = ""

    @classmethod
    def parse(cls, image: object, data: bytes) -> Config:
        try:
            doc = json.loads(data)
        except (ValueError, UnicodeDecodeError):
            raise ImageError(image, "the config blob is not JSON") from None
        if not isinstance(doc, dict):
            raise ImageError(image, "the config blob is not a JSON object")
        c = doc.get("config") or {}
        if not isinstance(c, dict):
            raise ImageError(image, "the config blob's `config` is not an object")

        def words(key):
            v = c.get(key)
            if v is None:
                return None
            if not isinstance(v, list) or not all(isinstance(w, str) for w in v):
                raise ImageError(image, f"the config's {key} is not a list of strings")
            return tuple(v)

        env = []
        for item in c.get("Env") or []:
            if isinstance(item, str):
                name, _, value = item.partition("=")
                env.append((name, value))
        platform = "/".join(str(doc[k]) for k in ("os", "architecture") if doc.get(k))
        return cls(words("Entrypoint"), words("Cmd"), c.get("User") or None, c.get("StopSignal") or None,
                   tuple(env), c.get("WorkingDir") or None, platform)  # fmt: skip

    @property
    def environment(self) -> dict[str, str]:
        return dict(self.env)

    @property
    def path(self) -> list[str]:
        return (self.environment.get("PATH") or DEFAULT_PATH).split(":")


@dataclass(frozen=True)
class File:
    path: str  # where it was found, symlinks resolved
    data: bytes  # its first Limits.file bytes
    size: int
    links: tuple[str, ...] = ()  # the symlinks followed

    @property
    def truncated(self) -> bool:
        return len(self.data) < self.size


@dataclass(frozen=True)
class Shell:
    kind: str  # "busybox", "dash" or "bash"
    path: str  # the file /bin/sh is
    evidence: str  # how that was decided


# What identifies a shell's ELF. dash prints no version and holds no such string: only its name
# (the file /bin/sh resolves to) says dash, and only for an ELF without the other two's marks.
MARKS = ((b"BusyBox v", "busybox"), (b"GNU bash, version", "bash"))


class Image:
    def __init__(
        self,
        name: str,
        digest: str | None,
        config: Config,
        layers: list[tuple[str, Callable[[], BinaryIO]]],
        budget: Budget,
    ):
        self.name, self.digest, self.config, self.budget = name, digest, config, budget
        self.fs = Filesystem([Layer(d, opener, budget, budget.limits.file) for d, opener in layers])

    def __repr__(self) -> str:
        return f"Image({self.name!r}, {self.digest})"

    def close(self) -> None:
        self.fs.close()

    def __enter__(self) -> Image:
        return self

    def __exit__(self, *_) -> None:
        self.close()

    def candidates(self, name: str, env: dict[str, str] | None = None) -> list[str]:
        """The paths exec would try for argv[0] `name`: itself if it has a slash (relative to
        WorkingDir), else each PATH directory's (relative PATH entries against WorkingDir)."""
        cwd = self.config.working_dir or "/"
        if "/" in name:
            return [posixpath.normpath(posixpath.join(cwd, name))]
        path = (env or {}).get("PATH") or self.config.environment.get("PATH") or DEFAULT_PATH
        return [posixpath.normpath(posixpath.join(cwd, d or ".", name)) for d in path.split(":")]

    def locate(self, name: str, env: dict[str, str] | None = None) -> Found | None:
        """The file argv[0] `name` runs. A bare name is looked for top layer first: the topmost
        layer holding it in a PATH directory decides, in PATH order, so the lookup stops there
        (exec's answer differs only if PATH directories of different layers hold the name)."""
        paths = self.candidates(name, env)
        if len(paths) == 1:
            return self.locate_path(paths[0])
        for window in range(1, len(self.fs.layers) + 1):
            for path in paths:
                found = self.locate_path(path, executable=True, window=window)
                if found is not None:
                    return found
        return None

    def locate_path(self, path: str, executable: bool = False, window: int | None = None) -> Found | None:
        found = self.fs.locate(path, window)
        if found is None or found.entry.kind not in ("file", "hardlink"):
            return None
        if executable and not found.entry.mode & 0o111:
            return None
        return found

    def read_file(self, name: str, env: dict[str, str] | None = None) -> File | None:
        """The file `name` (an absolute path, or argv[0] as exec finds it) or None if absent."""
        found = self.locate(name, env)
        if found is None:
            return None
        return File(found.path, self.fs.read(found), self.fs.size(found), found.links)

    def shell(self) -> Shell | None:
        """What /bin/sh is: its ELF's own marks (BusyBox's and bash's version strings), or the
        name `dash` of the ELF it resolves to; None when neither decides."""
        found = self.read_file("/bin/sh")
        if found is None or not found.data.startswith(b"\x7fELF"):
            return None
        for mark, kind in MARKS:
            if mark in found.data:
                return Shell(kind, found.path, f"its ELF holds {mark.decode()!r}")
        if posixpath.basename(found.path) == "dash":
            return Shell("dash", found.path, "/bin/sh resolves to an ELF named dash")
        return None


# -- manifests


def select(image: object, index: dict, platform: str) -> dict:
    """The manifest descriptor of an index for `os/arch[/variant]`."""
    system, _, arch = platform.partition("/")
    arch, _, variant = arch.partition("/")
    offered, unmarked = [], []
    for m in index.get("manifests") or []:
        p = m.get("platform") if isinstance(m, dict) else None
        if p is None and isinstance(m, dict):
            unmarked.append(m)
        if not isinstance(p, dict) or p.get("os") == "unknown":
            continue  # attestations
        offered.append("/".join(x for x in (p.get("os"), p.get("architecture"), p.get("variant")) if x))
        if p.get("os") == system and p.get("architecture") == arch and (not variant or p.get("variant") == variant):
            return m
    if not offered and len(unmarked) == 1:
        return unmarked[0]  # an index of one image that names no platform
    raise ImageError(image, f"no {platform} image in the index (it has {', '.join(offered) or 'none'})")


def _document(image: object, data: bytes, what: str) -> dict:
    try:
        doc = json.loads(data)
    except (ValueError, UnicodeDecodeError):
        raise ImageError(image, f"the {what} is not JSON") from None
    if not isinstance(doc, dict):
        raise ImageError(image, f"the {what} is not a JSON object")
    return doc


def _image_manifest(image: object, data: bytes, fetch: Callable[[str], bytes], platform: str) -> tuple[str, dict]:
    """(digest, manifest) of the platform's image manifest, through at most two indexes."""
    digest = sha256(data)
    for _ in range(3):
        doc = _document(image, data, "manifest")
        if "manifests" in doc:
            chosen = select(image, doc, platform)
            digest = chosen.get("digest", "")
            data = fetch(digest)
            continue
        if doc.get("schemaVersion") == 1:
            raise ImageError(image, "a Docker schema 1 manifest (deprecated, unsupported): push the image again")
        if not isinstance(doc.get("config"), dict) or not isinstance(doc.get("layers"), list):
            raise ImageError(image, "the manifest has no config or layers")
        return digest, doc
    raise ImageError(image, "indexes nested more than twice")


def _digests(image: object, manifest: dict) -> tuple[str, list[str]]:
    try:
        return manifest["config"]["digest"], [layer["digest"] for layer in manifest["layers"]]
    except (KeyError, TypeError):
        raise ImageError(image, "a manifest descriptor without a digest") from None


# -- sources


def from_registry(reference: str | Reference, client: Client | None = None, store: Store | None = None,
                  platform: str = "linux/amd64", limits: Limits = DEFAULT_LIMITS) -> Image:  # fmt: skip
    """The image a reference names, by way of the cache: a tag's digest for a TTL, the rest by
    digest forever; a warm read sends nothing."""
    try:
        ref = reference if isinstance(reference, Reference) else parse(reference)
    except ValueError as e:
        raise ImageError(reference, f"not an image reference: {e}") from None
    client, store = client or Client(), store or Store()
    budget = Budget(ref, limits)
    digest, data = ref.digest, None
    if digest is None:
        name = str(ref)
        digest = store.tag(name)
        if digest is None:
            digest, data = client.resolve(ref, budget)
            if data is not None:
                store.put(digest, data)
            store.set_tag(name, digest)

    def cached(digest: str) -> bytes | None:
        """A cached manifest or config, checked again: they are small, and read every run."""
        if not digest.startswith("sha256:"):
            raise ImageError(ref, f"unsupported digest {digest[:20]!r}")
        data = store.read(digest)
        return data if data is not None and sha256(data) == digest else None

    def fetch(digest: str) -> bytes:
        found = cached(digest)
        if found is None:
            found = client.manifest(ref, digest, budget)
            store.put(digest, found)
        return found

    def blob(digest: str, limit: int | None = None) -> Path:
        """A blob's file in the cache (a layer there was checked when written)."""
        path = store.blob_path(digest)
        if not path.is_file():
            writer = store.writer(digest)
            if not writer.writable:
                raise ImageError(ref, f"cannot write blobs in the image cache {store.folder}")
            client.blob(ref, digest, writer, budget, limit)
        return path

    def document(digest: str) -> bytes:
        found = cached(digest)
        if found is None:
            store.blob_path(digest).unlink(missing_ok=True)
            found = blob(digest, limits.document).read_bytes()
        return found

    manifest_digest, manifest = _image_manifest(ref, fetch(digest), fetch, platform)
    config_digest, layer_digests = _digests(ref, manifest)
    config = Config.parse(ref, document(config_digest))
    openers = [(d, lambda d=d: open(blob(d), "rb")) for d in layer_digests]
    return Image(str(ref.at(digest) if not ref.digest else ref), manifest_digest, config, openers, budget)


class _Verified:
    """Opens archive members or layout files, hashing each fully once before its first use."""

    def __init__(self, image: str, open_member: Callable[[str], BinaryIO]):
        self.image, self.open_member = image, open_member
        self.checked: set[tuple[str, str]] = set()

    def opener(self, member: str, digest: str) -> Callable[[], BinaryIO]:
        def open_() -> BinaryIO:
            if (member, digest) not in self.checked:
                h = hashlib.sha256()
                with self.open_member(member) as f:
                    for chunk in iter(lambda: f.read(1 << 20), b""):
                        h.update(chunk)
                if "sha256:" + h.hexdigest() != digest:
                    raise ImageError(self.image, f"{member} does not match its digest {digest}")
                self.checked.add((member, digest))
            return self.open_member(member)

        return open_

    def read(self, member: str, digest: str, limit: int) -> bytes:
        with self.opener(member, digest)() as f:
            data = f.read(limit + 1)
        if len(data) > limit:
            raise ImageError(self.image, f"{member} is over {limit} bytes")
        return data


def _wanted(name: str | None, names: list[str]) -> bool:
    """Whether an image named `names` (RepoTags or ref.name annotations) is the one asked for."""
    if name is None:
        return True
    try:
        want = parse(name)
        return any(parse(n) == want for n in names if n)
    except ValueError:
        return name in names


def from_archive(path: str | os.PathLike, name: str | None = None, platform: str = "linux/amd64",
                 limits: Limits = DEFAULT_LIMITS) -> Image:  # fmt: skip
    """An image from a `docker save` archive (legacy layout or Docker 25's OCI one)."""
    label = f"{name or 'image'} in {path}"
    budget = Budget(label, limits)
    try:
        tar = tarfile.open(path)
        members = {m.name.removeprefix("./"): m for m in tar.getmembers() if m.isreg()}
    except (OSError, tarfile.TarError, EOFError) as e:
        raise ImageError(label, f"not a readable archive ({e})") from None

    def open_member(member: str) -> BinaryIO:
        if member not in members:
            raise ImageError(label, f"the archive has no {member}")
        try:
            return tar.extractfile(members[member])
        except (OSError, tarfile.TarError) as e:
            raise ImageError(label, f"cannot read {member} from the archive ({e})") from None

    verified = _Verified(label, open_member)
    if "manifest.json" not in members:
        if "index.json" in members:  # an OCI layout tarball
            return _from_oci(
                label, budget, verified, lambda m: open_member(m).read(limits.document + 1), name, platform
            )
        raise ImageError(label, "not a docker save archive (no manifest.json)")
    try:
        entries = json.loads(open_member("manifest.json").read(limits.document))
        chosen = [e for e in entries if _wanted(name, e.get("RepoTags") or [])]
    except (ValueError, TypeError, AttributeError):
        raise ImageError(label, "manifest.json is not docker save's list of images") from None
    if len(chosen) != 1:
        tags = sorted(t for e in entries for t in e.get("RepoTags") or [])
        raise ImageError(
            label,
            f"{'no' if not chosen else 'more than one'} image matches (the archive has {', '.join(tags) or 'untagged images'}): name one with NAME=PATH",
        )
    entry = chosen[0]
    config_member = entry.get("Config") or ""
    config_digest = "sha256:" + posixpath.basename(config_member).removesuffix(".json")
    config_data = verified.read(config_member, config_digest, limits.document)
    config = Config.parse(label, config_data)
    diff_ids = (_document(label, config_data, "config blob").get("rootfs") or {}).get("diff_ids") or []
    layers = []
    for i, member in enumerate(entry.get("Layers") or []):
        if member.startswith("blobs/"):
            digest = member.split("/", 1)[1].replace("/", ":", 1)
        elif i < len(diff_ids):
            digest = diff_ids[i]  # a legacy layer.tar is the uncompressed layer: its diff_id
        else:
            raise ImageError(label, f"no diff_id in the config for layer {member}")
        layers.append((digest, verified.opener(member, digest)))
    return Image(label, config_digest, config, layers, budget)


def from_layout(path: str | os.PathLike, name: str | None = None, platform: str = "linux/amd64",
                limits: Limits = DEFAULT_LIMITS) -> Image:  # fmt: skip
    """An image from an OCI image layout directory (oci-layout, index.json, blobs/)."""
    root = Path(path)
    label = f"{name or 'image'} in {path}"
    if not (root / "oci-layout").is_file() or not (root / "index.json").is_file():
        raise ImageError(label, "not an OCI image layout (no oci-layout or index.json)")

    def open_member(member: str) -> BinaryIO:
        try:
            return open(root / member, "rb")
        except OSError as e:
            raise ImageError(label, f"cannot read {member} ({e.strerror})") from None

    def read(member: str) -> bytes:
        with open_member(member) as f:
            return f.read(limits.document + 1)

    return _from_oci(label, Budget(label, limits), _Verified(label, open_member), read, name, platform)


def _from_oci(
    label: str, budget: Budget, verified: _Verified, read: Callable[[str], bytes], name: str | None, platform: str
) -> Image:
    def member(digest: str) -> str:
        return "blobs/" + digest.replace(":", "/", 1)

    index = _document(label, read("index.json"), "index.json")
    manifests = index.get("manifests") or []
    chosen = [
        m
        for m in manifests
        if isinstance(m, dict)
        and _wanted(name, [(m.get("annotations") or {}).get("org.opencontainers.image.ref.name", "")])
    ]
    if name is not None and not chosen:  # `ref.name` is often only the tag
        tag = name.rsplit(":", 1)[-1] if ":" in name.rsplit("/", 1)[-1] else "latest"
        chosen = [
            m
            for m in manifests
            if isinstance(m, dict) and (m.get("annotations") or {}).get("org.opencontainers.image.ref.name") == tag
        ]
    if len(chosen) != 1:
        raise ImageError(
            label, f"{'no' if not chosen else 'more than one'} image in index.json matches: name one with NAME=PATH"
        )
    limit = budget.limits.document

    def fetch(digest: str) -> bytes:
        return verified.read(member(digest), digest, limit)

    top = chosen[0].get("digest", "")
    manifest_digest, manifest = _image_manifest(label, fetch(top), fetch, platform)
    config_digest, layer_digests = _digests(label, manifest)
    config = Config.parse(label, fetch(config_digest))
    layers = [(d, verified.opener(member(d), d)) for d in layer_digests]
    return Image(label, manifest_digest, config, layers, budget)
