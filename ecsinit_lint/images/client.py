"""A Registry HTTP API v2 / OCI distribution client for reading images, on http.client.

The standard library is enough and gives the control this needs: redirects are followed by hand,
so an `Authorization` header never leaves the registry's host (blob downloads go to S3 or a CDN);
reads are bounded by a per-image deadline (a registry trickling bytes is cut off, which socket
timeouts alone do not do); and nothing heavier than http.client and ssl is imported. urllib
would forward headers on redirects; requests/urllib3 are not dependencies (boto3 is optional).

Tags are resolved with HEAD (Docker Hub counts manifest GETs as pulls, not HEADs), manifests and
blobs fetched by digest and verified. 401 answers are met with their `WWW-Authenticate`
challenge: a Bearer token from the realm (anonymous, or with the registry's credentials) or
Basic credentials; 429 with a bounded wait on `Retry-After` and a note."""

from __future__ import annotations

import base64
import hashlib
import http.client
import json
import re
import ssl
import time
import urllib.parse
from email.utils import parsedate_to_datetime

from .auth import Credentials
from .errors import ImageError
from .limits import MIB, Budget
from .reference import Reference, is_loopback

DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
ACCEPT = ", ".join((OCI_INDEX, DOCKER_LIST, OCI_MANIFEST, DOCKER_MANIFEST))
REDIRECTS = 5
RETRIES_429 = 3
WAIT_429 = 10.0  # the longest wait on one Retry-After
CHUNK = 64 * 1024
CHALLENGE = re.compile(r'(\w+)="([^"]*)"')
USER_AGENT = "ecsinit-lint (image reader)"


def sha256(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


class Client:
    """One run's connections, tokens and notes. `insecure`: hosts other than loopback ones to
    talk to over plain HTTP; `endpoints`: host -> `scheme://host:port` actually serving it (a
    mirror, a tunnel, a test registry). One per thread: connections are not shared."""

    def __init__(self, credentials: Credentials | None = None, insecure=(), endpoints=None, sleep=time.sleep):
        self.credentials = credentials or Credentials()
        self.insecure, self.endpoints = set(insecure), dict(endpoints or {})
        self.sleep = sleep
        self.notes: list[str] = []
        self.requests = 0
        self._connections: dict[tuple[str, str], http.client.HTTPConnection] = {}
        self._tokens: dict[tuple[str, str], str] = {}  # (host, scope) -> Authorization value

    def close(self) -> None:
        for conn in self._connections.values():
            conn.close()
        self._connections.clear()

    def base(self, ref: Reference) -> str:
        if ref.host in self.endpoints:
            return self.endpoints[ref.host].rstrip("/")
        scheme = "http" if is_loopback(ref.host) or ref.host in self.insecure else "https"
        return f"{scheme}://{ref.host}"

    # -- the three reads

    def resolve(self, ref: Reference, budget: Budget) -> tuple[str, bytes | None]:
        """The digest a tag points at, by HEAD; and the manifest if a GET was needed to learn it."""
        resp = self._request(ref, "HEAD", f"manifests/{ref.tag}", ACCEPT, budget, what=f"tag {ref.tag}")
        digest = resp.getheader("Docker-Content-Digest")
        self._finish(resp, budget, 0)
        if digest and re.fullmatch(r"sha256:[0-9a-f]{64}", digest):
            return digest, None
        resp = self._request(ref, "GET", f"manifests/{ref.tag}", ACCEPT, budget, what=f"tag {ref.tag}")
        data = self._finish(resp, budget, budget.limits.document)
        return sha256(data), data

    def manifest(self, ref: Reference, digest: str, budget: Budget) -> bytes:
        resp = self._request(ref, "GET", f"manifests/{digest}", ACCEPT, budget, what=f"manifest {digest}")
        data = self._finish(resp, budget, budget.limits.document)
        if sha256(data) != digest:
            raise ImageError(ref, f"manifest {digest} does not match its digest (got {sha256(data)})")
        return data

    def blob(self, ref: Reference, digest: str, writer, budget: Budget, limit: int | None = None) -> None:
        """Stream a blob into `writer` (store.BlobWriter), which checks its digest."""
        resp = self._request(ref, "GET", f"blobs/{digest}", "*/*", budget, what=f"blob {digest}")
        size = resp.getheader("Content-Length")
        cap = min(limit or budget.limits.bytes, budget.limits.bytes - budget.bytes)
        if size and size.isdigit() and int(size) > cap:
            self._drop(resp)
            raise ImageError(
                ref,
                f"blob {digest} is {int(size) / MIB:.0f} MiB, over the {cap / MIB:.0f} MiB left to read (the cap per image)",
            )
        try:
            self._stream(resp, budget, cap, writer.write)
        except ImageError:
            writer.commit()  # discards
            raise
        if not writer.commit():
            raise ImageError(ref, f"blob {digest} does not match its digest (got sha256:{writer.hash.hexdigest()})")

    # -- HTTP

    def _request(self, ref: Reference, method: str, path: str, accept: str, budget: Budget, what: str):
        origin = f"{self.base(ref)}/v2/{ref.repository}/{path}"
        url, authorized, hops, waits = origin, False, 0, 0
        host = urllib.parse.urlsplit(origin).netloc
        scope = f"repository:{ref.repository}:pull"
        while True:
            parts = urllib.parse.urlsplit(url)
            headers = {"Accept": accept, "User-Agent": USER_AGENT}
            token = self._tokens.get((host, scope))
            if token and parts.netloc == host:  # never across hosts
                headers["Authorization"] = token
            resp = self._send(ref, method, parts, headers, budget)
            status = resp.status
            if status in (301, 302, 303, 307, 308) and resp.getheader("Location"):
                self._drop(resp)
                hops += 1
                if hops > REDIRECTS:
                    raise ImageError(ref, f"more than {REDIRECTS} redirects fetching {what}")
                url = urllib.parse.urljoin(url, resp.getheader("Location"))
                continue
            if status == 401 and not authorized and parts.netloc == host:
                challenge = resp.getheader("WWW-Authenticate") or ""
                self._drop(resp)
                self._tokens[host, scope] = self._authorize(ref, challenge, scope, budget)
                url, authorized = origin, True
                continue
            if status == 429 and waits < RETRIES_429:
                self._drop(resp)
                waits += 1
                wait = min(_retry_after(resp.getheader("Retry-After"), 2.0**waits), WAIT_429, budget.remaining())
                self.notes.append(
                    f"{ref}: the registry {ref.registry} answered 429 Too Many Requests; waited {wait:.1f} s (try {waits} of {RETRIES_429})"
                )
                self.sleep(wait)
                continue
            if 200 <= status < 300:
                return resp
            reason = _error_text(resp)
            self._drop(resp)
            raise ImageError(ref, _status_reason(ref, status, what, reason))

    def _authorize(self, ref: Reference, challenge: str, scope: str, budget: Budget) -> str:
        kind = challenge.split(" ", 1)[0].lower()
        params = dict(CHALLENGE.findall(challenge))
        creds = self.credentials.get(ref)
        if kind == "basic":
            if creds is None:
                raise ImageError(
                    ref,
                    f"{ref.registry} asks for a login (401, Basic) and no credentials were found (docker login {ref.registry})",
                )
            return "Basic " + base64.b64encode(f"{creds[0]}:{creds[1]}".encode()).decode()
        if kind != "bearer" or "realm" not in params:
            raise ImageError(ref, f"unauthorized (401) with no usable challenge ({challenge[:80] or 'none'})")
        query = {"scope": params.get("scope", scope)}
        if "service" in params:
            query["service"] = params["service"]
        realm = urllib.parse.urlsplit(
            params["realm"] + ("&" if "?" in params["realm"] else "?") + urllib.parse.urlencode(query)
        )
        headers = {"User-Agent": USER_AGENT, "Accept": "application/json"}
        if creds and (realm.scheme == "https" or is_loopback(realm.netloc)):  # never a password in clear text
            headers["Authorization"] = "Basic " + base64.b64encode(f"{creds[0]}:{creds[1]}".encode()).decode()
        resp = self._send(ref, "GET", realm, headers, budget)
        if resp.status != 200:
            self._drop(resp)
            who = "with the credentials found" if creds else "anonymously"
            raise ImageError(ref, f"the token server {realm.netloc} refused a token {who} ({resp.status})")
        try:
            answer = json.loads(self._finish(resp, budget, 1 * MIB))
            return "Bearer " + (answer.get("token") or answer["access_token"])
        except (ValueError, KeyError, TypeError, AttributeError):
            raise ImageError(ref, f"the token server {realm.netloc} answered without a token") from None

    def _send(self, ref: Reference, method: str, parts, headers: dict, budget: Budget):
        key = (parts.scheme, parts.netloc)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        for attempt in (0, 1):
            conn = self._connections.get(key)
            reused = conn is not None
            if conn is None:
                cls = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
                conn = self._connections[key] = cls(parts.hostname, parts.port, timeout=budget.wait())
            try:
                conn.timeout = budget.wait()
                if conn.sock is not None:
                    conn.sock.settimeout(conn.timeout)
                self.requests += 1
                conn.request(method, target, headers=headers)
                resp = conn.getresponse()
                resp.conn_key, resp.socket = key, conn.sock
                return resp
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError) as e:
                self._close(key)
                if not reused or attempt:
                    raise ImageError(ref, f"{parts.netloc} closed the connection ({e.__class__.__name__})") from None
            except TimeoutError:
                self._close(key)
                budget.remaining()  # the time cap, if that is what cut the wait short
                raise ImageError(ref, f"{parts.netloc} did not answer within {conn.timeout:.2g} s (timeout)") from None
            except ssl.SSLError as e:
                self._close(key)
                raise ImageError(ref, f"TLS with {parts.netloc} failed: {e.reason or e}") from None
            except (OSError, http.client.HTTPException) as e:
                self._close(key)
                raise ImageError(
                    ref, f"cannot reach {parts.netloc}: {e.strerror if isinstance(e, OSError) and e.strerror else e}"
                ) from None

    def _stream(self, resp, budget: Budget, limit: int, sink) -> int:
        """Read the body in chunks, each within the deadline; more than `limit` bytes is a cap."""
        total = 0
        try:
            while True:
                if resp.socket is not None:
                    resp.socket.settimeout(budget.wait())
                chunk = resp.read1(CHUNK) if resp.length != 0 else b""
                if not chunk:
                    break
                total += len(chunk)
                if total > limit:
                    raise ImageError(budget.image, f"a registry answer is over {limit / MIB:.0f} MiB (the cap)")
                budget.take(len(chunk))
                sink(chunk)
        except TimeoutError:
            self._close(resp.conn_key)
            budget.remaining()
            raise ImageError(
                budget.image, f"the registry stopped sending within {budget.limits.timeout:g} s (timeout)"
            ) from None
        except http.client.IncompleteRead:
            self._close(resp.conn_key)
            raise ImageError(budget.image, "the registry closed the connection mid-answer (truncated)") from None
        except (OSError, http.client.HTTPException) as e:
            self._close(resp.conn_key)
            raise ImageError(budget.image, f"reading the registry's answer failed: {e}") from None
        except ImageError:
            self._close(resp.conn_key)
            raise
        if resp.length:  # a short body that ended without an error
            self._close(resp.conn_key)
            raise ImageError(budget.image, "the registry closed the connection mid-answer (truncated)")
        resp.close()  # read to its end: the connection serves the next request
        return total

    def _finish(self, resp, budget: Budget, limit: int) -> bytes:
        chunks: list[bytes] = []
        self._stream(resp, budget, limit, chunks.append)
        return b"".join(chunks)

    def _drop(self, resp) -> None:
        """Done with an answer not worth reading: a small body is read to keep the connection."""
        try:
            if resp.length is not None and resp.length <= CHUNK:
                resp.read()
                resp.close()
                return
        except (OSError, http.client.HTTPException):
            pass
        self._close(resp.conn_key)

    def _close(self, key) -> None:
        conn = self._connections.pop(key, None)
        if conn is not None:
            conn.close()


def _retry_after(value: str | None, default: float) -> float:
    if not value:
        return default
    if value.strip().isdigit():
        return float(value)
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError):
        return default


def _error_text(resp) -> str:
    """The registry's own error code and message, if it sent its JSON shape."""
    try:
        if resp.length is not None and resp.length <= CHUNK:
            body = resp.read()
            resp.length = 0
            error = json.loads(body)["errors"][0]
            return f"{error.get('code', '')}: {error.get('message', '')}".strip(": ")
    except (ValueError, KeyError, IndexError, TypeError, OSError, http.client.HTTPException):
        pass
    return ""


def _status_reason(ref: Reference, status: int, what: str, detail: str) -> str:
    said = f" ({detail})" if detail else ""
    if status == 401:
        return f"unauthorized (401) reading {what}{said}: check the credentials for {ref.registry}"
    if status == 403:
        return f"access denied (403) reading {what}{said}"
    if status == 404:
        return f"not found (404): {what} in {ref.repository}{said}"
    if status == 429:
        return f"rate limited (429 Too Many Requests) after {RETRIES_429} waits{said}: log in to {ref.registry} or try later"
    return f"HTTP {status} reading {what}{said}"
