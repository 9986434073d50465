"""`ecsinit-lint check` over 100 task definitions referencing 20 images in a local registry
(docker-registry on 127.0.0.1), as a fresh process: without images, with `--images` cold (an
empty image cache) and warm (the cache of the run before: no request). The images are shaped
like the real ones: half start tini in their ENTRYPOINT (jenkins-like), a quarter a shell-form
CMD on busybox or dash, a quarter an entrypoint script; extra_info holds the findings."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests import imagetools as it

IMAGES, FILES = 20, 100
DEBIAN = {"bin": ("symlink", "usr/bin"), "usr/": ("dir",), "usr/bin/": ("dir",), "usr/bin/dash": it.host_binary("dash"),
          "usr/bin/sh": ("symlink", "dash"), **{f"usr/lib/lib{i}.so": os.urandom(20_000) for i in range(50)}}  # fmt: skip
ALPINE = {"bin/": ("dir",), "bin/busybox": it.host_binary("busybox"), "bin/sh": ("symlink", "/bin/busybox")}
TOOL = Path(sys.executable).with_name("ecsinit-lint")


def _config(n: int) -> tuple[list[dict], dict]:
    if n % 2 == 0:
        return [DEBIAN, {"usr/bin/tini": it.host_binary("tini")}], {
            "Entrypoint": ["/usr/bin/tini", "--", "/usr/local/bin/app"]
        }
    if n % 4 == 1:
        return [ALPINE if n % 8 == 1 else DEBIAN], {
            "Cmd": ["/bin/sh", "-c", "./migrate && ./server"],
            "StopSignal": "SIGQUIT",
        }
    return [DEBIAN, {"usr/local/bin/docker-entrypoint.sh": b'#!/bin/sh\nexec "$@"\n'}], {
        "Entrypoint": ["docker-entrypoint.sh"],
        "Cmd": ["server"],
    }


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    registry = it.registry_or_skip(tmp_path_factory.mktemp("registry"))
    for n in range(IMAGES):
        layers, config = _config(n)
        registry.push(f"svc{n}", "1", it.Built(layers, config))
    directory = tmp_path_factory.mktemp("taskdefs")
    paths = []
    for i in range(FILES):
        path = directory / f"td{i:03}.json"
        containers = [{"name": "app", "image": f"{registry.host}/svc{i % IMAGES}:1"},
                      {"name": "sidecar", "image": f"{registry.host}/svc{(i + 7) % IMAGES}:1", "essential": False}]  # fmt: skip
        path.write_text(json.dumps({"family": f"svc-{i}", "containerDefinitions": containers}, indent=2))
        paths.append(str(path))
    yield paths
    registry.stop()


def _check(paths, cache: Path, *flags) -> int:
    env = {**os.environ, "ECSINIT_LINT_CACHE_DIR": str(cache), "DOCKER_CONFIG": str(cache / "no-docker")}
    result = subprocess.run(
        [str(TOOL), "check", "--format", "json", *flags, *paths], capture_output=True, text=True, env=env
    )
    assert result.returncode in (0, 1), result.stderr
    return len(json.loads(result.stdout)["findings"])


def test_check_without_images(benchmark, files, tmp_path):
    found = benchmark.pedantic(_check, (files, tmp_path / "plain"), rounds=5, warmup_rounds=1)
    benchmark.extra_info["findings"] = found


def test_check_images_cold(benchmark, files, tmp_path):
    cache = tmp_path / "cold"

    def fresh():
        shutil.rmtree(cache, ignore_errors=True)
        return (files, cache, "--images"), {}

    benchmark.extra_info["findings"] = benchmark.pedantic(_check, setup=fresh, rounds=3)


def test_check_images_warm(benchmark, files, tmp_path):
    cache = tmp_path / "warm"
    _check(files, cache, "--images")
    benchmark.extra_info["findings"] = benchmark.pedantic(_check, (files, cache, "--images"), rounds=5, warmup_rounds=1)
