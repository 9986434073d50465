"""`audit --register`: register the fixed revisions, and say how to deploy them."""

from __future__ import annotations

from collections.abc import Iterator

from botocore.exceptions import BotoCoreError, ClientError

from . import aws
from .aws import AuditError, reason
from .ratelimit import Limiter
from .revisions import Fixed


def register(fixed: list[Fixed], limiter: Limiter) -> Iterator[tuple[Fixed, str | AuditError]]:
    """Register each fixed revision as a new revision; services are left as they are."""
    for item in fixed:
        o = item.origin
        ecs = item.session.client("ecs", region_name=o.region, config=aws.CONFIG)
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
