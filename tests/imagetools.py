"""Images for the tests, built in Python and pushed to a real registry (Debian's docker-registry,
the CNCF distribution registry) on 127.0.0.1 over the v2 API: no Docker daemon. Also the small
loopback servers the image reader meets in the wild: a token server, a gate that asks for
Bearer or Basic auth in front of the registry, and hostile registries."""

from __future__ import annotations

import base64
import gzip
import hashlib
import http.client
import io
import json
import os
import secrets
import shutil
import socket
import subprocess
import tarfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

REGISTRY = "/usr/bin/docker-registry"
DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
LAYER_MEDIA = {
    (False, "gzip"): "application/vnd.docker.image.rootfs.diff.tar.gzip",
    (True, "gzip"): "application/vnd.oci.image.layer.v1.tar+gzip",
    (True, "zstd"): "application/vnd.oci.image.layer.v1.tar+zstd",
    (True, None): "application/vnd.oci.image.layer.v1.tar",
    (False, None): "application/vnd.docker.image.rootfs.diff.tar",
}
HOST_BINARIES = {"busybox": "/bin/busybox", "dash": "/usr/bin/dash", "bash": "/usr/bin/bash", "tini": "/usr/bin/tini"}


def digest(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def tar_bytes(files: dict) -> bytes:
    """An uncompressed layer tar. Values: bytes (a file, mode 755), ("symlink", target),
    ("hardlink", archive path), ("dir",), or ("file", bytes, mode). Names as written."""
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for name, value in files.items():
            info = tarfile.TarInfo(name)
            info.mtime = 1_700_000_000
            data = None
            if isinstance(value, bytes):
                info.mode, data = 0o755, value
            elif value[0] == "file":
                info.mode, data = value[2], value[1]
            elif value[0] == "symlink":
                info.type, info.linkname, info.mode = tarfile.SYMTYPE, value[1], 0o777
            elif value[0] == "hardlink":
                info.type, info.linkname = tarfile.LNKTYPE, value[1]
            else:
                info.type, info.mode = tarfile.DIRTYPE, 0o755
            if data is not None:
                info.size = len(data)
            tar.addfile(info, io.BytesIO(data) if data is not None else None)
    return out.getvalue()


def compress(raw: bytes, compression: str | None) -> bytes:
    if compression == "gzip":
        return gzip.compress(raw, mtime=0)
    if compression == "zstd":
        import zstandard

        return zstandard.ZstdCompressor().compress(raw)
    return raw


def script(text: str) -> bytes:
    return text.encode()


class Built:
    """An image's blobs, ready to push or save: config, layers (compressed) and manifest."""

    def __init__(self, layers: list[dict], config: dict | None = None, oci: bool = False, compression: str | None = "gzip",
                 platform: tuple[str, str] = ("linux", "amd64"), raw_config: bytes | None = None, raw_layers: list[bytes] | None = None):  # fmt: skip
        self.tars = [tar_bytes(files) for files in layers]
        self.layers = raw_layers if raw_layers is not None else [compress(t, compression) for t in self.tars]
        self.platform = platform
        doc = {"architecture": platform[1], "os": platform[0], "config": config or {},
               "rootfs": {"type": "layers", "diff_ids": [digest(t) for t in self.tars]}}  # fmt: skip
        self.config = raw_config if raw_config is not None else json.dumps(doc).encode()
        self.oci = oci
        layer_type = LAYER_MEDIA[oci, compression]
        manifest = {"schemaVersion": 2, "mediaType": OCI_MANIFEST if oci else DOCKER_MANIFEST,
                    "config": {"mediaType": "application/vnd.oci.image.config.v1+json" if oci else "application/vnd.docker.container.image.v1+json",
                               "size": len(self.config), "digest": digest(self.config)},
                    "layers": [{"mediaType": layer_type, "size": len(b), "digest": digest(b)} for b in self.layers]}  # fmt: skip
        self.manifest = json.dumps(manifest).encode()
        self.media_type = manifest["mediaType"]

    @property
    def digest(self) -> str:
        return digest(self.manifest)

    def descriptor(self) -> dict:
        return {"mediaType": self.media_type, "size": len(self.manifest), "digest": self.digest,
                "platform": {"os": self.platform[0], "architecture": self.platform[1]}}  # fmt: skip


def index_of(images: list[Built], oci: bool = True) -> bytes:
    return json.dumps({"schemaVersion": 2, "mediaType": OCI_INDEX if oci else DOCKER_LIST,
                       "manifests": [b.descriptor() for b in images]}).encode()  # fmt: skip


class Registry:
    """docker-registry on 127.0.0.1:<free port>, its storage under `root`."""

    def __init__(self, root: Path):
        self.port = free_port()
        self.host = f"127.0.0.1:{self.port}"
        root.mkdir(parents=True, exist_ok=True)
        config = root / "config.yml"
        config.write_text(f"version: 0.1\nlog:\n  level: error\n  accesslog:\n    disabled: true\nstorage:\n  filesystem:\n"
                          f"    rootdirectory: {root / 'data'}\nhttp:\n  addr: {self.host}\n")  # fmt: skip
        self.log = open(root / "registry.log", "wb")
        self.process = subprocess.Popen([REGISTRY, "serve", str(config)], stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 15
        while True:
            try:
                if self._call("GET", "/v2/")[0] == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline or self.process.poll() is not None:
                self.stop()
                raise RuntimeError(f"docker-registry did not start: {(root / 'registry.log').read_text()[-2000:]}")
            time.sleep(0.05)

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()

    def _call(self, method: str, path: str, body: bytes | None = None, headers: dict | None = None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            conn.request(method, path, body, headers or {})
            resp = conn.getresponse()
            return resp.status, dict(resp.getheaders()), resp.read()
        finally:
            conn.close()

    def push_blob(self, repo: str, data: bytes) -> str:
        d = digest(data)
        status, headers, _ = self._call("POST", f"/v2/{repo}/blobs/uploads/")
        assert status == 202, status
        location = headers["Location"]
        location = location.split(self.host, 1)[-1] if "://" in location else location
        sep = "&" if "?" in location else "?"
        status, _, body = self._call(
            "PUT", f"{location}{sep}digest={d}", data, {"Content-Type": "application/octet-stream"}
        )
        assert status == 201, (status, body)
        return d

    def push_manifest(self, repo: str, ref: str, data: bytes, media_type: str) -> str:
        status, headers, body = self._call("PUT", f"/v2/{repo}/manifests/{ref}", data, {"Content-Type": media_type})
        assert status == 201, (status, body)
        return headers["Docker-Content-Digest"]

    def push(self, repo: str, tag: str, image: Built) -> str:
        for blob in (image.config, *image.layers):
            self.push_blob(repo, blob)
        return self.push_manifest(repo, tag, image.manifest, image.media_type)

    def push_index(self, repo: str, tag: str, images: list[Built], oci: bool = True) -> str:
        for image in images:
            self.push(repo, image.digest, image)
        return self.push_manifest(repo, tag, index_of(images, oci), OCI_INDEX if oci else DOCKER_LIST)


# -- loopback servers


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, handler, **state):
        super().__init__(("127.0.0.1", 0), handler)
        self.__dict__.update(state)
        self.requests: list[tuple[str, str, dict]] = []  # (method, path, headers)
        self.lock = threading.Lock()
        threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self.server_address[1]}"

    def record(self, handler) -> None:
        with self.lock:
            self.requests.append((handler.command, handler.path, dict(handler.headers)))

    def stop(self) -> None:
        self.shutdown()
        self.server_close()


class Quiet(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def reply(self, status: int, body: bytes = b"", headers: dict | None = None) -> None:
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)


class TokenHandler(Quiet):
    """GET /token?service=…&scope=…: a fresh token, only for `server.users` when that is set."""

    def do_GET(self):
        self.server.record(self)
        users = self.server.users
        if users is not None and _basic(self.headers) not in users:
            return self.reply(401, b'{"details":"incorrect username or password"}')
        token = secrets.token_hex(8)
        with self.server.lock:
            self.server.issued.add(token)
        self.reply(200, json.dumps({"token": token, "expires_in": 300}).encode(), {"Content-Type": "application/json"})


def token_server(users: set | None = None) -> Server:
    return Server(TokenHandler, users=users, issued=set())


def _basic(headers) -> tuple[str, str] | None:
    value = headers.get("Authorization", "")
    if not value.startswith("Basic "):
        return None
    user, _, secret = base64.b64decode(value[6:]).decode().partition(":")
    return user, secret


class GateHandler(Quiet):
    """In front of the registry: asks for a Bearer token of `server.tokens` (realm `server.realm`)
    or Basic credentials in `server.users`, then passes the request on. `server.deny` lists
    repositories answered 403; `server.redirect_blobs` sends blob GETs to another host."""

    def do_HEAD(self):
        self.handle_one()

    def do_GET(self):
        self.handle_one()

    def handle_one(self):
        self.server.record(self)
        s = self.server
        if s.mode == "bearer":
            value = self.headers.get("Authorization", "")
            if not (value.startswith("Bearer ") and value[7:] in s.tokens.issued):
                repo = self.path.split("/v2/", 1)[-1].rsplit("/", 2)[0]
                challenge = f'Bearer realm="http://{s.tokens.host}/token",service="test-registry",scope="repository:{repo}:pull"'
                return self.reply(
                    401,
                    b'{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}',
                    {"WWW-Authenticate": challenge},
                )
        elif s.mode == "basic" and _basic(self.headers) not in s.users:
            return self.reply(
                401,
                b'{"errors":[{"code":"UNAUTHORIZED","message":"basic auth"}]}',
                {"WWW-Authenticate": 'Basic realm="test"'},
            )
        if any(f"/v2/{repo}/" in self.path for repo in s.deny):
            return self.reply(
                403, b'{"errors":[{"code":"DENIED","message":"requested access to the resource is denied"}]}'
            )
        if s.redirect_blobs and "/blobs/" in self.path:
            return self.reply(307, b"", {"Location": f"http://{s.redirect_blobs}{self.path}"})
        self.forward(s.upstream)

    def forward(self, upstream: str):
        host, port = upstream.rsplit(":", 1)
        conn = http.client.HTTPConnection(host, int(port), timeout=30)
        try:
            headers = {k: v for k, v in self.headers.items() if k.lower() in ("accept", "range")}
            conn.request(self.command, self.path, headers=headers)
            resp = conn.getresponse()
            body = resp.read()
            keep = {
                k: v for k, v in resp.getheaders() if k.lower() in ("content-type", "docker-content-digest", "location")
            }
            self.send_response(resp.status)
            for k, v in keep.items():
                self.send_header(k, v)
            self.send_header("Content-Length", resp.getheader("Content-Length") or str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)
        finally:
            conn.close()


def gate(
    upstream: str, mode: str = "open", tokens: Server | None = None, users=(), deny=(), redirect_blobs=None
) -> Server:
    return Server(
        GateHandler,
        upstream=upstream,
        mode=mode,
        tokens=tokens,
        users=set(users),
        deny=set(deny),
        redirect_blobs=redirect_blobs,
    )


class HostileHandler(Quiet):
    """A registry misbehaving as `server.kind` says; otherwise it serves `server.blobs` and
    `server.manifests` (path -> (body, media type))."""

    def do_HEAD(self):
        self.do_GET()

    def do_GET(self):
        self.server.record(self)
        s, kind = self.server, self.server.kind
        if kind == "hang":
            time.sleep(s.delay)
            return self.reply(200)
        if kind == "redirect-loop":
            return self.reply(302, b"", {"Location": self.path})
        if kind == "429" and s.count_429 > 0:
            s.count_429 -= 1
            return self.reply(429, b"", {"Retry-After": "1"})
        found = s.documents.get(self.path.split("?")[0])
        if found is None:
            return self.reply(404, b'{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]}')
        body, media = found
        if kind == "trickle" and "/blobs/" in self.path:
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            try:
                for i in range(len(body)):
                    self.wfile.write(body[i : i + 1])
                    self.wfile.flush()
                    time.sleep(s.delay)
            except OSError:
                pass  # the client gave up, as it should
            return
        if kind == "endless" and "/blobs/" in self.path:
            self.send_response(200)
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            chunk = b"\0" * 65536
            try:
                while True:
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            except OSError:
                return
        if kind == "huge" and "/blobs/" in self.path and body is not s.config:
            self.send_response(200)
            self.send_header("Content-Length", str(10 << 30))
            self.end_headers()
            return
        headers = {"Content-Type": media, "Docker-Content-Digest": digest(body)} if "/manifests/" in self.path else {}
        self.reply(200, body, headers)


def hostile(kind: str, image: Built, repo: str = "app", tag: str = "1", delay: float = 0.2, **state) -> Server:
    """Serves `image` as `repo:tag`, misbehaving as `kind`. `wrong-digest` serves other bytes for
    the config blob than its digest names."""
    documents = {f"/v2/{repo}/manifests/{tag}": (image.manifest, image.media_type),
                 f"/v2/{repo}/manifests/{image.digest}": (image.manifest, image.media_type),
                 f"/v2/{repo}/blobs/{digest(image.config)}": (image.config if kind != "wrong-digest" else image.config + b" ", "")}  # fmt: skip
    for layer in image.layers:
        documents[f"/v2/{repo}/blobs/{digest(layer)}"] = (layer, "")
    state.setdefault("count_429", 2)
    return Server(HostileHandler, kind=kind, documents=documents, delay=delay, config=image.config, **state)


# -- archives


def docker_save(path: Path, image: Built, tags: list[str], oci: bool = False) -> Path:
    """A `docker save` tarball: the legacy layout (<hex>.json, <id>/layer.tar) or Docker 25's
    OCI layout with manifest.json beside index.json. Layers are stored uncompressed, as
    `docker save` writes them."""
    files: dict[str, bytes] = {}
    if oci:
        uncompressed = Built([], raw_layers=image.tars, raw_config=image.config, compression=None, oci=True)
        for blob in (image.config, *image.tars, uncompressed.manifest):
            files[f"blobs/sha256/{digest(blob)[7:]}"] = blob
        files["oci-layout"] = b'{"imageLayoutVersion":"1.0.0"}'
        files["index.json"] = json.dumps({"schemaVersion": 2, "manifests": [
            {**uncompressed.descriptor(), "annotations": {"io.containerd.image.name": tags[0], "org.opencontainers.image.ref.name": tags[0].rsplit(":", 1)[-1]}}]}).encode()  # fmt: skip
        config_name, layer_names = (
            f"blobs/sha256/{digest(image.config)[7:]}",
            [f"blobs/sha256/{digest(t)[7:]}" for t in image.tars],
        )
    else:
        config_name = f"{digest(image.config)[7:]}.json"
        files[config_name] = image.config
        layer_names = []
        for i, t in enumerate(image.tars):
            name = f"{hashlib.sha256(str(i).encode() + t).hexdigest()}/layer.tar"
            files[name] = t
            layer_names.append(name)
    files["manifest.json"] = json.dumps([{"Config": config_name, "RepoTags": tags, "Layers": layer_names}]).encode()
    with tarfile.open(path, "w") as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path


def oci_layout(path: Path, images: list[Built], tag: str = "latest") -> Path:
    """An OCI image layout directory holding an index of `images` under `tag`."""
    blobs = path / "blobs" / "sha256"
    blobs.mkdir(parents=True)
    index = index_of(images)
    for image in images:
        for blob in (image.config, *image.layers, image.manifest):
            (blobs / digest(blob)[7:]).write_bytes(blob)
    (blobs / digest(index)[7:]).write_bytes(index)
    (path / "oci-layout").write_text('{"imageLayoutVersion":"1.0.0"}')
    (path / "index.json").write_text(json.dumps({"schemaVersion": 2, "manifests": [
        {"mediaType": OCI_INDEX, "size": len(index), "digest": digest(index), "annotations": {"org.opencontainers.image.ref.name": tag}}]}))  # fmt: skip
    return path


def host_binary(name: str) -> bytes:
    """The host's program, to put in an image; the module skips where it is not installed."""
    import pytest

    path = Path(HOST_BINARIES[name])
    if not path.exists():
        pytest.skip(f"{path} is not installed (.ci/run installs it)", allow_module_level=True)
    return path.read_bytes()


def have_registry() -> str | None:
    """Why the registry tests cannot run here, or None."""
    if not os.access(REGISTRY, os.X_OK) and not shutil.which("docker-registry"):
        return f"{REGISTRY} is not installed (apt-get install docker-registry)"
    return None


def registry_or_skip(folder) -> Registry:
    """A registry started in `folder`, or the test skipped with the reason it cannot be."""
    import pytest

    why = have_registry()
    if why:
        pytest.skip(why)
    return Registry(folder)
