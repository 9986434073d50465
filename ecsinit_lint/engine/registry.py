"""Rules register themselves with `@rule`; the linter, not the rule, stamps code and severity."""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from typing import NamedTuple

SEVERITIES = ("info", "warning", "error")


@dataclass(frozen=True)
class Fix:
    title: str  # imperative: "Set initProcessEnabled to true"
    patch: list[dict]  # RFC 6902 ops on the input document, starting with a "test" guard
    # or "unsafe": applied only with --unsafe-fixes; or "manual": the change to make by hand where
    # the file does not hold the value literally (a template, an `Fn::If`, a Terraform plan)
    applicability: str = "safe"


@dataclass(frozen=True)
class Violation:
    """What a rule reports: where (a document pointer), what, and how to fix it."""

    pointer: str
    message: str  # one sentence, no trailing period
    container: str | None = None
    fix: Fix | None = None
    position: tuple[int, int] | None = None  # line and column, for text no pointer reaches (a YAML comment)
    severity: str | None = None  # a lesser level than the rule's for this case ("info" for a hint)


@dataclass(frozen=True)
class Rule:
    """A registered rule: its code, name, default severity, fix availability, check function
    and options; `doc` and `summary` come from its module's docstring."""

    code: str
    name: str
    severity: str
    fixable: str  # "never", "sometimes" or "always"
    check: Callable[..., Iterable[Violation]] = field(compare=False)
    module: str = ""
    options: dict = field(default_factory=dict, compare=False)  # option name -> JSON Schema
    values: dict = field(default_factory=dict, compare=False)  # the options in effect
    merged_into: str | None = None  # a rule whose finding for the same container says this one's

    def run(self, task) -> Iterable[Violation]:
        """The rule's violations in a task; a rule with options receives their values."""
        return self.check(task, self.values) if self.options else self.check(task)

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
    severity: str,
    fixable: str = "never",
    options: dict | None = None,
    merged_into: str | None = None,
):
    """Register `check(task) -> Iterable[Violation]` as the rule CODE.

    `options` maps each option name (kebab-case, as written in the config) to a JSON Schema with a
    `default`; the rule's check then takes `(task, values)`, `values` holding every option.
    With `merged_into`, the linter drops this rule's violation for a container when that rule,
    also selected, reports the same container: its message carries both, so a user suppresses
    one finding, not two.
    """
    assert severity in SEVERITIES and fixable in ("never", "sometimes", "always")
    assert all("default" in schema for schema in (options or {}).values())

    def register(check):
        rule_ = Rule(code, name, severity, fixable, check, check.__module__, options or {}, merged_into=merged_into)
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


def matches(rule_: Rule, selector: str) -> bool:
    """A selector is ALL, a code, a code prefix (`SIG`, `SIG00`) or a rule name."""
    s = selector.strip()
    return s.upper() == "ALL" or rule_.code.startswith(s.upper()) or rule_.name == s.lower()


class Selection(NamedTuple):
    """The rules that `--select` and `--ignore` (or the configuration's lists) name."""

    select: tuple[str, ...] = ("ALL",)
    ignore: tuple[str, ...] = ()

    def rules(self) -> list[Rule]:
        return [
            r
            for r in load_rules().values()
            if any(matches(r, s) for s in self.select) and not any(matches(r, s) for s in self.ignore)
        ]

    def unknown(self) -> list[str]:
        """Selectors that match no rule: a typo that would silently select nothing."""
        known = load_rules().values()
        return [s for s in (*self.select, *self.ignore) if not any(matches(r, s) for r in known)]
