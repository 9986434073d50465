"""Where a task definition runs, as far as the document says (pid1-facts §2-§3)."""

from __future__ import annotations

from ..core.taskdef import TaskDef, is_unknown, known_str_list


def launch_type(task: TaskDef) -> str | None:
    """ "fargate", "ec2" (any launch type run by the ECS agent on an instance: EC2, EXTERNAL,
    MANAGED_INSTANCES, and daemons) or None when the document does not tell.

    `requiresCompatibilities` decides: with FARGATE in it, ECS validates the definition for
    Fargate, so Fargate's limits apply even when EC2 is listed too. Without it, a describe
    output's computed `compatibilities` means Fargate only when it lists FARGATE and not EC2.
    A definition with neither is registered for EC2, the default launch type. A bare list of
    containers (no task-level fields at all) does not tell.
    """
    if not task.data:
        return None
    required = task.get("requiresCompatibilities")
    if required is not None:
        required = known_str_list(required) if not is_unknown(required) else None
        if required is None:
            return None
        if required:
            return "fargate" if "FARGATE" in required else "ec2"
    computed = known_str_list(task.get("compatibilities"))
    if computed and "FARGATE" in computed and "EC2" not in computed:
        return "fargate"
    return "ec2"
