"""An HTTP proxy in front of moto that behaves like the ECS API where moto does not: it enforces
the per account-region token buckets of pid1-facts §8 (answering ThrottlingException in ECS's JSON
error shape), pages the List* calls as ECS does (ListServices: 10 by default), denies chosen calls
with AccessDenied, answers the daemon calls that moto lacks from its own `DaemonStore` and the
task and service revision calls whose image digests moto lacks from its `TaskStore`, can make
role sessions short (`role_seconds`), and records every request it sees."""

from __future__ import annotations

import base64
import http.client
import json
import re
import threading
import time
from collections import Counter, defaultdict
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

# pid1-facts §8, written out here independently of ecsinit_lint.audit.ratelimit.
BUCKETS = {"taskdef": (50, 20.0), "register": (20, 1.0), "service": (100, 20.0), "cluster": (50, 20.0),
           "task": (100, 20.0)}  # fmt: skip
GROUP = {"ListTaskDefinitionFamilies": "taskdef", "ListTaskDefinitions": "taskdef", "DescribeTaskDefinition": "taskdef",
         "DeregisterTaskDefinition": "taskdef", "RegisterTaskDefinition": "register", "ListServices": "service",
         "DescribeServices": "service", "ListClusters": "cluster", "DescribeClusters": "cluster",
         # Daemons are not in §8; assumed to share the task-definition and service buckets.
         "ListDaemonTaskDefinitions": "taskdef", "DescribeDaemonTaskDefinition": "taskdef",
         "RegisterDaemonTaskDefinition": "register", "ListDaemons": "service", "DescribeDaemon": "service",
         "DescribeDaemonRevisions": "service", "ListTasks": "task", "DescribeTasks": "task",
         "DescribeServiceRevisions": "service"}  # fmt: skip
# List call -> (result key, default page size, largest page size)
PAGED = {"ListServices": ("serviceArns", 10, 100), "ListClusters": ("clusterArns", 100, 100),
         "ListTaskDefinitions": ("taskDefinitionArns", 100, 100), "ListTaskDefinitionFamilies": ("families", 100, 100),
         "ListDaemons": ("daemonSummariesList", 100, 100), "ListDaemonTaskDefinitions": ("daemonTaskDefinitions", 100, 100),
         "ListTasks": ("taskArns", 100, 100)}  # fmt: skip
EXPIRATION = re.compile(rb"<Expiration>[^<]*</Expiration>")
ACCESS_KEY = re.compile(rb"<AccessKeyId>([^<]*)</AccessKeyId>")
REFRESH_AHEAD = 900  # botocore refreshes assumed-role credentials this many seconds before they expire
WAIT = 4.0  # a request signed with the old key may wait this long in the client's token bucket
CREDENTIAL = re.compile(r"Credential=([^/]+)/[^/]+/([^/]+)/([^/]+)/")


class Bucket:
    def __init__(self, burst: float, rate: float):
        self.burst, self.rate, self.tokens, self.stamp = burst, rate, burst, time.monotonic()

    def take(self) -> bool:
        now = time.monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens < 1:
            return False
        self.tokens -= 1
        return True


class DaemonStore:
    """ECS daemons and daemon task definitions (botocore's shapes), per caller access key and region:
    what the proxy answers for ListDaemons, DescribeDaemon, DescribeDaemonRevisions,
    ListDaemonTaskDefinitions, DescribeDaemonTaskDefinition and RegisterDaemonTaskDefinition."""

    OPERATIONS = {"ListDaemons", "DescribeDaemon", "DescribeDaemonRevisions", "ListDaemonTaskDefinitions",
                  "DescribeDaemonTaskDefinition", "RegisterDaemonTaskDefinition"}  # fmt: skip

    def __init__(self, account: str):
        self.account, self.lock = account, threading.Lock()
        self.definitions: dict[tuple[str, str], dict[str, dict]] = defaultdict(
            dict
        )  # (key, region) -> ARN -> definition
        self.daemons: dict[str, dict] = {}  # daemon ARN -> DaemonDetail
        self.revisions: dict[str, dict] = {}  # daemon revision ARN -> DaemonRevision

    def _arn(self, region: str, kind: str, name: str) -> str:
        return f"arn:aws:ecs:{region}:{self.account}:{kind}/{name}"

    def register(self, key: str, region: str, family: str, containers: list, **fields) -> str:
        with self.lock:
            defs = self.definitions[key, region]
            revision = 1 + sum(d["family"] == family for d in defs.values())
            arn = self._arn(region, "daemon-task-definition", f"{family}:{revision}")
            defs[arn] = {"daemonTaskDefinitionArn": arn, "family": family, "revision": revision,
                         "containerDefinitions": containers, **fields, "status": "ACTIVE",
                         "registeredAt": time.time(), "registeredBy": f"arn:aws:iam::{self.account}:root"}  # fmt: skip
            return arn

    def create_daemon(self, region: str, cluster: str, name: str, definitions: list[str]) -> str:
        """A daemon whose current revisions (one per definition: mid-deployment when several) run these."""
        cluster_arn = self._arn(region, "cluster", cluster)
        daemon = self._arn(region, "daemon", f"{cluster}/{name}")
        revisions = []
        for i, definition in enumerate(definitions):
            rev = self._arn(region, "daemon-revision", f"{cluster}/{name}/{i + 1}")
            self.revisions[rev] = {"daemonRevisionArn": rev, "clusterArn": cluster_arn, "daemonArn": daemon,
                                   "daemonTaskDefinitionArn": definition, "createdAt": time.time()}  # fmt: skip
            revisions.append({"arn": rev, "totalRunningCount": 2})
        self.daemons[daemon] = {"daemonArn": daemon, "clusterArn": cluster_arn, "status": "ACTIVE",
                                "currentRevisions": revisions, "createdAt": time.time()}  # fmt: skip
        return daemon

    def answer(self, op: str, request: dict, key: str, region: str) -> tuple[int, dict]:
        with self.lock:
            defs = self.definitions[key, region]
            if op == "ListDaemons":
                cluster = request.get("clusterArn") or self._arn(region, "cluster", "default")
                found = [
                    d
                    for d in self.daemons.values()
                    if d["clusterArn"] in (cluster, self._arn(region, "cluster", cluster))
                ]
                return 200, {
                    "daemonSummariesList": [{k: d[k] for k in ("daemonArn", "status", "createdAt")} for d in found]
                }
            if op == "DescribeDaemon":
                daemon = self.daemons.get(request["daemonArn"])
                return (
                    (200, {"daemon": daemon})
                    if daemon
                    else (400, {"__type": "ResourceNotFoundException", "message": "Daemon not found."})
                )
            if op == "DescribeDaemonRevisions":
                arns = request["daemonRevisionArns"]
                return 200, {"daemonRevisions": [self.revisions[a] for a in arns if a in self.revisions],
                             "failures": [{"arn": a, "reason": "MISSING"} for a in arns if a not in self.revisions]}  # fmt: skip
            if op == "ListDaemonTaskDefinitions":
                status, prefix = request.get("status", "ACTIVE"), request.get("familyPrefix", "")
                found = sorted((d for d in defs.values() if d["family"].startswith(prefix) and status in ("ALL", d["status"])),
                               key=lambda d: (d["family"], d["revision"]))  # fmt: skip
                if request.get("revision") == "LAST_REGISTERED":
                    found = list({d["family"]: d for d in found}.values())
                summaries = [
                    {"arn": d["daemonTaskDefinitionArn"], "status": d["status"], "registeredAt": d["registeredAt"]}
                    for d in found
                ]
                return 200, {"daemonTaskDefinitions": summaries}
            if op == "DescribeDaemonTaskDefinition":
                ref = request["daemonTaskDefinition"]
                found = defs.get(ref) or defs.get(self._arn(region, "daemon-task-definition", ref))
                if found is None and ":" not in ref:  # a family: its latest ACTIVE revision
                    found = max((d for d in defs.values() if d["family"] == ref and d["status"] == "ACTIVE"),
                                key=lambda d: d["revision"], default=None)  # fmt: skip
                if found is None:
                    return 400, {"__type": "ClientException", "message": "Unable to describe daemon task definition."}
                return 200, {"daemonTaskDefinition": found}
        # RegisterDaemonTaskDefinition
        fields = {k: v for k, v in request.items() if k not in ("family", "containerDefinitions", "tags")}
        return 200, {
            "daemonTaskDefinitionArn": self.register(
                key, region, request["family"], request["containerDefinitions"], **fields
            )
        }


class TaskStore:
    """Running tasks and service revisions with the image digests ECS records (botocore's shapes),
    per region: what the proxy answers for ListTasks (by cluster and serviceName), DescribeTasks
    and DescribeServiceRevisions, and the `currentServiceRevisions` it adds to DescribeServices."""

    OPERATIONS = {"ListTasks", "DescribeTasks", "DescribeServiceRevisions"}

    def __init__(self, account: str):
        self.account, self.lock = account, threading.Lock()
        self.tasks: dict[str, dict] = {}  # task ARN -> Task
        self.revisions: dict[str, dict] = {}  # service revision ARN -> ServiceRevision
        self.current: dict[tuple[str, str, str], list[str]] = defaultdict(list)  # (region, cluster, service) -> ARNs

    def run(self, region: str, cluster: str, service: str, definition: str, digests: dict[str, str],
            started: float) -> str:  # fmt: skip
        """A RUNNING task of the service whose containers (name -> digest) run these digests."""
        with self.lock:
            arn = f"arn:aws:ecs:{region}:{self.account}:task/{cluster}/{len(self.tasks) + 1:032x}"
            self.tasks[arn] = {"taskArn": arn, "clusterArn": f"arn:aws:ecs:{region}:{self.account}:cluster/{cluster}",
                               "taskDefinitionArn": definition, "group": f"service:{service}", "lastStatus": "RUNNING",
                               "desiredStatus": "RUNNING", "startedAt": started, "createdAt": started - 5,
                               "containers": [{"taskArn": arn, "name": name, "imageDigest": digest, "lastStatus": "RUNNING"}
                                              for name, digest in digests.items()]}  # fmt: skip
            return arn

    def revise(
        self, region: str, cluster: str, service: str, definition: str, images: dict[str, tuple[str, str]]
    ) -> str:
        """A current service revision of the service: containers (name -> (image, digest))."""
        with self.lock:
            arn = f"arn:aws:ecs:{region}:{self.account}:service-revision/{cluster}/{service}/{len(self.revisions) + 1}"
            self.revisions[arn] = {"serviceRevisionArn": arn, "taskDefinition": definition, "createdAt": time.time(),
                                   "containerImages": [{"containerName": name, "image": image, "imageDigest": digest}
                                                       for name, (image, digest) in images.items()]}  # fmt: skip
            self.current[region, cluster, service].append(arn)
            return arn

    def answer(self, op: str, request: dict, region: str) -> tuple[int, dict]:
        with self.lock:
            if op == "ListTasks":
                cluster = request.get("cluster", "default").rsplit("/", 1)[-1]
                group = f"service:{request['serviceName']}" if request.get("serviceName") else None
                return 200, {"taskArns": [a for a, t in self.tasks.items() if f":{region}:" in a
                                          and t["clusterArn"].endswith(f"/{cluster}") and group in (None, t["group"])]}  # fmt: skip
            if op == "DescribeTasks":
                arns = request["tasks"]
                return 200, {"tasks": [self.tasks[a] for a in arns if a in self.tasks],
                             "failures": [{"arn": a, "reason": "MISSING"} for a in arns if a not in self.tasks]}  # fmt: skip
            arns = request["serviceRevisionArns"]  # DescribeServiceRevisions
            return 200, {"serviceRevisions": [self.revisions[a] for a in arns if a in self.revisions],
                         "failures": [{"arn": a, "reason": "MISSING"} for a in arns if a not in self.revisions]}  # fmt: skip

    def services(self, data: bytes, region: str) -> bytes:
        """A DescribeServices answer with each service's current revisions."""
        answer = json.loads(data)
        with self.lock:
            for svc in answer.get("services", []):
                current = self.current.get((region, svc["clusterArn"].rsplit("/", 1)[-1], svc["serviceName"]))
                if current:
                    svc["currentServiceRevisions"] = [{"arn": a, "runningTaskCount": 1} for a in current]
        return json.dumps(answer).encode()


class Proxy(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, upstream_port: int, account: str, scale: float | None = None):
        """scale None: no throttling; otherwise the §8 bucket rates and bursts times scale."""
        super().__init__(("127.0.0.1", 0), Handler)
        self.upstream_port, self.scale = upstream_port, scale
        self.daemons = DaemonStore(account)
        self.tasks = TaskStore(account)
        self.lock = threading.Lock()
        self.buckets: dict[tuple, Bucket] = {}
        self.requests: list[tuple[str, str, str, str]] = []  # (access key, region, service, operation)
        self.throttled: Counter = Counter()
        self.deny: set[tuple[str, str]] = set()  # (operation, text in the request body or its region)
        # Role sessions that must be refreshed within role_seconds: AssumeRole answers an expiry
        # REFRESH_AHEAD + role_seconds away, and the key is refused role_seconds + WAIT after it
        # was issued.
        self.role_seconds: float | None = None
        self.key_deadline: dict[str, float] = {}
        self.expired: Counter = Counter()  # access key -> requests refused as expired
        threading.Thread(target=self.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def operations(self) -> Counter:
        with self.lock:
            return Counter(op for _, _, _, op in self.requests)

    def reset(self, scale: float | None = None) -> None:
        with self.lock:
            self.scale, self.buckets, self.requests, self.deny = scale, {}, [], set()
            self.role_seconds, self.key_deadline = None, {}
            self.throttled.clear()
            self.expired.clear()

    def admit(self, key: str, region: str, op: str) -> bool:
        group = GROUP.get(op)
        if self.scale is None or group is None:
            return True
        with self.lock:
            bucket = self.buckets.get((key, region, group))
            if bucket is None:
                burst, rate = BUCKETS[group]
                bucket = self.buckets[key, region, group] = Bucket(burst * self.scale, rate * self.scale)
            if bucket.take():
                return True
            self.throttled[op] += 1
            return False


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: Proxy

    def log_message(self, *args):
        pass

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        found = CREDENTIAL.search(self.headers.get("Authorization", ""))
        key, region, service = found.groups() if found else ("", "", "")
        target = self.headers.get("X-Amz-Target")
        op = target.rsplit(".", 1)[-1] if target else parse_qs(body.decode()).get("Action", [""])[0]
        with self.server.lock:
            self.server.requests.append((key, region, service, op))
            denied = any(op == o and text in body.decode() + region for o, text in self.server.deny)
        if denied:
            return self.error(
                403, "AccessDeniedException" if target else "AccessDenied", "not authorized", bool(target)
            )
        if time.monotonic() > self.server.key_deadline.get(key, float("inf")):
            self.server.expired[key] += 1
            return self.error(
                400, "ExpiredTokenException", "The security token included in the request is expired", bool(target)
            )
        if not self.server.admit(key, region, op):
            return self.error(400, "ThrottlingException", "Rate exceeded", True)
        request = json.loads(body) if target else None
        paged = PAGED.get(op) if service == "ecs" else None
        if paged:
            body = json.dumps({k: v for k, v in request.items() if k not in ("maxResults", "nextToken")}).encode()
        if service == "ecs" and op in DaemonStore.OPERATIONS:
            status, answer = self.server.daemons.answer(op, request, key, region)
            headers, data = [("Content-Type", "application/x-amz-json-1.1")], json.dumps(answer).encode()
        elif service == "ecs" and op in TaskStore.OPERATIONS:
            status, answer = self.server.tasks.answer(op, request, region)
            headers, data = [("Content-Type", "application/x-amz-json-1.1")], json.dumps(answer).encode()
        else:
            status, headers, data = self.forward(body)
        if op == "DescribeServices" and status == 200:
            data = self.server.tasks.services(data, region)
        if paged and status == 200:
            data = self.page(json.loads(data), request, *paged)
        if op == "AssumeRole" and status == 200 and self.server.role_seconds is not None:
            data = self.shorten(data)
        self.send_response(status)
        for name, value in headers:
            if name.lower() not in ("content-length", "connection", "transfer-encoding", "server", "date"):
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def forward(self, body: bytes):
        conn = http.client.HTTPConnection("127.0.0.1", self.server.upstream_port, timeout=60)
        try:
            headers = {k: v for k, v in self.headers.items() if k.lower() not in ("content-length", "connection")}
            conn.request("POST", self.path, body, headers)
            resp = conn.getresponse()
            return resp.status, resp.getheaders(), resp.read()
        finally:
            conn.close()

    def shorten(self, data: bytes) -> bytes:
        seconds = self.server.role_seconds
        expiry = datetime.now(timezone.utc) + timedelta(seconds=REFRESH_AHEAD + seconds)
        with self.server.lock:
            self.server.key_deadline[ACCESS_KEY.search(data).group(1).decode()] = time.monotonic() + seconds + WAIT
        return EXPIRATION.sub(f"<Expiration>{expiry:%Y-%m-%dT%H:%M:%SZ}</Expiration>".encode(), data)

    @staticmethod
    def page(result: dict, request: dict, key: str, default: int, largest: int) -> bytes:
        start = int(base64.b64decode(request["nextToken"])) if request.get("nextToken") else 0
        size = min(request.get("maxResults") or default, largest)
        items = result[key]
        result[key] = items[start : start + size]
        result.pop("nextToken", None)
        if start + size < len(items):
            result["nextToken"] = base64.b64encode(str(start + size).encode()).decode()
        return json.dumps(result).encode()

    def error(self, status: int, code: str, message: str, as_json: bool):
        if as_json:
            data = json.dumps({"__type": code, "message": message}).encode()
            ctype = "application/x-amz-json-1.1"
        else:
            data = (f"<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code><Message>{message}</Message>"
                    f"</Error><RequestId>proxy</RequestId></ErrorResponse>").encode()  # fmt: skip
            ctype = "text/xml"
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("x-amzn-ErrorType", code)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
