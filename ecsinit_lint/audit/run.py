"""`ecsinit-lint audit`: lint the task definitions and daemon task definitions of live accounts
through the ECS API.

Accounts and regions run in parallel; within one account-region the describes run concurrently
under the client-side token buckets of `ratelimit`, with botocore's adaptive retries behind them.
Revisions stream through a bounded window and findings go to disk as they are found
(`auditstore`), so memory stays flat however many revisions there are. Only
RegisterTaskDefinition and RegisterDaemonTaskDefinition (`register`, asked for explicitly) write
anything.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import sys
import tempfile
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from http import HTTPStatus
from pathlib import Path
from typing import NamedTuple

import boto3
import botocore.session
from botocore.config import Config
from botocore.credentials import AssumeRoleCredentialFetcher, CredentialProvider, RefreshableCredentials
from botocore.exceptions import BotoCoreError, ClientError

from ..core.findings import Finding, Origin
from ..engine.linter import applicable, lint
from ..engine.registry import Rule
from ..errors import FixError, InputError
from ..fix.fixer import fix
from ..inputs.document import JsonDocument
from ..inputs.sources import find_tasks
from .ratelimit import Limiter
from .store import FindingStore

CONFIG = Config(retries={"mode": "adaptive", "max_attempts": 10}, max_pool_connections=32)
WINDOW = 32  # revisions in flight per account-region
ACCOUNTS_IN_PARALLEL = 4
REGIONS_IN_PARALLEL = 4
ROLE_ARN = re.compile(r"arn:aws[\w-]*:iam::(\d{12}):role/.+")


class AuditError(InputError):
    """Something the audit could not read, with the account and region ("-" when none) it belongs to."""

    def __init__(self, account: str, region: str, message: str):
        super().__init__(account if region == "-" else f"{account}/{region}", message)
        self.account, self.region = account, region

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"

    def to_json(self) -> dict:
        return {"account": self.account, "region": self.region, "message": self.message}


def reason(exc: Exception) -> str:
    """The call, the error code and a short message, on one line: never an HTTP body (an endpoint
    without the call may answer with an HTML page)."""
    if not isinstance(exc, ClientError):
        return " ".join(str(exc).split())
    err, status = exc.response.get("Error", {}), exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    message = " ".join(str(err.get("Message", "")).split())
    if message.startswith("<"):  # a web page
        try:
            message = HTTPStatus(status).phrase
        except ValueError:
            message = ""
    message = message if len(message) <= 200 else message[:199] + "…"
    return f"{exc.operation_name}: {err.get('Code', 'Error')}: {message}".rstrip(": ")


class Cache:
    """Described daemon task definitions by ARN: a revision never changes once registered, and
    its describe carries no tags (which do change)."""

    def __init__(self, root: str):
        self.root = Path(root)

    def _path(self, arn: str) -> Path:
        return self.root / (hashlib.sha256(arn.encode()).hexdigest() + ".json")

    def get(self, arn: str) -> dict | None:
        try:
            return json.loads(self._path(arn).read_text())
        except (OSError, ValueError):
            return None

    def put(self, arn: str, data: dict) -> None:
        """Kept when the folder is writable; the cache only saves time."""
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.root, prefix=".tmp-")
            with os.fdopen(fd, "w") as f:
                json.dump(data, f)
            os.replace(tmp, self._path(arn))
        except OSError:
            pass


@dataclass
class ApiDocument(JsonDocument):
    """A describe-task-definition response: findings are located by ARN, not by line."""

    def locate(self, pointer: str) -> tuple[None, None]:
        return None, None


class Ref(NamedTuple):
    """What to describe: a task definition ARN or family, or a daemon task definition ARN."""

    name: str
    daemon: bool = False


@dataclass
class Fixed:
    """A flagged revision's fixed, registerable form."""

    origin: Origin
    revision: dict
    session: object = field(repr=False)
    daemon: bool = False  # registered with RegisterDaemonTaskDefinition


@dataclass
class Options:
    rules: list[Rule]
    scope: str = "in-use"
    clusters: tuple[str, ...] = ()
    family_prefix: str | None = None
    unsafe: bool = False
    fix_out: str | None = None
    keep_fixed: bool = False  # keep the fixed revisions for `register`
    cache: Cache | None = None
    outlines: bool = False  # keep an outline of each revision for the JUnit testcases
    limiter: Limiter = field(default_factory=Limiter)


class Progress:
    """A one-line counter on stderr, drawn only when stderr is a terminal."""

    def __init__(self, enabled: bool):
        self.enabled, self.lock = enabled, threading.Lock()
        self.counts = {"regions": 0, "families": 0, "revisions": 0}

    def add(self, what: str, n: int = 1) -> None:
        with self.lock:
            self.counts[what] += n
            if self.enabled:
                sys.stderr.write("\r" + ", ".join(f"{v} {k}" for k, v in self.counts.items()) + " \x1b[K")

    def close(self) -> None:
        if self.enabled:
            sys.stderr.write("\r\x1b[K")


class Outline(NamedTuple):
    """What a JUnit report needs of a revision (see junit.py), without its definition."""

    path: str  # the ARN
    tasks: list


class _Task(NamedTuple):
    label: str | None
    containers: list


class _Container(NamedTuple):
    name: str | None
    pointer: str


@dataclass
class Result:
    findings: FindingStore = field(default_factory=FindingStore)  # in the report's order
    errors: list[AuditError] = field(default_factory=list)
    revisions: int = 0
    written: int = 0  # revisions written to --fix-out
    fixed: list[Fixed] = field(default_factory=list)  # kept only for `register`
    # The --cluster names found, or that may be where clusters could not be listed.
    clusters: set[str] = field(default_factory=set)
    outlines: list[Outline] = field(default_factory=list)  # kept only for JUnit
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, errors=(), revisions=0, written=0, fixed=(), clusters=(), outlines=()) -> None:
        with self.lock:
            self.errors += errors
            self.revisions += revisions
            self.written += written
            self.fixed += fixed
            self.clusters.update(clusters)
            self.outlines += outlines


def plain(data):
    """API data as JSON values (timestamps become strings)."""
    return json.loads(json.dumps(data, default=str))


def arn_of(data: dict) -> str:
    """The ARN of a DescribeTaskDefinition or DescribeDaemonTaskDefinition response."""
    if "taskDefinition" in data:
        return data["taskDefinition"]["taskDefinitionArn"]
    return data["daemonTaskDefinition"]["daemonTaskDefinitionArn"]


def family_of(arn: str) -> str:
    return arn.rsplit("/", 1)[-1].rsplit(":", 1)[0]


def _order(arn: str) -> tuple:
    """A revision's place in the report: account, region, family, revision (as `auditstore`)."""
    parts, (family, revision) = arn.split(":"), arn.rsplit("/", 1)[-1].rsplit(":", 1)
    return parts[4], parts[3], family, int(revision)


def _bounded(pool: ThreadPoolExecutor, fn: Callable, items: Iterable) -> Iterator:
    """fn over items on the pool, at most WINDOW at a time, results in order."""
    pending: deque = deque()
    for item in items:
        pending.append(pool.submit(fn, item))
        if len(pending) >= WINDOW:
            yield pending.popleft().result()
    while pending:
        yield pending.popleft().result()


class RegionAudit:
    """One account-region: find the revisions in scope, describe, lint and fix each one."""

    def __init__(self, account: str, region: str, session, opts: Options, result: Result, progress: Progress):
        self.account, self.region, self.session = account, region, session
        self.opts, self.result, self.progress = opts, result, progress
        self.users: dict[str, list[str]] = {}  # in-use revision ARN -> "cluster/service" running it
        self.daemons: dict[str, list[str]] = {}  # in-use daemon task definition ARN -> daemon ARNs
        self.ecs = session.client("ecs", region_name=region, config=CONFIG)
        opts.limiter.install(self.ecs, account, region)

    def error(self, message: str) -> AuditError:
        return AuditError(self.account, self.region, message)

    def _guarded(self, what: str, items: Iterator) -> Iterator:
        """items until a call fails, then one error saying what was not audited, and the call
        and reason: the other listings and the describes already under way go on."""
        n = 0
        try:
            for n, item in enumerate(items, 1):  # noqa: B007 (n: how many were listed, said on a failure)
                yield item
        except (ClientError, BotoCoreError) as exc:
            self.result.add(errors=[self.error(f"{what} not {'all ' * bool(n)}audited: {reason(exc)}")])

    def in_use(self) -> Iterator[Ref]:
        """Each revision that a service or daemon references (services: current and every
        deployment; daemons: every current revision), as soon as it is seen, so describes overlap
        the service reads; `users` and `daemons` collect who runs each one."""
        wanted, prefix = set(self.opts.clusters), self.opts.family_prefix or ""
        try:
            pages = self.ecs.get_paginator("list_clusters").paginate()
            clusters = [arn for page in pages for arn in page["clusterArns"]]
        except (ClientError, BotoCoreError) as exc:
            # The --cluster names may be in this region: not reported missing.
            self.result.add(errors=[self.error(f"services and daemons not audited: {reason(exc)}")], clusters=wanted)
            return
        for cluster in clusters:
            name = cluster.rsplit("/", 1)[-1]
            if wanted:
                if not {cluster, name} & wanted:
                    continue
                self.result.add(clusters={cluster, name} & wanted)
            for arn, service in self._guarded(f"services of cluster {name}", self._referenced(cluster)):
                if arn not in self.users and family_of(arn).startswith(prefix):
                    yield Ref(arn)
                self.users.setdefault(arn, []).append(service)
            for arn, daemon in self._guarded(f"daemons of cluster {name}", self._daemon_referenced(cluster)):
                if arn not in self.daemons and family_of(arn).startswith(prefix):
                    yield Ref(arn, daemon=True)
                self.daemons.setdefault(arn, []).append(daemon)

    def _pages(self, method: str, key: str, **kwargs) -> Iterator:
        """The items of every page of a daemon List call (botocore has no paginator for them)."""
        while True:
            page = getattr(self.ecs, method)(**kwargs)
            yield from page.get(key, [])
            if not page.get("nextToken"):
                return
            kwargs["nextToken"] = page["nextToken"]

    def _daemon_referenced(self, cluster: str) -> Iterator[tuple[str, str]]:
        """(daemon task definition ARN, daemon ARN) for each current revision of a cluster's daemons."""
        for summary in self._pages("list_daemons", "daemonSummariesList", clusterArn=cluster):
            daemon = self.ecs.describe_daemon(daemonArn=summary["daemonArn"])["daemon"]
            revisions = sorted(r["arn"] for r in daemon.get("currentRevisions", []))
            for i in range(0, len(revisions), 20):  # DescribeDaemonRevisions takes up to 20
                resp = self.ecs.describe_daemon_revisions(daemonRevisionArns=revisions[i : i + 20])
                if resp.get("failures"):
                    self.result.add(errors=[self.error(f"{f.get('arn')}: not audited: DescribeDaemonRevisions: {f.get('reason')}")
                                            for f in resp["failures"]])  # fmt: skip
                for revision in resp["daemonRevisions"]:
                    yield revision["daemonTaskDefinitionArn"], daemon["daemonArn"]

    def _referenced(self, cluster: str) -> Iterator[tuple[str, str]]:
        """(revision ARN, "cluster/service") for each revision a cluster's services reference."""
        name = cluster.rsplit("/", 1)[-1]
        pages = self.ecs.get_paginator("list_services").paginate(cluster=cluster, PaginationConfig={"PageSize": 100})
        for page in pages:
            arns = page["serviceArns"]
            for i in range(0, len(arns), 10):
                for svc in self.ecs.describe_services(cluster=cluster, services=arns[i : i + 10])["services"]:
                    refs = {svc.get("taskDefinition")} | {d.get("taskDefinition") for d in svc.get("deployments", [])}
                    for arn in sorted(filter(None, refs)):
                        yield arn, f"{name}/{svc['serviceName']}"

    def _daemon_definitions(self, **kwargs) -> Iterator[Ref]:
        prefix = {"familyPrefix": self.opts.family_prefix} if self.opts.family_prefix else {}
        pages = self._pages(
            "list_daemon_task_definitions", "daemonTaskDefinitions", status="ACTIVE", **prefix, **kwargs
        )
        for summary in self._guarded("daemon task definitions", pages):
            yield Ref(summary["arn"], daemon=True)

    def _families(self) -> Iterator[str]:
        kwargs = {"status": "ACTIVE", **({"familyPrefix": self.opts.family_prefix} if self.opts.family_prefix else {})}
        for page in self.ecs.get_paginator("list_task_definition_families").paginate(**kwargs):
            self.progress.add("families", len(page["families"]))
            yield from page["families"]

    def latest(self) -> Iterator[Ref]:
        """Each ACTIVE family, described by name: ECS resolves its latest ACTIVE revision; then
        the last registered revision of each ACTIVE daemon task definition family."""
        for family in self._guarded("task definition families", self._families()):
            yield Ref(family)
        for ref in self._daemon_definitions(revision="LAST_REGISTERED"):
            self.progress.add("families")
            yield ref

    def _revisions(self) -> Iterator[str]:
        for page in self.ecs.get_paginator("list_task_definitions").paginate(status="ACTIVE"):
            yield from page["taskDefinitionArns"]

    def every(self) -> Iterator[Ref]:
        """Each ACTIVE revision, then each ACTIVE daemon task definition revision.
        ListTaskDefinitions takes a whole family name, not a prefix."""
        prefix = self.opts.family_prefix or ""
        for arn in self._guarded("task definitions", self._revisions()):
            if family_of(arn).startswith(prefix):
                yield Ref(arn)
        yield from self._daemon_definitions()

    def describe(self, ref: Ref) -> dict:
        """The describe response for an ARN or a family name. A task definition is described
        each time, with its tags, which change (TagResource); a daemon task definition's describe
        has no tags, so one named by ARN comes from the cache when there."""
        if not ref.daemon:
            resp = self.ecs.describe_task_definition(taskDefinition=ref.name, include=["TAGS"])
            return plain({"taskDefinition": resp["taskDefinition"], "tags": resp.get("tags", [])})
        cache = self.opts.cache
        data = cache.get(ref.name) if cache and ref.name.startswith("arn:") else None
        if data is None:
            resp = self.ecs.describe_daemon_task_definition(daemonTaskDefinition=ref.name)
            data = plain({"daemonTaskDefinition": resp["daemonTaskDefinition"]})
            if cache:
                cache.put(arn_of(data), data)
        return data

    def check(self, ref: Ref) -> tuple[list[Finding], list[Fixed]]:
        try:
            data = self.describe(ref)
        except (ClientError, BotoCoreError) as exc:
            self.result.add(errors=[self.error(f"{ref.name}: not audited: {reason(exc)}")])
            return [], []
        td = data.get("taskDefinition") or data["daemonTaskDefinition"]
        if self.opts.scope == "latest" and td.get("status") == "INACTIVE":
            return [], []  # the whole family was deregistered after it was listed
        origin = Origin(arn_of(data), self.account, self.region)
        kind, tasks = find_tasks(data)
        doc = ApiDocument(origin.arn, json.dumps(data, indent=2), data, kind, tasks)
        findings = [replace(f, location=replace(f.location, file=None, name=origin.arn), origin=origin)
                    for f in lint(doc, self.opts.rules)]  # fmt: skip
        fixed, errors, written = [], [], 0
        if any(applicable(f, self.opts.unsafe) for f in findings) and (self.opts.fix_out or self.opts.keep_fixed):
            try:
                new, _ = fix(doc, self.opts.rules, self.opts.unsafe)
                revision = doc.registerable(new.data)
                if self.opts.fix_out:
                    kind = "daemon_" if ref.daemon else ""
                    name = f"{self.account}_{self.region}_{kind}{td['family']}_{td['revision']}.json"
                    Path(self.opts.fix_out, name).write_text(json.dumps(revision, indent=2) + "\n")
                    written = 1
                if self.opts.keep_fixed:
                    fixed.append(Fixed(origin, revision, self.session, ref.daemon))
            except (FixError, OSError) as exc:
                errors.append(self.error(f"{origin.arn}: fix not written: {exc}"))
        outlines = [Outline(origin.arn, [_Task(t.label, [_Container(c.name, c.pointer) for c in t.containers])
                                         for t in tasks])] if self.opts.outlines else []  # fmt: skip
        self.result.add(errors=errors, revisions=1, written=written, outlines=outlines)
        self.progress.add("revisions")
        return findings, fixed

    def run(self) -> None:
        source = {"in-use": self.in_use, "latest": self.latest, "all": self.every}[self.opts.scope]
        fixed = []
        with ThreadPoolExecutor(WINDOW) as pool:  # the listings and describes report their own errors
            for found, done in _bounded(pool, self.check, source()):
                self.result.findings.add(found)
                fixed += done
        # Every service and daemon is known only now.
        users = {arn: (tuple(self.users.get(arn, ())), tuple(self.daemons.get(arn, ())))
                 for arn in self.users.keys() | self.daemons.keys()}  # fmt: skip
        self.result.findings.run_by(users)

        def run_by(o: Origin) -> Origin:
            services, daemons = users.get(o.arn, ((), ()))
            return replace(o, services=services, daemons=daemons)

        self.result.add(fixed=[replace(x, origin=run_by(x.origin)) for x in fixed])
        self.progress.add("regions")


class _AssumedRole(CredentialProvider):
    """The credentials of an assumed role, refreshed by assuming it again when they near their
    expiry (botocore refreshes 15 minutes ahead), so an audit may outlast the role session."""

    METHOD = "assume-role"

    def __init__(self, base, role_arn: str):
        def sts(service: str, **keys):
            return base.client(service, region_name=base.region_name or "us-east-1", config=CONFIG, **keys)

        fetcher = AssumeRoleCredentialFetcher(sts, base.get_credentials(), role_arn,
                                              extra_args={"RoleSessionName": "ecsinit-lint-audit"})  # fmt: skip
        # The first AssumeRole runs now, so a role that cannot be assumed fails the account at once.
        self.credentials = RefreshableCredentials.create_from_metadata(
            fetcher.fetch_credentials(), fetcher.fetch_credentials, self.METHOD
        )

    def load(self) -> RefreshableCredentials:
        return self.credentials


def _assumed(base, role_arn: str):
    session = botocore.session.Session(profile=base.profile_name if base.profile_name != "default" else None)
    session.get_component("credential_provider").insert_before("env", _AssumedRole(base, role_arn))
    return boto3.Session(botocore_session=session, region_name=base.region_name)


def identity(base) -> dict:
    """GetCallerIdentity of the base credentials: ClientError or BotoCoreError (no credentials)
    when they cannot be used, and nothing can be audited."""
    return base.client("sts", region_name=base.region_name or "us-east-1", config=CONFIG).get_caller_identity()


def accounts(base, me: dict, role_arns: list[str], org_role: str | None) -> Iterator[tuple[str, Callable]]:
    """(account id, session factory) for each account to audit; the base credentials' own account
    when no role is given. With --org-role the caller's own account uses the base credentials.
    The role ARNs match ROLE_ARN."""
    if not role_arns and not org_role:
        yield me["Account"], lambda: base
    for arn in role_arns:
        yield ROLE_ARN.fullmatch(arn).group(1), lambda arn=arn: _assumed(base, arn)
    if org_role:
        partition = me["Arn"].split(":")[1]
        org = base.client("organizations", region_name=base.region_name or "us-east-1", config=CONFIG)
        for page in org.get_paginator("list_accounts").paginate():
            for acct in page["Accounts"]:
                if acct["Status"] != "ACTIVE":
                    continue
                if acct["Id"] == me["Account"]:
                    yield acct["Id"], lambda: base
                else:
                    role = f"arn:{partition}:iam::{acct['Id']}:role/{org_role}"
                    yield acct["Id"], lambda role=role: _assumed(base, role)


def enabled_regions(session) -> list[str]:
    """The regions where ECS is offered and that the account has enabled."""
    ec2 = session.client("ec2", region_name=session.region_name or "us-east-1", config=CONFIG)
    enabled = {r["RegionName"] for r in ec2.describe_regions()["Regions"]}
    return sorted(enabled & set(session.get_available_regions("ecs")))


def run(base, me: dict, opts: Options, regions: list[str], all_regions: bool, role_arns=(), org_role=None,
        progress: Progress | None = None) -> Result:  # fmt: skip
    """Audit every account and region (`me`: the base credentials' `identity`); everything that
    could not be read lands in `errors`."""
    result, progress = Result(), progress or Progress(False)

    def account(item):
        account_id, session_for = item
        try:
            session = session_for()
            names = enabled_regions(session) if all_regions else regions
        except (ClientError, BotoCoreError) as exc:
            result.add(
                errors=[AuditError(account_id, "-", f"account not audited: {reason(exc)}")], clusters=opts.clusters
            )
            return
        with ThreadPoolExecutor(REGIONS_IN_PARALLEL) as pool:
            list(pool.map(lambda r: RegionAudit(account_id, r, session, opts, result, progress).run(), names))

    try:
        with ThreadPoolExecutor(ACCOUNTS_IN_PARALLEL) as pool:
            list(pool.map(account, accounts(base, me, list(role_arns), org_role)))
    except (ClientError, BotoCoreError) as exc:  # listing the organization's accounts
        result.add(errors=[AuditError(me["Account"], "-", f"organization accounts not all audited: {reason(exc)}")],
                   clusters=opts.clusters)  # fmt: skip
    result.outlines.sort(key=lambda o: _order(o.path))
    progress.close()
    return result


def register(fixed: list[Fixed], limiter: Limiter) -> Iterator[tuple[Fixed, str | AuditError]]:
    """Register each fixed revision as a new revision; services are left as they are."""
    for item in fixed:
        o = item.origin
        ecs = item.session.client("ecs", region_name=o.region, config=CONFIG)
        limiter.install(ecs, o.account, o.region)
        try:
            if item.daemon:
                yield item, ecs.register_daemon_task_definition(**item.revision)["daemonTaskDefinitionArn"]
            else:
                yield item, ecs.register_task_definition(**item.revision)["taskDefinition"]["taskDefinitionArn"]
        except (ClientError, BotoCoreError) as exc:
            yield item, AuditError(o.account, o.region, f"{o.arn}: not registered: {reason(exc)}")


def deploy_commands(item: Fixed, new_arn: str) -> list[str]:
    """The `aws ecs update-service` (or `update-daemon`) commands that would move each service
    (or daemon) to the new revision."""
    origin = item.origin
    if item.daemon:
        return [f"aws ecs update-daemon --region {origin.region} --daemon-arn {d} --daemon-task-definition-arn {new_arn}"
                for d in origin.daemons or ("DAEMON_ARN",)]  # fmt: skip
    return [
        f"aws ecs update-service --region {origin.region} --cluster {s.split('/')[0]} "
        f"--service {s.split('/', 1)[1]} --task-definition {new_arn}"
        for s in origin.services or ("CLUSTER/SERVICE",)
    ]
