"""What runs, for `audit --images`: the image digests ECS recorded for a service's running tasks
(ListTasks, DescribeTasks) and for its current service revisions (DescribeServiceRevisions), so
that a revision's containers are judged with the image they run, not with what the tag names now
(a tag may have moved since the tasks started)."""

from __future__ import annotations

from collections.abc import Iterator


class Digests:
    """Revision ARN -> container name -> the digest to judge. A running task's digest wins over a
    service revision's, and the newest (task started, revision created) over an older one's.
    Filled while the services are listed, before any revision is judged."""

    def __init__(self):
        self.found: dict[str, dict[str, tuple[tuple, str]]] = {}

    def add(self, arn: str, container: str, digest: str, rank: tuple) -> None:
        known = self.found.setdefault(arn, {}).get(container)
        if known is None or rank > known[0]:
            self.found[arn][container] = (rank, digest)

    def of(self, arn: str) -> dict[str, str]:
        return {name: digest for name, (_, digest) in self.found.get(arn, {}).items()}


def _when(item: dict, *keys: str) -> str:
    return next((str(item[k]) for k in keys if item.get(k)), "")


def revision_digests(ecs, service: dict) -> Iterator[tuple[str, str, str, tuple]]:
    """(task definition ARN, container, digest, rank) of the service's current revisions;
    ClientError or BotoCoreError when they cannot be read."""
    arns = [r["arn"] for r in service.get("currentServiceRevisions", []) if r.get("arn")]
    for i in range(0, len(arns), 20):  # DescribeServiceRevisions takes up to 20
        for revision in ecs.describe_service_revisions(serviceRevisionArns=arns[i : i + 20])["serviceRevisions"]:
            for image in revision.get("containerImages", []):
                if revision.get("taskDefinition") and image.get("containerName") and image.get("imageDigest"):
                    yield (revision["taskDefinition"], image["containerName"], image["imageDigest"],
                           (0, _when(revision, "createdAt")))  # fmt: skip


def task_digests(ecs, cluster: str, service: dict) -> Iterator[tuple[str, str, str, tuple]]:
    """(task definition ARN, container, digest, rank) of the service's running tasks;
    ClientError or BotoCoreError when they cannot be read."""
    pages = ecs.get_paginator("list_tasks").paginate(
        cluster=cluster, serviceName=service["serviceName"], desiredStatus="RUNNING", PaginationConfig={"PageSize": 100}
    )
    for page in pages:
        arns = page["taskArns"]
        for i in range(0, len(arns), 100):  # DescribeTasks takes up to 100
            for task in ecs.describe_tasks(cluster=cluster, tasks=arns[i : i + 100])["tasks"]:
                for c in task.get("containers", []):
                    if task.get("taskDefinitionArn") and c.get("name") and c.get("imageDigest"):
                        yield (task["taskDefinitionArn"], c["name"], c["imageDigest"],
                               (1, _when(task, "startedAt", "createdAt")))  # fmt: skip


class Pinned:
    """The run's image reader as `lint` takes it, reading a revision's containers at the digests
    they run."""

    def __init__(self, reader, digests: dict[str, str]):
        self.reader, self.digests = reader, digests

    def attach(self, task) -> None:
        self.reader.attach(task, self.digests)
