"""`check --images` and `fix --images` as users meet them: the CLI in a subprocess against a real
registry (Debian's docker-registry on 127.0.0.1, images built in tests/imagetools.py), a `docker
save` archive for CI before the push, the findings cache and the notes of unreadable images."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import jsonpatch
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from . import imagetools as it

DEBIAN = {"bin": ("symlink", "usr/bin"), "usr/": ("dir",), "usr/bin/": ("dir",), "usr/bin/dash": it.host_binary("dash"),
          "usr/bin/sh": ("symlink", "dash")}  # fmt: skip
ALPINE = {"bin/": ("dir",), "bin/busybox": it.host_binary("busybox"), "bin/sh": ("symlink", "/bin/busybox")}
JENKINS_SH = b'#!/bin/bash\nexec java -jar /usr/share/jenkins/jenkins.war "$@"\n'
TINI = ["/usr/bin/tini", "--", "/usr/local/bin/jenkins.sh"]


@pytest.fixture(scope="module")
def registry(tmp_path_factory):
    r = it.registry_or_skip(tmp_path_factory.mktemp("registry"))
    jenkins = it.Built([DEBIAN, {"usr/bin/tini": it.host_binary("tini"), "usr/local/bin/jenkins.sh": JENKINS_SH}],
                       {"Entrypoint": TINI, "StopSignal": "SIGTERM"})  # fmt: skip
    r.push("jenkins", "lts", jenkins)
    r.push(
        "s6", "1", it.Built([ALPINE, {"init": b'#!/bin/sh\nexec s6-overlay-suexec "$@"\n'}], {"Entrypoint": ["/init"]})
    )
    shell_form = {"Cmd": ["/bin/sh", "-c", "./migrate && ./server"], "StopSignal": "SIGQUIT"}
    r.push("alpine-app", "1", it.Built([ALPINE], shell_form))
    r.push("debian-app", "1", it.Built([DEBIAN], shell_form))
    r.push_index(
        "multi",
        "1",
        [
            it.Built([DEBIAN], {"Entrypoint": TINI}, oci=True),  # linux/amd64 starts tini, arm64 not
            it.Built([DEBIAN], {"Cmd": ["/usr/local/bin/app"]}, oci=True, platform=("linux", "arm64")),
        ],
    )
    yield r
    r.stop()


def run(tmp_path, *args, **env_extra):
    env = {**os.environ, "ECSINIT_LINT_CACHE_DIR": str(tmp_path / "cache"), "DOCKER_CONFIG": str(tmp_path / "docker"),
           **env_extra}  # fmt: skip
    return subprocess.run(
        [sys.executable, "-m", "ecsinit_lint", *args], capture_output=True, text=True, env=env, timeout=120
    )


def taskdef(tmp_path, *containers, name="task.json", **task) -> str:
    path = tmp_path / name
    path.write_text(json.dumps({"family": "app", **task, "containerDefinitions": list(containers)}, indent=2))
    return str(path)


def findings(result) -> list[dict]:
    assert result.returncode in (0, 1), result.stderr
    return json.loads(result.stdout)["findings"]


def codes(result) -> list[str]:
    return sorted(f["code"] for f in findings(result))


def test_an_init_in_the_image_entrypoint_is_no_init001(registry, tmp_path):
    path = taskdef(tmp_path, {"name": "jenkins", "image": f"{registry.host}/jenkins:lts"})
    assert "INIT001" in codes(
        run(tmp_path, "check", path, "--format", "json", "--no-cache")
    )  # the task definition alone
    assert codes(run(tmp_path, "check", path, "--format", "json", "--no-cache", "--images")) == []


def test_an_entrypoint_that_drops_the_images_tini_is_init006(registry, tmp_path):
    path = taskdef(
        tmp_path,
        {"name": "jenkins", "image": f"{registry.host}/jenkins:lts", "entryPoint": ["/usr/local/bin/jenkins.sh"]},
    )
    (found,) = findings(run(tmp_path, "check", path, "--format", "json", "--no-cache", "--images"))
    assert found["code"] == "INIT006" and found["pointer"] == "/containerDefinitions/0/entryPoint"
    assert f"ENTRYPOINT `{' '.join(TINI)}`, dropping its `tini`" in found["message"]
    assert found["fix"]["applicability"] == "safe"
    fixed = run(tmp_path, "fix", path, "--images")
    assert fixed.returncode == 0, fixed.stderr
    container = json.loads(fixed.stdout)["containerDefinitions"][0]
    assert container["linuxParameters"] == {"initProcessEnabled": True} and container["entryPoint"] == [
        "/usr/local/bin/jenkins.sh"
    ]
    # without images the same file is INIT001, as before
    assert codes(run(tmp_path, "check", path, "--format", "json", "--no-cache")) == ["INIT001"]


@pytest.mark.parametrize(
    "runtime, expect",
    [
        (None, []),
        ({"cpuArchitecture": "X86_64"}, []),
        ({"cpuArchitecture": "ARM64", "operatingSystemFamily": "LINUX"}, ["INIT001"]),
    ],
)
def test_the_platform_comes_from_runtime_platform(registry, tmp_path, runtime, expect):
    task = {"runtimePlatform": runtime} if runtime else {}
    path = taskdef(tmp_path, {"name": "app", "image": f"{registry.host}/multi:1"}, **task)
    assert codes(run(tmp_path, "check", path, "--format", "json", "--no-cache", "--images")) == expect


def test_s6_init_from_the_image_with_the_flag_on_is_init002(registry, tmp_path):
    path = taskdef(
        tmp_path, {"name": "web", "image": f"{registry.host}/s6:1", "linuxParameters": {"initProcessEnabled": True}}
    )
    assert codes(run(tmp_path, "check", path, "--format", "json", "--no-cache")) == []
    (found,) = findings(run(tmp_path, "check", path, "--format", "json", "--no-cache", "--images"))
    assert found["code"] == "INIT002" and "(the image's ENTRYPOINT `/init`)" in found["message"]
    fixed = run(tmp_path, "fix", path, "--images")
    assert json.loads(fixed.stdout)["containerDefinitions"][0]["linuxParameters"] == {"initProcessEnabled": False}


@pytest.mark.parametrize("image, flagged", [("debian-app", True), ("alpine-app", False)])
def test_a_shell_form_cmd_is_judged_by_which_sh_the_image_has(registry, tmp_path, image, flagged):
    """dash stays PID 1 as the parent of `./server`; busybox ash execs the last command
    (pid1-facts §4; tests/test_pid1_kernel.py runs both)."""
    path = taskdef(tmp_path, {"name": "app", "image": f"{registry.host}/{image}:1",
                              "linuxParameters": {"initProcessEnabled": False}, "stopTimeout": 3})  # fmt: skip
    found = findings(run(tmp_path, "check", path, "--format", "json", "--no-cache", "--images"))
    sig = [f for f in found if f["code"] == "SIG001"]
    if flagged:
        (sig,) = sig
        assert (
            "dropping SIGQUIT" in sig["message"]
            and "(the image's CMD `/bin/sh -c ./migrate && ./server`)" in sig["message"]
        )
        assert sig["pointer"] == "/containerDefinitions/0/image" and sig["fix"] is None  # the cure is in the image
    else:
        assert sig == []
    (stop,) = [f for f in found if f["code"] == "STOP001"]
    assert "3 s between SIGQUIT and SIGKILL" in stop["message"]  # the image's STOPSIGNAL is what ECS sends


def test_an_unreadable_image_is_a_note_and_the_task_definition_is_judged_alone(registry, tmp_path):
    path = taskdef(tmp_path, {"name": "gone", "image": f"{registry.host}/missing:1"},
                   {"name": "down", "image": f"127.0.0.1:{it.free_port()}/app:1"})  # fmt: skip
    before = run(tmp_path, "check", path, "--format", "json", "--no-cache")
    result = run(tmp_path, "check", path, "--format", "json", "--no-cache", "--images")
    assert result.returncode == 1 and result.stdout == before.stdout
    notes = result.stderr.splitlines()
    assert len(notes) == 2 and all(
        n.startswith("ecsinit-lint: note: 127.0.0.1:") and n.endswith("judged from the task definition alone")
        for n in notes
    )
    required = run(tmp_path, "check", path, "--format", "json", "--no-cache", "--images=required")
    assert required.returncode == 2 and required.stderr.count("ecsinit-lint: error: ") == 2
    (tmp_path / ".ecsinit-lint.toml").write_text('images = "required"\n')
    assert run(tmp_path, "check", path, "--no-cache").returncode == 2


def test_an_image_from_a_docker_save_archive_before_the_push(tmp_path):
    image = it.Built(
        [DEBIAN, {"usr/bin/tini": it.host_binary("tini"), "usr/local/bin/jenkins.sh": JENKINS_SH}], {"Entrypoint": TINI}
    )
    archive = it.docker_save(tmp_path / "jenkins.tar", image, ["example/jenkins:next"])
    path = taskdef(tmp_path, {"name": "jenkins", "image": "example/jenkins:next"})
    result = run(tmp_path, "check", path, "--format", "json", "--images", "--image", f"example/jenkins:next={archive}")
    assert codes(result) == [] and result.stderr == ""  # nothing asked of a registry
    bad = run(tmp_path, "check", path, "--images", "--image", "example/jenkins:next")
    assert bad.returncode == 2 and "expected NAME=PATH" in bad.stderr


def test_a_warm_run_costs_no_request_and_findings_made_without_images_are_not_reused(registry, tmp_path):
    gate = it.gate(registry.host)  # counts the requests on their way to the registry
    try:
        host = gate.host
        paths = [
            taskdef(tmp_path, {"name": "jenkins", "image": f"{host}/jenkins:lts"}, name=f"t{i:03}.json")
            for i in range(120)
        ]
        plain = run(tmp_path, "check", *paths, "--format", "json")  # fills the findings cache, without images
        assert len(findings(plain)) == 120 and gate.requests == []
        cold = run(tmp_path, "check", *paths, "--format", "json", "--images")
        assert findings(cold) == [] and gate.requests, cold.stderr
        sent = len(gate.requests)
        warm = run(tmp_path, "check", *paths, "--format", "json", "--images")
        assert findings(warm) == [] and len(gate.requests) == sent
        refreshed = run(tmp_path, "check", *paths, "--format", "json", "--images", "--refresh-images")
        assert findings(refreshed) == [] and [m for m, *_ in gate.requests[sent:]] == [
            "HEAD"
        ]  # the tag again, nothing else
        assert len(findings(run(tmp_path, "check", *paths, "--format", "json"))) == 120  # and back, from the cache
    finally:
        gate.stop()


def test_without_images_nothing_of_the_image_layer_is_imported(tmp_path):
    path = taskdef(tmp_path, {"name": "app", "image": "nginx"})
    code = ("import sys; from ecsinit_lint.cli.app import main; sys.argv = ['ecsinit-lint', 'check', %r, '--no-cache']\n"
            "try: main()\nexcept SystemExit: pass\n"
            "assert not [m for m in sys.modules if m.startswith('ecsinit_lint.images')], sorted(sys.modules)") % path  # fmt: skip
    assert subprocess.run([sys.executable, "-c", code], capture_output=True).returncode == 0


# -- the class: a verdict on an argv the document does not wholly hold

WORDS = st.sampled_from([
    ["/usr/bin/tini", "--"], ["tini", "-s", "--"], ["dumb-init"], ["/init"], ["docker-entrypoint.sh"],
    ["sh", "-c", "./migrate && ./server"], ["/bin/sh", "-c", "exec app"], ["su", "app", "-c", "server"],
    ["gosu", "app"], ["app", "--serve"], ["tail", "-f", "/dev/null"], ["bash", "-c", "app"],
])  # fmt: skip


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(image_ep=st.none() | WORDS, image_cmd=st.none() | WORDS, entry=st.none() | WORDS, command=st.none() | WORDS,
       flag=st.sampled_from([None, True, False]))  # fmt: skip
def test_every_fix_made_with_an_image_applies_to_the_document_as_it_is(
    tmp_path_factory, image_ep, image_cmd, entry, command, flag
):
    """Whatever the image and the task definition say, a fix offered with --images is a patch on
    the document's own values (its tests hold, it never rewrites the image or a whole argv list
    that the image completes), fixing converges, and an image that sets no ENTRYPOINT or CMD
    changes no finding."""
    from ecsinit_lint.engine.linter import lint
    from ecsinit_lint.engine.registry import Selection
    from ecsinit_lint.fix.fixer import fix
    from ecsinit_lint.images.reader import Reader
    from ecsinit_lint.inputs.sources import load

    tmp = tmp_path_factory.mktemp("prop")
    container = {"name": "app", "image": "example/app:1", "stopTimeout": 3}
    container.update({k: v for k, v in (("entryPoint", entry), ("command", command)) if v is not None})
    if flag is not None:
        container["linuxParameters"] = {"initProcessEnabled": flag}
    path = tmp / "td.json"
    path.write_text(json.dumps({"family": "f", "containerDefinitions": [container]}, indent=2))
    doc = load(str(path), path.read_bytes())
    config = {k: v for k, v in (("Entrypoint", image_ep), ("Cmd", image_cmd)) if v is not None}
    layout = it.oci_layout(tmp / "layout", [it.Built([{}], {**config, "StopSignal": "SIGTERM"}, oci=True)], "1")
    reader = Reader({"example/app:1": str(layout)}, folder=tmp / "cache")
    rules = Selection().rules()
    found = lint(doc, rules, reader)
    assert not reader.notes
    for f in found:
        if f.fix is None:
            continue
        jsonpatch.apply_patch(doc.data, f.fix.patch)  # raises if a test op does not hold
        assert not any(op["path"].startswith("/containerDefinitions/0/image") for op in f.fix.patch)
    fixed, _ = fix(doc, rules, True, images=reader)
    again, more = fix(fixed, rules, True, images=reader)
    assert not more and again.text == fixed.text
    if not config:
        assert [(f.code, f.message, f.fix) for f in found] == [(f.code, f.message, f.fix) for f in lint(doc, rules)]


@settings(max_examples=300, deadline=None)
@given(
    st.text(st.characters(codec="ascii"), max_size=40)
    | st.from_regex(r"[a-z0-9{}` .:\[\]_-]{1,20}/[a-z0-9]{1,8}(:[a-z0-9]{1,5})?", fullmatch=True)
)
def test_every_reference_parse_accepts_names_a_host_the_client_can_address(text):
    """An `image` field is free text (templates put `{{ env }}` in it): parse refuses it, or its
    host is one http.client takes, so a bad reference is a note, never a traceback."""
    import http.client

    from ecsinit_lint.images.reference import parse

    try:
        ref = parse(text)
    except ValueError:
        return
    http.client.HTTPSConnection(ref.host)  # raises InvalidURL on spaces, control characters, a bad port


def test_a_templated_image_is_a_note(tmp_path):
    path = taskdef(
        tmp_path, {"name": "app", "image": "{{ must_env `aws_account_id` }}.dkr.ecr.us-east-1.amazonaws.com/app:1"}
    )
    result = run(tmp_path, "check", path, "--images")
    assert result.returncode == 1 and "is not a registry host; judged from the task definition alone" in result.stderr


def test_one_note_per_image_however_it_is_spelt(tmp_path):
    path = taskdef(tmp_path, *({"name": f"c{i}", "image": name} for i, name in enumerate(
        ["127.0.0.1:9/library/app", "127.0.0.1:9/library/app:latest", "127.0.0.1:9/library/app"])))  # fmt: skip
    notes = run(tmp_path, "check", path, "--images").stderr.splitlines()
    assert len(notes) == 1 and notes[0].startswith("ecsinit-lint: note: 127.0.0.1:9/library/app:latest: ")


def test_on_fargate_the_images_stop_signal_is_not_claimed_alone(registry, tmp_path):
    """That Fargate sends the image's STOPSIGNAL is unverified (pid1-facts §3): both are named."""
    path = taskdef(
        tmp_path, {"name": "app", "image": f"{registry.host}/alpine-app:1"}, requiresCompatibilities=["FARGATE"]
    )
    (found,) = findings(run(tmp_path, "check", path, "--format", "json", "--no-cache", "--images"))
    assert (
        found["code"] == "INIT001" and "ignores SIGTERM or SIGQUIT (the image's STOPSIGNAL) unless" in found["message"]
    )
