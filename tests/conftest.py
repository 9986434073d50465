from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from . import pid1

# the real corpus beside the checkout; ECSINIT_LINT_CORPUS names it for a checkout elsewhere
CORPUS = Path(os.environ.get("ECSINIT_LINT_CORPUS") or Path(__file__).parents[2] / "shared" / "corpus" / "real")


@pytest.fixture(scope="session", autouse=True)
def cache_dir(tmp_path_factory) -> Path:
    """The findings cache of every run in the tests, subprocesses too: a folder of the session's,
    never the user's."""
    folder = tmp_path_factory.mktemp("cache")
    os.environ["ECSINIT_LINT_CACHE_DIR"] = str(folder)
    return folder


@pytest.fixture(scope="session")
def corpus() -> Path:
    if not CORPUS.is_dir():
        pytest.skip("the shared corpus (../shared/corpus/real, or ECSINIT_LINT_CORPUS) is not here")
    return CORPUS


@pytest.fixture(scope="session")
def moto_endpoint():
    """A real HTTP endpoint serving the AWS APIs (moto), for boto3 via AWS_ENDPOINT_URL."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def aws_env(moto_endpoint, monkeypatch):
    for key, value in {
        "AWS_ENDPOINT_URL": moto_endpoint,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "eu-west-1",
    }.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    return moto_endpoint


from .offline_pip import offline_pip  # noqa: E402,F401  (a session fixture for the pip-installing tests)

# The inits and shells the kernel tests run. A fresh machine may lack them (`.ci/run` installs
# them): a kernel test's case that runs one skips, saying which, rather than fail.
KERNEL_TOOLS = ("tini", "dumb-init", "catatonit", "busybox")


def missing_tools() -> list[str]:
    return [tool for tool in KERNEL_TOOLS if shutil.which(tool) is None]


def pytest_configure(config):
    config.addinivalue_line("markers", "needs(*tools): the test runs these programs; it skips without them")


def _words(value) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _words(item)


def _tools(item) -> set[str]:
    """The kernel tools a test runs: those its `needs` marks name, and, in a kernel test
    module, those an argv among its parameters names."""
    tools = {tool for mark in item.iter_markers("needs") for tool in mark.args}
    if item.module.__name__.endswith("_kernel") and hasattr(item, "callspec"):
        tools |= set(_words(list(item.callspec.params.values()))) & set(KERNEL_TOOLS)
    return tools


def pytest_runtest_setup(item):
    missing = sorted(tool for tool in _tools(item) if shutil.which(tool) is None)
    if missing:
        pytest.skip(f"{', '.join(missing)} not installed (.ci/run installs it)")


def pytest_report_header():
    missing = missing_tools()
    tools = (
        f"missing {', '.join(missing)}: their cases skip (.ci/run installs them)"
        if missing
        else f"{', '.join(KERNEL_TOOLS)} installed"
    )
    if pid1.missing() is None:
        return f"kernel tests: {pid1.versions()}; {tools}"
    return f"kernel tests skipped: {pid1.missing()}; {tools}"
