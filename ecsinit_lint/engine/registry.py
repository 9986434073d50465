"""Rules register themselves with `@rule`; the linter, not the rule, stamps code and severity."""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from typing import NamedTuple

from ..core.findings import Severity, Violation


@dataclass(frozen=True)
class Rule:
    """A registered check: its code and name, the severity of its findings, whether it can fix
    them ("never", "sometimes", "always"), and its options' schemas and the values in effect."""

    code: str
    name: str
    severity: Severity
    fixable: str  # "never", "sometimes" or "always"
    check: Callable[..., Iterable[Violation]] = field(compare=False)
    module: str = ""
    options: dict = field(default_factory=dict, compare=False)  # option name -> JSON Schema
    values: dict = field(default_factory=dict, compare=False)  # the options in effect
    merged_into: str | None = None  # a rule whose finding for the same container says this one's
    reports_unused_suppressions: bool = False  # the linter stamps the unused suppressions as its findings

    def run(self, task) -> Iterable[Violation]:
        """The rule's violations in a task; a rule with options receives their values."""
        return self.check(task, self.values) if self.options else self.check(task)

    def matches(self, selector: str) -> bool:
        """A selector is ALL, a code, a code prefix (`SIG`, `SIG00`) or a rule name."""
        s = selector.strip()
        return s.upper() == "ALL" or self.code.startswith(s.upper()) or self.name == s.lower()

    def configured(self, values: dict) -> Rule:
        """This rule with option values (validated by config.py) over the schema's defaults."""
        defaults = {name: schema.get("default") for name, schema in self.options.items()}
        return replace(self, values={**defaults, **values})

    @property
    def doc(self) -> str:
        return (sys.modules[self.module].__doc__ or "").strip()

    @property
    def summary(self) -> str:
        """The docstring's first line without its `CODE name:` head: "A Linux container …"."""
        first = self.doc.splitlines()[0].split(": ", 1)[-1].rstrip(".") if self.doc else self.name
        return first[:1].upper() + first[1:]


RULES: dict[str, Rule] = {}


def rule(
    code: str,
    name: str,
    severity: str,  # a Severity's value: "info", "warning" or "error"
    fixable: str = "never",
    options: dict | None = None,
    merged_into: str | None = None,
    reports_unused_suppressions: bool = False,
):
    """Register `check(task) -> Iterable[Violation]` as the rule CODE.

    `options` maps each option name (kebab-case, as written in the config) to a JSON Schema with a
    `default`; the rule's check then takes `(task, values)`, `values` holding every option.
    With `merged_into`, the linter drops this rule's violation for a container when that rule,
    also selected, reports the same container: its message carries both, so a user suppresses
    one finding, not two. With `reports_unused_suppressions`, the linter also reports under this
    rule each suppression that covered nothing (core/suppress.py), as ruff's RUF100 does.
    """
    assert fixable in ("never", "sometimes", "always")
    assert all("default" in schema for schema in (options or {}).values())

    def register(check):
        rule_ = Rule(code, name, Severity(severity), fixable, check, check.__module__, options or {},
                     merged_into=merged_into, reports_unused_suppressions=reports_unused_suppressions)  # fmt: skip
        RULES[code] = rule_.configured({})
        return check

    return register


def load_rules() -> dict[str, Rule]:
    """Import every module of `ecsinit_lint.rules` once; each registers its rule."""
    if not RULES:
        from .. import rules

        # the folder's modules, as pkgutil.iter_modules finds them, without importing pkgutil
        for folder in rules.__path__:
            for name in sorted(os.listdir(folder)):
                if name.endswith(".py") and name != "__init__.py":
                    importlib.import_module(f"{rules.__name__}.{name[:-3]}")
    return dict(sorted(RULES.items()))


class Selection(NamedTuple):
    """The rules that `--select` and `--ignore` (or the configuration's lists) name."""

    select: tuple[str, ...] = ("ALL",)
    ignore: tuple[str, ...] = ()

    def rules(self) -> list[Rule]:
        return [
            r
            for r in load_rules().values()
            if any(r.matches(s) for s in self.select) and not any(r.matches(s) for s in self.ignore)
        ]

    def unknown(self) -> list[str]:
        """Selectors that match no rule: a typo that would silently select nothing."""
        known = load_rules().values()
        return [s for s in (*self.select, *self.ignore) if not any(r.matches(s) for r in known)]
