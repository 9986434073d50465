"""The command line: `ecsinit-lint check|fix|audit|rules|rule`. This module holds the typer app,
`main`, and what the commands share (options, output, errors); each command is a module of its own
(cli/check.py, fix.py, audit.py, rules.py), imported only when a run names it.

Exit status: 0 no findings at or above --fail-on, 1 findings, 2 an input or usage error.
"""

# No `from __future__ import annotations`: typer would evaluate every parameter's annotation
# from its string on each run (half of building the commands, ~2 ms).
import errno
import importlib
import io
import os
import sys
from typing import NamedTuple

import typer
import typer.main
from typer.core import TyperGroup

from .. import __version__
from ..engine.config import Configs
from ..engine.registry import Selection
from ..errors import InputError
from ..inputs.sources import SUFFIXES, StdinPath, expand
from ..output import report

# command name -> its module in this package: imported, and made a click command, when named
COMMANDS = {"check": "check", "fix": "fix", "audit": "audit", "rules": "rules", "rule": "rules"}


class _Guarded(TyperGroup):
    """The commands behind a last-resort handler: an exception none of them expected is one line
    and exit status 2, never a traceback (whose status, 1, would read as findings). typer makes
    a click command of every command it knows on each run, though a run needs only the one it
    names: the commands are made here, one at a time, when asked for (a tenth of what a one-file
    check adds to importing typer)."""

    def list_commands(self, ctx) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx, name: str):
        if name not in self.commands and name in COMMANDS:
            importlib.import_module(f"{__package__}.{COMMANDS[name]}")  # its module registers it
            (info,) = (c for c in app.registered_commands if c.name == name)
            self.commands[name] = typer.main.get_command_from_info(
                info, pretty_exceptions_short=app.pretty_exceptions_short, rich_markup_mode=app.rich_markup_mode
            )
        return self.commands.get(name)

    def resolve_command(self, ctx, args):
        if args and args[0] not in COMMANDS:  # a typo: all the commands, to suggest one
            for name in COMMANDS:
                self.get_command(ctx, name)
        return super().resolve_command(ctx, args)

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


def emit(text: str, colour: bool | None = None) -> None:
    """Print to standard output; a failed write (a full disk) is one line and exit status 2.
    ANSI colour is kept only with `colour` or on a terminal."""
    try:
        typer.echo(text, nl=False, color=colour)
    except BrokenPipeError:
        raise  # the guard's
    except OSError as exc:
        _drop_stdout()
        fail(f"cannot write to standard output: {exc.strerror or exc}")


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
Output = typer.Option(
    None, "--output", "-o", help="Write the report in --format to FILE; the console gets the text report"
)
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
                fail(f"--image {item!r}: expected NAME=PATH")
            if not os.path.exists(path):
                fail(f"--image {item!r}: no such file or directory: {path}")
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
                fail(f"--image: not an image reference: {exc}")
        return self.reader

    def report(self) -> bool:
        """Say the notes (errors when required); whether a required image could not be read."""
        if self.reader is None:
            return False
        self.reader.close()
        for note in self.reader.notes:
            typer.echo(f"ecsinit-lint: {'error' if self.required else 'note'}: {note}", err=True)
        return self.required and bool(self.reader.failed)


class ImageOptions(NamedTuple):
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


def selectors(values) -> tuple[str, ...] | None:
    """The comma-separated selectors of a repeated option, None when it was not given."""
    found = tuple(s for v in values or () for s in v.split(",") if s.strip())
    unknown = Selection(found, ()).unknown()
    if unknown:
        fail(f"unknown rule selector: {', '.join(unknown)} (see `ecsinit-lint rules`)")
    return found or None


def make_configs(config, select, ignore, **overrides) -> Configs:
    """The configuration files, with the CLI flags given overriding them."""
    try:
        return Configs(config, select=selectors(select), ignore=selectors(ignore), **overrides)
    except InputError as exc:
        fail_at(exc)


def fail(message: str):
    typer.echo(f"ecsinit-lint: error: {message}", err=True)
    raise typer.Exit(2)


def fail_at(exc: InputError):
    typer.echo(f"{exc.path}:{exc.line}:{exc.column}: error: {exc.message}", err=True)
    raise typer.Exit(2)


def inputs(paths, configs: Configs, known_only: bool, stdin_name: str | None = None):
    """The files to lint: directories walked without what the configuration excludes; with
    `known_only`, named files of a suffix no input format reads are skipped (pre-commit).
    Standard input goes by `stdin_name` when given."""
    if known_only:
        paths = [p for p in paths if p == "-" or os.path.isdir(p) or os.path.splitext(p)[1].lower() in SUFFIXES]
    files = expand(paths, skip=lambda p: configs.for_path(p).excluded(p))
    return (StdinPath(stdin_name) if p == "-" and stdin_name else p for p in files)


def report_errors(errors) -> None:
    for exc in errors:
        typer.echo(f"{exc.path}:{exc.line}:{exc.column}: error: {exc.message}", err=True)


def count(n: int, noun: str) -> str:
    return f"{n} {noun}{'s' * (n != 1)}"


def _version(value: bool):
    if value:
        emit(f"ecsinit-lint {__version__}\n")
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
    try:
        app(prog_name="ecsinit-lint")
    except Exception as exc:  # before a command ran: in an option's callback
        sys.exit(_crashed(exc))
