"""`check --images` on an image whose ENTRYPOINT is a script: the script is followed for the
container's arguments, Env and user (analysis/entrypoint.py) and its ending judged: `exec su …`
is SIG003, a main command without `exec` SIG001, `exec "$@"` and `exec gosu` nothing. The
images are built in Python and pushed to Debian's docker-registry on 127.0.0.1, or saved as a
`docker save` archive (tests/imagetools.py); the verdicts themselves are run as PID 1 in
tests/test_entrypoint_kernel.py."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from . import entrypoints as E
from . import imagetools as it
from .readme import blocks
from .test_images_cli import ALPINE, DEBIAN, codes, findings, run, taskdef

# zabbix/zabbix-server-mysql 3.0–4.0 on Ubuntu (pid1-facts §11): given no arguments, the script
# prepares the server and ends in `exec su zabbix -c …`, which stays PID 1.
ZABBIX_SH = r"""#!/bin/bash

set -o pipefail

set +e

# Script trace mode
if [ "${DEBUG_MODE}" == "true" ]; then
    set -o xtrace
fi

# Type of Zabbix component
# Possible values: [server, proxy, agent, web, dev]
zbx_type="$1"
# Type of Zabbix database
# Possible values: [mysql, postgresql]
zbx_db_type="mysql"

escape_spec_char() {
    local var_value=$1

    var_value="${var_value//\\/\\\\}"
    echo "$var_value"
}

check_db_connect_mysql() {
    echo "********************"
    echo "* DB_SERVER_HOST: ${DB_SERVER_HOST}"
    echo "********************"
}

prepare_server() {
    echo "** Preparing Zabbix server"
    check_db_connect_mysql
    if [ "${ZBX_ENABLE_SNMP_TRAPS}" == "true" ]; then
        echo "** SNMP traps enabled"
    fi
}

#################################################

echo "** Deploying Zabbix server (${zbx_db_type}) with MySQL database"

if [ "$1" != "" ]; then
    echo "** Executing '$@'"
    exec "$@"
else
    prepare_server
    echo "########################################################"
    echo "** Starting Zabbix server"
    exec su zabbix -s "/bin/bash" -c "/usr/sbin/zabbix_server --foreground -c /etc/zabbix/zabbix_server.conf"
fi

#################################################
"""
ZABBIX_LINE = (
    ZABBIX_SH.splitlines().index(
        '    exec su zabbix -s "/bin/bash" -c "/usr/sbin/zabbix_server --foreground -c /etc/zabbix/zabbix_server.conf"'
    )
    + 1
)
ZABBIX_CONFIG = {"Entrypoint": ["docker-entrypoint.sh"], "StopSignal": "SIGTERM",
                 "Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"]}  # fmt: skip
# the official images' shape: root drops to the user by re-exec'ing the script through gosu
GOSU_SH = """#!/bin/bash
set -e
if [ "${1:0:1}" = '-' ]; then
    set -- app "$@"
fi
if [ "$1" = 'app' ] && [ "$(id -u)" = '0' ]; then
    exec gosu app "$BASH_SOURCE" "$@"
fi
exec "$@"
"""
NO_EXEC_SH = """#!/bin/sh
set -e
if [ -z "$PORT" ]; then
    PORT=8080
fi
echo "starting on $PORT"
/usr/local/bin/app --port "$PORT"
"""
# which way it ends is up to the Env: RUN_AS_ROOT set execs the command, else su
ENV_SH = """#!/bin/bash
if [ -n "$RUN_AS_ROOT" ]; then
    exec "$@"
fi
exec su app -c "$*"
"""
TRAP_SH = """#!/bin/sh
trap 'kill -TERM "$pid"; wait "$pid"' TERM
/usr/local/bin/app &
pid=$!
wait "$pid"
"""


def zabbix() -> it.Built:
    return it.Built([DEBIAN, {"usr/bin/bash": it.host_binary("bash"), "usr/local/": ("dir",),
                              "usr/local/bin/": ("dir",), "usr/local/bin/docker-entrypoint.sh": ZABBIX_SH.encode()}],
                    ZABBIX_CONFIG)  # fmt: skip


def scripted(text: str, cmd: list[str], where: str = "usr/local/bin/docker-entrypoint.sh") -> it.Built:
    entry = "docker-entrypoint.sh" if where.startswith("usr/local/bin/") else "/" + where
    return it.Built([DEBIAN, {where: text.encode()}], {"Entrypoint": [entry], "Cmd": cmd})


@pytest.fixture(scope="module")
def registry(tmp_path_factory):
    r = it.registry_or_skip(tmp_path_factory.mktemp("registry"))
    r.push("zabbix-server-mysql", "ubuntu-4.0.0", zabbix())
    r.push("gosu-app", "1", scripted(GOSU_SH, ["app"]))
    r.push("exec-app", "1", scripted('#!/bin/sh\nset -e\necho "starting"\nexec "$@"\n', ["/usr/local/bin/app"]))
    r.push("no-exec", "1", scripted(NO_EXEC_SH, [], "entrypoint.sh"))
    r.push("env-su", "1", scripted(ENV_SH, ["/usr/local/bin/app"]))
    r.push("trap", "1", scripted(TRAP_SH, [], "entrypoint.sh"))
    exec_args = {"usr/local/bin/docker-entrypoint.sh": b'#!/bin/sh\nset -e\nexec "$@"\n'}
    shell_form = {"Entrypoint": ["docker-entrypoint.sh"], "Cmd": ["/bin/sh", "-c", "./migrate && ./server"]}
    r.push("shell-cmd-debian", "1", it.Built([DEBIAN, exec_args], shell_form))
    r.push("shell-cmd-alpine", "1", it.Built([ALPINE, exec_args], shell_form))
    literal = {"usr/local/bin/docker-entrypoint.sh": b'#!/bin/sh\nexec sh -c "./migrate; ./server"\n'}
    r.push("shell-in-script", "1", it.Built([DEBIAN, literal], {"Entrypoint": ["docker-entrypoint.sh"]}))
    yield r
    r.stop()


def check(tmp_path, *containers, **task):
    return findings(run(tmp_path, "check", taskdef(tmp_path, *containers, **task), "--format", "json", "--no-cache",
                        "--images"))  # fmt: skip


def test_zabbix_40_ends_in_su_which_stays_pid1(registry, tmp_path):
    """The seed case: no arguments, so the script ends in `exec su zabbix -c …` (SIG003), and
    nothing starts an init (INIT001, as without images)."""
    container = {"name": "zabbix-server", "image": f"{registry.host}/zabbix-server-mysql:ubuntu-4.0.0"}
    path = taskdef(tmp_path, container)
    assert codes(run(tmp_path, "check", path, "--format", "json", "--no-cache")) == ["INIT001"]
    found = check(tmp_path, container)
    assert sorted(f["code"] for f in found) == ["INIT001", "SIG003"]
    (sig,) = [f for f in found if f["code"] == "SIG003"]
    assert sig["pointer"] == "/containerDefinitions/0/image" and sig["fix"] is None
    assert sig["message"].startswith(
        f"the image's ENTRYPOINT `docker-entrypoint.sh` ends in `exec su zabbix -s /bin/bash -c …` (line {ZABBIX_LINE}): "
        "`su` stays PID 1 of `zabbix-server` and SIGKILLs the app 2 s after SIGTERM, and never reaps orphans"
    )
    assert "`exec gosu zabbix /usr/sbin/zabbix_server …`" in sig["message"]


def test_zabbix_with_the_init_on_keeps_su_in_front_of_the_server(registry, tmp_path):
    """Docker's init reaps, but su, now PID 7, still SIGKILLs the server 2 s after SIGTERM
    (pid1-facts §6, §11): the fix INIT001 makes does not cure it."""
    container = {"name": "zabbix-server", "image": f"{registry.host}/zabbix-server-mysql:ubuntu-4.0.0",
                 "linuxParameters": {"initProcessEnabled": True}}  # fmt: skip
    (sig,) = check(tmp_path, container)
    assert (
        sig["code"] == "SIG003"
        and "`su` stays in front of the app of `zabbix-server` and SIGKILLs it" in sig["message"]
    )


def test_zabbix_given_a_command_execs_it(registry, tmp_path):
    container = {"name": "zabbix-server", "image": f"{registry.host}/zabbix-server-mysql:ubuntu-4.0.0",
                 "command": ["/usr/sbin/zabbix_server", "--foreground"], "linuxParameters": {"initProcessEnabled": True}}  # fmt: skip
    assert check(tmp_path, container) == []


def test_zabbix_from_a_docker_save_archive_before_the_push(tmp_path):
    archive = it.docker_save(tmp_path / "zabbix.tar", zabbix(), ["example/zabbix-server:next"])
    path = taskdef(tmp_path, {"name": "zabbix-server", "image": "example/zabbix-server:next"})
    result = run(tmp_path, "check", path, "--format", "json", "--image", f"example/zabbix-server:next={archive}")
    assert codes(result) == ["INIT001", "SIG003"] and result.stderr == ""  # nothing asked of a registry


@pytest.mark.parametrize("image", ["gosu-app", "exec-app"])
def test_a_script_that_execs_its_arguments_or_gosu_is_fine(registry, tmp_path, image):
    container = {"name": "app", "image": f"{registry.host}/{image}:1", "linuxParameters": {"initProcessEnabled": True}}
    assert check(tmp_path, container) == []


@pytest.mark.parametrize("init", [False, True])
def test_a_script_that_runs_its_command_without_exec_is_sig001(registry, tmp_path, init):
    container = {"name": "web", "image": f"{registry.host}/no-exec:1", "stopTimeout": 10,
                 "linuxParameters": {"initProcessEnabled": init}}  # fmt: skip
    (sig,) = [f for f in check(tmp_path, container) if f["code"] == "SIG001"]
    assert sig["pointer"] == "/containerDefinitions/0/image" and sig["fix"] is None
    said = "the image's ENTRYPOINT `/entrypoint.sh` runs `/usr/local/bin/app --port …` (line 7) without `exec`: "
    if init:
        said += "Docker's init forwards SIGTERM only to the script's shell (dash), so `/usr/local/bin/app --port …` is SIGKILLed"
    else:
        said += "the script's shell (dash) stays PID 1 and drops SIGTERM: ECS SIGKILLs `web` after 10 s"
    assert sig["message"].startswith(said) and sig["message"].endswith("put `exec` before it in the image's script")


def test_a_script_with_a_trap_is_not_judged_on_its_child(registry, tmp_path):
    """Its trap may pass SIGTERM on to the child (pid1-facts §4): nothing is said."""
    container = {"name": "web", "image": f"{registry.host}/trap:1", "linuxParameters": {"initProcessEnabled": True}}
    assert check(tmp_path, container) == []


@pytest.mark.parametrize(
    "environment, expect",
    [
        (None, "may end"),  # RUN_AS_ROOT not known: both ways can run
        ([{"name": "RUN_AS_ROOT", "value": ""}], "ends"),
        ([{"name": "RUN_AS_ROOT", "value": "1"}], None),
    ],
)
def test_the_path_follows_the_task_definitions_environment(registry, tmp_path, environment, expect):
    container = {"name": "app", "image": f"{registry.host}/env-su:1", "linuxParameters": {"initProcessEnabled": True}}
    if environment is not None:
        container["environment"] = environment
    found = check(tmp_path, container)
    if expect is None:
        assert found == []
    else:
        (sig,) = found
        assert sig["code"] == "SIG003" and sig["message"].startswith(
            f"the image's ENTRYPOINT `docker-entrypoint.sh` {expect} in `exec su app -c …` (line 5)"
        )


def test_a_secret_makes_a_variable_unknown(registry, tmp_path):
    container = {"name": "app", "image": f"{registry.host}/env-su:1", "linuxParameters": {"initProcessEnabled": True},
                 "environment": [{"name": "RUN_AS_ROOT", "value": ""}],
                 "secrets": [{"name": "RUN_AS_ROOT", "valueFrom": "arn:aws:ssm:us-east-1:1:parameter/x"}]}  # fmt: skip
    (sig,) = check(tmp_path, container)
    assert "may end in `exec su app -c …`" in sig["message"]


def test_without_images_the_script_is_not_read(registry, tmp_path):
    path = taskdef(tmp_path, {"name": "web", "image": f"{registry.host}/no-exec:1"})
    result = run(tmp_path, "check", path, "--format", "json", "--no-cache")
    assert codes(result) == ["INIT001"]


def test_the_readme_shows_the_zabbix_case_as_it_is(tmp_path):
    """README "Reading images": the console block is what `check` prints on the zabbix-shaped
    image (here from a `docker save` archive in place of the registry), without and with images."""
    (block,) = blocks("Reading images", "console")
    said = block.splitlines()
    name = "zabbix/zabbix-server-mysql:ubuntu-4.0.0"
    archive = it.docker_save(tmp_path / "zabbix.tar", zabbix(), [name])
    (tmp_path / "taskdef.json").write_text(json.dumps(
        {"family": "zabbix", "containerDefinitions": [{"name": "zabbix-server", "image": name, "essential": True}]},
        indent=2))  # fmt: skip
    shown = []
    for command in [line for line in said if line.startswith("$ ")]:
        args = command.removeprefix("$ ecsinit-lint ").split()
        args = [a for w in args for a in (["--image", f"{name}={archive}"] if w == "--images" else [w])]
        result = subprocess.run([sys.executable, "-m", "ecsinit_lint", *args, "--no-cache"], capture_output=True,
                                text=True, cwd=tmp_path)  # fmt: skip
        assert result.returncode == 1, result.stderr
        shown += [command, *[line for line in result.stdout.splitlines() if line.startswith("taskdef.json:")]]
    assert shown == said


def test_a_warm_run_reads_no_layer_for_the_script(registry, tmp_path):
    """The script (and what /bin/sh is) are kept by the image's digest: with the layers gone
    from the cache, a warm run still judges the script, and asks the registry nothing."""
    gate = it.gate(registry.host)
    try:
        path = taskdef(tmp_path, {"name": "zabbix-server", "image": f"{gate.host}/zabbix-server-mysql:ubuntu-4.0.0"})
        cold = run(tmp_path, "check", path, "--format", "json", "--images")
        assert codes(cold) == ["INIT001", "SIG003"] and gate.requests
        for layer in zabbix().layers:
            (tmp_path / "cache" / "images" / "blobs" / "sha256" / it.digest(layer)[7:]).unlink()
        sent = len(gate.requests)
        warm = run(tmp_path, "check", path, "--format", "json", "--images")
        assert findings(warm) == findings(cold) and len(gate.requests) == sent, warm.stderr
    finally:
        gate.stop()


def test_an_entrypoint_that_is_no_script_or_absent_says_nothing(registry, tmp_path):
    for repo, image in [("elf", it.Built([DEBIAN, {"usr/local/bin/app": it.host_binary("dash")}],
                                         {"Entrypoint": ["/usr/local/bin/app"]})),
                        ("absent", it.Built([DEBIAN], {"Entrypoint": ["docker-entrypoint.sh"]}))]:  # fmt: skip
        registry.push(repo, "1", image)
        container = {
            "name": "app",
            "image": f"{registry.host}/{repo}:1",
            "linuxParameters": {"initProcessEnabled": True},
        }
        result = run(tmp_path, "check", taskdef(tmp_path, container), "--format", "json", "--no-cache", "--images")
        assert findings(result) == [] and result.stderr == ""


@pytest.mark.parametrize("image, flagged", [("shell-cmd-debian", True), ("shell-cmd-alpine", False)])
def test_a_shell_form_cmd_through_exec_args_is_judged_by_the_images_sh(registry, tmp_path, image, flagged):
    """`exec "$@"` of `/bin/sh -c './migrate && ./server'`: dash stays PID 1 in front of the
    server, busybox ash execs it (pid1-facts §4; tests/test_entrypoint_kernel.py runs both)."""
    container = {"name": "app", "image": f"{registry.host}/{image}:1", "linuxParameters": {"initProcessEnabled": True}}
    found = check(tmp_path, container)
    if not flagged:
        assert found == []
        return
    (sig,) = found
    assert sig["code"] == "SIG001" and sig["pointer"] == "/containerDefinitions/0/image" and sig["fix"] is None
    assert sig["message"] == (
        "the image's ENTRYPOINT `docker-entrypoint.sh` execs `/bin/sh -c …` (line 3), whose script runs `./server` "
        "without `exec`: Docker's init forwards SIGTERM only to `sh -c`, so `./server` is SIGKILLed without SIGTERM "
        "when the shell dies: put `exec` before `./server` in that script (the image's CMD)"
    )
    # the task definition's own `sh -c` is judged on its `command`, with its fix, and only there
    container["command"] = ["/bin/sh", "-c", "./migrate && ./server"]
    (sig,) = check(tmp_path, container)
    assert sig["pointer"] == "/containerDefinitions/0/command/2" and sig["fix"] is not None


def test_a_script_that_cannot_be_read_is_one_note(registry, tmp_path):
    good = it.Built([DEBIAN], {"Entrypoint": ["docker-entrypoint.sh"]})
    broken = it.Built([DEBIAN, {"usr/local/bin/docker-entrypoint.sh": ZABBIX_SH.encode()}],
                      {"Entrypoint": ["docker-entrypoint.sh"]}, raw_layers=[good.layers[0], b"\x1f\x8bnot gzip"])  # fmt: skip
    registry.push("broken", "1", broken)
    container = {"name": "app", "image": f"{registry.host}/broken:1", "linuxParameters": {"initProcessEnabled": True}}
    result = run(tmp_path, "check", taskdef(tmp_path, container, dict(container, name="again")), "--format", "json",
                 "--no-cache", "--images")  # fmt: skip
    assert findings(result) == []
    (note,) = result.stderr.splitlines()
    assert note.startswith(f"ecsinit-lint: note: {registry.host}/broken:1: ") and note.endswith(
        "; its ENTRYPOINT `docker-entrypoint.sh` is not followed"
    )


def test_a_shell_the_script_itself_execs_is_the_scripts_to_fix(registry, tmp_path):
    container = {"name": "app", "image": f"{registry.host}/shell-in-script:1", "stopTimeout": 5}
    (sig,) = [f for f in check(tmp_path, container) if f["code"] == "SIG001"]
    assert sig["message"] == (
        "the image's ENTRYPOINT `docker-entrypoint.sh` execs `sh -c …` (line 2), whose script runs `./server` "
        "without `exec`: `sh -c` stays PID 1 and drops SIGTERM: ECS SIGKILLs `app` after 5 s: "
        "put `exec` before `./server` in that script (the image's script)"
    )


# -- the class: whatever the script and the container, a verdict from it is said at `image`, with no fix

SCRIPTS = st.sampled_from([E.POSTGRES, E.REDIS, E.NGINX, E.NODE, E.ZABBIX, E.JENKINS, E.NO_EXEC, ENV_SH, TRAP_SH,
                           ZABBIX_SH, GOSU_SH, '#!/bin/sh\nexec "$@"\n', "#!/bin/sh\neval \"$X\"\nexec su a -c b\n"])  # fmt: skip
ARGS = st.sampled_from([None, [], ["app"], ["-v"], ["/bin/sh", "-c", "a && b"], ["su", "x", "-c", "y"]])


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=SCRIPTS, cmd=ARGS, command=ARGS, flag=st.booleans(), env=st.sampled_from([None, "", "1"]),
       busybox=st.booleans())  # fmt: skip
def test_every_script_verdict_is_said_at_image_without_a_fix(tmp_path_factory, text, cmd, command, flag, env, busybox):
    from ecsinit_lint.engine.linter import lint
    from ecsinit_lint.engine.registry import Selection
    from ecsinit_lint.images.reader import Reader
    from ecsinit_lint.inputs.sources import load

    tmp = tmp_path_factory.mktemp("prop")
    container = {"name": "app", "image": "example/app:1", "linuxParameters": {"initProcessEnabled": flag}}
    if command is not None:
        container["command"] = command
    if env is not None:
        container["environment"] = [{"name": "RUN_AS_ROOT", "value": env}]
    path = tmp / "td.json"
    path.write_text(json.dumps({"family": "f", "containerDefinitions": [container]}, indent=2))
    doc = load(str(path), path.read_bytes())
    config = {"Entrypoint": ["docker-entrypoint.sh"], **({"Cmd": cmd} if cmd is not None else {})}
    files = {"usr/local/bin/docker-entrypoint.sh": E.script(text).encode()}
    base = {"bin/": ("dir",), "bin/sh": ("symlink", "/bin/busybox" if busybox else "dash")}
    layout = it.oci_layout(tmp / "layout", [it.Built([base, files], config, oci=True)], "1")
    reader = Reader({"example/app:1": str(layout)}, folder=tmp / "cache")
    found = lint(doc, Selection().rules(), reader)
    assert not reader.notes
    said = [f for f in found if f.message.startswith("the image's ENTRYPOINT `docker-entrypoint.sh`")]
    assert all(f.code in ("SIG001", "SIG003") and f.pointer == "/containerDefinitions/0/image" and f.fix is None
               for f in said)  # fmt: skip
    if "eval" in text:  # nothing after a construct that is not followed
        assert not said
