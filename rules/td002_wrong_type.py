"""TD002 wrong-type: a task-definition value of the wrong JSON type or outside its enum.

## What it does
Checks every value of a camelCase task definition against the type and the allowed values the
ECS API model gives it: `"initProcessEnabled": "true"` (a string where a boolean goes),
`"networkMode": "aws-vpc"` (not one of `bridge`, `host`, `awsvpc`, `none`), `"cpu": 256` is
fine but `"memory": {}` is not. The finding points at the value. Placeholders templated in
before registering (`{{ must_env "X" }}`, `${X}`, `<X>`, `$$$X$$$`) and nulls, which deploy
tools drop, are never flagged.

## Why is this bad?
ECS rejects the registration, so the deploy fails late, or a tool that coerces types on the way
(Terraform decodes `container_definitions` into the API types) registers something other than
what the file says: a quoted `"true"` that does not decode leaves `initProcessEnabled` unset,
and the container runs without an init.

## Example
```json
{"name": "app", "image": "app:1", "linuxParameters": {"initProcessEnabled": "true"}}
```
Use instead:
```json
{"name": "app", "image": "app:1", "linuxParameters": {"initProcessEnabled": true}}
```

## Fix and its safety
None: the intended value is for you to say.

## Sources
The ECS API model (botocore's `ecs` service model, from which `ecsinit_lint/data/` is
generated); pid1-facts §2 (`initProcessEnabled` is a boolean).
"""

import difflib
import json

from ecsinit_lint.core.findings import Violation
from ecsinit_lint.core.schema import task_errors
from ecsinit_lint.engine.registry import rule

JSON_NAMES = {
    dict: "an object",
    list: "an array",
    str: "a string",
    bool: "a boolean",
    int: "a number",
    float: "a number",
}


def _name(path: tuple) -> str:
    keys = [t for t in path if isinstance(t, str)]
    return f"`{keys[-1]}`" if keys else "the value"


def _shown(value) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 40 else text[:37] + "..."


@rule("TD002", "wrong-type", "error")
def check(task):
    for pointer, err in task_errors(task):
        if err.kind == "type":
            expected = err.expected if isinstance(err.expected, list) else [err.expected]
            message = (
                f"{_name(err.path)} is {JSON_NAMES[type(err.value)]} ({_shown(err.value)}) where ECS expects "
                f"{' or '.join(expected)}"
            )
        elif err.kind == "enum":
            close = difflib.get_close_matches(str(err.value), err.expected, n=1, cutoff=0.6)
            hint = f" (did you mean `{close[0]}`?)" if close else ""
            message = f"{_name(err.path)} is {_shown(err.value)}, not one of {', '.join(err.expected)}{hint}"
        else:
            continue
        yield Violation(pointer, message)
