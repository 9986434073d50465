"""The image-reading layer (ecsinit_lint/images) against a real registry: Debian's docker-registry
on 127.0.0.1, images built here and pushed over the v2 API, loopback token, auth and hostile
servers, moto (through tests/awsproxy.py) for ECR's GetAuthorizationToken."""

from __future__ import annotations

import base64
import dataclasses
import json
import os
import re
import stat
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from moto.server import ThreadedMotoServer

from ecsinit_lint.images import argv
from ecsinit_lint.images.auth import Credentials
from ecsinit_lint.images.client import Client
from ecsinit_lint.images.errors import ImageError
from ecsinit_lint.images.image import Config, from_archive, from_layout, from_registry, platform_for
from ecsinit_lint.images.limits import MIB, Limits
from ecsinit_lint.images.reference import Reference, parse
from ecsinit_lint.images.store import Store

from . import imagetools as it
from .awsproxy import Proxy

ACCOUNT = "123456789012"  # moto's
ENTRY = b'#!/bin/sh\nset -e\nif [ "$1" = "server" ]; then exec gosu app "$@"; fi\nexec "$@"\n'
DEBIAN = {"bin": ("symlink", "usr/bin"), "usr/": ("dir",), "usr/bin/": ("dir",), "usr/bin/dash": it.host_binary("dash"),
          "usr/bin/sh": ("symlink", "dash"), "etc/": ("dir",), "etc/os-release": ("file", b"ID=debian\n", 0o644)}  # fmt: skip
ALPINE = {"bin/": ("dir",), "bin/busybox": it.host_binary("busybox"), "bin/sh": ("symlink", "/bin/busybox")}


@pytest.fixture(scope="session")
def registry(tmp_path_factory):
    r = it.registry_or_skip(tmp_path_factory.mktemp("registry"))
    yield r
    r.stop()


@pytest.fixture
def store(tmp_path):
    return Store(tmp_path / "images")


@pytest.fixture
def servers():
    """Loopback servers started by a test, stopped after it."""
    started = []
    yield started
    for s in started:
        s.stop()


def push(registry, repo, layers, config=None, tag="1", **kw) -> tuple[str, it.Built]:
    image = it.Built(layers, config, **kw)
    registry.push(repo, tag, image)
    return f"{registry.host}/{repo}:{tag}", image


def no_credentials(tmp_path) -> Credentials:
    return Credentials(tmp_path / "no-docker-config.json")


# -- references


@pytest.mark.parametrize("text, expected, host", [
    ("nginx", "docker.io/library/nginx:latest", "registry-1.docker.io"),
    ("nginx:1.27-alpine", "docker.io/library/nginx:1.27-alpine", "registry-1.docker.io"),
    ("jenkins/jenkins:lts", "docker.io/jenkins/jenkins:lts", "registry-1.docker.io"),
    ("index.docker.io/library/redis", "docker.io/library/redis:latest", "registry-1.docker.io"),
    ("localhost:5000/team/app:v2", "localhost:5000/team/app:v2", "localhost:5000"),
    ("ghcr.io/o/r@sha256:" + "a" * 64, "ghcr.io/o/r@sha256:" + "a" * 64, "ghcr.io"),
    ("quay.io/o/r:1@sha256:" + "b" * 64, "quay.io/o/r:1@sha256:" + "b" * 64, "quay.io"),
    ("[::1]:5000/app", "[::1]:5000/app:latest", "[::1]:5000"),
    (f"{ACCOUNT}.dkr.ecr.eu-west-1.amazonaws.com/app:7", f"{ACCOUNT}.dkr.ecr.eu-west-1.amazonaws.com/app:7", f"{ACCOUNT}.dkr.ecr.eu-west-1.amazonaws.com"),
])  # fmt: skip
def test_references_read_as_docker_does(text, expected, host):
    ref = parse(text)
    assert (str(ref), ref.host) == (expected, host)
    assert parse(str(ref)) == ref  # the canonical form reads back the same


def test_ecr_hosts_are_recognised():
    assert parse(f"{ACCOUNT}.dkr.ecr.us-gov-west-1.amazonaws.com/a").ecr == (ACCOUNT, "us-gov-west-1")
    assert parse(f"{ACCOUNT}.dkr.ecr-fips.us-east-1.amazonaws.com/a").ecr == (ACCOUNT, "us-east-1")
    assert parse(f"{ACCOUNT}.dkr.ecr.cn-north-1.amazonaws.com.cn/a").ecr == (ACCOUNT, "cn-north-1")
    assert parse("public.ecr.aws/nginx/nginx").ecr is None


@pytest.mark.parametrize("text", ["Nginx", "nginx:", "nginx@sha256:abc", "a/b:c:d", "nginx:-x", ""])
def test_bad_references_are_refused_by_name(text):
    with pytest.raises(ValueError, match="'"):
        parse(text)


@pytest.mark.parametrize("host, scheme", [("localhost:5000", "http"), ("127.0.0.1:5000", "http"), ("127.8.9.1", "http"),
                                          ("[::1]:5000", "http"), ("registry.local:5000", "https"), ("ghcr.io", "https"),
                                          ("insecure.local:5000", "http")])  # fmt: skip
def test_loopback_and_insecure_registries_are_plain_http(host, scheme, tmp_path):
    client = Client(no_credentials(tmp_path), insecure={"insecure.local:5000"})
    assert client.base(Reference(host, "app", "1")) == f"{scheme}://{host}"


# -- manifests and configs


@pytest.mark.parametrize("oci", [False, True], ids=["docker-v2", "oci"])
def test_config_of_a_docker_v2_and_an_oci_image(registry, store, oci, tmp_path):
    config = {"Entrypoint": ["docker-entrypoint.sh"], "Cmd": ["postgres"], "User": "postgres", "StopSignal": "SIGINT",
              "Env": ["PATH=/usr/local/bin:/usr/bin:/bin", "PGDATA=/var/lib/postgresql/data", "EMPTY="],
              "WorkingDir": "/srv"}  # fmt: skip
    ref, image = push(registry, f"config-{oci}".lower(), [DEBIAN], config, oci=oci)
    got = from_registry(ref, Client(no_credentials(tmp_path)), store)
    assert got.config == Config(("docker-entrypoint.sh",), ("postgres",), "postgres", "SIGINT",
                                (("PATH", "/usr/local/bin:/usr/bin:/bin"), ("PGDATA", "/var/lib/postgresql/data"), ("EMPTY", "")),
                                "/srv", "linux/amd64")  # fmt: skip
    assert got.digest == image.digest and got.config.path == ["/usr/local/bin", "/usr/bin", "/bin"]
    with pytest.raises(dataclasses.FrozenInstanceError):
        got.config.user = "root"  # frozen


@pytest.mark.parametrize("oci", [True, False], ids=["oci-index", "docker-list"])
def test_an_index_gives_the_platform_asked_for(registry, store, oci, tmp_path):
    amd = it.Built([DEBIAN], {"Entrypoint": ["/amd64"]}, oci=oci)
    arm = it.Built([ALPINE], {"Entrypoint": ["/arm64"]}, oci=oci, platform=("linux", "arm64"))
    registry.push_index(f"multi-{str(oci).lower()}", "1", [arm, amd], oci=oci)
    ref, client = f"{registry.host}/multi-{str(oci).lower()}:1", Client(no_credentials(tmp_path))
    assert from_registry(ref, client, store).config.entrypoint == ("/amd64",)  # the default, linux/amd64
    arm64 = from_registry(ref, client, store, platform=platform_for("ARM64", "LINUX"))
    assert arm64.config.entrypoint == ("/arm64",) and arm64.digest == arm.digest
    with pytest.raises(ImageError, match=r"no linux/s390x image in the index \(it has linux/arm64, linux/amd64\)"):
        from_registry(ref, client, store, platform="linux/s390x")


def test_platform_from_runtime_platform():
    assert platform_for() == "linux/amd64"
    assert platform_for("ARM64") == "linux/arm64"
    assert platform_for("X86_64", "WINDOWS_SERVER_2022_CORE") == "windows/amd64"


# -- files from layers


@pytest.mark.parametrize("compression", ["gzip", "zstd", None])
def test_a_file_is_read_from_gzip_zstd_and_plain_layers(registry, store, compression, tmp_path):
    ref, _ = push(registry, f"comp-{compression}".lower(), [DEBIAN, {"usr/local/bin/docker-entrypoint.sh": ENTRY}],
                  {"Entrypoint": ["docker-entrypoint.sh"]}, oci=True, compression=compression)  # fmt: skip
    with from_registry(ref, Client(no_credentials(tmp_path)), store) as image:
        found = image.read_file("docker-entrypoint.sh")
    assert (found.path, found.data, found.truncated) == ("/usr/local/bin/docker-entrypoint.sh", ENTRY, False)


def test_whiteouts_hide_files_below_and_opaque_directories_their_contents(registry, store, tmp_path):
    lower = {**DEBIAN, "app/": ("dir",), "app/run.sh": b"old", "app/keep.sh": b"keep", "opt/": ("dir",), "opt/old": b"o",
             "etc/gone": b"x"}  # fmt: skip
    upper = {"app/.wh.run.sh": b"", "opt/.wh..wh..opq": b"", "opt/new": b"n", ".wh.etc": b""}
    readded = {"app/.wh.keep.sh": b"", "app/keep.sh": b"again"}  # a file beside its own whiteout stays
    ref, _ = push(registry, "whiteout", [lower, upper, readded])
    with from_registry(ref, Client(no_credentials(tmp_path)), store) as image:
        assert image.read_file("/app/run.sh") is None
        assert image.read_file("/opt/old") is None
        assert image.read_file("/opt/new").data == b"n"
        assert image.read_file("/etc/os-release") is None  # its directory whited out
        assert image.read_file("/app/keep.sh").data == b"again"


def test_symlinked_and_path_resolved_entrypoints(registry, store, tmp_path):
    lower = {**DEBIAN, "opt/": ("dir",), "opt/scripts/": ("dir",), "opt/scripts/entry.sh": ENTRY,
             "usr/bin/tini": it.host_binary("tini"), "srv/": ("dir",)}  # fmt: skip
    upper = {"usr/local/bin/docker-entrypoint.sh": ("symlink", "../../../opt/scripts/entry.sh"),  # relative, into a lower layer
             "usr/local/bin/start": ("symlink", "/bin/tini"),  # absolute, through /bin -> usr/bin
             "srv/run.sh": ("symlink", "./local"), "srv/local": b"#!/bin/sh\n",
             "loop/a": ("symlink", "b"), "loop/b": ("symlink", "a"),
             "usr/local/bin/notexec": ("file", b"#!/bin/sh\n", 0o644)}  # fmt: skip
    ref, _ = push(registry, "links", [lower, upper], {"WorkingDir": "/srv"})
    with from_registry(ref, Client(no_credentials(tmp_path)), store) as image:
        entry = image.read_file("docker-entrypoint.sh")
        assert (entry.path, entry.data, entry.links) == (
            "/opt/scripts/entry.sh",
            ENTRY,
            ("/usr/local/bin/docker-entrypoint.sh",),
        )
        start = image.read_file("start")
        assert start.path == "/usr/bin/tini" and start.data.startswith(b"\x7fELF")
        assert start.links == ("/usr/local/bin/start", "/bin")
        assert image.read_file("./run.sh").data == b"#!/bin/sh\n"  # relative to WorkingDir
        assert image.read_file("notexec") is None  # exec skips what it cannot execute
        assert image.read_file("/usr/local/bin/notexec").data == b"#!/bin/sh\n"
        with pytest.raises(ImageError, match=r"more than 40 symlinks resolving /loop/\w"):
            image.read_file("/loop/a")


def test_a_file_in_the_top_layer_is_read_without_fetching_the_layers_below(registry, store, tmp_path):
    big = {**DEBIAN, "usr/lib/big": os.urandom(1 << 20)}
    ref, image = push(registry, "early", [big, {"usr/local/bin/docker-entrypoint.sh": ENTRY}])
    with from_registry(ref, Client(no_credentials(tmp_path)), store) as got:
        assert got.read_file("docker-entrypoint.sh").data == ENTRY
    assert store.has(it.digest(image.layers[1])) and not store.has(it.digest(image.layers[0]))


@pytest.mark.parametrize("layer, expected", [
    (ALPINE, ("busybox", "/bin/busybox")),
    (DEBIAN, ("dash", "/usr/bin/dash")),
    ({"bin/": ("dir",), "bin/bash": it.host_binary("bash"), "bin/sh": ("symlink", "bash")}, ("bash", "/bin/bash")),
    # the busybox image: /bin/sh a hard link to the binary
    ({"bin/": ("dir",), "bin/[": it.host_binary("busybox"), "bin/sh": ("hardlink", "bin/[")}, ("busybox", "/bin/sh")),
    ({"bin/": ("dir",), "bin/sh": b"#!/bin/busybox\n"}, None),  # not an ELF: undecided
    ({"bin/": ("dir",), "bin/sh": it.host_binary("tini")}, None),  # an ELF with no shell's marks, not named dash
    ({"bin/": ("dir",), "bin/busybox": it.host_binary("dash"), "bin/sh": ("symlink", "busybox")}, None),  # a name is not enough
    ({"etc/": ("dir",)}, None),  # no /bin/sh at all
])  # fmt: skip
def test_which_shell_bin_sh_is(registry, store, layer, expected, tmp_path, request):
    ref, _ = push(registry, f"shell-{request.node.callspec.id.lower()}".replace("[", "").replace("]", ""), [layer])
    with from_registry(ref, Client(no_credentials(tmp_path)), store) as image:
        shell = image.shell()
    assert (shell and (shell.kind, shell.path)) == (expected or None)


def test_tini_and_s6_images(registry, store, tmp_path):
    client = Client(no_credentials(tmp_path))
    tini_ref, _ = push(registry, "jenkins", [DEBIAN, {"usr/bin/tini": it.host_binary("tini"), "usr/local/bin/jenkins.sh": ENTRY}],
                       {"Entrypoint": ["/usr/bin/tini", "--", "/usr/local/bin/jenkins.sh"]})  # fmt: skip
    s6_init = b'#!/bin/sh -e\nexec /package/admin/s6-overlay/command/s6-overlay-suexec -- "$@"\n'
    s6_ref, _ = push(registry, "s6", [ALPINE, {"init": s6_init}], {"Entrypoint": ["/init"], "Cmd": ["nginx"]})
    with from_registry(tini_ref, client, store) as tini:
        run = argv.effective(tini.config, None, None)
        assert (
            run.argv == ["/usr/bin/tini", "--", "/usr/local/bin/jenkins.sh"]
            and run.source_of(0) == argv.IMAGE_ENTRYPOINT
        )
        assert tini.read_file(run.argv[0]).data.startswith(b"\x7fELF")
        assert tini.read_file(run.argv[2]).data == ENTRY
        replaced = argv.effective(tini.config, ["/usr/local/bin/jenkins.sh"], None)  # the task drops the image's tini
        assert replaced.argv == ["/usr/local/bin/jenkins.sh"]
        assert replaced.dropped == (
            argv.Part(argv.IMAGE_ENTRYPOINT, ("/usr/bin/tini", "--", "/usr/local/bin/jenkins.sh")),
        )
    with from_registry(s6_ref, client, store) as s6:
        run = argv.effective(s6.config, None, ["nginx", "-g", "daemon off;"])
        assert run.argv == ["/init", "nginx", "-g", "daemon off;"] and run.source_of(1) == argv.TASK_COMMAND
        assert s6.read_file("/init").data == s6_init and s6.shell().kind == "busybox"


# -- effective argv (pid1-facts §3)

IMAGE = Config(("docker-entrypoint.sh",), ("postgres",), None, None, (), None)


@pytest.mark.parametrize("entry_point, command, expected, sources, dropped", [
    (None, None, ["docker-entrypoint.sh", "postgres"], ["image ENTRYPOINT", "image CMD"], []),
    (None, ["postgres", "-c", "x=1"], ["docker-entrypoint.sh", "postgres", "-c", "x=1"], ["image ENTRYPOINT", "command"], ["image CMD"]),
    (["/app"], None, ["/app"], ["entryPoint"], ["image ENTRYPOINT", "image CMD"]),
    (["/app"], ["-v"], ["/app", "-v"], ["entryPoint", "command"], ["image ENTRYPOINT", "image CMD"]),
    ([], None, ["postgres"], ["image CMD"], ["image ENTRYPOINT"]),  # moby: an empty entrypoint clears it, keeps CMD
    (None, [], ["docker-entrypoint.sh", "postgres"], ["image ENTRYPOINT", "image CMD"], []),
])  # fmt: skip
def test_effective_argv_by_dockers_merge(entry_point, command, expected, sources, dropped):
    run = argv.effective(IMAGE, entry_point, command)
    assert run.argv == expected
    assert [p.source for p in run.parts] == sources
    assert [p.source for p in run.dropped] == dropped


def test_shell_form_arrives_as_sh_c(registry, store, tmp_path):
    # `CMD exec app --serve` in a Dockerfile: the builder writes this into the config
    ref, _ = push(registry, "shellform", [ALPINE], {"Cmd": ["/bin/sh", "-c", "exec app --serve"]})
    config = from_registry(ref, Client(no_credentials(tmp_path)), store).config
    assert argv.effective(config, None, None).argv == ["/bin/sh", "-c", "exec app --serve"]
    assert argv.effective(None, None, ["app"]).argv == ["app"]  # no image: the task definition alone


# -- auth


def docker_config(tmp_path, **fields) -> Credentials:
    path = tmp_path / "docker" / "config.json"
    path.parent.mkdir(exist_ok=True)
    path.write_text(json.dumps(fields))
    return Credentials(path)


def auth(user, secret):
    return base64.b64encode(f"{user}:{secret}".encode()).decode()


def test_bearer_token_flow_anonymous(registry, store, servers, tmp_path):
    ref, _ = push(registry, "bearer-anon", [ALPINE], {"Cmd": ["sh"]})
    tokens = it.token_server()
    front = it.gate(registry.host, "bearer", tokens)
    servers += [tokens, front]
    got = from_registry(ref.replace(registry.host, front.host), Client(no_credentials(tmp_path)), store)
    assert got.config.cmd == ("sh",)
    ((_, path, headers),) = tokens.requests  # one token, reused for every request after
    assert "scope=repository%3Abearer-anon%3Apull" in path and "service=test-registry" in path
    assert "Authorization" not in headers
    assert all(h.get("Authorization", "").startswith("Bearer ") for _, _, h in front.requests[1:])


def test_bearer_token_flow_with_credentials_from_the_docker_config(registry, store, servers, tmp_path):
    ref, _ = push(registry, "bearer-login", [ALPINE], {"Cmd": ["sh"]})
    tokens = it.token_server(users={("ci", "s3cret")})
    front = it.gate(registry.host, "bearer", tokens)
    servers += [tokens, front]
    ref = ref.replace(registry.host, front.host)
    with pytest.raises(ImageError, match="refused a token anonymously"):
        from_registry(ref, Client(no_credentials(tmp_path)), Store(tmp_path / "a"))
    creds = docker_config(tmp_path, auths={f"https://{front.host}/v1/": {"auth": auth("ci", "s3cret")}})
    assert from_registry(ref, Client(creds), store).config.cmd == ("sh",)
    assert tokens.requests[-1][2]["Authorization"] == "Basic " + auth("ci", "s3cret")


def test_basic_auth(registry, store, servers, tmp_path):
    ref, _ = push(registry, "basic", [ALPINE], {"Cmd": ["sh"]})
    front = it.gate(registry.host, "basic", users={("ci", "pw")})
    servers.append(front)
    ref = ref.replace(registry.host, front.host)
    with pytest.raises(ImageError, match=rf"asks for a login \(401, Basic\) .*docker login {front.host}"):
        from_registry(ref, Client(no_credentials(tmp_path)), Store(tmp_path / "a"))
    with pytest.raises(ImageError, match=r"unauthorized \(401\)"):
        from_registry(
            ref,
            Client(docker_config(tmp_path, auths={front.host: {"auth": auth("ci", "wrong")}})),
            Store(tmp_path / "b"),
        )
    assert from_registry(
        ref, Client(docker_config(tmp_path, auths={front.host: {"auth": auth("ci", "pw")}})), store
    ).config.cmd == ("sh",)


@pytest.mark.parametrize("field", ["credHelpers", "credsStore"])
def test_credential_helpers_get_the_server_on_stdin(registry, store, servers, tmp_path, monkeypatch, field):
    ref, _ = push(registry, "helper", [ALPINE], {"Cmd": ["sh"]})
    front = it.gate(registry.host, "basic", users={("helped", "pw")})
    servers.append(front)
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    helper = bin_dir / "docker-credential-test"
    log = tmp_path / "asked"
    helper.write_text(f'#!/bin/sh\n[ "$1" = get ] || exit 3\nread server\necho "$server" >> {log}\n'
                      f'[ "$server" = "{front.host}" ] || {{ echo "credentials not found"; exit 1; }}\n'
                      'echo \'{"ServerURL": "x", "Username": "helped", "Secret": "pw"}\'\n')  # fmt: skip
    helper.chmod(helper.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("PATH", f"{bin_dir}:{os.environ['PATH']}")
    creds = docker_config(
        tmp_path, **({"credHelpers": {front.host: "test"}} if field == "credHelpers" else {"credsStore": "test"})
    )
    assert from_registry(ref.replace(registry.host, front.host), Client(creds), store).config.cmd == ("sh",)
    assert log.read_text() == f"{front.host}\n"
    missing = docker_config(tmp_path, credHelpers={front.host: "absent"})
    with pytest.raises(ImageError, match="credential helper docker-credential-absent .* is not installed"):
        from_registry(ref.replace(registry.host, front.host), Client(missing), Store(tmp_path / "b"))


@pytest.fixture(scope="module")
def aws_proxy():
    port = it.free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    proxy = Proxy(port, ACCOUNT)
    yield proxy
    proxy.shutdown()
    server.stop()


def test_private_ecr_through_get_authorization_token(registry, store, servers, tmp_path, monkeypatch, aws_proxy):
    for key, value in {"AWS_ENDPOINT_URL": aws_proxy.url, "AWS_ACCESS_KEY_ID": "AKIAIOSFODNN7EXAMPLE", "AWS_SECRET_ACCESS_KEY": "x",
                       "AWS_CONFIG_FILE": str(tmp_path / "none"), "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "none")}.items():  # fmt: skip
        monkeypatch.setenv(key, value)
    aws_proxy.reset()
    push(registry, "ecr-app", [ALPINE], {"Cmd": ["sh"]})
    front = it.gate(registry.host, "basic", users={("AWS", f"{ACCOUNT}-auth-token")})  # what moto's token decodes to
    servers.append(front)
    host = f"{ACCOUNT}.dkr.ecr.eu-west-1.amazonaws.com"
    creds = no_credentials(tmp_path)
    client = Client(creds, endpoints={host: f"http://{front.host}"})
    assert from_registry(f"{host}/ecr-app:1", client, store).config.cmd == ("sh",)
    assert [(r, op) for _, r, _, op in aws_proxy.requests] == [("eu-west-1", "GetAuthorizationToken")]
    aws_proxy.deny.add(("GetAuthorizationToken", ""))
    with pytest.raises(ImageError, match=rf"{host}/ecr-app:1: ECR GetAuthorizationToken failed: .*AccessDenied"):
        from_registry(
            f"{host}/ecr-app:1",
            Client(no_credentials(tmp_path), endpoints={host: f"http://{front.host}"}),
            Store(tmp_path / "b"),
        )


def test_authorization_never_follows_a_redirect_to_another_host(registry, store, servers, tmp_path):
    ref, image = push(registry, "redirected", [ALPINE, {"usr/local/bin/entry.sh": ENTRY}], {"Entrypoint": ["entry.sh"]})
    tokens = it.token_server()
    cdn = it.gate(registry.host)  # a blob store on another host, recording what it is sent
    front = it.gate(registry.host, "bearer", tokens, redirect_blobs=cdn.host)
    servers += [tokens, cdn, front]
    with from_registry(ref.replace(registry.host, front.host), Client(no_credentials(tmp_path)), store) as got:
        assert got.read_file("entry.sh").data == ENTRY
    assert len(cdn.requests) == 2  # the config and the top layer
    assert not any("Authorization" in headers for _, _, headers in cdn.requests)
    assert any(h.get("Authorization", "").startswith("Bearer ") and "/blobs/" in p for _, p, h in front.requests)


# -- cache


def test_warm_reads_cost_no_network_and_tags_expire(registry, servers, tmp_path):
    ref, image = push(
        registry,
        "cached",
        [DEBIAN, {"usr/local/bin/docker-entrypoint.sh": ENTRY}],
        {"Entrypoint": ["docker-entrypoint.sh"]},
    )
    front = it.gate(registry.host)
    servers.append(front)
    ref = ref.replace(registry.host, front.host)
    folder, creds = tmp_path / "images", no_credentials(tmp_path)

    def read(**kw):
        front.requests.clear()
        with from_registry(ref, Client(creds), Store(folder, **kw)) as got:
            assert got.read_file("docker-entrypoint.sh").data == ENTRY and got.config.entrypoint == (
                "docker-entrypoint.sh",
            )
        return [(m, p.rsplit("/", 2)[-2]) for m, p, _ in front.requests]

    assert read() == [("HEAD", "manifests"), ("GET", "manifests"), ("GET", "blobs"), ("GET", "blobs")]
    assert read() == []  # warm: the tag within its TTL, the rest by digest
    assert read(refresh=True) == [("HEAD", "manifests")]  # --refresh-images: the tag again, nothing else
    assert read(ttl=0) == [("HEAD", "manifests")]
    Store(folder).blob_path(it.digest(image.config)).write_bytes(b"{}")
    assert read() == [("GET", "blobs")]  # a cached config that no longer hashes to its digest is fetched again


def test_the_default_cache_is_under_checks_cache_folder(monkeypatch, tmp_path):
    monkeypatch.setenv("ECSINIT_LINT_CACHE_DIR", str(tmp_path / "c"))
    assert Store().folder == tmp_path / "c" / "images"
    monkeypatch.delenv("ECSINIT_LINT_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "x"))
    assert Store().folder == tmp_path / "x" / "ecsinit-lint" / "images"


# -- faults: one ImageError, one line, naming the image and the reason


def image_error(call) -> str:
    with pytest.raises(ImageError) as caught:
        call()
    message = str(caught.value)
    assert "\n" not in message
    return message


def gzip_layer(files) -> bytes:
    return it.compress(it.tar_bytes(files), "gzip")


def test_registry_faults(registry, tmp_path):
    ref, _ = push(registry, "faulty", [ALPINE])
    registry_client = Client(no_credentials(tmp_path))
    closed = it.free_port()
    cases = {
        f"127.0.0.1:{closed}/app:1": rf"127.0.0.1:{closed}/app:1: cannot reach 127.0.0.1:{closed}: Connection refused",
        f"{registry.host}/faulty:nope": r"faulty:nope: not found \(404\): tag nope in faulty$",
        f"{registry.host}/never-pushed:1": r"never-pushed:1: not found \(404\)",
    }
    for name, expected in cases.items():
        assert re.search(expected, image_error(lambda: from_registry(name, registry_client, Store(tmp_path / "s")))), (
            expected
        )
    assert "not an image reference" in image_error(
        lambda: from_registry("Bad//Name", registry_client, Store(tmp_path / "s"))
    )
    assert ref


def test_denied(registry, servers, tmp_path):
    ref, _ = push(registry, "secret", [ALPINE])
    front = it.gate(registry.host, deny={"secret"})
    servers.append(front)
    message = image_error(
        lambda: from_registry(ref.replace(registry.host, front.host), Client(no_credentials(tmp_path)), Store(tmp_path))
    )
    assert message == f"{front.host}/secret:1: access denied (403) reading tag 1"


@pytest.mark.parametrize("kind, limits, expected", [
    ("hang", Limits(timeout=0.5), r"did not answer within 0.5 s \(timeout\)"),
    ("trickle", Limits(seconds=1.5), r"gave up after 1.5 s reading the image \(the time cap per image\)"),
    ("redirect-loop", Limits(), r"more than 5 redirects fetching tag 1"),
    ("wrong-digest", Limits(), r"blob sha256:\w+ does not match its digest \(got sha256:"),
    ("huge", Limits(), r"blob sha256:\w+ is 10240 MiB, over the \d+ MiB left to read \(the cap per image\)"),
    ("endless", Limits(bytes=8 * MIB), r"(read more than 8 MiB|over \d+ MiB)"),
])  # fmt: skip
def test_hostile_registries(kind, limits, expected, servers, tmp_path):
    image = it.Built([ALPINE, {"entry.sh": ENTRY}], {"Entrypoint": ["/entry.sh"]})
    server = it.hostile(kind, image, delay=2.0 if kind == "hang" else 0.3)
    servers.append(server)
    name = f"{server.host}/app:1"

    def read():
        with from_registry(name, Client(no_credentials(tmp_path)), Store(tmp_path / kind), limits=limits) as got:
            got.read_file("/entry.sh")

    started = time.monotonic()
    message = image_error(read)
    assert message.startswith(f"{name}") and re.search(expected, message), message
    assert time.monotonic() - started < 10


def test_429_waits_on_retry_after_with_a_note_then_gives_up(servers, tmp_path):
    image = it.Built([ALPINE], {"Cmd": ["sh"]})
    patient = it.hostile("429", image)
    servers.append(patient)
    client = Client(no_credentials(tmp_path))
    assert from_registry(f"{patient.host}/app:1", client, Store(tmp_path / "a")).config.cmd == ("sh",)
    assert client.notes == [
        f"{patient.host}/app:1: the registry {patient.host} answered 429 Too Many Requests; waited 1.0 s (try {n} of 3)"
        for n in (1, 2)
    ]
    stubborn = it.hostile("429", image, count_429=100)
    servers.append(stubborn)
    message = image_error(
        lambda: from_registry(f"{stubborn.host}/app:1", Client(no_credentials(tmp_path)), Store(tmp_path / "b"))
    )
    assert "rate limited (429 Too Many Requests) after 3 waits" in message


def test_bad_images(registry, store, tmp_path):
    client = Client(no_credentials(tmp_path))
    bomb = it.Built([], raw_layers=[it.compress(it.tar_bytes({"zeros": bytes(48 * MIB)}), "gzip")])
    members = it.Built([{f"f{i}": b"" for i in range(3000)}])
    truncated = it.Built([], raw_layers=[gzip_layer({**ALPINE, "entry.sh": ENTRY})[:-200]])
    not_json = it.Built([ALPINE], raw_config=b"FROM scratch\n")
    not_tar = it.Built([], raw_layers=[it.compress(b"this is no tar" * 100, "gzip")])
    cases = [
        (
            bomb,
            Limits(bytes=16 * MIB),
            r"read more than 16 MiB \(the cap per image\): a huge layer or a compression bomb",
        ),
        (members, Limits(members=1000), r"scanned more than 1000 tar members \(the cap per image\)"),
        (truncated, Limits(), r"layer sha256:\w+ is not a readable tar \(truncated or corrupt"),
        (not_json, Limits(), r"the config blob is not JSON"),
        (not_tar, Limits(), r"layer sha256:\w+ is not a readable tar"),
    ]
    for n, (image, limits, expected) in enumerate(cases):
        registry.push(f"bad{n}", "1", image)
        name = f"{registry.host}/bad{n}:1"

        def read():
            with from_registry(name, client, store, limits=limits) as got:
                got.read_file("/entry.sh")

        message = image_error(read)
        assert message.startswith(name) and re.search(expected, message), message


# -- archives, for CI before the push


@pytest.mark.parametrize("oci", [False, True], ids=["legacy", "oci"])
def test_docker_save_archives(tmp_path, oci):
    image = it.Built(
        [DEBIAN, {"usr/local/bin/docker-entrypoint.sh": ENTRY}],
        {"Entrypoint": ["docker-entrypoint.sh"], "User": "1000"},
    )
    path = it.docker_save(tmp_path / "app.tar", image, ["example/app:1.0"], oci=oci)
    for name in ("example/app:1.0", "docker.io/example/app:1.0", None):
        with from_archive(path, name) as got:
            assert got.config.user == "1000"
            assert got.read_file("docker-entrypoint.sh").data == ENTRY
            assert got.shell().kind == "dash"
    assert "no image matches (the archive has example/app:1.0)" in image_error(lambda: from_archive(path, "other:1"))


def test_a_tampered_archive_layer_is_refused(tmp_path):
    image = it.Built([{"entry.sh": ENTRY}], {"Entrypoint": ["/entry.sh"]})
    image.tars[0] = it.tar_bytes({"entry.sh": b"#!/bin/sh\nrm -rf /\n"})  # the config's diff_id no longer matches
    path = it.docker_save(tmp_path / "app.tar", image, ["app:1"])
    message = image_error(lambda: from_archive(path).read_file("/entry.sh"))
    assert message.startswith(f"image in {path}: ") and "does not match its digest" in message
    (tmp_path / "junk.tar").write_bytes(b"junk")
    assert "not a readable archive" in image_error(lambda: from_archive(tmp_path / "junk.tar"))


def test_oci_layout_directory(tmp_path):
    amd = it.Built(
        [DEBIAN, {"usr/local/bin/docker-entrypoint.sh": ENTRY}], {"Entrypoint": ["docker-entrypoint.sh"]}, oci=True
    )
    arm = it.Built([ALPINE], {"Entrypoint": ["/arm"]}, oci=True, platform=("linux", "arm64"))
    path = it.oci_layout(tmp_path / "layout", [amd, arm], tag="1.0")
    with from_layout(path, "example/app:1.0") as got:
        assert got.read_file("docker-entrypoint.sh").data == ENTRY and got.digest == amd.digest
    assert from_layout(path, platform="linux/arm64").config.entrypoint == ("/arm",)
    (path / "blobs" / "sha256" / it.digest(arm.config)[7:]).write_bytes(b"{}")
    assert "does not match its digest" in image_error(lambda: from_layout(path, platform="linux/arm64"))
    assert "not an OCI image layout" in image_error(lambda: from_layout(tmp_path))


# -- the merged view of layers, against a model of overlay's rules

FILES = ["a/x", "a/y", "b/x", "b/y", "z"]
CHANGE = st.one_of(
    st.tuples(st.just("file"), st.sampled_from(FILES), st.binary(min_size=1, max_size=4)),
    st.tuples(st.just("whiteout"), st.sampled_from([*FILES, "a", "b"])),
    st.tuples(st.just("opaque"), st.sampled_from(["a", "b"])),
    st.tuples(st.just("link"), st.sampled_from(["a/l", "z"]), st.sampled_from(["x", "../b/x", "/z", "/a/x"])),
)


def _merge(layers) -> dict[str, object]:
    """Bottom first: each layer's whiteouts and opaque markers hide what is below it, then its
    own entries land (a file beside its own whiteout stays)."""
    tree: dict[str, object] = {}
    for changes in layers:
        for change in changes:
            if change[0] in ("whiteout", "opaque"):
                gone = change[1]
                for path in list(tree):
                    if path.startswith(gone + "/") or (change[0] == "whiteout" and path == gone):
                        del tree[path]
        for change in changes:
            if change[0] == "file":
                tree[change[1]] = change[2]
            elif change[0] == "link":
                tree[change[1]] = ("symlink", change[2])
    return tree


def _resolve(tree, path, hops=0):
    value = tree.get(path)
    if isinstance(value, tuple):
        if hops > 40:
            return "loop"
        target = value[1]
        joined = os.path.normpath(
            target if target.startswith("/") else os.path.join("/" + os.path.dirname(path), target)
        )
        return _resolve(tree, joined.lstrip("/"), hops + 1)
    return value


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(layers=st.lists(st.lists(CHANGE, max_size=5), min_size=1, max_size=4))
def test_reading_a_file_agrees_with_merging_the_layers(layers, tmp_path_factory):
    tars = []
    for changes in layers:
        files: dict = {}
        for change in changes:
            if change[0] == "whiteout":
                head, _, base = change[1].rpartition("/")
                files[f"{head}/.wh.{base}".lstrip("/")] = b""
            elif change[0] == "opaque":
                files[f"{change[1]}/.wh..wh..opq"] = b""
            elif change[0] == "file":
                files[change[1]] = change[2]
            else:
                files[change[1]] = ("symlink", change[2])
        tars.append(files)
    path = it.oci_layout(tmp_path_factory.mktemp("layout") / "l", [it.Built(tars, {}, oci=True)])
    tree = _merge(layers)
    with from_layout(path) as image:
        for name in (*FILES, "a/l"):
            expected = _resolve(tree, name)
            if expected == "loop":
                with pytest.raises(ImageError, match="more than 40 symlinks"):
                    image.read_file("/" + name)
                continue
            found = image.read_file("/" + name)
            assert (found.data if found else None) == expected, (name, tree)


def test_an_index_of_one_image_without_a_platform(tmp_path):
    image = it.Built([{"entry.sh": ENTRY}], {"Entrypoint": ["/entry.sh"]}, oci=True)
    path = it.oci_layout(tmp_path / "l", [image])
    index_path = path / "blobs" / "sha256" / json.loads((path / "index.json").read_text())["manifests"][0]["digest"][7:]
    index = json.loads(index_path.read_bytes())
    del index["manifests"][0]["platform"]
    data = json.dumps(index).encode()
    (path / "blobs" / "sha256" / it.digest(data)[7:]).write_bytes(data)
    (path / "index.json").write_text(
        json.dumps(
            {
                "schemaVersion": 2,
                "manifests": [{"mediaType": it.OCI_INDEX, "size": len(data), "digest": it.digest(data)}],
            }
        )
    )
    assert from_layout(path).read_file("/entry.sh").data == ENTRY
