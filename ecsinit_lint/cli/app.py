"""The command line: `ecsinit-lint check|fix|audit|rules|rule`.

Exit status: 0 no findings at or above --fail-on, 1 findings, 2 an input or usage error.
"""

# No `from __future__ import annotations`: typer would evaluate every parameter's annotation
# from its string on each run (half of building the commands, ~2 ms).
import copy
import enum
import errno
import io
import json
import os
import sys
from dataclasses import dataclass

import typer
from typer.core import TyperGroup

from .. import __version__
from ..audit.formats import AUDIT_FORMATS, STREAMED
from ..batch.parallel import lint_files
from ..core.findings import Applicability, FailOn
from ..engine.config import Configs
from ..engine.linter import applicable, lint
from ..engine.registry import Selection, load_rules
from ..errors import ConfigError, FixError, InputError
from ..inputs.sources import SUFFIXES, StdinPath, expand, is_stdin, load, read
from ..output import report


class _Guarded(TyperGroup):
    """The commands behind a last-resort handler: an exception none of them expected is one line
    and exit status 2, never a traceback (whose status, 1, would read as findings)."""

    def invoke(self, ctx):
        if hasattr(sys.stdout, "reconfigure"):  # a lone surrogate (a JSON escape) written escaped
            sys.stdout.reconfigure(errors="backslashreplace")
        try:
            return super().invoke(ctx)
        except (typer.Exit, typer.Abort, typer.TyperException):
            raise
        except Exception as exc:
            raise typer.Exit(_crashed(exc)) from None


def _crashed(exc: Exception) -> int:
    """Say what went wrong in one line; the exit status."""
    if report.debugging():
        raise exc
    if isinstance(exc, BrokenPipeError):  # the reader left (`| head`): nothing to say
        _drop_stdout()
    elif isinstance(exc, OSError) and _stdout_refuses(exc):  # the help, which click writes
        _drop_stdout()
        typer.echo(f"ecsinit-lint: error: cannot write to standard output: {exc.strerror or exc}", err=True)
    else:
        typer.echo(f"ecsinit-lint: error: {report.internal_error(exc)}", err=True)
    return 2


def _emit(text: str, colour: bool | None = None) -> None:
    """Print to standard output; a failed write (a full disk) is one line and exit status 2.
    ANSI colour is kept only with `colour` or on a terminal."""
    try:
        typer.echo(text, nl=False, color=colour)
    except BrokenPipeError:
        raise  # the guard's
    except OSError as exc:
        _drop_stdout()
        _fail(f"cannot write to standard output: {exc.strerror or exc}")


def _stdout_refuses(exc: OSError) -> bool:
    """Whether the error is standard output's: a stream's write error (no file name) that a
    flush repeats, or one of a disk that is full or a descriptor that is closed."""
    if exc.filename is not None:
        return False
    try:
        sys.stdout.flush()
    except OSError:
        return True
    return exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO, errno.EBADF)


class _Closed(io.TextIOBase):
    """Standard output when the process started without one (`>&-`): each write fails as on a
    full disk, so that the same one line says so."""

    def write(self, text: str) -> int:
        raise OSError(errno.EBADF, "it is closed")


def _drop_stdout() -> None:
    """Point standard output at /dev/null, so the interpreter's last flush of what it holds does
    not fail again at exit (the Python documentation's way with a closed pipe)."""
    try:
        fd = sys.stdout.fileno()
    except (AttributeError, OSError, ValueError):
        return
    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, fd)
    os.close(null)


app = typer.Typer(
    cls=_Guarded,
    context_settings={"help_option_names": ["-h", "--help"]},
    add_completion=False,
    no_args_is_help=True,
    rich_markup_mode=None,
    help="Find ECS containers that leak zombies or drop SIGTERM, and fix them. "
    "Exit status: 0 clean, 1 findings at or above --fail-on, 2 an error.",
)


Format = enum.Enum("Format", {name: name for name in report.FORMATS}, type=str)
AuditFormat = enum.Enum("AuditFormat", {name: name for name in AUDIT_FORMATS}, type=str)
Scope = enum.Enum("Scope", {name: name for name in ("in-use", "latest", "all")}, type=str)
Colour = enum.Enum("Colour", {name: name for name in ("auto", "always", "never")}, type=str)
RulesFormat = enum.Enum("RulesFormat", {name: name for name in ("text", "json")}, type=str)


Paths = typer.Argument(
    ...,
    help=f"Files, directories (walked for {', '.join(SUFFIXES)} files), or - for stdin (JSON unless --stdin-filename)",
)
StdinFilename = typer.Option(
    None, "--stdin-filename", help="The file stdin stands for: its suffix picks the format, its place the configuration"
)
Quiet = typer.Option(False, "--quiet", "-q", help="Print the findings only, no summary")
Select = typer.Option(None, "--select", help="Rules to run: codes, prefixes or names (comma-separated)")
Ignore = typer.Option(None, "--ignore", help="Rules to skip: codes, prefixes or names (comma-separated)")
Unsafe = typer.Option(
    None, "--unsafe-fixes/--no-unsafe-fixes", help="Also apply fixes marked unsafe", show_default=False
)
FailOnFlag = typer.Option(None, "--fail-on", help="Lowest severity that makes the exit status 1  [default: error]")
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
AuditImages = typer.Option(None, "--images/--no-images", show_default=False,
                           help="Judge each container with its image's ENTRYPOINT, CMD and STOPSIGNAL: the image ECS "
                           "recorded for the service's running tasks (in-use scope) by digest, else its tag; an image "
                           "that cannot be read is a note")  # fmt: skip
Insecure = typer.Option(
    None, "--insecure-registry", metavar="HOST", help="Reach this registry over plain HTTP (repeatable)"
)


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
            from ..images.reader import Reader

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


@dataclass(frozen=True)
class ImageOptions:
    """The image flags of `check` and `fix`."""

    images: bool | None
    required: bool
    archives: list[str] | None
    refresh: bool
    insecure: list[str] | None

    @property
    def mode(self) -> "bool | str | None":
        """The `images` setting the flags give: None when none was given (the configuration's);
        `--image NAME=PATH` alone turns images on."""
        return "required" if self.required else True if self.images is None and self.archives else self.images

    def readers(self, cache_dir: str | None) -> Images:
        return Images(self.archives, self.refresh, self.insecure, cache_dir)


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


def _inputs(paths, configs: Configs, known_only: bool, stdin_name: str | None = None):
    """The files to lint: directories walked without what the configuration excludes; with
    `known_only`, named files of a suffix no input format reads are skipped (pre-commit).
    Standard input goes by `stdin_name` when given."""
    if known_only:
        paths = [p for p in paths if p == "-" or os.path.isdir(p) or os.path.splitext(p)[1].lower() in SUFFIXES]
    files = expand(paths, skip=lambda p: configs.for_path(p).excluded(p))
    return (StdinPath(stdin_name) if p == "-" and stdin_name else p for p in files)


def _documents(paths, errors, configs: Configs, known_only: bool, stdin_name: str | None = None):
    """(raw bytes, document, settings, the real paths of all inputs) for each input that holds
    a task definition."""
    try:
        files = list(_inputs(paths, configs, known_only, stdin_name))
        run = frozenset(os.path.realpath(p) for p in files if not is_stdin(p))
        for path in files:
            settings = configs.for_path(path)
            try:
                raw = read(path)
                doc = load(path, raw)
            except InputError as exc:
                errors.append(exc)
                continue
            except Exception as exc:  # a bug met on this file: its error, the others still fixed
                errors.append(report.crashed_on(path, exc))
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
    paths: list[str] = Paths,
    format: Format = typer.Option("text", "--format", help="Output format"),
    select: list[str] | None = Select,
    ignore: list[str] | None = Ignore,
    fail_on: FailOn | None = FailOnFlag,
    unsafe_fixes: bool | None = Unsafe,
    config: str | None = Config,
    baseline_file: str | None = typer.Option(
        None, "--baseline", help="Do not report the findings recorded in this baseline file"
    ),
    write_baseline: str | None = typer.Option(
        None, "--write-baseline", help="Record the findings in this baseline file and exit 0"
    ),
    output: str | None = typer.Option(
        None, "--output", "-o", help="Write the report in --format to FILE; the console gets the text report"
    ),
    known_only: bool = KnownOnly,
    cache_dir: str | None = typer.Option(
        None, "--cache-dir", envvar="ECSINIT_LINT_CACHE_DIR", help="Cache of findings [default: ~/.cache/ecsinit-lint]"
    ),
    no_cache: bool = typer.Option(
        False, "--no-cache", help="Lint every file again, without reading or writing the cache"
    ),
    apply_fixes: bool = typer.Option(
        False, "--fix", help="Apply the fixes (as `fix --write`), then report what is left"
    ),
    show_fixes: bool = typer.Option(False, "--show-fixes", help="Show each finding's fix under it"),
    statistics: bool = typer.Option(False, "--statistics", help="A count per rule instead of the findings"),
    exit_zero: bool = typer.Option(False, "--exit-zero", help="Exit 0 even with findings (errors still exit 2)"),
    quiet: bool = Quiet,
    colour: Colour = typer.Option(
        "auto", "--color", help="Colour the text report: auto (a terminal, unless NO_COLOR; FORCE_COLOR forces it)"
    ),
    stdin_filename: str | None = StdinFilename,
    images: bool | None = ImagesFlag,
    images_required: bool = ImagesRequired,
    image: list[str] | None = ImageArchive,
    refresh_images: bool = RefreshImages,
    insecure_registry: list[str] | None = Insecure,
):
    """Lint task definitions and report the containers that leak zombies or drop SIGTERM."""
    if statistics and format.value not in ("text", "json"):
        _fail(f"--statistics is a text or json table, not --format {format.value}")
    image_options = ImageOptions(images, images_required, image, refresh_images, insecure_registry)
    fix_failed = apply_fixes and _fix_first(
        paths, select, ignore, unsafe_fixes, config, known_only, quiet, image_options
    )
    configs = _configs(config, select, ignore, fail_on=fail_on, unsafe_fixes=unsafe_fixes,
                       images=image_options.mode)  # fmt: skip
    errors: list[InputError] = []
    findings, files, docs = [], 0, []
    keep = format.value in report.NEEDS_DOCUMENTS
    try:
        if no_cache:
            cache_dir = None
        elif not cache_dir:
            from ..analysis.shellparser import cache_dir as user_cache_dir

            cache_dir = str(user_cache_dir())
        readers = image_options.readers(cache_dir)
        for outcome in lint_files(
            _inputs(paths, configs, known_only, stdin_filename), configs, keep, cache_dir, readers
        ):
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
        from ..batch import baseline

        try:
            findings, known, stale = baseline.split(findings, baseline.load(baseline_file), baseline_file)
        except InputError as exc:
            _fail_at(exc)

    def fixable(f) -> bool:
        return applicable(f, configs.for_path(f.location.file).unsafe_fixes)

    painted = _colour(colour.value)
    result = report.Report(
        findings, errors, files, fixable, painted, documents=docs, quiet=quiet, show_fixes=show_fixes
    )

    def render(fmt: str) -> str:
        if not statistics:
            return report.FORMATS[fmt](result)
        return (
            json.dumps(report.statistics(result), indent=2) + "\n" if fmt == "json" else report.statistics_text(result)
        )

    if output is not None:
        try:
            with open(output, "w", encoding="utf-8", errors="backslashreplace") as f:
                f.write(render(format.value))
        except OSError as exc:
            _fail(f"{output}: {exc.strerror or exc}")
    if statistics or format.value == "text" or output is not None:
        _report_errors(errors)
    _emit(render("text" if output is not None else format.value), None if statistics else painted)
    if baseline_file and not quiet:
        typer.echo(f"{_count(len(known), 'finding')} in the baseline not shown; {stale} no longer found", err=True)
    if readers.report() or errors or fix_failed:
        raise typer.Exit(2)
    raise typer.Exit(
        0 if exit_zero else 1 if any(f.at_least(configs.for_path(f.location.file).fail_on) for f in findings) else 0
    )


def _colour(choice: str) -> bool:
    """Whether to colour: as asked, else by NO_COLOR and FORCE_COLOR (no-color.org,
    force-color.org: set and not empty), else on a terminal."""
    if choice != "auto":
        return choice == "always"
    if os.environ.get("NO_COLOR"):
        return False
    return bool(os.environ.get("FORCE_COLOR")) or sys.stdout.isatty()


def _fix_first(paths, select, ignore, unsafe_fixes, config, known_only, quiet, image_options) -> bool:
    """`check --fix`: `fix --write` on the paths, its notes and summary on stderr; whether a
    file could not be fixed (the check then exits 2)."""
    if "-" in paths:
        _fail("--fix cannot rewrite stdin (`fix -` prints the fixed document)")
    return _fix(paths, False, True, select, ignore, unsafe_fixes, config, known_only, quiet, None, image_options,
                unread=False) == 2  # fmt: skip


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'s' * (n != 1)}"


def _write_baseline(path: str, findings, errors) -> None:
    from ..batch import baseline

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
    paths: list[str] = Paths,
    show_diff: bool = typer.Option(False, "--diff", help="Print a unified diff instead of the fixed documents"),
    write: bool = typer.Option(False, "--write", help="Rewrite the files in place"),
    select: list[str] | None = Select,
    ignore: list[str] | None = Ignore,
    unsafe_fixes: bool | None = Unsafe,
    config: str | None = Config,
    known_only: bool = KnownOnly,
    quiet: bool = Quiet,
    stdin_filename: str | None = StdinFilename,
    images: bool | None = ImagesFlag,
    images_required: bool = ImagesRequired,
    image: list[str] | None = ImageArchive,
    refresh_images: bool = RefreshImages,
    insecure_registry: list[str] | None = Insecure,
):
    """Apply the fixes: print the fixed documents (a describe output becomes a registerable
    revision), a diff with --diff, or rewrite the files with --write."""
    image_options = ImageOptions(images, images_required, image, refresh_images, insecure_registry)
    raise typer.Exit(_fix(paths, show_diff, write, select, ignore, unsafe_fixes, config, known_only, quiet, stdin_filename,
                          image_options))  # fmt: skip


def _fix(paths, show_diff, write, select, ignore, unsafe_fixes, config, known_only, quiet, stdin_filename,
         image_options: "ImageOptions", unread: bool = True) -> int:  # fmt: skip
    """`fix`; its exit status. Without `unread`, the files that could not be read are not
    reported (`check --fix`: the check reports them)."""
    from ..analysis.shellparser import cache_dir
    from ..fix.fixer import diff, fix, key, write_atomic  # jsonpatch: not on the `check` path

    if write and "-" in paths:
        _fail("--write cannot rewrite stdin")
    configs = _configs(config, select, ignore, unsafe_fixes=unsafe_fixes, images=image_options.mode)
    readers = image_options.readers(os.environ.get("ECSINIT_LINT_CACHE_DIR") or str(cache_dir()))
    unreadable: list[InputError] = []
    errors: list[InputError] = []  # the files that could not be fixed
    changed = remaining = 0
    for raw, doc, settings, run in _documents(paths, unreadable, configs, known_only, stdin_filename):
        rules = settings.rules(doc.path)
        reader = readers(settings.images) if settings.images else None
        conflicts: dict = {}  # the findings whose fixes undo each other, to fix by hand
        try:
            fixed, done = fix(doc, rules, settings.unsafe_fixes, conflicts, reader)
            if write and done:
                write_atomic(doc.path, raw, fixed.edited([]))
        except (FixError, RecursionError, OSError) as exc:
            errors.append(InputError(doc.path, _not_fixed(exc)))
            remaining += len(_own(lint(doc, rules, reader), doc, run))  # the file is left as it was
            continue
        except Exception as exc:  # a bug met on this file: its error, the others still fixed
            errors.append(report.crashed_on(doc.path, exc))
            continue
        changed += bool(done)
        left = _own(lint(fixed, rules, reader), doc, run)
        remaining += len(left)
        # notes at the lines of the file as the command leaves it
        for f in left if write or not done else _own(lint(doc, rules, reader), doc, run):
            manual = f.fix is not None and f.fix.applicability is Applicability.MANUAL
            why = conflicts.get(key(f)) or (manual and doc.by_hand(f.pointer))
            if why:
                where = f"`{f.container}`" if f.container else "the container"
                typer.echo(f"{f.location.display}: note: {f.fix.title} in {where} by hand ({why})", err=True)
        if show_diff:
            _emit(diff(doc, fixed))
        elif not write:
            _emit(_printable(fixed))
    _report_errors((unreadable if unread else []) + errors)
    if not quiet:  # one wording: files on disk change only with --write
        verb = "fixed" if write else "would fix"
        typer.echo(
            f"{verb} {changed} file{'s' * (changed != 1)}; {remaining} finding{'s' * (remaining != 1)} left", err=True
        )
    if readers.report() or unreadable or errors:
        return 2
    return 1 if show_diff and changed else 0


@app.command()
def audit(
    profile: str | None = typer.Option(None, "--profile", help="AWS profile (default: the standard credential chain)"),
    region: list[str] | None = typer.Option(
        None, "--region", help="Region to audit (repeatable; default: the profile's)"
    ),
    all_regions: bool = typer.Option(False, "--all-regions", help="Every region with ECS that the account has enabled"),
    scope: Scope = typer.Option(
        "in-use",
        "--scope",
        help="in-use: revisions services run; latest: each family's latest ACTIVE revision; all: every ACTIVE revision",
    ),
    cluster: list[str] | None = typer.Option(None, "--cluster", help="Only these clusters (repeatable; in-use scope)"),
    family_prefix: str | None = typer.Option(None, "--family-prefix", help="Only families starting with this"),
    role_arn: list[str] | None = typer.Option(
        None, "--role-arn", help="Assume this role and audit its account (repeatable)"
    ),
    org_role: str | None = typer.Option(
        None, "--org-role", help="Assume this role name in every ACTIVE account of the organization"
    ),
    format: AuditFormat = typer.Option("text", "--format", help="Output format"),
    output: str | None = typer.Option(
        None, "--output", "-o", help="Write the report in --format to FILE; the console gets the text report"
    ),
    select: list[str] | None = Select,
    ignore: list[str] | None = Ignore,
    fail_on: FailOn | None = FailOnFlag,
    unsafe_fixes: bool | None = Unsafe,
    config: str | None = Config,
    fix_out: str | None = typer.Option(
        None, "--fix-out", help="Write a fixed, registerable revision per flagged revision here"
    ),
    register: bool = typer.Option(False, "--register", help="Register the fixed revisions (services are not touched)"),
    yes: bool = typer.Option(False, "--yes", help="Register without asking"),
    cache_dir: str | None = typer.Option(
        None,
        "--cache-dir",
        envvar="ECSINIT_LINT_CACHE_DIR",
        help="Cache folder, shared with `check`: described daemon task definitions go in its task-definitions/ "
        "[default: ~/.cache/ecsinit-lint]",
    ),
    no_cache: bool = typer.Option(False, "--no-cache", help="Describe the daemon task definitions again too"),
    allow_partial: bool = typer.Option(
        False, "--allow-partial", help="Exit 0/1 even when some account or region could not be read"
    ),
    images: bool | None = AuditImages,
    images_required: bool = ImagesRequired,
    refresh_images: bool = RefreshImages,
    insecure_registry: list[str] | None = Insecure,
):
    """Lint the task definitions of live AWS accounts (read-only unless --register).
    Exit status 2 when anything could not be read, unless --allow-partial."""
    import botocore.exceptions

    from ..audit import registration  # boto3 is imported only here
    from ..audit.accounts import ROLE_ARN, identity, session
    from ..audit.aws import AuditError, reason
    from ..audit.region import Options, Progress
    from ..audit.revisions import RevisionCache
    from ..audit.run import run as run_audit

    if register and not yes and not sys.stdin.isatty():
        _fail("--register needs a terminal to confirm, or --yes")
    if cluster and scope.value != "in-use":
        _fail(
            "--cluster applies only to --scope in-use (services and daemons run in clusters), "
            f"not to --scope {scope.value}"
        )
    for arn in role_arn or ():
        if not ROLE_ARN.fullmatch(arn):
            _fail(f"not a role ARN: {arn!r}")
    image_options = ImageOptions(images, images_required, None, refresh_images, insecure_registry)
    configs = _configs(config, select, ignore, fail_on=fail_on, unsafe_fixes=unsafe_fixes,
                       images=image_options.mode)  # fmt: skip
    settings = configs.for_path(None)  # the configuration found from the working directory
    rules, unsafe_fixes = settings.rules("-"), settings.unsafe_fixes
    try:
        base = session(profile)
    except botocore.exceptions.ProfileNotFound as exc:
        _fail(str(exc))
    regions = region or ([base.region_name] if base.region_name else [])
    if not regions and not all_regions:
        _fail("no region: pass --region, --all-regions, or configure one for the profile")
    try:
        me = identity(base)
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as exc:
        _fail(reason(exc))  # no account can be read with these credentials
    if fix_out:
        try:
            os.makedirs(fix_out, exist_ok=True)
        except OSError as exc:
            _fail(f"{fix_out}: {exc.strerror or exc}")
    if no_cache:
        cache, folder = None, None
    else:
        from ..analysis.shellparser import cache_dir as user_cache_dir  # the folder `check` uses too

        folder = cache_dir or str(user_cache_dir())
        cache = RevisionCache(os.path.join(folder, "task-definitions"))
    readers = image_options.readers(folder)
    opts = Options(rules, scope.value, tuple(cluster or ()), family_prefix, unsafe_fixes, fix_out, register, cache,
                   outlines=format.value == "junit", images=readers(settings.images) if settings.images else None,
                   images_required=settings.images == "required")  # fmt: skip
    progress = Progress(sys.stderr.isatty())
    result = run_audit(base, me, opts, regions, all_regions, role_arn or (), org_role, progress)
    missing = [c for c in cluster or () if c not in result.clusters]
    if missing:
        _fail(f"cluster not found in the audited regions: {', '.join(missing)}")
    fixable = lambda f: applicable(f, unsafe_fixes)  # noqa: E731
    rendered = report.Report(result.findings, result.errors, result.revisions, fixable, sys.stdout.isatty(), "revision",
                             documents=result.outlines, fix_hint=_audit_hint(fix_out, register))  # fmt: skip
    if output is not None:
        try:
            with open(output, "w", encoding="utf-8") as f:
                f.writelines(_audit_report(format.value, rendered))
        except OSError as exc:
            _fail(f"{output}: {exc.strerror or exc}")
    if format.value == "text" or output is not None:
        for exc in result.errors:
            typer.echo(f"{exc.path}: error: {exc.message}", err=True)
    for note in result.notes:
        typer.echo(f"{note.path}: note: {note.message}", err=True)
    for chunk in _audit_report("text" if output is not None else format.value, rendered):
        _emit(chunk)
    if fix_out:
        typer.echo(f"wrote {_count(result.written, 'revision')} to {fix_out}", err=True)
    failed, to_stderr = readers.report() or bool(result.errors), format.value != "text" and output is None
    if register and result.fixed:
        if not yes and not typer.confirm(f"Register {len(result.fixed)} fixed revisions?", err=True):
            raise typer.Exit(2)
        for item, outcome in registration.register(result.fixed, opts.limiter):
            if isinstance(outcome, AuditError):
                typer.echo(f"{outcome.path}: error: {outcome.message}", err=True)
                failed = True
                continue
            text = f"registered {outcome} (fixes {item.origin.arn}); to deploy it:\n"
            text += "".join(f"  {command}\n" for command in registration.deploy_commands(item, outcome))
            if to_stderr:
                typer.echo(text, nl=False, err=True)
            else:
                _emit(text)
    if failed and not allow_partial:
        raise typer.Exit(2)
    raise typer.Exit(1 if any(f.at_least(settings.fail_on) for f in result.findings) else 0)


def _audit_report(format: str, rendered):
    """The audit's report in pieces: the streamed formats a finding at a time."""
    return STREAMED[format](rendered) if format in STREAMED else [AUDIT_FORMATS[format](rendered)]


def _audit_hint(fix_out, register) -> str:
    """What the text report's footer suggests for the fixable findings: what was not asked for."""
    if register:
        return ""
    if fix_out:
        return ": register the fixed revisions with `--register`"
    return ": write the fixed revisions with `--fix-out DIR`, register them with `--register`"


def _not_fixed(exc: Exception) -> str:
    if isinstance(exc, RecursionError):  # parsable, but too deep for the copies a JSON Patch makes
        return "JSON nested too deeply to fix; file left as it was"
    if isinstance(exc, OSError):
        return f"not written: {exc.strerror or exc}"
    return str(exc)


def _own(findings, doc, run) -> list:
    """The findings of a document but those of a file() it reads that this run lints itself."""
    return [f for f in findings if doc.read_from(f.task) not in run]


def _printable(doc) -> str:
    if doc.kind == "describe":
        return json.dumps(doc.registerable(doc.data), indent=2, ensure_ascii=False) + "\n"
    return doc.edited([])


@app.command(name="rules")
def list_rules(
    markdown: bool = typer.Option(False, "--markdown", help="Print the rule reference, docs/rules.md"),
    format: RulesFormat = typer.Option("text", "--format", help="Output format (json: for tools)"),
):
    """List the rules: code, name, default severity, fix availability."""
    if markdown:
        _emit(rules_reference())
        return
    rules = list(load_rules().values())
    if format.value == "json":
        rows = [{"code": r.code, "name": r.name, "severity": r.severity, "fixable": r.fixable, "summary": r.summary,
                 "options": dict(r.options)} for r in rules]  # fmt: skip
        _emit(json.dumps(rows, indent=2) + "\n")
        return
    rows = [(r.code, r.name, r.severity, f"fix: {r.fixable}", r.summary) for r in rules]
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    _emit("".join("  ".join(c.ljust(w) for c, w in zip(row, widths)) + f"  {row[4]}\n" for row in rows))


def rules_table() -> str:
    rows = ["| Code | Name | Severity | Fix | What it flags |", "|---|---|---|---|---|"]
    for r in load_rules().values():
        rows.append(f"| {r.code} | {r.name} | {r.severity} | {r.fixable} | {r.summary} |")
    return "\n".join(rows) + "\n"


def rules_reference() -> str:
    """docs/rules.md: the rules table, then each rule's documentation (its module docstring)."""
    parts = ["# Rules\n\n<!-- Generated from the rules' docstrings by `ecsinit-lint rules --markdown > docs/rules.md`;"
             " edit the rules, not this file. -->\n\n" + rules_table()]  # fmt: skip
    for r in load_rules().values():
        options = f" Options: {', '.join(f'`{o}`' for o in r.options)}." if r.options else ""
        # the docstring's first line is the code, name and summary; its sections go a level down
        sections = ("\n" + r.doc.partition("\n")[2].strip()).replace("\n## ", "\n### ")
        parts.append(
            f"## {r.code} {r.name}\n\n{r.summary}. Severity: {r.severity}. Fix: {r.fixable}.{options}\n{sections}\n"
        )
    return "\n".join(parts)


@app.command(name="rule")
def show_rule(code: str = typer.Argument(..., help="A rule code or name")):
    """Print a rule's documentation."""
    for r in load_rules().values():
        if code.upper() == r.code or code.lower() == r.name:
            _emit(r.doc + "\n")
            return
    _fail(f"no rule {code!r} (see `ecsinit-lint rules`)")


def _version(value: bool):
    if value:
        _emit(f"ecsinit-lint {__version__}\n")
        raise typer.Exit()


@app.callback()
def _main(
    version: bool = typer.Option(False, "--version", "-V", callback=_version, is_eager=True, help="Show the version"),
):
    pass


def main():
    if sys.stdout is None:  # started with it closed
        sys.stdout = _Closed()
    # `--images=required` is `--images-required`: typer has no option whose value is optional
    sys.argv[1:] = ["--images-required" if a == "--images=required" else a for a in sys.argv[1:]]
    # typer makes a click command of every command on each run, though a run needs only the one it
    # names: a tenth of what a one-file check adds to importing typer. Without one, all are listed.
    named = [
        c
        for c in app.registered_commands
        if typer.main.get_command_name(c.name or c.callback.__name__) in sys.argv[1:2]
    ]
    if named:
        cli = copy.copy(app)
        cli.registered_commands = named
    try:
        (cli if named else app)(prog_name="ecsinit-lint")
    except Exception as exc:  # before a command ran: in an option's callback
        sys.exit(_crashed(exc))
