"""Configuration: `[tool.ecsinit-lint]` in `pyproject.toml`, or the top level of
`.ecsinit-lint.toml`, found upward from each linted file (the nearest wins; in one directory
`.ecsinit-lint.toml` wins), or one file named with `--config`. CLI flags override it.

TOML and jsonschema are imported only when a configuration file exists.
"""

from __future__ import annotations

import fnmatch
import os
import re
import sys
from dataclasses import dataclass, field, replace

from .registry import Rule, Selection, load_rules
from .sources import InputError

FILE_NAMES = (".ecsinit-lint.toml", "pyproject.toml")
LEVELS = ("error", "warning", "info", "never")
TABLE = ("tool", "ecsinit-lint")


class ConfigError(InputError):
    pass


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
            "fail-on": {"enum": list(LEVELS)},
            "unsafe-fixes": {"type": "boolean"},
            "images": {"enum": [True, False, "required"]},
            "exclude": _strings(),
            "rules": {"type": "object", "properties": rules, "additionalProperties": False},
        },
    }


def _matches(rel: str, pattern: str) -> bool:
    """A glob without `/` matches a file or directory name; one with `/` the relative path."""
    if "/" not in pattern.rstrip("/"):
        return fnmatch.fnmatchcase(rel.rsplit("/", 1)[-1], pattern.rstrip("/"))
    return fnmatch.fnmatchcase(rel, pattern.strip("/"))


@dataclass
class Settings:
    """The configuration in effect for the files below one configuration file's directory."""

    path: str | None = None  # the configuration file; None: the defaults
    root: str = ""  # directory the globs are relative to
    select: tuple[str, ...] = ("ALL",)
    ignore: tuple[str, ...] = ()
    per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...] = ()
    fail_on: str = "error"
    unsafe_fixes: bool = False
    images: bool | str = False  # judge with the images read (--images); "required": an unreadable one is an error
    exclude: tuple[str, ...] = ()
    options: dict[str, dict] = field(default_factory=dict)  # rule code -> option values
    _rules: dict = field(default_factory=dict, repr=False, compare=False)

    def _relative(self, path: str) -> str | None:
        if path == "-" or not self.root:
            return None
        rel = os.path.relpath(os.path.abspath(path), self.root).replace(os.sep, "/")
        return None if rel.startswith("../") else rel

    def rules(self, path: str) -> list[Rule]:
        """The rules to run on a file, per-file-ignores applied, each with its options."""
        rel = self._relative(path) if self.per_file_ignores else None
        extra = tuple(c for glob, codes in self.per_file_ignores if rel and _matches(rel, glob) for c in codes)
        if extra not in self._rules:
            selected = Selection(self.select, self.ignore + extra).rules()
            self._rules[extra] = [r.configured(self.options.get(r.code, {})) for r in selected]
        return self._rules[extra]

    def excluded(self, path: str) -> bool:
        rel = self._relative(path) if self.exclude else None
        return rel is not None and any(_matches(rel, glob) for glob in self.exclude)


def _read(path: str) -> str:
    try:
        with open(path, "rb") as f:
            return f.read().decode("utf-8")
    except OSError as exc:
        raise ConfigError(path, exc.strerror or str(exc)) from None
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


def _line_of(text: str, key: str) -> int:
    """Best-effort line of a key: where it appears in a table header or before an `=`."""
    k = re.escape(key)
    m = re.search(rf'^\s*(\[[^\]\n]*|[\w.\-" ]*?)(?<![\w-])"?{k}"?(?![\w-])', text, re.M)
    return text.count("\n", 0, m.start()) + 1 if m else 1


def _validate(path: str, text: str, table: dict, prefix: tuple[str, ...]) -> None:
    """Raise a ConfigError naming the first wrong key of the table."""
    import jsonschema

    def fail(message: str, keys: list) -> None:
        dotted = ".".join([*prefix, *map(str, keys)])
        raise ConfigError(path, message.replace("{key}", f"`{dotted}`"), _line_of(text, str(keys[-1])) if keys else 1)

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
        fail_on=table.get("fail-on", "error"),
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
                if os.path.isfile(candidate):
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
