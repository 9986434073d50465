"""Client-side token buckets that keep an audit inside the ECS API's throttling limits.

ECS throttles per account, region and API group (pid1-facts §8); each bucket here mirrors one
server-side bucket, so a client holding its own buckets is rarely throttled and never wastes a
retry on a call the server would refuse.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

# API group -> (burst, sustained calls per second), pid1-facts §8.
# "task" (ListTasks, DescribeTasks: `--images`) is not in §8: assumed burst 100, 20/s, as the
# service reads (to be checked against the ECS throttling page).
RATES = {"taskdef": (50, 20.0), "register": (20, 1.0), "service": (100, 20.0), "cluster": (50, 20.0),
         "task": (100, 20.0)}  # fmt: skip
GROUPS = {
    "ListTaskDefinitionFamilies": "taskdef",
    "ListTaskDefinitions": "taskdef",
    "DescribeTaskDefinition": "taskdef",
    "RegisterTaskDefinition": "register",
    "ListServices": "service",
    "DescribeServices": "service",
    "ListClusters": "cluster",
    "DescribeClusters": "cluster",
    # Daemons are not in §8: assumed to share the task-definition and service buckets.
    "ListDaemonTaskDefinitions": "taskdef",
    "DescribeDaemonTaskDefinition": "taskdef",
    "RegisterDaemonTaskDefinition": "register",
    "ListDaemons": "service",
    "DescribeDaemon": "service",
    "DescribeDaemonRevisions": "service",
    # `--images`: the digests of the running tasks and of the services' revisions.
    "ListTasks": "task",
    "DescribeTasks": "task",
    "DescribeServiceRevisions": "service",
}


@dataclass
class TokenBucket:
    burst: float
    rate: float  # tokens per second
    tokens: float = field(init=False)
    stamp: float = field(init=False, default_factory=time.monotonic)
    lock: threading.Lock = field(init=False, default_factory=threading.Lock, repr=False)

    def __post_init__(self):
        self.tokens = self.burst

    def reserve(self) -> float:
        """Take one token (possibly going into debt); how long to wait before the call may run."""
        with self.lock:
            now = time.monotonic()
            self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
            self.stamp = now
            self.tokens -= 1
            return 0.0 if self.tokens >= 0 else -self.tokens / self.rate

    def take(self) -> None:
        delay = self.reserve()
        if delay:
            time.sleep(delay)


class Limiter:
    """One bucket per (account, region, API group), shared by every client of that account-region."""

    def __init__(self, rates: dict[str, tuple[float, float]] | None = None):
        self.rates = rates or RATES
        self.buckets: dict[tuple[str, str, str], TokenBucket] = {}
        self.lock = threading.Lock()

    def bucket(self, account: str, region: str, group: str) -> TokenBucket:
        with self.lock:
            key = (account, region, group)
            if key not in self.buckets:
                self.buckets[key] = TokenBucket(*self.rates[group])
            return self.buckets[key]

    def install(self, client, account: str, region: str) -> None:
        """Make every HTTP attempt of an ECS client (retries included) wait for its bucket."""

        def wait(event_name: str, **_):
            group = GROUPS.get(event_name.rsplit(".", 1)[-1])
            if group:
                self.bucket(account, region, group).take()

        client.meta.events.register("before-send.ecs", wait)
