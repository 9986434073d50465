"""What linting produces: a rule's Violation, stamped into a Finding with its Location, and the
ordered Severity and Applicability they carry, each with what it is called in every format."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from enum import Enum


class _Named(str, Enum):
    """A string enum that prints, formats and serialises as its value, and equals it."""

    def __str__(self) -> str:
        return self.value


class _Ordered(_Named):
    """Ordered as its members are defined (lowest first), not alphabetically."""

    def _rank(self, other) -> tuple[int, int]:
        names = type(self)._member_names_
        return names.index(self.name), names.index(type(self)(other).name)

    def __lt__(self, other) -> bool:
        a, b = self._rank(other)
        return a < b

    def __le__(self, other) -> bool:
        a, b = self._rank(other)
        return a <= b

    def __gt__(self, other) -> bool:
        a, b = self._rank(other)
        return a > b

    def __ge__(self, other) -> bool:
        a, b = self._rank(other)
        return a >= b


class Severity(_Ordered):
    """How bad a finding is, info < warning < error, and its name in each output format."""

    # value      SARIF level  GitHub command  GitLab severity  text colour (ANSI)
    INFO = "info", "note", "notice", "info", "36"
    WARNING = "warning", "warning", "warning", "minor", "33"
    ERROR = "error", "error", "error", "major", "31"

    def __new__(cls, value: str, sarif: str, github: str, gitlab: str, colour: str):
        member = str.__new__(cls, value)
        member._value_ = value
        member.sarif, member.github, member.gitlab, member.colour = sarif, github, gitlab, colour
        return member


# The `fail-on` setting: the lowest severity that makes a run fail, or never (listed in that order).
FailOn = _Named("FailOn", [*((s.name, s.value) for s in reversed(Severity)), ("NEVER", "never")], module=__name__)


class Applicability(_Ordered):
    """How a fix may be applied, ordered as ruff orders its own: MANUAL < UNSAFE < SAFE."""

    MANUAL = "manual"  # the change to make by hand: the file does not hold the value literally
    UNSAFE = "unsafe"  # applied only with --unsafe-fixes: it may change what the container does
    SAFE = "safe"  # applied by `fix`


@dataclass(frozen=True)
class Fix:
    """A rule's fix: an RFC 6902 patch on the input document, starting with a "test" guard."""

    title: str  # imperative: "Set initProcessEnabled to true"
    patch: list[dict]
    applicability: Applicability = Applicability.SAFE


@dataclass(frozen=True)
class Violation:
    """What a rule reports: where (a document pointer), what, and how to fix it."""

    pointer: str
    message: str  # one sentence, no trailing period
    container: str | None = None
    fix: Fix | None = None
    position: tuple[int, int] | None = None  # line and column, for text no pointer reaches (a YAML comment)
    severity: Severity | None = None  # a lesser level than the rule's for this case (INFO for a hint)


@dataclass(frozen=True)
class Origin:
    """Where a task definition read from the ECS API lives, and the services that run it."""

    arn: str
    account: str
    region: str
    services: tuple[str, ...] = ()  # "cluster/service"
    daemons: tuple[str, ...] = ()  # ARNs of the daemons that run a daemon task definition


@dataclass(frozen=True)
class Location:
    """Where a finding is: a line and column of a file, and the name that stands for the file
    where no file on disk holds the task definition (stdin, or a revision read from the API)."""

    file: str | None  # "-": stdin; None: read from the API
    line: int | None
    column: int | None
    name: str | None = None  # the revision's ARN, else the task's label

    @property
    def is_file(self) -> bool:
        """Whether a file on disk holds it: not stdin, not the API."""
        return self.file not in (None, "-")

    @property
    def display(self) -> str | None:
        """`file:line:column` (`-:3:5` for stdin), else the name: what the text report shows."""
        return f"{self.file}:{self.line}:{self.column}" if self.file is not None else self.name


@dataclass(frozen=True)
class Finding:
    """A violation stamped by the linter: the rule's code, name and severity, and its location.

    Its JSON (`to_json`, the `--format json` output) holds the location's `file`, `line` and
    `column` in its place; `from_json` reads it back (the cache and the audit's store do), the
    location's name from `origin.arn`, else `task`, as the linter and the audit stamp it."""

    code: str
    name: str
    severity: Severity
    message: str
    location: Location
    pointer: str
    task: str | None
    container: str | None
    fix: Fix | None
    origin: Origin | None = None  # set, with the location's file None, for a revision read from the API

    def at_least(self, level: FailOn) -> bool:
        """Whether the finding makes a run with this `fail-on` fail."""
        return level is not FailOn.NEVER and self.severity >= Severity(level)

    def to_json(self) -> dict:
        data = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name == "location":
                data.update(file=value.file, line=value.line, column=value.column)
            elif f.name == "fix" and value is not None:
                data["fix"] = {"title": value.title, "applicability": value.applicability, "patch": value.patch}
            else:
                data[f.name] = asdict(value) if f.name == "origin" and value is not None else value
        return data

    @classmethod
    def from_json(cls, data: dict) -> Finding:
        fix, origin = data["fix"], data["origin"]
        return cls(
            code=data["code"],
            name=data["name"],
            severity=Severity(data["severity"]),
            message=data["message"],
            location=Location(data["file"], data["line"], data["column"], origin["arn"] if origin else data["task"]),
            pointer=data["pointer"],
            task=data["task"],
            container=data["container"],
            fix=fix and Fix(fix["title"], fix["patch"], Applicability(fix["applicability"])),
            origin=origin
            and Origin(
                **{**origin, "services": tuple(origin["services"]), "daemons": tuple(origin["daemons"])}
            ),  # fmt: skip
        )
