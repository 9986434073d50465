"""The INIT and STOP rules read CloudFormation's PascalCase keys as they read the ECS API's
camelCase: the same task definition, written both ways, gives the same findings."""

import pytest

from ecsinit_lint.core.taskdef import TaskDef
from ecsinit_lint.engine.registry import load_rules

CAMEL = {
    "requiresCompatibilities": ["FARGATE"],
    "proxyConfiguration": {"type": "APPMESH", "containerName": "proxy"},
    "containerDefinitions": [
        {"name": "s6", "image": "x", "entryPoint": ["/init"], "linuxParameters": {"initProcessEnabled": True}},
        {"name": "tini", "image": "x", "command": ["tini", "--", "app"], "linuxParameters": {"initProcessEnabled": True},
         "environment": [{"name": "A", "value": "1"}]},
        {"name": "db", "image": "x", "command": ["db"], "stopTimeout": 300,
         "healthCheck": {"command": ["CMD-SHELL", "pg_isready"]}},
        {"name": "proxy", "image": "x", "essential": False, "dependsOn": [{"containerName": "s6", "condition": "START"}]},
    ],
}  # fmt: skip


def _pascal(value):
    if isinstance(value, dict):
        return {k[0].upper() + k[1:]: _pascal(v) for k, v in value.items()}
    return [_pascal(v) for v in value] if isinstance(value, list) else value


def _findings(data, style):
    key = "ContainerDefinitions" if style == "pascal" else "containerDefinitions"
    task = TaskDef.build(data, "", style, "/" + key, data[key])
    return [(code, v.pointer.lower(), v.message) for code, r in load_rules().items() for v in r.run(task)]


@pytest.mark.parametrize("code", ["INIT002", "INIT004", "INIT005", "STOP001", "STOP002"])
def test_pascal_case_matches_camel_case(code):
    camel = [f for f in _findings(CAMEL, "camel") if f[0] == code]
    assert camel, f"{code} found nothing in the camelCase task"
    assert [f for f in _findings(_pascal(CAMEL), "pascal") if f[0] == code] == camel
