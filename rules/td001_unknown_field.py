"""TD001 unknown-field: a key that the ECS API does not know in a task definition.

## What it does
Checks every object of a camelCase task definition (register-task-definition input,
describe-task-definition output, a container list, Terraform's `container_definitions` in a
`.tf` or a plan; not a module's own variables) against the ECS API model and
flags each key the API does not have, suggesting the real key when it is a casing or spelling
slip (`entrypoint` -> `entryPoint`, CloudFormation's `LogConfiguration` -> `logConfiguration`).
The read-only fields of a describe output (`revision`, `status`…) are accepted. Values
templated in later (`{{ must_env "X" }}`, `${X}`, `<X>`) are never questioned.

## Why is this bad?
`aws ecs register-task-definition` rejects the document, but Terraform's AWS provider decodes
`container_definitions` into the API types and drops unknown keys without a word: the task
registers, and the container runs without the setting, with the image default. A misspelt
`initprocesEnabled` leaves the container without an init, and the rules that read the real key
cannot see the intent. The message says which applies to the input: register-task-definition
JSON, a Terraform `container_definitions` (a `.tf` literal, heredoc, `file()`, a plan), or a
bare container list, which either may read. The provider matches keys regardless of case
(Go's JSON decoder), so in Terraform a casing slip (`entrypoint`) applies all the same: that
is a warning, as the ECS API and the other rules here still read only the real spelling.

## Example
```json
{"name": "app", "image": "app:1", "entrypoint": ["/usr/bin/tini", "--"], "command": ["./app"]}
```
Use instead:
```json
{"name": "app", "image": "app:1", "entryPoint": ["/usr/bin/tini", "--"], "command": ["./app"]}
```

## Fix and its safety
None: renaming the key makes ECS apply a setting it never applied, which changes how the
container starts. Rename it yourself, or delete it.

## Sources
The ECS API model (botocore's `ecs` service model, from which `ecsinit_lint/data/` is
generated); pid1-facts §2 (`initProcessEnabled` lives in `linuxParameters`).
"""

import difflib

from ecsinit_lint.core.findings import Severity, Violation
from ecsinit_lint.core.schema import task_errors
from ecsinit_lint.engine.registry import rule


def suggestion(key: str, known: list[str]) -> str | None:
    """The real key `key` is a casing or spelling slip of, if there is one."""
    by_case = [k for k in known if k.lower() == key.lower()]
    close = by_case or difflib.get_close_matches(key, known, n=1, cutoff=0.8)
    return close[0] if close else None


REJECTED = "the ECS API rejects the registration"
DROPPED = "Terraform's AWS provider drops unknown keys silently, so the container runs without it, on the image default"


@rule("TD001", "unknown-field", "error")
def check(task):
    for pointer, err in task_errors(task):
        if err.kind != "unknown":
            continue
        key = err.path[-1]
        hint = suggestion(key, err.expected)
        casing = hint is not None and hint.lower() == key.lower()  # Terraform's provider ignores case
        if casing and task.decoder == "terraform":
            yield Violation(
                pointer,
                f"`{key}` is spelt `{hint}` in ECS: Terraform's AWS provider matches keys regardless of case, so it "
                f"applies, but the ECS API and the other rules here read `{hint}` only",
                severity=Severity.WARNING,
            )
            continue
        if task.decoder == "either":  # a bare container list: register input or a Terraform file
            fate = f"{REJECTED}, and {DROPPED}"
            if casing:
                fate = f"{REJECTED} (Terraform's AWS provider, which ignores case, applies it)"
        else:
            fate = DROPPED if task.decoder == "terraform" else REJECTED
        hint = f" (did you mean `{hint}`?)" if hint else ""
        yield Violation(pointer, f"`{key}` is not a field ECS knows here{hint}: {fate}")
