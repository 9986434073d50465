"""Reading config + entrypoint script of 20 images from a local registry (docker-registry on
127.0.0.1), cold (an empty image cache: every manifest and blob fetched) and warm (the cache of
the run before: no request at all). `make bench` prints the table; extra_info holds requests."""

from __future__ import annotations

import os
import shutil

import pytest

from ecsinit_lint.images.auth import Credentials
from ecsinit_lint.images.client import Client
from ecsinit_lint.images.image import from_registry
from ecsinit_lint.images.store import Store
from tests import imagetools as it

IMAGES = 20
SCRIPT = b'#!/bin/sh\nset -e\nif [ "$1" = server ]; then\n  exec gosu app "$@"\nfi\nexec "$@"\n'


@pytest.fixture(scope="module")
def images(tmp_path_factory):
    registry = it.registry_or_skip(tmp_path_factory.mktemp("registry"))
    base = {"bin/": ("dir",), "bin/busybox": it.host_binary("busybox"), "bin/sh": ("symlink", "busybox"),
            "usr/": ("dir",), "usr/lib/": ("dir",), **{f"usr/lib/lib{i}.so": os.urandom(20_000) for i in range(50)}}  # fmt: skip
    refs = []
    for n in range(IMAGES):
        top = {"usr/local/bin/docker-entrypoint.sh": SCRIPT + f"# {n}\n".encode()}
        image = it.Built(
            [base, {f"srv/app{n}": b"x" * 1000}, top], {"Entrypoint": ["docker-entrypoint.sh"], "Cmd": ["server"]}
        )
        registry.push(f"svc{n}", "1", image)
        refs.append(f"{registry.host}/svc{n}:1")
    yield refs
    registry.stop()


def _read_all(refs, folder):
    client = Client(Credentials(os.devnull))
    store = Store(folder)
    for ref in refs:
        with from_registry(ref, client, store) as image:
            assert image.read_file(image.config.entrypoint[0]).data.startswith(b"#!/bin/sh")
    client.close()
    return client.requests


def test_images_cold(benchmark, images, tmp_path):
    folder = tmp_path / "cold"

    def fresh():
        shutil.rmtree(folder, ignore_errors=True)
        return (images, folder), {}

    requests = benchmark.pedantic(_read_all, setup=fresh, rounds=5)
    benchmark.extra_info["requests"] = requests
    assert requests == 4 * IMAGES  # HEAD, manifest, config and the top layer: no layer below it


def test_images_warm(benchmark, images, tmp_path):
    folder = tmp_path / "warm"
    _read_all(images, folder)
    requests = benchmark.pedantic(_read_all, (images, folder), rounds=5, warmup_rounds=1)
    benchmark.extra_info["requests"] = requests
    assert requests == 0
