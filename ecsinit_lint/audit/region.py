"""One account-region of an audit: find the revisions in scope (services, daemons, families),
describe them concurrently under the token buckets of `ratelimit`, lint and fix each one."""

from __future__ import annotations

import json
import sys
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import nullcontext
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from botocore.exceptions import BotoCoreError, ClientError

from ..core.findings import Finding, Origin
from ..engine.linter import applicable, lint
from ..engine.registry import Rule
from ..errors import FixError
from ..fix.fixer import fix
from ..inputs.sources import find_tasks
from . import aws
from .aws import AuditError, reason
from .ratelimit import Limiter
from .revisions import ApiDocument, Fixed, Outline, Ref, RevisionCache, arn_of, family_of, outline, plain
from .running import Digests, Pinned, revision_digests, task_digests
from .store import FindingStore

if TYPE_CHECKING:
    from ..images.reader import Reader

WINDOW = 32  # revisions in flight per account-region
IMAGES = threading.Lock()  # the image reader is read by one revision at a time


@dataclass
class Options:
    rules: list[Rule]
    scope: str = "in-use"
    clusters: tuple[str, ...] = ()
    family_prefix: str | None = None
    unsafe: bool = False
    fix_out: str | None = None
    keep_fixed: bool = False  # keep the fixed revisions for `register`
    cache: RevisionCache | None = None
    outlines: bool = False  # keep an outline of each revision for the JUnit testcases
    limiter: Limiter = field(default_factory=Limiter)
    images: Reader | None = None  # --images: judge each container with its image
    images_required: bool = False  # a digest that cannot be read is an error, not a note


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


@dataclass
class Result:
    findings: FindingStore = field(default_factory=FindingStore)  # in the report's order
    errors: list[AuditError] = field(default_factory=list)
    notes: list[AuditError] = field(default_factory=list)  # said, but no failure
    revisions: int = 0
    written: int = 0  # revisions written to --fix-out
    fixed: list[Fixed] = field(default_factory=list)  # kept only for `register`
    # The --cluster names found, or that may be where clusters could not be listed.
    clusters: set[str] = field(default_factory=set)
    outlines: list[Outline] = field(default_factory=list)  # kept only for JUnit
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, errors=(), revisions=0, written=0, fixed=(), clusters=(), outlines=(), notes=()) -> None:
        with self.lock:
            self.errors += errors
            self.notes += notes
            self.revisions += revisions
            self.written += written
            self.fixed += fixed
            self.clusters.update(clusters)
            self.outlines += outlines


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
        self.digests = Digests()  # --images: what the services' tasks run
        self.unread: set[tuple[str, str]] = set()  # (cluster, what) whose digests could not be read
        self.ecs = session.client("ecs", region_name=region, config=aws.CONFIG)
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
                    if self.opts.images is not None:
                        self._running(cluster, svc)
                    refs = {svc.get("taskDefinition")} | {d.get("taskDefinition") for d in svc.get("deployments", [])}
                    for arn in sorted(filter(None, refs)):
                        yield arn, f"{name}/{svc['serviceName']}"

    def _running(self, cluster: str, svc: dict) -> None:
        """The digests a service's revisions and running tasks run; where a cluster's cannot be
        read, one note (an error under --images=required) and its images are read by tag."""
        name = cluster.rsplit("/", 1)[-1]
        for what, found in (("service revisions", lambda: revision_digests(self.ecs, svc)),
                            ("running tasks", lambda: task_digests(self.ecs, cluster, svc))):  # fmt: skip
            if (cluster, what) in self.unread:
                continue
            try:
                for arn, container, digest, rank in found():
                    self.digests.add(arn, container, digest, rank)
            except (ClientError, BotoCoreError) as exc:
                self.unread.add((cluster, what))
                said = self.error(f"{what} of cluster {name} not read, their images judged by tag: {reason(exc)}")
                self.result.add(**{"errors" if self.opts.images_required else "notes": [said]})

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
        images = None if self.opts.images is None else Pinned(self.opts.images, self.digests.of(origin.arn))
        with IMAGES if images else nullcontext():
            findings = [replace(f, location=replace(f.location, file=None, name=origin.arn), origin=origin)
                        for f in lint(doc, self.opts.rules, images=images)]  # fmt: skip
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
        outlines = [outline(origin.arn, tasks)] if self.opts.outlines else []
        self.result.add(errors=errors, revisions=1, written=written, outlines=outlines)
        self.progress.add("revisions")
        return findings, fixed

    def run(self) -> None:
        source = {"in-use": self.in_use, "latest": self.latest, "all": self.every}[self.opts.scope]
        # With images, every service's digests are known before a revision is judged.
        refs = source() if self.opts.images is None else iter(list(source()))
        fixed = []
        with ThreadPoolExecutor(WINDOW) as pool:  # the listings and describes report their own errors
            for found, done in _bounded(pool, self.check, refs):
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
