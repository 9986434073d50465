from __future__ import annotations

import os
from pathlib import Path

import pytest

from . import pid1

CORPUS = Path(__file__).parents[2] / "shared" / "corpus" / "real"


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
        pytest.skip("the shared corpus (../shared/corpus/real) is not beside this checkout")
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


def pytest_report_header():
    if pid1.missing() is None:
        return f"pid1 kernel tests: {pid1.versions()}"
    return f"pid1 kernel tests skipped: {pid1.missing()}"
