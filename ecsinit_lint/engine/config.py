"""Configuration: `[tool.ecsinit-lint]` in `pyproject.toml`, or the top level of
`.ecsinit-lint.toml`, found upward from each linted file (the nearest wins; in one directory
`.ecsinit-lint.toml` wins), or one file named with `--config`. CLI flags override it.

TOML and jsonschema are imported only when a configuration file exists, pathspec only when it
has patterns.
"""

from __future__ import annotations

import functools
import os
import re
import sys
from dataclasses import dataclass, field, replace

from ..core.findings import FailOn
from ..errors import ConfigError, InputError
from ..inputs.jsonpos import line_col
from ..inputs.sources import read
from .registry import Rule, Selection, load_rules

FILE_NAMES = (".ecsinit-lint.toml", "pyproject.toml")
TABLE = ("tool", "ecsinit-lint")


def _strings(**extra) -> dict:
    return {"type": "array", "items": {"type": "string", "minLength": 1}, **extra}


def schema() -> dict:
    """The JSON Schema of a configuration table; each rule's options are its own object."""
    rules = {r.code: {"type": "object", "properties": r.options, "additionalProperties": False}
             for r in load_rules().values()}  # fmt: skip
    return {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "select": _strings(),
            "ignore": _strings(),
            "per-file-ignores": {"type": "object", "additionalProperties": _strings()},
            "fail-on": {"enum": [level.value for level in FailOn]},
            "unsafe-fixes": {"type": "boolean"},
            "images": {"enum": [True, False, "required"]},
            "exclude": _strings(),
            "rules": {"type": "object", "properties": rules, "additionalProperties": False},
        },
    }


@functools.cache
def _spec(patterns: tuple[str, ...]):
    """Patterns with .gitignore's semantics: a pattern without an inner `/` matches a name at any
    depth, `**/` any directories (none too), a trailing `/` directories only, `!` re-includes."""
    import pathspec

    return pathspec.GitIgnoreSpec.from_lines(patterns)


def _matches(rel: str, pattern: str) -> bool:
    """Whether a per-file-ignores pattern applies to a path; `!pattern` to those it does not match."""
    negated = pattern.startswith("!")
    return _spec((pattern[negated:],)).match_file(rel) != negated


@dataclass
class Settings:
    """The configuration in effect for the files below one configuration file's directory."""

    path: str | None = None  # the configuration file; None: the defaults
    root: str = ""  # directory the globs are relative to
    select: tuple[str, ...] = ("ALL",)
    ignore: tuple[str, ...] = ()
    per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...] = ()
    fail_on: FailOn = FailOn.ERROR
    unsafe_fixes: bool = False
    images: bool | str = False  # judge with the images read (--images); "required": an unreadable one is an error
    exclude: tuple[str, ...] = ()
    options: dict[str, dict] = field(default_factory=dict)  # rule code -> option values
    _rules: dict = field(default_factory=dict, repr=False, compare=False)

    def _relative(self, path: str) -> str | None:
        """The path relative to the configuration's directory, with a trailing `/` kept (a
        directory, for the patterns that match directories only); None outside it."""
        if path == "-" or not self.root:
            return None
        rel = os.path.relpath(os.path.abspath(path), self.root).replace(os.sep, "/")
        return None if rel.startswith("../") else rel + "/" * path.endswith(os.sep)

    def rules(self, path: str) -> list[Rule]:
        """The rules to run on a file, per-file-ignores applied, each with its options."""
        rel = self._relative(path) if self.per_file_ignores else None
        extra = tuple(c for glob, codes in self.per_file_ignores if rel and _matches(rel, glob) for c in codes)
        if extra not in self._rules:
            selected = Selection(self.select, self.ignore + extra).rules()
            self._rules[extra] = [r.configured(self.options.get(r.code, {})) for r in selected]
        return self._rules[extra]

    def excluded(self, path: str) -> bool:
        """Whether a walk leaves the path out (a directory's path ends with a separator)."""
        rel = self._relative(path) if self.exclude else None
        return rel is not None and _spec(self.exclude).match_file(rel)


def _read(path: str) -> str:
    """The file's text; a FIFO or a device (`/dev/zero`) is refused before it is read."""
    try:
        return read(os.path.join(".", path) if path == "-" else path).decode("utf-8")  # `-` is a file here
    except InputError as exc:
        raise ConfigError(path, exc.message) from None
    except UnicodeDecodeError:
        raise ConfigError(path, "not UTF-8 text") from None


def _parse_toml(path: str, text: str):
    if sys.version_info >= (3, 11):
        import tomllib
    else:
        import tomli as tomllib
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        at = re.search(r"\(at line (\d+), column (\d+)\)$", str(exc))
        message = re.sub(r"\s*\(at (line \d+, column \d+|end of document)\)$", "", str(exc))
        line, column = (int(at[1]), int(at[2])) if at else (1, 1)
        raise ConfigError(path, f"invalid TOML: {message}", line, column) from None


def _position(text: str, keys: tuple) -> tuple[int, int]:
    """Best-effort line and column of a dotted key: each name found as a key (in a table header,
    a dotted key or before an `=`) after the one before it; an array index stays at its key."""
    at = None
    for key in (k for k in keys if isinstance(k, str)):
        m = re.compile(rf'(?:^|(?<=[\[.{{,\s]))"?{re.escape(key)}"?(?=\s*[=.\]])', re.M).search(text, at or 0)
        if m is None:
            break
        at = m.start()
    return (1, 1) if at is None else line_col(text, at)


def _validate(path: str, text: str, table: dict, prefix: tuple[str, ...]) -> None:
    """Raise a ConfigError naming the first wrong key of the table."""
    import jsonschema

    def fail(message: str, keys: list) -> None:
        dotted = ".".join([*prefix, *map(str, keys)])
        line, column = _position(text, (*prefix, *keys)) if keys else (1, 1)
        raise ConfigError(path, message.replace("{key}", f"`{dotted}`"), line, column)

    error = jsonschema.exceptions.best_match(jsonschema.Draft202012Validator(schema()).iter_errors(table))
    if error is not None:
        keys = list(error.absolute_path)
        if error.validator != "additionalProperties":
            fail(f"{{key}}: {error.message}", keys)
        known = sorted(error.schema["properties"])
        unknown = sorted(set(error.instance) - set(known))[0]
        if keys == ["rules"]:
            fail("unknown rule {key} (see `ecsinit-lint rules`)", [*keys, unknown])
        if keys[:1] == ["rules"]:
            takes = f"takes: {', '.join(known)}" if known else "has no options"
            fail(f"unknown option {{key}}: {keys[1]} {takes}", [*keys, unknown])
        fail(f"unknown key {{key}}; the keys are: {', '.join(known)}", [*keys, unknown])
    patterns = [(["exclude"], p) for p in table.get("exclude", ())]
    patterns += [(["per-file-ignores", p], p.removeprefix("!")) for p in table.get("per-file-ignores", {})]
    for keys, pattern in patterns:
        try:
            _spec((pattern,))
        except ValueError:
            fail(f"{{key}}: not a .gitignore pattern: {pattern!r}", keys)
    named = [(["select"], table.get("select", ())), (["ignore"], table.get("ignore", ()))]
    named += [(["per-file-ignores", glob], codes) for glob, codes in table.get("per-file-ignores", {}).items()]
    for keys, selectors in named:
        for selector in Selection(tuple(selectors), ()).unknown():
            fail(f"{{key}}: unknown rule selector {selector!r} (see `ecsinit-lint rules`)", keys)


def load(path: str, required: bool = False) -> Settings | None:
    """The settings of a configuration file; None for a pyproject.toml without our table
    (an error when the file was named with --config)."""
    text = _read(path)
    pyproject = os.path.basename(path) == "pyproject.toml"
    if pyproject and not required and "ecsinit-lint" not in text:
        return None  # no table of ours: the file (even a broken one) is another tool's business
    data = _parse_toml(path, text)
    if pyproject:
        table, prefix = data.get(TABLE[0], {}).get(TABLE[1]), TABLE
        if table is None:
            if required:
                raise ConfigError(path, "no [tool.ecsinit-lint] table")
            return None
    else:
        table, prefix = data, ()
    _validate(path, text, table, prefix)
    return Settings(
        path=path,
        root=os.path.dirname(os.path.abspath(path)),
        select=tuple(table.get("select", ("ALL",))),
        ignore=tuple(table.get("ignore", ())),
        per_file_ignores=tuple((glob, tuple(codes)) for glob, codes in table.get("per-file-ignores", {}).items()),
        fail_on=FailOn(table.get("fail-on", "error")),
        unsafe_fixes=table.get("unsafe-fixes", False),
        images=table.get("images", False),
        exclude=tuple(table.get("exclude", ())),
        options=table.get("rules", {}),
    )


class Configs:
    """The settings for each path: from `--config`, or discovered upward from the path's
    directory (one lookup per directory), with the CLI's overrides applied."""

    def __init__(self, explicit: str | None = None, **overrides):
        self.overrides = {k: v for k, v in overrides.items() if v is not None}
        self.explicit = self._apply(load(explicit, required=True)) if explicit else None
        self._by_path: dict[str | None, Settings] = {}
        self._by_dir: dict[str, Settings] = {}
        self._by_file: dict[str, Settings | None] = {}

    def _apply(self, settings: Settings) -> Settings:
        return replace(settings, **self.overrides, _rules={})

    def for_path(self, path: str | None) -> Settings:
        """The settings for a file (stdin and API findings: from the working directory)."""
        if self.explicit is not None:
            return self.explicit
        if path not in self._by_path:
            start = os.getcwd() if path in (None, "-") else os.path.dirname(os.path.abspath(path))
            self._by_path[path] = self._find(start)
        return self._by_path[path]

    def _find(self, directory: str) -> Settings:
        if directory not in self._by_dir:
            found = None
            for name in FILE_NAMES:
                candidate = os.path.join(directory, name)
                if not os.path.isdir(candidate) and os.path.exists(candidate):  # a FIFO too: an error
                    shown = os.path.relpath(candidate)
                    candidate = candidate if shown.startswith("..") else shown
                    if candidate not in self._by_file:
                        loaded = load(candidate)
                        self._by_file[candidate] = self._apply(loaded) if loaded else None
                    found = self._by_file[candidate]
                    if found is not None:
                        break
            parent = os.path.dirname(directory)
            if found is None:
                found = self._apply(Settings()) if parent == directory else self._find(parent)
            self._by_dir[directory] = found
        return self._by_dir[directory]
