"""TD003 duplicate-key: a JSON object that repeats a key.

## What it does
Flags each key that appears more than once in the same JSON object of a task-definition file,
at the value that wins: JSON parsers, the AWS CLI and Terraform's `jsondecode` among them,
keep the last one and drop the others without a word.

## Why is this bad?
Whoever reads the file sees both values and may well believe the first. A second
`"linuxParameters"` added at the bottom of a container silently discards the
`initProcessEnabled` set in the first, and the container runs without an init.

## Example
```json
{"name": "app", "image": "app:1",
 "linuxParameters": {"initProcessEnabled": true},
 "linuxParameters": {"capabilities": {"add": ["SYS_PTRACE"]}}}
```
Use instead:
```json
{"name": "app", "image": "app:1",
 "linuxParameters": {"initProcessEnabled": true, "capabilities": {"add": ["SYS_PTRACE"]}}}
```

## Fix and its safety
None: which value was meant, or how to merge them, is for you to say.

## Sources
RFC 8259 §4 (names within an object SHOULD be unique; with duplicates, behaviour is
unpredictable, and most parsers report the last); Python's `json` keeps the last value.
"""

from ecsinit_lint.core.findings import Violation
from ecsinit_lint.core.pointer import split_pointer
from ecsinit_lint.engine.registry import rule


@rule("TD003", "duplicate-key", "warning")
def check(task):
    for pointer in task.repeated_keys:
        key = split_pointer(pointer)[-1]
        yield Violation(pointer, f"`{key}` appears more than once in this object: only the last value counts")
