"""Registry credentials, found as `docker login` leaves them, and private ECR's.

~/.docker/config.json (or $DOCKER_CONFIG/config.json): `credHelpers[host]`, else `credsStore`,
run as `docker-credential-NAME get` with the server on standard input (the only program this
layer ever runs: nothing named by an image is executed), else `auths[host].auth`, base64 of
`user:password`. A private ECR registry without any of these gets a token from
`ecr.GetAuthorizationToken` through boto3 and the standard AWS credential chain (user `AWS`)."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import threading
from pathlib import Path

from .errors import ImageError
from .reference import Reference

HUB_KEY = "https://index.docker.io/v1/"  # docker.io's key in config.json
HELPER_TIMEOUT = 15.0


def _host_of(key: str) -> str:
    """`https://host/v1/` and `host` alike -> `host`."""
    return key.split("://", 1)[-1].split("/", 1)[0]


class Credentials:
    """(user, secret) per registry, looked up once each."""

    def __init__(self, config: str | os.PathLike | None = None):
        if config is None:
            folder = os.environ.get("DOCKER_CONFIG") or Path.home() / ".docker"
            config = Path(folder) / "config.json"
        self.config = Path(config)
        self._found: dict[str, tuple[str, str] | None] = {}
        self._lock = threading.Lock()

    def _docker_config(self) -> dict:
        try:
            data = json.loads(self.config.read_text())
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as e:
            raise ImageError(self.config, f"unreadable Docker config: {e}") from None
        return data if isinstance(data, dict) else {}

    def get(self, ref: Reference) -> tuple[str, str] | None:
        with self._lock:
            if ref.registry not in self._found:
                self._found[ref.registry] = self._lookup(ref)
            return self._found[ref.registry]

    def _lookup(self, ref: Reference) -> tuple[str, str] | None:
        config = self._docker_config()
        server = HUB_KEY if ref.registry == "docker.io" else ref.registry
        helper = (config.get("credHelpers") or {}).get(ref.registry) or config.get("credsStore")
        found = _helper(ref, helper, server) if isinstance(helper, str) and helper else None
        if found is None:
            for key, entry in (config.get("auths") or {}).items():
                if _host_of(key) in (ref.registry, _host_of(server)) and isinstance(entry, dict) and entry.get("auth"):
                    found = _decode(ref, entry["auth"])
                    break
        if found is None and ref.ecr:
            found = self._ecr(ref)
        return found

    def _ecr(self, ref: Reference) -> tuple[str, str]:
        account, region = ref.ecr
        try:
            import boto3  # only for a private ECR image
            from botocore.config import Config
        except ImportError:
            raise ImageError(ref, "reading private ECR needs boto3 (pip install 'ecsinit-lint[aws]')") from None
        try:
            timeouts = Config(connect_timeout=10, read_timeout=15, retries={"max_attempts": 3})
            answer = boto3.client("ecr", region_name=region, config=timeouts).get_authorization_token(
                registryIds=[account]
            )
            return _decode(ref, answer["authorizationData"][0]["authorizationToken"])
        except ImageError:
            raise
        except Exception as e:  # botocore's errors: no credentials, access denied, endpoint down
            raise ImageError(ref, f"ECR GetAuthorizationToken failed: {e}") from None


def _decode(ref: Reference, auth: str) -> tuple[str, str]:
    try:
        user, _, secret = base64.b64decode(auth).decode().partition(":")
    except (ValueError, UnicodeDecodeError):
        raise ImageError(ref, "credentials in the Docker config are not base64 of user:password") from None
    return user, secret


def _helper(ref: Reference, name: str, server: str) -> tuple[str, str] | None:
    """`docker-credential-NAME get`: None when it has nothing for the server."""
    program = f"docker-credential-{name}"
    try:
        done = subprocess.run([program, "get"], input=server, capture_output=True, text=True, timeout=HELPER_TIMEOUT)
    except FileNotFoundError:
        raise ImageError(ref, f"credential helper {program} (from the Docker config) is not installed") from None
    except subprocess.TimeoutExpired:
        raise ImageError(ref, f"credential helper {program} did not answer within {HELPER_TIMEOUT:.0f} s") from None
    if done.returncode != 0:
        return None  # "credentials not found in native keychain"
    try:
        answer = json.loads(done.stdout)
        return answer["Username"], answer["Secret"]
    except (ValueError, KeyError, TypeError):
        raise ImageError(ref, f"credential helper {program} answered something other than its JSON") from None
