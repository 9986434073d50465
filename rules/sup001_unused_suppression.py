"""SUP001 unused-suppression: a suppression in the task definition suppresses nothing.

## What it does
Flags an entry of an `ecsinit-lint:ignore` tag, of the CloudFormation `Metadata`
`ecsinit-lint: {ignore: […]}`, or of a `# ecsinit-lint: ignore[…]` YAML comment that covers no
finding: it names no rule, names a container the task definition does not have, or the rule it
names (when that rule runs) finds nothing to suppress. Like ruff's RUF100 for `# noqa`.

## Why is this bad?
A suppression outlives the problem it hid. Once the container is fixed, a stale
`INIT001` entry sits in the task definition and silently hides the finding when someone later
removes `initProcessEnabled` again. A misspelt code or container (`INIT001:sidcar`) never
suppressed anything, so the finding it was meant for still shows, which is confusing.

## Example
```json
{"family": "web", "tags": [{"key": "ecsinit-lint:ignore", "value": "INIT001:sidcar"}],
 "containerDefinitions": [{"name": "sidecar", "image": "envoy", "linuxParameters": {"initProcessEnabled": true}}]}
```
Use instead: remove the entry (here the whole tag).

## Fix and its safety
No fix: remove or correct the entry by hand. The finding is `info`; `--fail-on info` makes it
fail the run.

## Sources
Tooling only: no pid1-facts claim. The suppression forms are described in the README
(Configuration and suppression).
"""

from ecsinit_lint.core import suppress
from ecsinit_lint.core.findings import Violation
from ecsinit_lint.engine.registry import load_rules, rule


@rule("SUP001", "unused-suppression", "info", reports_unused_suppressions=True)
def check(task):
    """The entries that can never suppress anything; the linter reports those that did not."""
    suppressions = suppress.of(task)
    known = load_rules().values() if suppressions else ()
    for s in suppressions:
        why = suppress.problem(s, task, known)
        if why is not None:
            yield Violation(s.pointer, s.message(why), s.container, position=s.position)
