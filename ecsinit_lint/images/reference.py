"""Image references as Docker reads them: `nginx` is `docker.io/library/nginx:latest`."""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass

DOCKER_HUB = "docker.io"
DOCKER_HUB_API = "registry-1.docker.io"  # where docker.io's API is served
HUB_ALIASES = {"docker.io", "index.docker.io", "registry-1.docker.io", "registry.hub.docker.com"}
# distribution/reference's grammar, lower case path components
COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
REPOSITORY = re.compile(rf"{COMPONENT}(?:/{COMPONENT})*")
TAG = re.compile(r"[\w][\w.-]{0,127}")
DIGEST = re.compile(r"sha256:[0-9a-f]{64}")
# distribution/reference's domain: DNS labels or a bracketed IPv6 address, an optional port
LABEL = r"[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?"
HOST = re.compile(rf"(?:{LABEL}(?:\.{LABEL})*|\[[0-9a-fA-F:.]+\])(?::[0-9]+)?")
ECR = re.compile(r"(\d{12})\.dkr\.ecr(?:-fips)?\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?")


@dataclass(frozen=True)
class Reference:
    registry: str  # "docker.io", "localhost:5000", "123456789012.dkr.ecr.eu-west-1.amazonaws.com"
    repository: str  # "library/nginx"
    tag: str | None = None  # None only beside a digest
    digest: str | None = None

    def __str__(self) -> str:
        return (
            f"{self.registry}/{self.repository}"
            + (f":{self.tag}" if self.tag else "")
            + (f"@{self.digest}" if self.digest else "")
        )

    @property
    def host(self) -> str:
        """The host[:port] serving the registry's API."""
        return DOCKER_HUB_API if self.registry == DOCKER_HUB else self.registry

    @property
    def ecr(self) -> tuple[str, str] | None:
        """(account, region) of a private ECR registry."""
        found = ECR.fullmatch(self.registry)
        return (found.group(1), found.group(2)) if found else None

    def at(self, digest: str) -> Reference:
        return Reference(self.registry, self.repository, self.tag, digest)


def is_loopback(host: str) -> bool:
    """localhost, 127.0.0.0/8 and ::1, with or without a port: served over plain HTTP, as Docker does."""
    name = (
        host[1:].split("]", 1)[0] if host.startswith("[") else host.rsplit(":", 1)[0] if host.count(":") == 1 else host
    )
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def parse(text: str) -> Reference:
    """A reference from an `image` field; ValueError naming what is wrong."""
    rest, digest = text.strip(), None
    if "@" in rest:
        rest, digest = rest.split("@", 1)
        if not DIGEST.fullmatch(digest):
            raise ValueError(f"{text!r}: a digest is sha256: and 64 hex digits")
    first, _, remainder = rest.partition("/")
    if remainder and ("." in first or ":" in first or first == "localhost" or first.startswith("[")):
        registry, path = first, remainder
    else:
        registry, path = DOCKER_HUB, rest
    registry = DOCKER_HUB if registry in HUB_ALIASES else registry
    if not HOST.fullmatch(registry):  # a template's `{{ env }}.dkr.ecr…` is no host to connect to
        raise ValueError(f"{text!r}: {registry!r} is not a registry host")
    tag = None
    last = path.rsplit("/", 1)[-1]
    if ":" in last:
        path, tag = path.rsplit(":", 1)
        if not TAG.fullmatch(tag):
            raise ValueError(f"{text!r}: {tag!r} is not a valid tag")
    if registry == DOCKER_HUB and "/" not in path:
        path = f"library/{path}"
    if not REPOSITORY.fullmatch(path):
        raise ValueError(f"{text!r}: {path!r} is not a valid repository name (lower case, digits, . _ -)")
    return Reference(registry, path, tag or (None if digest else "latest"), digest)
