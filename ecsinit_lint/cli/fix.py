"""`ecsinit-lint fix`: apply the fixes, print or write the fixed documents."""

import json
import os

import typer

from ..batch.parallel import Run, documents, own
from ..core.findings import Applicability
from ..engine.linter import lint
from ..errors import ConfigError, FixError, InputError
from ..output import report
from .app import (
    Config,
    Ignore,
    ImageArchive,
    ImageOptions,
    ImagesFlag,
    ImagesRequired,
    Insecure,
    KnownOnly,
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
    raise typer.Exit(fix_files(paths, show_diff, write, select, ignore, unsafe_fixes, config, known_only, quiet, stdin_filename,
                               image_options))  # fmt: skip


def fix_files(paths, show_diff, write, select, ignore, unsafe_fixes, config, known_only, quiet, stdin_filename,
         image_options: "ImageOptions", unread: bool = True) -> int:  # fmt: skip
    """`fix`; its exit status. Without `unread`, the files that could not be read are not
    reported (`check --fix`: the check reports them)."""
    from ..analysis.shellparser import cache_dir
    from ..fix.fixer import diff, fix, key, write_atomic  # jsonpatch: not on the `check` path

    if write and "-" in paths:
        fail("--write cannot rewrite stdin")
    configs = make_configs(config, select, ignore, unsafe_fixes=unsafe_fixes, images=image_options.mode)
    readers = image_options.readers(os.environ.get("ECSINIT_LINT_CACHE_DIR") or str(cache_dir()))
    unreadable: list[InputError] = []
    errors: list[InputError] = []  # the files that could not be fixed
    changed = remaining = 0
    try:
        files = list(inputs(paths, configs, known_only, stdin_filename))
        run = Run(files)
        for loaded in documents(files, configs):
            if isinstance(loaded, InputError):
                unreadable.append(loaded)
                continue
            raw, doc, settings = loaded
            rules = settings.rules(doc.path)
            reader = readers(settings.images) if settings.images else None
            conflicts: dict = {}  # the findings whose fixes undo each other, to fix by hand
            try:
                fixed, done = fix(doc, rules, settings.unsafe_fixes, conflicts, reader)
                if write and done:
                    write_atomic(doc.path, raw, fixed.edited([]))
            except (FixError, RecursionError, OSError) as exc:
                errors.append(InputError(doc.path, _not_fixed(exc)))
                remaining += len(own(lint(doc, rules, reader), doc, run))  # the file is left as it was
                continue
            except Exception as exc:  # a bug met on this file: its error, the others still fixed
                errors.append(report.crashed_on(doc.path, exc))
                continue
            changed += bool(done)
            left = own(lint(fixed, rules, reader), doc, run)
            remaining += len(left)
            # notes at the lines of the file as the command leaves it
            for f in left if write or not done else own(lint(doc, rules, reader), doc, run):
                manual = f.fix is not None and f.fix.applicability is Applicability.MANUAL
                why = conflicts.get(key(f)) or (manual and doc.by_hand(f.pointer))
                if why:
                    where = f"`{f.container}`" if f.container else "the container"
                    typer.echo(f"{f.location.display}: note: {f.fix.title} in {where} by hand ({why})", err=True)
            if show_diff:
                emit(diff(doc, fixed))
            elif not write:
                emit(_printable(fixed))
    except ConfigError as exc:
        fail_at(exc)
    report_errors((unreadable if unread else []) + errors)
    if not quiet:  # one wording: files on disk change only with --write
        verb = "fixed" if write else "would fix"
        typer.echo(f"{verb} {count(changed, 'file')}; {count(remaining, 'finding')} left", err=True)
    if readers.report() or unreadable or errors:
        return 2
    return 1 if show_diff and changed else 0


def _not_fixed(exc: Exception) -> str:
    if isinstance(exc, RecursionError):  # parsable, but too deep for the copies a JSON Patch makes
        return "JSON nested too deeply to fix; file left as it was"
    if isinstance(exc, OSError):
        return f"not written: {exc.strerror or exc}"
    return str(exc)


def _printable(doc) -> str:
    if doc.kind == "describe":
        return json.dumps(doc.registerable(doc.data), indent=2, ensure_ascii=False) + "\n"
    return doc.edited([])
