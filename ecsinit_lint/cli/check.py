"""`ecsinit-lint check`: lint the files and report the findings."""

import enum
import json
import os
import sys

import typer

from ..batch.parallel import lint_files
from ..core.findings import FailOn
from ..engine.config import Configs
from ..engine.linter import applicable
from ..errors import ConfigError, InputError
from ..output import report
from .app import (
    Config,
    FailOnFlag,
    Ignore,
    ImageArchive,
    ImageOptions,
    Images,
    ImagesFlag,
    ImagesRequired,
    Insecure,
    KnownOnly,
    Output,
    Paths,
    Quiet,
    RefreshImages,
    Select,
    StdinFilename,
    Unsafe,
    app,
    count,
    emit,
    fail,
    fail_at,
    inputs,
    make_configs,
    report_errors,
)
from .fix import fix_files

Format = enum.Enum("Format", {name: name for name in report.FORMATS}, type=str)
Colour = enum.Enum("Colour", {name: name for name in ("auto", "always", "never")}, type=str)


@app.command(name="check")
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
    output: str | None = Output,
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
        fail(f"--statistics is a text or json table, not --format {format.value}")
    image_options = ImageOptions(images, images_required, image, refresh_images, insecure_registry)
    fix_failed = apply_fixes and _fix_first(
        paths, select, ignore, unsafe_fixes, config, known_only, quiet, image_options
    )
    configs = make_configs(config, select, ignore, fail_on=fail_on, unsafe_fixes=unsafe_fixes,
                       images=image_options.mode)  # fmt: skip
    if no_cache:
        cache_dir = None
    elif not cache_dir:
        from ..analysis.shellparser import cache_dir as user_cache_dir

        cache_dir = str(user_cache_dir())
    readers = image_options.readers(cache_dir)
    keep = format.value in report.NEEDS_DOCUMENTS
    try:
        files = inputs(paths, configs, known_only, stdin_filename)
        findings, errors, checked, docs = lint_paths(files, configs, keep, cache_dir, readers)
    except ConfigError as exc:
        fail_at(exc)
    if write_baseline:
        _write_baseline(write_baseline, findings, errors)
    known, stale = [], 0
    if baseline_file:
        from ..batch import baseline

        try:
            findings, known, stale = baseline.split(findings, baseline.load(baseline_file), baseline_file)
        except InputError as exc:
            fail_at(exc)

    def fixable(f) -> bool:
        return applicable(f, configs.for_path(f.location.file).unsafe_fixes)

    painted = _colour(colour.value)
    result = report.Report(
        findings, errors, checked, fixable, painted, documents=docs, quiet=quiet, show_fixes=show_fixes
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
            fail(f"{output}: {exc.strerror or exc}")
    if statistics or format.value == "text" or output is not None:
        report_errors(errors)
    emit(render("text" if output is not None else format.value), None if statistics else painted)
    if baseline_file and not quiet:
        typer.echo(f"{count(len(known), 'finding')} in the baseline not shown; {stale} no longer found", err=True)
    if readers.report() or errors or fix_failed:
        raise typer.Exit(2)
    raise typer.Exit(
        0 if exit_zero else 1 if any(f.at_least(configs.for_path(f.location.file).fail_on) for f in findings) else 0
    )


def lint_paths(paths, configs: Configs, keep: bool, cache_dir: str | None, readers: Images):
    """`check`'s lint: the findings, the files that could not be read, how many files hold a
    task definition, and their documents if `keep`."""
    findings, errors, files, docs = [], [], 0, []
    for outcome in lint_files(paths, configs, keep, cache_dir, readers):
        if isinstance(outcome, InputError):
            errors.append(outcome)
            continue
        found, file_findings, doc = outcome
        files += found
        findings += file_findings
        docs += [doc] if doc is not None else []
    return findings, errors, files, docs


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
        fail("--fix cannot rewrite stdin (`fix -` prints the fixed document)")
    return fix_files(paths, False, True, select, ignore, unsafe_fixes, config, known_only, quiet, None, image_options,
                     unread=False) == 2  # fmt: skip


def _write_baseline(path: str, findings, errors) -> None:
    from ..batch import baseline

    try:
        with open(path, "w", encoding="utf-8") as f:
            f.write(baseline.dumps(findings, path))
    except OSError as exc:
        fail_at(InputError(path, f"not written: {exc.strerror or exc}"))
    report_errors(errors)
    typer.echo(f"wrote {count(len(findings), 'finding')} to {path}", err=True)
    raise typer.Exit(2 if errors else 0)
