"""`ecsinit-lint audit`: lint the task definitions of live AWS accounts."""

import enum
import os
import sys

import typer

from ..audit.formats import AUDIT_FORMATS, STREAMED
from ..core.findings import FailOn
from ..engine.linter import applicable
from ..output import report
from .app import (
    AuditImages,
    Config,
    FailOnFlag,
    Ignore,
    ImageOptions,
    ImagesRequired,
    Insecure,
    Output,
    RefreshImages,
    Select,
    Unsafe,
    app,
    count,
    emit,
    fail,
    make_configs,
)

AuditFormat = enum.Enum("AuditFormat", {name: name for name in AUDIT_FORMATS}, type=str)
Scope = enum.Enum("Scope", {name: name for name in ("in-use", "latest", "all")}, type=str)


@app.command(name="audit")
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
    output: str | None = Output,
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
        fail("--register needs a terminal to confirm, or --yes")
    if cluster and scope.value != "in-use":
        fail(
            "--cluster applies only to --scope in-use (services and daemons run in clusters), "
            f"not to --scope {scope.value}"
        )
    for arn in role_arn or ():
        if not ROLE_ARN.fullmatch(arn):
            fail(f"not a role ARN: {arn!r}")
    image_options = ImageOptions(images, images_required, None, refresh_images, insecure_registry)
    configs = make_configs(config, select, ignore, fail_on=fail_on, unsafe_fixes=unsafe_fixes,
                       images=image_options.mode)  # fmt: skip
    settings = configs.for_path(None)  # the configuration found from the working directory
    rules, unsafe_fixes = settings.rules("-"), settings.unsafe_fixes
    try:
        base = session(profile)
    except botocore.exceptions.ProfileNotFound as exc:
        fail(str(exc))
    regions = region or ([base.region_name] if base.region_name else [])
    if not regions and not all_regions:
        fail("no region: pass --region, --all-regions, or configure one for the profile")
    try:
        me = identity(base)
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as exc:
        fail(reason(exc))  # no account can be read with these credentials
    if fix_out:
        try:
            os.makedirs(fix_out, exist_ok=True)
        except OSError as exc:
            fail(f"{fix_out}: {exc.strerror or exc}")
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
        fail(f"cluster not found in the audited regions: {', '.join(missing)}")
    if family_prefix and not result.revisions and not result.errors:  # a typo must not pass as clean
        which = "revision a service or daemon runs" if scope.value == "in-use" else "ACTIVE revision"
        fail(f"no {which} is of a family starting with {family_prefix!r} in the audited regions")
    fixable = lambda f: applicable(f, unsafe_fixes)  # noqa: E731
    rendered = report.Report(result.findings, result.errors, result.revisions, fixable, sys.stdout.isatty(), "revision",
                             documents=result.outlines, fix_hint=_audit_hint(fix_out, register))  # fmt: skip
    if output is not None:
        try:
            with open(output, "w", encoding="utf-8") as f:
                f.writelines(_audit_report(format.value, rendered))
        except OSError as exc:
            fail(f"{output}: {exc.strerror or exc}")
    if format.value == "text" or output is not None:
        for exc in result.errors:
            typer.echo(f"{exc.path}: error: {exc.message}", err=True)
    for note in result.notes:
        typer.echo(f"{note.path}: note: {note.message}", err=True)
    for chunk in _audit_report("text" if output is not None else format.value, rendered):
        emit(chunk)
    if fix_out:
        typer.echo(f"wrote {count(result.written, 'revision')} to {fix_out}", err=True)
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
                emit(text)
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
