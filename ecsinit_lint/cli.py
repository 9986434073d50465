"""The command line: `ecsinit-lint check|fix|audit|rules|rule`.

Exit status: 0 no findings at or above --fail-on, 1 findings, 2 an input or usage error.
"""

# No `from __future__ import annotations`: typer would evaluate every parameter's annotation
# from its string on each run (half of building the commands, ~2 ms).
import enum
import json
import os
import sys
from typing import List, Optional

import typer

from . import __version__, report
from .auditreport import AUDIT_FORMATS, STREAMED
from .config import ConfigError, Configs
from .linter import applicable, lint
from .parallel import lint_files
from .registry import Selection, load_rules
from .sources import LOADERS, InputError, expand, load, read

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    rich_markup_mode=None,
    help="Find ECS containers that leak zombies or drop SIGTERM, and fix them. "
    "Exit status: 0 clean, 1 findings at or above --fail-on, 2 an error.",
)


Format = enum.Enum("Format", {name: name for name in report.FORMATS}, type=str)
AuditFormat = enum.Enum("AuditFormat", {name: name for name in AUDIT_FORMATS}, type=str)
Scope = enum.Enum("Scope", {name: name for name in ("in-use", "latest", "all")}, type=str)


class Level(str, enum.Enum):
    error = "error"
    warning = "warning"
    info = "info"
    never = "never"


Paths = typer.Argument(..., help="Files or directories (.json files are linted), or - for stdin")
Select = typer.Option(None, "--select", help="Rules to run: codes, prefixes or names (comma-separated)")
Ignore = typer.Option(None, "--ignore", help="Rules to skip: codes, prefixes or names (comma-separated)")
Unsafe = typer.Option(None, "--unsafe-fixes/--no-unsafe-fixes", help="Also apply fixes marked unsafe", show_default=False)
FailOn = typer.Option(None, "--fail-on", help="Lowest severity that makes the exit status 1  [default: error]")
Config = typer.Option(None, "--config", help="Configuration file to use instead of the one found upward from each file")
KnownOnly = typer.Option(
    False, "--known-formats-only", help="Skip named files of a suffix no input format has (for pre-commit)"
)
ImagesFlag = typer.Option(None, "--images/--no-images", show_default=False,
                          help="Judge each container with its image's ENTRYPOINT, CMD and STOPSIGNAL (read from its "
                          "registry, or --image); an image that cannot be read is a note")  # fmt: skip
ImagesRequired = typer.Option(False, "--images-required", help="As --images, and an image that cannot be read is an "
                              "error, exit 2 (also spelt --images=required)")  # fmt: skip
ImageArchive = typer.Option(None, "--image", metavar="NAME=PATH", help="Read image NAME from a docker save archive "
                            "or an OCI layout at PATH (repeatable: CI before the push); implies --images")  # fmt: skip
RefreshImages = typer.Option(False, "--refresh-images", help="Resolve image tags again (cached for 1 h)")
Insecure = typer.Option(None, "--insecure-registry", metavar="HOST", help="Reach this registry over plain HTTP (repeatable)")


class Images:
    """The run's image reader, made (and images/ imported) only when a file's settings ask for
    images; then its notes, or errors under `required`, are said once the files are linted."""

    def __init__(self, archives, refresh: bool, insecure, cache_dir: str | None):
        self.archives = {}
        for item in archives or ():
            name, sep, path = item.partition("=")
            if not sep or not name or not path:
                _fail(f"--image {item!r}: expected NAME=PATH")
            if not os.path.exists(path):
                _fail(f"--image {item!r}: no such file or directory: {path}")
            self.archives[name] = path
        self.options = dict(refresh=refresh, insecure=tuple(insecure or ()),
                            folder=os.path.join(cache_dir, "images") if cache_dir else None)  # fmt: skip
        self.reader, self.required = None, False

    def __call__(self, mode: "bool | str" = True):
        """The reader, for a file whose `images` setting is `mode` (True or "required")."""
        self.required = self.required or mode == "required"
        if self.reader is None:
            from .images.reader import Reader

            try:
                self.reader = Reader(self.archives, **self.options)
            except ValueError as exc:
                _fail(f"--image: not an image reference: {exc}")
        return self.reader

    def report(self) -> bool:
        """Say the notes (errors when required); whether a required image could not be read."""
        if self.reader is None:
            return False
        self.reader.close()
        for note in self.reader.notes:
            typer.echo(f"ecsinit-lint: {'error' if self.required else 'note'}: {note}", err=True)
        return self.required and bool(self.reader.failed)


def _images_mode(images, required, archives) -> "bool | str | None":
    """The `images` setting the flags give: None when none was given (the configuration's);
    `--image NAME=PATH` alone turns images on."""
    return "required" if required else True if images is None and archives else images


def _selectors(values) -> tuple[str, ...] | None:
    """The comma-separated selectors of a repeated option, None when it was not given."""
    found = tuple(s for v in values or () for s in v.split(",") if s.strip())
    unknown = Selection(found, ()).unknown()
    if unknown:
        _fail(f"unknown rule selector: {', '.join(unknown)} (see `ecsinit-lint rules`)")
    return found or None


def _configs(config, select, ignore, **overrides) -> Configs:
    """The configuration files, with the CLI flags given overriding them."""
    try:
        return Configs(config, select=_selectors(select), ignore=_selectors(ignore), **overrides)
    except InputError as exc:
        _fail_at(exc)


def _fail(message: str):
    typer.echo(f"ecsinit-lint: error: {message}", err=True)
    raise typer.Exit(2)


def _fail_at(exc: InputError):
    typer.echo(f"{exc.path}:{exc.line}:{exc.column}: error: {exc.message}", err=True)
    raise typer.Exit(2)


def _inputs(paths, configs: Configs, known_only: bool):
    """The files to lint: directories walked without what the configuration excludes; with
    `known_only`, named files of a suffix no input format reads are skipped (pre-commit)."""
    if known_only:
        paths = [p for p in paths if p == "-" or os.path.isdir(p) or os.path.splitext(p)[1].lower() in LOADERS]
    return expand(paths, skip=lambda p: configs.for_path(p).excluded(p))


def _documents(paths, errors, configs: Configs, known_only: bool):
    """(raw bytes, document, settings, the real paths of all inputs) for each input that holds
    a task definition."""
    try:
        files = list(_inputs(paths, configs, known_only))
        run = frozenset(os.path.realpath(p) for p in files if p != "-")
        for path in files:
            settings = configs.for_path(path)
            try:
                raw = read(path)
                doc = load(path, raw)
            except InputError as exc:
                errors.append(exc)
                continue
            if doc is not None:
                yield raw, doc, settings, run
    except ConfigError as exc:
        _fail_at(exc)


def _report_errors(errors) -> None:
    for exc in errors:
        typer.echo(f"{exc.path}:{exc.line}:{exc.column}: error: {exc.message}", err=True)


@app.command()
def check(
    paths: List[str] = Paths,
    format: Format = typer.Option("text", "--format", help="Output format"),
    select: Optional[List[str]] = Select,
    ignore: Optional[List[str]] = Ignore,
    fail_on: Optional[Level] = FailOn,
    unsafe_fixes: Optional[bool] = Unsafe,
    config: Optional[str] = Config,
    baseline_file: Optional[str] = typer.Option(
        None, "--baseline", help="Do not report the findings recorded in this baseline file"
    ),
    write_baseline: Optional[str] = typer.Option(
        None, "--write-baseline", help="Record the findings in this baseline file and exit 0"
    ),
    output: Optional[str] = typer.Option(
        None, "--output", "-o", help="Write the report in --format to FILE; the console gets the text report"
    ),
    known_only: bool = KnownOnly,
    cache_dir: Optional[str] = typer.Option(
        None, "--cache-dir", envvar="ECSINIT_LINT_CACHE_DIR", help="Cache of findings [default: ~/.cache/ecsinit-lint]"
    ),
    no_cache: bool = typer.Option(False, "--no-cache", help="Lint every file again, without reading or writing the cache"),
    images: Optional[bool] = ImagesFlag,
    images_required: bool = ImagesRequired,
    image: Optional[List[str]] = ImageArchive,
    refresh_images: bool = RefreshImages,
    insecure_registry: Optional[List[str]] = Insecure,
):
    """Lint task definitions and report the containers that leak zombies or drop SIGTERM."""
    configs = _configs(config, select, ignore, fail_on=fail_on and fail_on.value, unsafe_fixes=unsafe_fixes,
                       images=_images_mode(images, images_required, image))  # fmt: skip
    errors: list[InputError] = []
    findings, files, docs = [], 0, []
    keep = format.value in report.NEEDS_DOCUMENTS
    try:
        if no_cache:
            cache_dir = None
        elif not cache_dir:
            from .shellparser import cache_dir as user_cache_dir

            cache_dir = str(user_cache_dir())
        readers = Images(image, refresh_images, insecure_registry, cache_dir)
        for outcome in lint_files(_inputs(paths, configs, known_only), configs, keep, cache_dir, readers):
            if isinstance(outcome, InputError):
                errors.append(outcome)
                continue
            found, file_findings, doc = outcome
            files += found
            findings += file_findings
            docs += [doc] if doc is not None else []
    except ConfigError as exc:
        _fail_at(exc)
    if write_baseline:
        _write_baseline(write_baseline, findings, errors)
    known, stale = [], 0
    if baseline_file:
        from . import baseline

        try:
            findings, known, stale = baseline.split(findings, baseline.load(baseline_file), baseline_file)
        except InputError as exc:
            _fail_at(exc)

    def fixable(f) -> bool:
        return applicable(f, configs.for_path(f.file).unsafe_fixes)

    result = report.Report(findings, errors, files, fixable, sys.stdout.isatty(), documents=docs)
    if output is not None:
        try:
            with open(output, "w", encoding="utf-8") as f:
                f.write(report.FORMATS[format.value](result))
        except OSError as exc:
            _fail(f"{output}: {exc.strerror or exc}")
    if format.value == "text" or output is not None:
        _report_errors(errors)
    typer.echo(report.FORMATS["text" if output is not None else format.value](result), nl=False)
    if baseline_file:
        typer.echo(f"{_count(len(known), 'finding')} in the baseline not shown; {stale} no longer found", err=True)
    if readers.report() or errors:
        raise typer.Exit(2)
    raise typer.Exit(1 if any(f.at_least(configs.for_path(f.file).fail_on) for f in findings) else 0)


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'s' * (n != 1)}"


def _write_baseline(path: str, findings, errors) -> None:
    from . import baseline

    try:
        with open(path, "w", encoding="utf-8") as f:
            f.write(baseline.dumps(findings, path))
    except OSError as exc:
        _fail_at(InputError(path, f"not written: {exc.strerror or exc}"))
    _report_errors(errors)
    typer.echo(f"wrote {_count(len(findings), 'finding')} to {path}", err=True)
    raise typer.Exit(2 if errors else 0)


@app.command(name="fix")
def fix_command(
    paths: List[str] = Paths,
    show_diff: bool = typer.Option(False, "--diff", help="Print a unified diff instead of the fixed documents"),
    write: bool = typer.Option(False, "--write", help="Rewrite the files in place"),
    select: Optional[List[str]] = Select,
    ignore: Optional[List[str]] = Ignore,
    unsafe_fixes: Optional[bool] = Unsafe,
    config: Optional[str] = Config,
    known_only: bool = KnownOnly,
    images: Optional[bool] = ImagesFlag,
    images_required: bool = ImagesRequired,
    image: Optional[List[str]] = ImageArchive,
    refresh_images: bool = RefreshImages,
    insecure_registry: Optional[List[str]] = Insecure,
):
    """Apply the fixes: print the fixed documents (a describe output becomes a registerable
    revision), a diff with --diff, or rewrite the files with --write."""
    from .fixer import FixError, diff, fix, write_atomic  # jsonpatch: not on the `check` path
    from .shellparser import cache_dir

    if write and "-" in paths:
        _fail("--write cannot rewrite stdin")
    configs = _configs(config, select, ignore, unsafe_fixes=unsafe_fixes, images=_images_mode(images, images_required, image))
    readers = Images(image, refresh_images, insecure_registry, os.environ.get("ECSINIT_LINT_CACHE_DIR") or str(cache_dir()))
    errors: list[InputError] = []
    changed = remaining = 0
    for raw, doc, settings, run in _documents(paths, errors, configs, known_only):
        rules = settings.rules(doc.path)
        reader = readers(settings.images) if settings.images else None
        try:
            fixed, done = fix(doc, rules, settings.unsafe_fixes, reader)
            if write and done:
                write_atomic(doc.path, raw, fixed.edited([]))
        except FixError as exc:
            errors.append(InputError(doc.path, str(exc)))
            continue
        except RecursionError:  # parsable, but too deep for the copies a JSON Patch makes
            errors.append(InputError(doc.path, "JSON nested too deeply to fix; file left as it was"))
            continue
        except OSError as exc:
            errors.append(InputError(doc.path, f"not written: {exc.strerror or exc}"))
            continue
        changed += bool(done)
        left = _own(lint(fixed, rules, reader), doc, run)
        remaining += len(left)
        # notes at the lines of the file as the command leaves it
        for f in left if write or not done else _own(lint(doc, rules, reader), doc, run):
            if f.fix is not None and f.fix.applicability == "manual":
                where = f"`{f.container}`" if f.container else "the container"
                typer.echo(f"{f.file}:{f.line}:{f.column}: note: {f.fix.title} in {where} by hand (not literal here)", err=True)
        if show_diff:
            typer.echo(diff(doc, fixed), nl=False)
        elif not write:
            typer.echo(_printable(fixed), nl=False)
    _report_errors(errors)
    verb = "would fix" if show_diff else "fixed" if write else "fixes applied to"
    typer.echo(f"{verb} {changed} file{'s' * (changed != 1)}; {remaining} finding{'s' * (remaining != 1)} left", err=True)
    if readers.report() or errors:
        raise typer.Exit(2)
    raise typer.Exit(1 if show_diff and changed else 0)


@app.command()
def audit(
    profile: Optional[str] = typer.Option(None, "--profile", help="AWS profile (default: the standard credential chain)"),
    region: Optional[List[str]] = typer.Option(None, "--region", help="Region to audit (repeatable; default: the profile's)"),
    all_regions: bool = typer.Option(False, "--all-regions", help="Every region with ECS that the account has enabled"),
    scope: Scope = typer.Option("in-use", "--scope", help="in-use: revisions services run; latest: each family's "
                                "latest ACTIVE revision; all: every ACTIVE revision"),
    cluster: Optional[List[str]] = typer.Option(None, "--cluster", help="Only these clusters (repeatable; in-use scope)"),
    family_prefix: Optional[str] = typer.Option(None, "--family-prefix", help="Only families starting with this"),
    role_arn: Optional[List[str]] = typer.Option(None, "--role-arn", help="Assume this role and audit its account (repeatable)"),
    org_role: Optional[str] = typer.Option(None, "--org-role", help="Assume this role name in every ACTIVE account of the organization"),
    format: AuditFormat = typer.Option("text", "--format", help="Output format"),
    select: Optional[List[str]] = Select,
    ignore: Optional[List[str]] = Ignore,
    fail_on: Optional[Level] = FailOn,
    unsafe_fixes: Optional[bool] = Unsafe,
    config: Optional[str] = Config,
    fix_out: Optional[str] = typer.Option(None, "--fix-out", help="Write a fixed, registerable revision per flagged revision here"),
    register: bool = typer.Option(False, "--register", help="Register the fixed revisions (services are not touched)"),
    yes: bool = typer.Option(False, "--yes", help="Register without asking"),
    cache_dir: Optional[str] = typer.Option(None, "--cache-dir", help="Cache of described revisions [default: ~/.cache/ecsinit-lint]"),
    no_cache: bool = typer.Option(False, "--no-cache", help="Describe every revision again"),
    allow_partial: bool = typer.Option(False, "--allow-partial", help="Exit 0/1 even when some account or region could not be read"),
):
    """Lint the task definitions of live AWS accounts (read-only unless --register).
    Exit status 2 when anything could not be read, unless --allow-partial."""
    import botocore.exceptions

    from . import audit as api  # boto3 is imported only here

    if register and not yes and not sys.stdin.isatty():
        _fail("--register needs a terminal to confirm, or --yes")
    configs = _configs(config, select, ignore, fail_on=fail_on and fail_on.value, unsafe_fixes=unsafe_fixes)
    settings = configs.for_path(None)  # the configuration found from the working directory
    rules, unsafe_fixes = settings.rules("-"), settings.unsafe_fixes
    try:
        base = api.boto3.Session(profile_name=profile)
    except botocore.exceptions.ProfileNotFound as exc:
        _fail(str(exc))
    regions = region or ([base.region_name] if base.region_name else [])
    if not regions and not all_regions:
        _fail("no region: pass --region, --all-regions, or configure one for the profile")
    if fix_out:
        os.makedirs(fix_out, exist_ok=True)
    cache = None if no_cache else api.Cache(cache_dir or api.default_cache_dir())
    opts = api.Options(rules, scope.value, tuple(cluster or ()), family_prefix, unsafe_fixes, fix_out, register, cache)
    progress = api.Progress(sys.stderr.isatty())
    result = api.run(base, opts, regions, all_regions, role_arn or (), org_role, progress)
    fixable = lambda f: applicable(f, unsafe_fixes)  # noqa: E731
    rendered = report.Report(result.findings, result.errors, result.revisions, fixable, sys.stdout.isatty(), "revision")
    if format.value == "text":
        for exc in result.errors:
            typer.echo(f"{exc.path}: error: {exc.message}", err=True)
    for chunk in STREAMED[format.value](rendered) if format.value in STREAMED else [AUDIT_FORMATS[format.value](rendered)]:
        typer.echo(chunk, nl=False)
    failed, to_stderr = bool(result.errors), format.value != "text"
    if register and result.fixed:
        if not yes and not typer.confirm(f"Register {len(result.fixed)} fixed revisions?", err=True):
            raise typer.Exit(2)
        for item, outcome in api.register(result.fixed, opts.limiter):
            if isinstance(outcome, api.AuditError):
                typer.echo(f"{outcome.path}: error: {outcome.message}", err=True)
                failed = True
                continue
            typer.echo(f"registered {outcome} (fixes {item.origin.arn}); to deploy it:", err=to_stderr)
            for command in api.deploy_commands(item, outcome):
                typer.echo(f"  {command}", err=to_stderr)
    if failed and not allow_partial:
        raise typer.Exit(2)
    raise typer.Exit(1 if any(f.at_least(settings.fail_on) for f in result.findings) else 0)


def _own(findings, doc, run) -> list:
    """The findings of a document but those of a file() it reads that this run lints itself."""
    return [f for f in findings if doc.read_from(f.task) not in run]


def _printable(doc) -> str:
    if doc.kind == "describe":
        return json.dumps(doc.registerable(doc.data), indent=2, ensure_ascii=False) + "\n"
    return doc.edited([])


@app.command(name="rules")
def list_rules(
    markdown: bool = typer.Option(False, "--markdown", help="Print the README's rules table"),
):
    """List the rules: code, name, default severity, fix availability."""
    if markdown:
        typer.echo(rules_table(), nl=False)
        return
    for r in load_rules().values():
        typer.echo(f"{r.code}  {r.name:<32} {r.severity:<8} fix: {r.fixable:<9} {r.summary}")


def rules_table() -> str:
    rows = ["| Code | Name | Severity | Fix | What it flags |", "|---|---|---|---|---|"]
    for r in load_rules().values():
        rows.append(f"| {r.code} | {r.name} | {r.severity} | {r.fixable} | {r.summary} |")
    return "\n".join(rows) + "\n"


@app.command(name="rule")
def show_rule(code: str = typer.Argument(..., help="A rule code or name")):
    """Print a rule's documentation."""
    for r in load_rules().values():
        if code.upper() == r.code or code.lower() == r.name:
            typer.echo(r.doc)
            return
    _fail(f"no rule {code!r} (see `ecsinit-lint rules`)")


def _version(value: bool):
    if value:
        typer.echo(f"ecsinit-lint {__version__}")
        raise typer.Exit()


@app.callback()
def _main(version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Show the version")):
    pass


def main():
    # `--images=required` is `--images-required`: typer has no option whose value is optional
    sys.argv[1:] = ["--images-required" if a == "--images=required" else a for a in sys.argv[1:]]
    app(prog_name="ecsinit-lint")
