"""ecsinit_lint.analysis.entrypoint: the path an image's entrypoint script takes for the container's
arguments and Env (pid1-facts §4, §6, §11), on scripts shaped like the official images'."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ecsinit_lint.analysis.entrypoint import Unknown, follow, rewrite
from ecsinit_lint.analysis.shell import parse

from . import entrypoints as E

SELF = "/usr/local/bin/docker-entrypoint.sh"


def ends(text, args=(), env=None, sh=None, **kw):
    """{(kind, argv)} of the paths that start something, with unknown words as None."""
    out = follow(E.script(text), args, env, sh, path=SELF, **kw)
    return {(p.kind, tuple(w if isinstance(w, str) else None for w in p.argv)) for p in out.starts}


def test_zabbix_without_arguments_ends_in_su_which_stays_pid1():
    """The seed case (pid1-facts §11): no arguments, `exec su zabbix -c …`: SIG003."""
    out = follow(E.script(E.ZABBIX), (), {}, None)
    assert out.shell == "bash" and not out.may
    [path] = out.starts
    assert path.kind == "su" and path.su[:2] == ("su", "nobody")
    assert E.ZABBIX.splitlines()[path.line - 1].strip().startswith("exec su nobody")
    assert path.argv[-1] == "app --foreground -c /etc/zabbix/zabbix_server.conf"


def test_zabbix_with_arguments_execs_them():
    assert ends(E.ZABBIX, ("/usr/sbin/zabbix_server", "-f")) == {("exec", ("/usr/sbin/zabbix_server", "-f"))}


def test_zabbix_with_unknown_arguments_may_end_in_su():
    out = follow(E.script(E.ZABBIX), None)
    assert out.may and {p.kind for p in out.starts} == {"exec", "su"}


def test_a_file_test_forks_into_both_paths():
    text = E.ZABBIX.replace(
        "else\n    prepare_server", "elif [ -f /etc/x ]; then\n    exec APP\nelse\n    prepare_server"
    )
    assert ends(text) == {
        ("exec", ("app",)),
        ("su", ("su", "nobody", "-s", "/bin/bash", "-c", "app --foreground -c /etc/zabbix/zabbix_server.conf")),
    }


@pytest.mark.parametrize("user", ["", "root", "0", None])
def test_postgres_reexecs_itself_as_the_user_then_execs_the_server(user):
    """`exec WRAPPER USER "$BASH_SOURCE" "$@"` runs the script again, once, not as root; then
    `exec "$@"`: PID 1 is the server (pid1-facts §11)."""
    out = follow(E.script(E.POSTGRES), ("app", "-c", "fsync=off"), {}, None, path=SELF, user=user)
    assert {(p.kind, p.argv) for p in out.starts} == {("exec", ("app", "-c", "fsync=off"))}
    assert {p.reexec for p in out.starts} == ({"nobody"} if user is not None else {"nobody", None})


def test_postgres_flag_first_is_the_server_and_help_skips_the_reexec():
    assert ends(E.POSTGRES, ("-c", "x=1"), user="") == {("exec", ("app", "-c", "x=1"))}
    out = follow(E.script(E.POSTGRES), ("app", "--help"), {}, None, path=SELF, user="")
    assert [p.reexec for p in out.starts] == [None]  # _wants_help: the case matched `--help`


def test_postgres_other_command_is_execd_and_no_arguments_exit():
    assert ends(E.POSTGRES, ("bash",), user="") == {("exec", ("bash",))}
    assert follow(E.script(E.POSTGRES), (), user="").kinds() == {"exit"}  # `exec` with no words


def test_is_sourced_is_false_when_run():
    """FUNCNAME is modelled as bash does: (_is_sourced main) when run, not sourced."""
    text = '#!/bin/bash\n_is_sourced() { [ "${FUNCNAME[1]}" = source ]; }\nif _is_sourced; then return; fi\nexec app\n'
    assert ends(text) == {("exec", ("app",))}
    text = '#!/bin/bash\nif [ "${BASH_SOURCE[0]}" = "$0" ]; then exec app; fi\nexit 1\n'
    assert ends(text) == {("exec", ("app",))}


@pytest.mark.parametrize("sh", ["busybox", "dash", None])
def test_redis_sets_the_server_for_a_config_file_and_reexecs(sh):
    assert ends(E.REDIS, ("/etc/redis.conf",), sh=sh, user="") == {("exec", ("app", "/etc/redis.conf"))}
    assert ends(E.REDIS, ("sh",), sh=sh, user="") == {("exec", ("sh",))}


def test_nginx_execs_its_arguments_whatever_the_sourced_files_in_a_pipeline_do():
    assert ends(E.NGINX, ("app", "-g", "daemon off;")) == {("exec", ("app", "-g", "daemon off;"))}


def test_node_may_put_node_in_front_when_the_command_is_unknown():
    """`[ -z "$(command -v "$1")" ]` cannot be decided without the image: both ways exec."""
    assert ends(E.NODE, ("server.js",)) == {("exec", ("node", "server.js")), ("exec", ("server.js",))}
    assert ends(E.NODE, ("--inspect",)) == {("exec", ("node", "--inspect"))}


def test_jenkins_execs_the_launcher_with_unknown_options():
    out = ends(E.JENKINS, ())
    assert out == {("exec", ("app", None, None, "-jar", None))}
    assert ends(
        E.JENKINS, ("--httpPort=8081",), env={"JAVA_OPTS": None, "JENKINS_WAR": "/j.war", "JENKINS_HOME": "/h"}
    ) == {("exec", ("app", "-Duser.home=/h", None, "-jar", "/j.war", "--httpPort=8081"))}
    assert ends(E.JENKINS, ("bash",)) == {("exec", ("bash",))}


def test_a_script_without_exec_keeps_its_shell_pid1():
    """SIG001: the last command runs as the shell's child (a script file: every shell forks it)."""
    assert ends(E.NO_EXEC, env={"PORT": "9000"}) == {("child", ("app", "--port", "9000"))}
    assert ends(E.NO_EXEC, env={"PORT": None}) == {("child", ("app", "--port", "8080"))}
    assert ends(E.NO_EXEC, env={}) == {("child", ("app", "--port", "8080")), ("child", ("app", "--port", None))}


def test_su_and_runuser_without_exec_stay_too():
    out = follow("#!/bin/sh\nchown -R app /data\nrunuser -u app -- app\n")
    [path] = out.starts
    assert path.kind == "child" and path.su == ("runuser", "-u", "app", "--", "app")


def test_set_args_and_shift():
    text = '#!/bin/sh\nif [ "$#" -eq 0 ]; then\n  set -- app --default\nfi\nshift 0\nexec "$@"\n'
    assert ends(text) == {("exec", ("app", "--default"))}
    assert ends(text, ("x", "y")) == {("exec", ("x", "y"))}
    assert ends('#!/bin/sh\nshift\nexec "$@"\n', ("run", "app")) == {("exec", ("app",))}


def test_case_dispatch_on_the_first_argument():
    text = """#!/bin/sh
case "$1" in
    serve|run) shift; exec app "$@" ;;
    -*) set -- app "$@" ;;
    *) ;;
esac
exec "$@"
"""
    assert ends(text, ("serve", "-v")) == {("exec", ("app", "-v"))}
    assert ends(text, ("-v",)) == {("exec", ("app", "-v"))}
    assert ends(text, ("bash",)) == {("exec", ("bash",))}
    assert {k for k, _ in ends(text, None)} == {"exec"}


def test_nested_case_and_a_case_in_a_function():
    text = """#!/bin/bash
pick() {
  case "$1" in
    a) case "$2" in x) echo ax ;; *) return 1 ;; esac ;;
  esac
}
if pick "$@"; then exec app-ax; fi
exec app
"""
    assert ends(text, ("a", "x")) == {("exec", ("app-ax",))}
    assert ends(text, ("a", "y")) == {("exec", ("app",))}


def test_a_case_rewrite_keeps_lines_and_parses():
    text = "case $x in\n  a) echo a\n  ;;\n  (b|c) echo b;;\nesac\necho end\n"
    out = rewrite(text)
    assert out.count("\n") == text.count("\n") and parse(out)


def test_env_decides_z_and_defaults():
    text = (
        '#!/bin/sh\nif [ -z "$MODE" ]; then MODE=server; fi\nif [ "$MODE" = server ]; then exec app; fi\nexec worker\n'
    )
    assert ends(text, env={"MODE": None}) == {("exec", ("app",))}
    assert ends(text, env={"MODE": "worker"}) == {("exec", ("worker",))}
    text = '#!/bin/sh\nexec "${SERVER_BIN:-app}" "$@"\n'
    assert ends(text, ("-v",), env={"SERVER_BIN": None}) == {("exec", ("app", "-v"))}


def test_first_character_test_is_bash_only():
    """`${1:0:1}` is a "Bad substitution" in dash: nothing is claimed for a #!/bin/sh script
    there, but busybox ash has it."""
    text = '#!/bin/sh\nif [ "${1:0:1}" = \'-\' ]; then set -- app "$@"; fi\nexec "$@"\n'
    assert follow(text, ("-v",), sh="dash").kinds() == {"unknown"}
    assert follow(text, ("-v",)).kinds() == {"unknown"}  # unknown /bin/sh is taken for dash
    assert ends(text, ("-v",), sh="busybox") == {("exec", ("app", "-v"))}
    assert ends(text.replace("#!/bin/sh", "#!/usr/bin/env bash"), ("-v",), sh="dash") == {("exec", ("app", "-v"))}


@pytest.mark.parametrize(("first", "shell"), [("#!/bin/bash", "bash"), ("#!/bin/sh", "dash"), ("#!/usr/bin/env bash", "bash"),
                                              ("#!/bin/ash", "busybox"), ("#!/bin/busybox sh", "busybox")])  # fmt: skip
def test_the_shell_is_the_shebang_and_the_images_sh(first, shell):
    assert follow(first + "\nexec app\n").shell == shell
    assert follow("#!/bin/sh\nexec app\n", sh="busybox").shell == "busybox"


def test_not_a_shell_script_is_unknown():
    assert follow("exec app\n").unknown  # no #!: Docker cannot exec it
    assert follow("#!/usr/bin/env python3\nprint(1)\n").unknown


def test_busybox_su_is_not_claimed():
    """Busybox su execs instead of forking [src, not run] (pid1-facts §11): no claim."""
    assert follow("#!/bin/sh\nexec su app -c app\n", sh="busybox").kinds() == {"unknown"}
    assert follow("#!/bin/sh\nexec su app -c app\n", sh="dash").kinds() == {"su"}


def test_exec_wrappers_are_looked_through():
    out = follow('#!/bin/sh\nexec gosu app tini -- app "$@"\n', ("-v",))
    [path] = out.starts
    assert path.kind == "exec" and path.program == ("tini", "--", "app", "-v")


def test_exec_of_a_function_name_is_left_to_path():
    """exec never runs the function: a program of that name on PATH runs, or nothing does."""
    assert follow("#!/bin/sh\nrun() { app; }\nexec run\n").unknown


def test_a_background_job_then_wait_keeps_the_shell():
    assert ends("#!/bin/sh\napp &\nwait\n") == {("child", ("app",))}


@pytest.mark.parametrize("construct", [". /etc/app.env", "source ./env.sh", 'eval "$START"', "x=$((1 + 2))",
                                       "case $1 in a) echo ;& b) echo ;; esac", "[[ -n $1 && -z $2 ]]",
                                       "while true; do exec app; done", "echo `date`", "exec \"$0\" \"$@\""])  # fmt: skip
def test_an_unfollowed_construct_on_every_path_is_unknown(construct):
    assert follow(f"#!/bin/bash\n{construct}\nexec app\n", ("x",), {}, path=None).unknown


PIECES = ["set -e", "umask 022", 'echo "start $1"', "mkdir -p /data", 'if [ "$1" = a ]; then shift; fi',
          'case "$1" in -*) set -- app "$@" ;; esac', "f() { :; }", 'X="${X:-1}"', 'if [ -f /x ]; then echo; fi']  # fmt: skip
UNFOLLOWED = [". /etc/env", 'eval "$@"', "x=$((1+1))", "echo `id`", "select x in a; do :; done", "[[ a && b ]]"]
FINALS = ['exec "$@"', "exec app", "app", "exec su u -c app", "exec gosu u app"]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=4), st.sampled_from(UNFOLLOWED), st.lists(st.sampled_from(PIECES), max_size=3),
       st.sampled_from(FINALS), st.sampled_from(["bash", "sh"]), st.one_of(st.none(), st.lists(st.sampled_from(["a", "-x", "app"]), max_size=3)))  # fmt: skip
def test_a_construct_it_cannot_follow_gives_no_definite_verdict_after_it(
    before, construct, after, final, shebang, args
):
    """Whatever comes before, an unfollowed construct run on every path leaves no path that
    claims how the script ends, except by an exit before it."""
    text = "\n".join([f"#!/bin/{shebang}", *before, construct, *after, final, ""])
    out = follow(text, args)
    assert not out.starts, (text, out)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from([*"ab$1@#\"' ;&|(){}[]=-*\n\\`<>!", "case ", " in ", " esac", ";;", "if ", "then ", " fi",
                                  "exec ", "set -- ", "<<E\n", "\nE\n", "[[ ", " ]]", "x=(", "<(", "${1#", "}"]), max_size=40).map("".join))  # fmt: skip
def test_follow_never_raises_on_shell_ish_text(body):
    out = follow("#!/bin/sh\n" + body, ("a",))
    for path in out.paths:
        assert path.kind in ("exec", "su", "child", "exit", "unknown")
        assert all(isinstance(w, (str, Unknown)) for w in path.argv)


def test_a_complete_env_makes_a_missing_variable_unset():
    assert ends(E.NO_EXEC, env={}, env_complete=True) == {("child", ("app", "--port", "8080"))}


def test_return_outside_a_function_is_unknown():
    assert follow("#!/bin/bash\nreturn\nexec app\n").unknown


# Differential: composed scripts run for real (not as PID 1) with recorders on PATH in place of the
# programs; the argv the script really ends in must be one of the paths `follow` claims.
DIFF_PIECES = [
    'if [ "$1" = a ]; then shift; set -- app "$@"; fi',
    'case "$1" in -*) set -- app "$@" ;; b|c) shift ;; *) ;; esac',
    'if [ "$#" -eq 0 ]; then set -- app --default; fi',
    'f() { set -- x "$@"; }; f "$@"',
    'g() { exec app g "$@"; }; if [ "$1" = g ]; then shift; g "$@"; fi',
    'if [ -z "$MODE" ]; then MODE=run; fi; if [ "$MODE" = run ] && [ "$1" = x ]; then exec app x; fi',
    '[ "${1#-}" != "$1" ] && set -- app "$@"',
    'for arg; do case "$arg" in --help) exit 0 ;; esac; done',
]  # fmt: skip
PROGRAMS = ["a", "b", "c", "x", "g", "app"]


@pytest.fixture(scope="module")
def recorders(tmp_path_factory):
    bin_dir = tmp_path_factory.mktemp("bin")
    for name in PROGRAMS:
        (bin_dir / name).write_text('#!/bin/sh\nprintf "%s\\n" "$(basename "$0")" "$@" > "$OUT"\n')
        (bin_dir / name).chmod(0o755)
    return bin_dir


@settings(max_examples=150, deadline=None)
@given(pieces=st.lists(st.sampled_from(DIFF_PIECES), min_size=1, max_size=4),
       final=st.sampled_from(['exec "$@"', 'app "$@"']),
       args=st.lists(st.sampled_from(["a", "b", "c", "-v", "x", "g", "--help"]), max_size=3),
       shell=st.sampled_from(["/bin/bash", "/bin/sh"]))  # fmt: skip
def test_follow_agrees_with_a_real_run(recorders, tmp_path_factory, pieces, final, args, shell):
    import subprocess

    text = "\n".join([f"#!{shell}", *pieces, final, ""])
    out = follow(text, args, {"MODE": None}, "dash")
    if any(p.kind == "unknown" for p in out.paths):
        return
    work = tmp_path_factory.mktemp("run")
    script, record = work / "entry.sh", work / "argv"
    script.write_text(text)
    script.chmod(0o755)
    env = {"PATH": f"{recorders}:/usr/bin:/bin", "OUT": str(record)}
    subprocess.run([str(script), *args], env=env, timeout=10, capture_output=True)
    ran = tuple(record.read_text().splitlines()) if record.exists() else None
    claimed = {tuple(p.program) for p in out.starts}
    if ran is None:
        assert not claimed or "exit" in out.kinds(), (text, args, out)
    else:
        assert ran in claimed, (text, args, ran, out)


def test_indirect_and_unknown_exports():
    """`${!var}` reads the variable var names; `export "$var"="$val"` of an unknown value makes
    every variable not set by name unknown (it may have been that one)."""
    text = '#!/bin/bash\nv=MODE\nif [ "${!v:-}" = x ]; then exec app-x; fi\nexec app\n'
    assert ends(text, env={"MODE": "x"}) == {("exec", ("app-x",))}
    text = '#!/bin/bash\nk="$1"\nexport "$k"="$2"\nif [ -z "$MODE" ]; then exec app; fi\nexec app-set\n'
    assert ends(text, None, env={"MODE": None}) == {("exec", ("app",)), ("exec", ("app-set",))}


def test_postgres_with_its_password_from_a_secret():
    """POSTGRES_PASSWORD unknown (a secret): env_from_file forks, the verdict does not change."""
    out = follow(E.script(E.POSTGRES), ("app",), {}, None, path=SELF, user="")
    assert {(p.kind, p.argv) for p in out.starts} == {("exec", ("app",))} and not any(
        p.kind == "unknown" for p in out.paths
    )
