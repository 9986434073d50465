"""`ecsinit-lint audit` against moto's ThreadedMotoServer over HTTP, through tests/awsproxy.py
(ECS's token buckets, paging and error shapes, and a log of every request)."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import boto3
import pytest
from moto.ecs.models import ecs_backends
from moto.server import ThreadedMotoServer
from typer.testing import CliRunner

from ecsinit_lint.cli.app import app

from .awsproxy import Proxy
from .readme import section

ACCOUNT = "123456789012"  # moto's account for the base credentials
ROOT = Path(__file__).parents[1]
BAD = {"name": "app", "image": "example/app", "memory": 128, "command": ["app", "serve"]}
GOOD = {**BAD, "linuxParameters": {"initProcessEnabled": True}}
WRITES = re.compile(r"^(Register|Deregister|Create|Update|Delete|Put|Tag|Untag|Submit|Run|Start|Stop)")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def moto_port():
    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield port
    server.stop()


@pytest.fixture(scope="module")
def proxy(moto_port):
    p = Proxy(moto_port, ACCOUNT)
    yield p
    p.shutdown()


@pytest.fixture
def env(proxy, tmp_path, monkeypatch):
    """Environment for an audit: AWS through the proxy, dummy credentials, a fresh cache."""
    proxy.reset()
    values = {
        "AWS_ENDPOINT_URL": proxy.url,
        "AWS_ACCESS_KEY_ID": "AKIAIOSFODNN7EXAMPLE",
        "AWS_SECRET_ACCESS_KEY": "dummy",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_CONFIG_FILE": str(tmp_path / "no-config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "no-credentials"),
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
        "ECSINIT_LINT_CACHE_DIR": str(tmp_path / "cache" / "ecsinit-lint"),
    }
    for key, value in values.items():
        monkeypatch.setenv(key, value)
    return {**os.environ, **values}


def audit(*args):
    """The audit in-process (the env fixture points boto3 at the proxy); stdin is no terminal."""
    result = CliRunner().invoke(app, ["audit", *args])
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result


def audit_json(*args) -> tuple[int, dict]:
    done = audit("--format", "json", *args)
    return done.exit_code, json.loads(done.stdout)


def direct(moto_port: int, service: str, region: str, creds: dict | None = None):
    """A client that talks to moto without the proxy: for setting up and inspecting state."""
    keys = creds or {"aws_access_key_id": "AKIAIOSFODNN7EXAMPLE", "aws_secret_access_key": "dummy"}
    return boto3.client(service, region_name=region, endpoint_url=f"http://127.0.0.1:{moto_port}", **keys)


def register(ecs, family: str, container: dict, tags=None) -> str:
    kwargs = {"tags": tags} if tags else {}
    return ecs.register_task_definition(family=family, containerDefinitions=[container], **kwargs)["taskDefinition"][
        "taskDefinitionArn"
    ]


def arn(region: str, name: str, account: str = ACCOUNT, kind: str = "task-definition") -> str:
    return f"arn:aws:ecs:{region}:{account}:{kind}/{name}"


def daemon_arn(region: str, name: str) -> str:
    return arn(region, name, kind="daemon-task-definition")


WORKERS = 105  # more than a page of ListServices even at its largest page size (100)


@pytest.fixture(scope="module")
def fleet(moto_port, proxy):
    """us-east-1: web:1 (old deployment) and web:2 (current) of service prod/web, web:3 clean and
    unused; worker:1 run by WORKERS services; legacy:1 deregistered but still run by prod/legacy;
    old:1 deregistered and unused (an INACTIVE family); batch:1 registered, unused. Daemon task
    definitions (the proxy's store): agent:1 and agent:2 both run by the daemon prod/agent in the
    middle of a deployment, agent:3 clean and unused; probe:1 unused.
    us-west-2: api:1 run by the daemon service edge/api, api:2 clean and unused."""
    east, west = direct(moto_port, "ecs", "us-east-1"), direct(moto_port, "ecs", "us-west-2")
    web1, web2 = register(east, "web", BAD), register(east, "web", BAD)
    register(east, "web", GOOD)
    worker, legacy, old = register(east, "worker", BAD), register(east, "legacy", BAD), register(east, "old", BAD)
    register(east, "batch", BAD)
    east.create_cluster(clusterName="prod")
    east.create_service(cluster="prod", serviceName="web", taskDefinition=web1, desiredCount=1)
    east.update_service(cluster="prod", service="web", taskDefinition=web2)  # moto keeps web:1's deployment
    backend = ecs_backends[ACCOUNT]["us-east-1"]  # quicker than a hundred HTTP calls
    for i in range(WORKERS):
        backend.create_service("prod", f"worker-{i:03}", 1, task_definition_str=worker)
    east.create_service(cluster="prod", serviceName="legacy", taskDefinition=legacy, desiredCount=1)
    east.deregister_task_definition(taskDefinition=legacy)
    east.deregister_task_definition(taskDefinition=old)
    api1 = register(west, "api", BAD, tags=[{"key": "team", "value": "edge"}])
    register(west, "api", GOOD)
    west.create_cluster(clusterName="edge")
    west.create_service(cluster="edge", serviceName="api", taskDefinition=api1, schedulingStrategy="DAEMON")
    store, key = proxy.daemons, "AKIAIOSFODNN7EXAMPLE"
    agents = [store.register(key, "us-east-1", "agent", [c], cpu="256", memory="512") for c in (BAD, BAD, GOOD)]
    store.register(key, "us-east-1", "probe", [BAD])
    store.create_daemon("us-east-1", "prod", "agent", agents[:2])
    return web1


AGENT = arn("us-east-1", "prod/agent", kind="daemon")
DAEMON_IN_USE = {daemon_arn("us-east-1", "agent:1"), daemon_arn("us-east-1", "agent:2")}
DAEMON_ALL = DAEMON_IN_USE | {daemon_arn("us-east-1", "probe:1")}
IN_USE = (
    {arn("us-east-1", n) for n in ("web:1", "web:2", "worker:1", "legacy:1")}
    | {arn("us-west-2", "api:1")}
    | DAEMON_IN_USE
)
LATEST = {arn("us-east-1", "worker:1"), arn("us-east-1", "batch:1"), daemon_arn("us-east-1", "probe:1")}
ALL = (
    {arn("us-east-1", n) for n in ("web:1", "web:2", "worker:1", "batch:1")} | {arn("us-west-2", "api:1")} | DAEMON_ALL
)
REGIONS = ("--region", "us-east-1", "--region", "us-west-2")


def flagged(report: dict) -> set[str]:
    return {f["origin"]["arn"] for f in report["findings"]}


@pytest.mark.parametrize(
    "args, unset, message",
    [
        (["--profile", "nope"], (), "The config profile (nope) could not be found"),
        ([], ("AWS_DEFAULT_REGION",), "no region: pass --region, --all-regions, or configure one for the profile"),
        (["--role-arn", "not-an-arn"], (), "not a role ARN: 'not-an-arn'"),
        (
            ["--role-arn", "arn:aws:iam::123:role/short-account"],
            (),
            "not a role ARN: 'arn:aws:iam::123:role/short-account'",
        ),
        (
            ["--cluster", "prod", "--scope", "all"],
            (),
            "--cluster applies only to --scope in-use (services and daemons run in clusters), not to --scope all",
        ),  # fmt: skip
        (
            ["--cluster", "prod", "--scope", "latest"],
            (),
            "--cluster applies only to --scope in-use (services and daemons run in clusters), not to --scope latest",
        ),  # fmt: skip
        (["--cluster", "nope", "--cluster", "prod"], (), "cluster not found in the audited regions: nope"),
        (
            ["--family-prefix", "nope"],
            (),
            "no revision a service or daemon runs is of a family starting with 'nope' in the audited regions",
        ),
        (
            ["--family-prefix", "nope", "--scope", "all"],
            (),
            "no ACTIVE revision is of a family starting with 'nope' in the audited regions",
        ),
        ([], ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"), "Unable to locate credentials"),
        (["--fix-out", "/dev/null/x"], (), "/dev/null/x: Not a directory"),
    ],
)
def test_usage_errors(fleet, env, monkeypatch, args, unset, message):
    """One line, exit 2, nothing on stdout."""
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")  # no credentials: do not wait for an instance's
    for name in unset:
        monkeypatch.delenv(name)
    done = audit(*REGIONS, *args) if "AWS_DEFAULT_REGION" not in unset else audit(*args)
    assert (done.exit_code, done.stderr, done.stdout) == (2, f"ecsinit-lint: error: {message}\n", "")


def test_help_names_the_cache_folder_of_check():
    text = " ".join(CliRunner().invoke(app, ["audit", "--help"], env={"COLUMNS": "300"}).stdout.split())
    assert "[env var: ECSINIT_LINT_CACHE_DIR]" in text and "[default: ~/.cache/ecsinit-lint]" in text


def test_output_file(fleet, env, tmp_path):
    """As for `check`: the report in --format to FILE, the text report on the console."""
    out = tmp_path / "audit.json"
    done = audit(*REGIONS, "--format", "json", "--output", str(out))
    assert done.exit_code == 1 and flagged(json.loads(out.read_text())) == IN_USE
    assert done.stdout == audit(*REGIONS).stdout
    failed = audit(*REGIONS, "--format", "json", "--output", str(tmp_path))
    assert (failed.exit_code, failed.stderr) == (2, f"ecsinit-lint: error: {tmp_path}: Is a directory\n")


def test_junit_has_a_testcase_per_revision_and_container(fleet, env):
    """Clean revisions too, as for `check`: a suite per revision, failures for the flagged."""
    import xml.etree.ElementTree as ET

    root = ET.fromstring(audit(*REGIONS, "--scope", "all", "--format", "junit").stdout)
    suites = {s.get("name"): s for s in root}
    clean = {arn("us-east-1", "web:3"), arn("us-west-2", "api:2"), daemon_arn("us-east-1", "agent:3")}
    assert suites.keys() == ALL | clean
    assert list(suites) == sorted(suites, key=lambda a: (a.split(":")[3], a.split("/")[-1].split(":")[0], a))
    for name, suite in suites.items():
        family = name.rsplit("/", 1)[-1].rsplit(":", 1)[0]
        cases = {c.get("name"): c.find("failure") for c in suite}
        assert cases.keys() == {f"{family} task definition", f"{family} container app"}
        assert (cases[f"{family} container app"] is not None) == (name in ALL)
    assert (root.get("tests"), root.get("failures")) == (str(2 * len(suites)), str(len(ALL)))


def test_check_never_imports_boto3():
    code = (
        "import sys\nfrom ecsinit_lint.cli.app import app\n"
        "try:\n    app(['check', 'examples'])\nexcept SystemExit as exit:\n    assert exit.code == 1, exit.code\n"
        "assert not {'boto3', 'botocore'} & set(sys.modules), 'boto3 imported'\n"
    )
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)


def test_in_use_across_regions(fleet, env, proxy):
    status, report = audit_json(*REGIONS, "--no-cache")
    assert status == 1 and report["errors"] == []
    assert flagged(report) == IN_USE
    by_arn = {f["origin"]["arn"]: f["origin"] for f in report["findings"]}
    assert by_arn[arn("us-east-1", "web:1")]["services"] == ["prod/web"]  # only its old deployment runs it
    assert by_arn[arn("us-east-1", "web:2")]["services"] == ["prod/web"]
    assert len(by_arn[arn("us-east-1", "worker:1")]["services"]) == WORKERS
    assert by_arn[arn("us-west-2", "api:1")] == {"arn": arn("us-west-2", "api:1"), "account": ACCOUNT,
                                                  "region": "us-west-2", "services": ["edge/api"], "daemons": []}  # fmt: skip
    for agent in DAEMON_IN_USE:  # both revisions of a daemon in the middle of a deployment
        assert (by_arn[agent]["services"], by_arn[agent]["daemons"]) == ([], [AGENT])
    assert {f["file"] for f in report["findings"]} == {None}
    assert report["summary"]["revisions"] == len(IN_USE)
    ops = proxy.operations()
    assert ops["ListServices"] == 3  # prod: two pages, edge: one
    assert ops["DescribeTaskDefinition"] == len(
        IN_USE - DAEMON_IN_USE
    )  # each revision once, however many services run it
    assert (ops["ListDaemons"], ops["DescribeDaemon"], ops["DescribeDaemonRevisions"]) == (2, 1, 1)  # prod, edge
    assert ops["DescribeDaemonTaskDefinition"] == len(DAEMON_IN_USE)


@pytest.mark.parametrize(
    "args, expected",
    [
        (["--scope", "latest"], LATEST),
        (["--scope", "all"], ALL),
        (["--scope", "all", "--family-prefix", "w"], {a for a in ALL if "/w" in a}),
        (["--cluster", "edge"], {arn("us-west-2", "api:1")}),
    ],
)
def test_scopes_and_filters(fleet, env, args, expected):
    status, report = audit_json(*REGIONS, *args)
    assert (status, report["errors"], flagged(report)) == (1, [], expected)


def test_text_csv_and_markdown(fleet, env):
    text = audit(*REGIONS)
    (line,) = [line for line in text.stdout.splitlines() if line.startswith(arn("us-east-1", "web:1"))]
    assert line.startswith(f"{arn('us-east-1', 'web:1')}: INIT001 `app` runs without an init")
    assert line.endswith("[*] (run by prod/web)")
    assert f"in {len(IN_USE)} revisions" in text.stdout
    assert (
        f"[*] {len(IN_USE)} fixable: write the fixed revisions with `--fix-out DIR`, register them with `--register`"
        in text.stdout
    )
    assert "fix --write" not in text.stdout
    (line,) = [line for line in text.stdout.splitlines() if line.startswith(daemon_arn("us-east-1", "agent:1"))]
    assert line.endswith(f"[*] (run by daemon {AGENT})")
    rows = list(csv.DictReader(io.StringIO(audit(*REGIONS, "--format", "csv").stdout)))
    assert {r["task_definition"] for r in rows} == IN_USE
    assert {(r["account"], r["region"], r["services"]) for r in rows if r["task_definition"].endswith("api:1")} == {
        (ACCOUNT, "us-west-2", "edge/api")
    }
    md = audit(*REGIONS, "--format", "markdown").stdout
    assert f"| {ACCOUNT} | us-east-1 | 6 | 0 | INIT001 ×6 |" in md
    assert f"| {ACCOUNT} | us-east-1 | daemon/prod/agent | agent:2 | INIT001 `app` runs without an init" in md
    assert f"| {ACCOUNT} | us-west-2 | edge/api | api:1 | INIT001 `app` runs without an init" in md


def test_gitlab_format(fleet, env):
    """`audit --format gitlab`: check's formats are the audit's; an issue's path is its revision's ARN."""
    issues = json.loads(audit(*REGIONS, "--format", "gitlab").stdout)
    assert {i["location"]["path"] for i in issues} == IN_USE
    assert {(i["check_name"], i["severity"]) for i in issues} == {("INIT001", "major")}
    assert len({i["fingerprint"] for i in issues}) == len(issues)


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
@pytest.mark.parametrize("format", ["text", "json", "sarif"])  # streamed a finding at a time, and whole
def test_a_full_disk_on_stdout_is_one_line_and_exit_2(fleet, env, format):
    with open("/dev/full", "w") as full:
        result = subprocess.run([sys.executable, "-m", "ecsinit_lint", "audit", *REGIONS, "--format", format],
                                env=env, stdout=full, stderr=subprocess.PIPE, text=True)  # fmt: skip
    assert (result.returncode, result.stderr) == (
        2,
        "ecsinit-lint: error: cannot write to standard output: No space left on device\n",
    )


def _policy(title: str) -> set[str]:
    """The actions of the IAM policy that docs/audit.md gives under `title`."""
    block = re.search(rf"{title}.*?```json\n(.*?)```", section("IAM policies", ROOT / "docs" / "audit.md"), re.S).group(
        1
    )
    return {a for statement in json.loads(block)["Statement"] for a in statement["Action"]}


def test_read_only_audit_calls_only_the_read_only_policy(fleet, env, proxy, tmp_path, moto_port):
    org = direct(moto_port, "organizations", "us-east-1")
    if not _has_org(org):
        org.create_organization(FeatureSet="ALL")
    audit(*REGIONS, "--fix-out", str(tmp_path / "fixed"))
    audit(*REGIONS, "--scope", "latest")
    audit("--all-regions", "--org-role", "EcsInitLintAudit", "--scope", "all")
    seen = {(service, op) for _, _, service, op in proxy.requests}
    assert not {op for _, op in seen if WRITES.match(op)}, "the audit wrote"
    allowed = _policy("Read-only audit")
    assert {f"{service}:{op}" for service, op in seen} <= allowed
    assert {"ecs:DescribeTaskDefinition", "ecs:ListServices", "ec2:DescribeRegions", "ecs:DescribeDaemon",
            "ecs:DescribeDaemonTaskDefinition", "ecs:ListDaemonTaskDefinitions"} <= {f"{s}:{o}" for s, o in seen}  # fmt: skip
    assert _policy("With `--register`, add") == allowed | {"ecs:RegisterTaskDefinition", "ecs:RegisterDaemonTaskDefinition",
                                                           "iam:PassRole"}  # fmt: skip


def _has_org(org) -> bool:
    try:
        org.describe_organization()
        return True
    except org.exceptions.AWSOrganizationsNotInUseException:
        return False


def test_cache_holds_daemon_definitions_only(fleet, env, proxy, tmp_path, monkeypatch):
    """A second audit describes no daemon task definition again (their describe has no tags), and
    every task definition again, with its tags, which TagResource changes. ECSINIT_LINT_CACHE_DIR
    is the cache folder, as for `check`."""
    monkeypatch.setenv("ECSINIT_LINT_CACHE_DIR", str(tmp_path / "shared"))
    first = audit_json(*REGIONS, "--scope", "all")
    ops = proxy.operations()
    assert ops["DescribeTaskDefinition"] == len(ALL - DAEMON_ALL) + 2  # the clean ones too
    assert ops["DescribeDaemonTaskDefinition"] == len(DAEMON_ALL) + 1
    assert len(list((tmp_path / "shared" / "task-definitions").glob("*.json"))) == len(DAEMON_ALL) + 1
    proxy.reset()
    assert audit_json(*REGIONS, "--scope", "all") == first
    assert proxy.operations()["DescribeTaskDefinition"] == ops["DescribeTaskDefinition"]
    assert proxy.operations()["DescribeDaemonTaskDefinition"] == 0


def test_tags_are_read_on_each_audit(moto_port, env, proxy, tmp_path):
    """A suppression tag added after a cached audit is honoured by the next one, and --fix-out
    writes the revision's tags as they are now."""
    region, ecs = "ap-northeast-1", direct(moto_port, "ecs", "ap-northeast-1")
    old = register(ecs, "tagged", BAD, tags=[{"key": "team", "value": "old"}])
    ecs.create_cluster(clusterName="tags")
    ecs.create_service(cluster="tags", serviceName="tagged", taskDefinition=old, desiredCount=1)
    cache, out = ["--cache-dir", str(tmp_path / "cache")], tmp_path / "fixed"
    status, report = audit_json("--region", region, *cache)
    assert (status, flagged(report)) == (1, {old})
    ecs.untag_resource(resourceArn=old, tagKeys=["team"])
    ecs.tag_resource(resourceArn=old, tags=[{"key": "team", "value": "new"}])
    assert audit("--region", region, "--fix-out", str(out), *cache).exit_code == 1
    assert json.loads((out / f"{ACCOUNT}_{region}_tagged_1.json").read_text())["tags"] == [
        {"key": "team", "value": "new"}
    ]
    ecs.tag_resource(resourceArn=old, tags=[{"key": "ecsinit-lint:ignore", "value": "INIT001"}])
    status, report = audit_json("--region", region, *cache)
    assert (status, report["findings"], report["summary"]["revisions"]) == (0, [], 1)


def test_errors_are_reported_and_the_rest_goes_on(fleet, env, proxy):
    proxy.deny |= {("ListClusters", "us-west-2"), ("DescribeTaskDefinition", "web:1")}
    done = audit(*REGIONS)
    assert done.exit_code == 2
    assert (f"{ACCOUNT}/us-west-2: error: services and daemons not audited: ListClusters: AccessDeniedException: "
            "not authorized") in done.stderr.splitlines()  # fmt: skip
    assert (f"{ACCOUNT}/us-east-1: error: {arn('us-east-1', 'web:1')}: not audited: DescribeTaskDefinition: "
            "AccessDeniedException: not authorized") in done.stderr.splitlines()  # fmt: skip
    assert done.stdout.endswith("Incomplete: 2 errors, listed on stderr\n")
    assert arn("us-east-1", "web:2") in done.stdout and "api:1" not in done.stdout
    status, report = audit_json(*REGIONS, "--allow-partial")
    assert status == 1
    assert {(e["account"], e["region"]) for e in report["errors"]} == {(ACCOUNT, "us-west-2"), (ACCOUNT, "us-east-1")}


# A listing call -> the scope it serves, the revisions that only it leads to, and how many parts
# (clusters, or regions) it fails for in the fleet.
LISTINGS = {
    "ListClusters": ("in-use", IN_USE, 2),
    "ListServices": ("in-use", IN_USE - DAEMON_IN_USE, 2),
    "DescribeServices": ("in-use", IN_USE - DAEMON_IN_USE, 2),
    "ListDaemons": ("in-use", DAEMON_IN_USE, 2),
    "DescribeDaemon": ("in-use", DAEMON_IN_USE, 1),  # only prod has a daemon
    "DescribeDaemonRevisions": ("in-use", DAEMON_IN_USE, 1),
    "ListTaskDefinitions": ("all", ALL - DAEMON_ALL, 2),
    "ListDaemonTaskDefinitions": ("all", DAEMON_ALL, 2),
    "ListTaskDefinitionFamilies": ("latest", LATEST - DAEMON_ALL, 2),
}


@pytest.mark.parametrize("call", LISTINGS)
def test_a_failed_listing_loses_only_what_it_lists(fleet, env, proxy, call):
    """Each listing call denied in turn: every revision another listing leads to is still
    reported, and each part not audited is one error line naming the call and the reason."""
    scope, lost, parts = LISTINGS[call]
    expected = {"in-use": IN_USE, "all": ALL, "latest": LATEST}[scope] - lost
    proxy.deny.add((call, ""))
    status, report = audit_json(*REGIONS, "--scope", scope, "--no-cache")
    assert (status, flagged(report)) == (2, expected)
    assert len(report["errors"]) == report["summary"]["errors"] == parts
    assert all(re.search(rf"not (all )?audited: {call}: AccessDeniedException: not authorized$", e["message"])
               for e in report["errors"])  # fmt: skip
    text = audit(*REGIONS, "--scope", scope, "--no-cache")
    lines = [line for line in text.stderr.splitlines() if ": error: " in line]
    assert len(lines) == parts and all(line.startswith(f"{ACCOUNT}/us-") and call in line for line in lines)
    assert text.stdout.endswith(f"Incomplete: {parts} error{'s' * (parts != 1)}, listed on stderr\n")
    assert audit_json(*REGIONS, "--scope", scope, "--no-cache", "--allow-partial")[0] == (1 if expected else 0)


def test_daemons_denied_names_the_cluster(fleet, env, proxy):
    """A read-only policy written before daemons existed: the services' findings stay."""
    proxy.deny.add(("ListDaemons", ""))
    done = audit(*REGIONS, "--no-cache")
    assert done.exit_code == 2
    assert (f"{ACCOUNT}/us-east-1: error: daemons of cluster prod not audited: ListDaemons: AccessDeniedException: "
            "not authorized") in done.stderr.splitlines()  # fmt: skip
    assert f"in {len(IN_USE - DAEMON_IN_USE)} revisions" in done.stdout


def test_plain_moto_without_the_daemon_api(moto_port, env, monkeypatch):
    """Stock moto has no daemon calls (it answers them with a 500 and an HTML page): the findings
    of the task definitions are reported, and the daemon listing is one line, without the page.
    moto's 500 is retried as any 500 is, ten times with backoff (half a minute): here twice."""
    from botocore.config import Config

    from ecsinit_lint.audit import aws

    monkeypatch.setattr(aws, "CONFIG", Config(retries={"mode": "adaptive", "max_attempts": 2}, max_pool_connections=32))
    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{moto_port}")
    region, ecs = "eu-south-1", direct(moto_port, "ecs", "eu-south-1")
    used, unused = register(ecs, "plain", BAD), register(ecs, "spare", BAD)
    ecs.create_cluster(clusterName="stock")
    ecs.create_service(cluster="stock", serviceName="plain", taskDefinition=used, desiredCount=1)
    for scope, expected, what in (("in-use", {used}, "daemons of cluster stock not audited: ListDaemons"),
                                  ("all", {used, unused}, "daemon task definitions not audited: ListDaemonTaskDefinitions")):  # fmt: skip
        done = audit("--region", region, "--scope", scope, "--no-cache")
        assert done.exit_code == 2
        assert done.stderr.splitlines() == [f"{ACCOUNT}/{region}: error: {what}: 500: Internal Server Error"]
        assert {line.split(": ")[0] for line in done.stdout.splitlines() if line.startswith("arn:")} == expected
        assert f"in {len(expected)} revision" in done.stdout
        status, report = audit_json("--region", region, "--scope", scope, "--no-cache", "--allow-partial")
        assert (status, flagged(report), len(report["errors"])) == (1, expected, 1)


def test_fix_out_and_register(moto_port, env, proxy, tmp_path):
    ecs = direct(moto_port, "ecs", "eu-north-1")
    tags = [{"key": "owner", "value": "shop-team"}]
    old = register(ecs, "shop", {**BAD, "command": ["sh", "-c", "migrate && exec shop"]}, tags)
    ecs.create_cluster(clusterName="main")
    ecs.create_service(cluster="main", serviceName="shop", taskDefinition=old, desiredCount=2)
    out = tmp_path / "fixed"

    done = audit("--region", "eu-north-1", "--fix-out", str(out))
    assert done.exit_code == 1
    assert f"wrote 1 revision to {out}" in done.stderr.splitlines()
    assert done.stdout.endswith("[*] 1 fixable: register the fixed revisions with `--register`\n")
    revision = json.loads((out / f"{ACCOUNT}_eu-north-1_shop_1.json").read_text())
    assert revision["containerDefinitions"][0]["linuxParameters"] == {"initProcessEnabled": True}
    assert revision["tags"] == tags and revision["family"] == "shop"
    assert not {"taskDefinitionArn", "revision", "status", "registeredAt", "compatibilities"} & revision.keys()

    refused = audit("--region", "eu-north-1", "--register")
    assert refused.exit_code == 2 and "--yes" in refused.stderr
    assert proxy.operations()["RegisterTaskDefinition"] == 0

    done = audit("--region", "eu-north-1", "--register", "--yes")
    new = arn("eu-north-1", "shop:2")
    assert done.exit_code == 1, done.stderr
    assert f"registered {new} (fixes {old})" in done.stdout
    assert (
        f"aws ecs update-service --region eu-north-1 --cluster main --service shop --task-definition {new}"
        in done.stdout
    )
    registered = ecs.describe_task_definition(taskDefinition=new, include=["TAGS"])
    assert registered["taskDefinition"]["containerDefinitions"][0]["linuxParameters"]["initProcessEnabled"] is True
    assert registered["tags"] == tags
    assert ecs.describe_services(cluster="main", services=["shop"])["services"][0]["taskDefinition"] == old
    assert {op for op in proxy.operations() if WRITES.match(op)} == {"RegisterTaskDefinition"}


def test_daemon_fix_out_and_register(moto_port, env, proxy, tmp_path):
    store, region = proxy.daemons, "ca-central-1"
    old = store.register(
        "AKIAIOSFODNN7EXAMPLE", region, "logs", [{**BAD, "command": ["sh", "-c", "exec fluent-bit"]}], cpu="256"
    )
    direct(moto_port, "ecs", region).create_cluster(clusterName="ops")
    daemon = store.create_daemon(region, "ops", "logs", [old])
    out = tmp_path / "fixed"

    assert audit("--region", region, "--fix-out", str(out)).exit_code == 1
    revision = json.loads((out / f"{ACCOUNT}_{region}_daemon_logs_1.json").read_text())
    assert revision == {"family": "logs", "cpu": "256", "containerDefinitions": [
        {**BAD, "command": ["sh", "-c", "exec fluent-bit"], "linuxParameters": {"initProcessEnabled": True}}]}  # fmt: skip

    done = audit("--region", region, "--register", "--yes")
    new = daemon_arn(region, "logs:2")
    assert f"registered {new} (fixes {old})" in done.stdout
    assert (
        f"aws ecs update-daemon --region {region} --daemon-arn {daemon} --daemon-task-definition-arn {new}"
        in done.stdout
    )
    registered = store.definitions["AKIAIOSFODNN7EXAMPLE", region][new]
    assert registered["containerDefinitions"][0]["linuxParameters"] == {"initProcessEnabled": True}
    assert {op for op in proxy.operations() if WRITES.match(op)} == {"RegisterDaemonTaskDefinition"}


def test_organization_roles(moto_port, env, proxy):
    org = direct(moto_port, "organizations", "us-east-1")
    if not _has_org(org):
        org.create_organization(FeatureSet="ALL")
    ids = [org.create_account(Email=f"{n}@example.com", AccountName=n)["CreateAccountStatus"]["AccountId"]
           for n in ("alpha", "beta", "locked")]  # fmt: skip
    sts = direct(moto_port, "sts", "ap-south-1")
    for account in ids[:2]:
        c = sts.assume_role(RoleArn=f"arn:aws:iam::{account}:role/Setup", RoleSessionName="setup")["Credentials"]
        keys = {"aws_access_key_id": c["AccessKeyId"], "aws_secret_access_key": c["SecretAccessKey"],
                "aws_session_token": c["SessionToken"]}  # fmt: skip
        ecs = direct(moto_port, "ecs", "ap-south-1", keys)
        ecs.create_cluster(clusterName="c")
        ecs.create_service(cluster="c", serviceName="s", taskDefinition=register(ecs, "svc", BAD), desiredCount=1)
    proxy.deny.add(("AssumeRole", ids[2]))

    status, report = audit_json("--org-role", "Audit", "--region", "ap-south-1")
    assert status == 2
    assert flagged(report) == {arn("ap-south-1", "svc:1", a) for a in ids[:2]}
    assert report["errors"] == [
        {"account": ids[2], "region": "-", "message": "account not audited: AssumeRole: AccessDenied: not authorized"}
    ]
    done = audit("--org-role", "Audit", "--region", "ap-south-1")
    assert f"{ids[2]}: error: account not audited: AssumeRole: AccessDenied: not authorized" in done.stderr.splitlines()
    status, report = audit_json("--role-arn", f"arn:aws:iam::{ids[1]}:role/Audit", "--region", "ap-south-1")
    assert (status, flagged(report)) == (1, {arn("ap-south-1", "svc:1", ids[1])})


def test_role_session_shorter_than_the_audit(env, proxy):
    """Role sessions that must be refreshed every second (the proxy refuses their keys 5 s after
    they were issued): an audit of 8.5 s or more assumes the role again and loses nothing."""
    account, region = "210987654321", "sa-east-1"
    backend = ecs_backends[account][region]
    expected = {backend.register_task_definition(f"job-{i:03}", [BAD]).arn for i in range(220)}  # 8.5 s at 20/s
    proxy.role_seconds = 1.0
    status, report = audit_json("--role-arn", f"arn:aws:iam::{account}:role/Audit", "--region", region,
                                "--scope", "all", "--no-cache")  # fmt: skip
    assert report["errors"] == [] and (status, flagged(report)) == (1, expected)
    assert proxy.operations()["AssumeRole"] >= 3 and not proxy.expired


PEAK = """
import sys, tracemalloc
from ecsinit_lint.audit import ratelimit
ratelimit.RATES = {g: (1e9, 1e9) for g in ratelimit.RATES}  # measure memory, not the rate
from ecsinit_lint.cli.app import app
tracemalloc.start()
try:
    app(["audit", "--scope", "all", "--no-cache", "--region", sys.argv[1], "--format", "json"])
except SystemExit:
    pass
print(tracemalloc.get_traced_memory()[1])
"""


def test_memory_is_flat_in_the_number_of_revisions(env, proxy):
    """Every revision flagged, --scope all, JSON to a pipe: the peak of the Python heap hardly grows
    from 300 to 1,800 revisions. (Measured by hand, peak RSS: see docs/audit.md.)"""
    peaks = {}
    for n, region in ((300, "eu-west-1"), (1800, "eu-west-2")):
        for i in range(n):
            proxy.daemons.register("AKIAIOSFODNN7EXAMPLE", region, f"fam-{i // 10:04}", [BAD])
        done = subprocess.run(
            [sys.executable, "-c", PEAK, region], env=env, capture_output=True, timeout=300, check=True
        )
        assert done.stdout.count(b'"code": "INIT001"') == n
        peaks[n] = int(done.stdout.splitlines()[-1])
    print(f"\npeak Python heap: {peaks}")
    assert peaks[1800] - peaks[300] < 2_000_000


# The rate tests: 2,000 in-use revisions (1,000 services, each with an old deployment) in one
# account-region. At the real rates (20 describes/s) the floor is 100 s; the proxy and the audit
# both scale the bucket rates and bursts by SCALE, which keeps the floor ratio the same. SCALE is
# bounded by what moto serves through the proxy (about 9 ms of CPU a call). Measured on 2 cores
# under a load average of 8: 49.0 s against a 50.0 s floor (0.98x), 1 call throttled.
BIG_REGION, SERVICES, SCALE = "eu-central-1", 1000, 2.0
RUN = """
import json, sys, time, boto3
from ecsinit_lint.audit import ratelimit
from ecsinit_lint.audit.accounts import identity
from ecsinit_lint.audit.region import Options
from ecsinit_lint.audit.run import run
from ecsinit_lint.engine.registry import Selection
scale, region, prefix = float(sys.argv[1]), sys.argv[2], sys.argv[3]
limiter = ratelimit.Limiter({g: (b * scale, r * scale) for g, (b, r) in ratelimit.RATES.items()})
opts = Options(Selection(("ALL",), ()).rules(), family_prefix=prefix, limiter=limiter)
start = time.monotonic()
base = boto3.Session()
result = run(base, identity(base), opts, [region], False)
print(json.dumps({"seconds": time.monotonic() - start, "revisions": result.revisions,
                  "arns": [f.origin.arn for f in result.findings], "errors": [str(e) for e in result.errors]}))
"""


@pytest.fixture(scope="module")
def big(moto_port):
    """Built through moto's backend (thousands of HTTP calls would dominate the test time);
    the audit reads it over HTTP like the rest."""
    backend = ecs_backends[ACCOUNT][BIG_REGION]
    backend.create_cluster("big")
    expected = set()
    for i in range(SERVICES):
        family = f"svc-{i:04}"
        old, new = (backend.register_task_definition(family, [BAD]).arn for _ in range(2))
        backend.create_service("big", family, 1, task_definition_str=old)
        backend.update_service({"cluster": "big", "service": family, "task_definition": new})
        expected |= {old, new}
    return expected


def run_big(env, scale: float, family_prefix: str = "") -> dict:
    done = subprocess.run([sys.executable, "-c", RUN, str(scale), BIG_REGION, family_prefix], env=env,
                          capture_output=True, text=True, timeout=300, check=True)  # fmt: skip
    return json.loads(done.stdout)


def test_rate_floor(big, env, proxy):
    proxy.reset(scale=SCALE)
    result = run_big(env, SCALE)
    floor = len(big) / (20 * SCALE)
    print(f"\n{len(big)} in-use revisions at {20 * SCALE:.0f} describes/s: {result['seconds']:.1f} s, "
          f"floor {floor:.1f} s ({result['seconds'] / floor:.2f}x), throttled {dict(proxy.throttled)}")  # fmt: skip
    assert result["errors"] == [] and result["revisions"] == len(big)
    assert sorted(result["arns"]) == sorted(big)  # none lost, none twice
    assert proxy.operations()["DescribeTaskDefinition"] - sum(proxy.throttled.values()) == len(big)
    assert result["seconds"] <= 1.2 * floor


def test_no_loss_when_the_server_throttles(big, env, proxy):
    """At the real rates, a client three times too eager is throttled and loses nothing."""
    proxy.reset(scale=1.0)
    result = run_big(env, 3.0, "svc-01")
    expected = {a for a in big if "/svc-01" in a}
    print(f"\nthrottled {dict(proxy.throttled)}; {len(expected)} revisions in {result['seconds']:.1f} s")
    assert proxy.throttled["DescribeTaskDefinition"] > 0
    assert result["errors"] == [] and sorted(result["arns"]) == sorted(expected)


@pytest.mark.parametrize("tty", [True, False])
def test_progress_only_on_a_terminal(capsys, tty):
    from ecsinit_lint.audit.region import Progress

    progress = Progress(tty)
    progress.add("revisions", 3)
    progress.add("regions")
    progress.close()
    err = capsys.readouterr().err
    assert ("\r1 regions, 0 families, 3 revisions" in err) == tty and bool(err) == tty


THREADED_FIRST_PARSE = """
import threading
from ecsinit_lint.analysis import shell
start, verdicts = threading.Barrier(16), []
def judge():
    start.wait()
    try:
        verdicts.append(type(shell.parse("./migrate && exec node server.js")).__name__)
    except Exception as exc:
        verdicts.append(repr(exc))
threads = [threading.Thread(target=judge) for _ in range(16)]
for t in threads: t.start()
for t in threads: t.join()
print(sorted(set(verdicts)))
"""


def test_first_shell_parse_in_threads(tmp_path):
    """An audit lints revisions in threads: the first parses of a process all wait for bashlex
    to be set up (they read a half-imported package, and a false SIG010, before)."""
    for _ in range(3):
        done = subprocess.run([sys.executable, "-c", THREADED_FIRST_PARSE], capture_output=True, text=True, check=True,
                              env={**os.environ, "XDG_CACHE_HOME": str(tmp_path)})  # fmt: skip
        assert done.stdout.strip() == "['list']"


# --images: the digest ECS recorded for a service's tasks (or its service revision) is judged,
# not the image the tag names now. `app:1` was the shell form CMD `sh -c "./migrate && ./server"`
# in Debian (dash stays PID 1: SIG001) when the tasks started; the tag has since moved to an exec
# form CMD (no SIG001).
IMAGES_REGION = "ap-south-1"
DEBIAN = {"bin": ("symlink", "usr/bin"), "usr/": ("dir",), "usr/bin/": ("dir",), "usr/bin/sh": ("symlink", "dash")}


@pytest.fixture(scope="module")
def moved_tag(tmp_path_factory, moto_port, proxy):
    from . import imagetools as it

    registry = it.registry_or_skip(tmp_path_factory.mktemp("registry"))
    debian = {**DEBIAN, "usr/bin/dash": it.host_binary("dash")}
    ran = registry.push("app", "1", it.Built([debian], {"Cmd": ["/bin/sh", "-c", "./migrate && ./server"]}))
    now = registry.push("app", "1", it.Built([debian], {"Cmd": ["/server"]}))
    assert ran != now
    ecs = direct(moto_port, "ecs", IMAGES_REGION)
    container = {"name": "app", "image": f"{registry.host}/app:1", "memory": 128,
                 "linuxParameters": {"initProcessEnabled": False}, "stopTimeout": 3}  # fmt: skip
    revisions = {}
    for cluster, service in (("tasks", "web"), ("revisions", "web"), ("idle", "web")):
        revisions[cluster] = register(ecs, f"{cluster}-app", container)
        ecs.create_cluster(clusterName=cluster)
        ecs.create_service(cluster=cluster, serviceName=service, taskDefinition=revisions[cluster], desiredCount=1)
    proxy.tasks.run(IMAGES_REGION, "tasks", "web", revisions["tasks"], {"app": ran}, time.time() - 60)
    proxy.tasks.revise(IMAGES_REGION, "revisions", "web", revisions["revisions"], {"app": (container["image"], ran)})
    yield revisions
    registry.stop()


def _sig001(report: dict) -> set[str]:
    return {f["origin"]["arn"] for f in report["findings"] if f["code"] == "SIG001"}


def test_images_judges_the_digest_that_runs(moved_tag, env, proxy):
    """A running task's digest and a service revision's digest are judged; a service with
    neither (no task running) is judged by its tag, as `check --images` would."""
    args = ("--region", IMAGES_REGION, "--no-cache", "--images")
    status, report = audit_json(*args)
    assert status == 1 and report["errors"] == []
    assert _sig001(report) == {moved_tag["tasks"], moved_tag["revisions"]}
    (sig,) = [f for f in report["findings"] if f["code"] == "SIG001" and f["origin"]["arn"] == moved_tag["tasks"]]
    assert "(the image's CMD `/bin/sh -c ./migrate && ./server`)" in sig["message"]
    ops = proxy.operations()
    assert ops["ListTasks"] == 3 and ops["DescribeTasks"] == 1 and ops["DescribeServiceRevisions"] == 1
    from ecsinit_lint.audit.ratelimit import GROUPS

    ecs = {op for _, _, service, op in proxy.requests if service == "ecs"}
    assert ecs <= set(GROUPS) and {f"ecs:{op}" for op in ecs} <= _policy("Read-only audit")  # each call has its bucket
    status, report = audit_json("--region", IMAGES_REGION, "--no-cache")
    assert _sig001(report) == set()  # without --images the task definition alone says nothing of the CMD


@pytest.mark.parametrize(
    "call, clusters", [("ListTasks", ["idle", "revisions", "tasks"]), ("DescribeTasks", ["tasks"])]
)
def test_images_when_the_tasks_cannot_be_read(moved_tag, env, proxy, call, clusters):
    """A denied task read is one note per cluster that asked, the images there are judged by tag
    (a service revision's digest still counts), and the audit is whole (exit 1: findings, no
    error). Under --images-required each is an error (exit 2)."""
    proxy.deny.add((call, ""))
    done = audit("--region", IMAGES_REGION, "--no-cache", "--images")
    assert done.exit_code == 1, done.output
    said = [f"running tasks of cluster {c} not read, their images judged by tag: {call}: AccessDeniedException: "
            "not authorized" for c in clusters]  # fmt: skip
    assert sorted(line for line in done.stderr.splitlines() if "not read" in line) == [
        f"{ACCOUNT}/{IMAGES_REGION}: note: {m}" for m in said
    ]
    assert f"in {len(moved_tag)} revisions" in done.stdout
    status, report = audit_json("--region", IMAGES_REGION, "--no-cache", "--images")
    assert (status, _sig001(report), report["errors"]) == (1, {moved_tag["revisions"]}, [])
    status, report = audit_json("--region", IMAGES_REGION, "--no-cache", "--images-required")
    assert status == 2 and sorted(e["message"] for e in report["errors"]) == said


def test_a_running_tasks_digest_wins_and_the_newest_one():
    from ecsinit_lint.audit.running import Digests

    digests, web = Digests(), arn("us-east-1", "web:1")
    digests.add(web, "app", "sha256:" + "a" * 64, (0, "2026-12-02 05:00:00+00:00"))  # the service revision's
    digests.add(web, "app", "sha256:" + "b" * 64, (1, "2026-12-01 05:00:00+00:00"))  # an older task
    assert digests.of(web) == {"app": "sha256:" + "b" * 64}
    digests.add(web, "app", "sha256:" + "c" * 64, (1, "2026-12-02 05:00:00.5+00:00"))  # the newest task
    digests.add(web, "app", "sha256:" + "d" * 64, (1, "2026-12-02 05:00:00+00:00"))
    assert digests.of(web) == {"app": "sha256:" + "c" * 64} and digests.of("other") == {}
