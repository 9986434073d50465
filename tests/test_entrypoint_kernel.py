"""What ecsinit_lint.analysis.entrypoint claims about an entrypoint script, checked against a real kernel
(pid1-facts §10): the script file is run as PID 1 of a fresh PID namespace with the arguments
the container would pass, stopped from outside, and the outcome compared with the claim of each
path `follow` returns. gosu is not installed here: `setpriv --reuid=nobody …`, which execs the
same way (pid1-facts §6), stands in for `gosu nobody`, and `env` for other exec wrappers."""

from __future__ import annotations

import pytest

from ecsinit_lint.analysis.entrypoint import follow
from ecsinit_lint.analysis.shell import analyse

from . import entrypoints as E
from . import pid1

pytestmark = pytest.mark.skipif(pid1.missing() is not None, reason=pid1.missing() or "")

SU_SHUTDOWN = 4  # seconds the app takes to shut down: longer than su's 2 s before its SIGKILL


def claim(path, behind_init: bool) -> set[str]:
    """The stop outcomes a path's verdict allows (pid1-facts §4-§6)."""
    if path.kind == "su":  # su forwards SIGTERM, then SIGKILLs a slow app 2 s later, init or not
        return {"cut"}
    if path.kind == "child":  # the shell stays PID 1; behind an init the app is SIGKILLed
        return {"ungraceful"} if behind_init else {"hang"}
    assert path.kind == "exec", path
    program = [w for w in path.program if isinstance(w, str)]
    scripts = analyse(program).scripts
    if scripts and not (scripts[0].verdict == "exec" or scripts[0].shell_execs):
        return {"ungraceful"} if behind_init else {"hang"}  # a shell-form CMD that stays
    return {"graceful"}


# (name, script, shebang replacing #!…, args, the image's /bin/sh)
CASES = [
    ("zabbix, no arguments", E.ZABBIX, None, (), "dash"),
    ("zabbix, arguments", E.ZABBIX, None, ("app", "--foreground"), "dash"),
    ("postgres, re-exec as nobody", E.POSTGRES, None, ("app",), "dash"),
    ("postgres, a flag", E.POSTGRES, None, ("-c", "fsync=off"), "dash"),
    ("redis under dash", E.REDIS, None, ("/etc/redis.conf",), "dash"),
    ("redis under busybox", E.REDIS, "#!/bin/busybox sh", ("/etc/redis.conf",), "busybox"),
    ("nginx", E.NGINX, None, ("app", "-g", "daemon off;"), "dash"),
    ("no exec under dash", E.NO_EXEC, None, (), "dash"),
    ("no exec under bash", E.NO_EXEC, "#!/bin/bash", (), "dash"),
    ("no exec under busybox", E.NO_EXEC, "#!/bin/busybox sh", (), "busybox"),
    ("exec env wrapper", '#!/bin/sh\nset -e\nexec env FOO=1 APP "$@"\n', None, ("-v",), "dash"),
    ("shell-form CMD under dash", '#!/bin/sh\nset -e\nexec "$@"\n', None, ("/bin/sh", "-c", "app"), "dash"),
    ("shell-form CMD, exec", '#!/bin/sh\nset -e\nexec "$@"\n', None, ("/bin/sh", "-c", "exec app"), "dash"),
    ("busybox shell-form CMD", '#!/bin/sh\nset -e\nexec "$@"\n', None, ("busybox", "sh", "-c", "app"), "dash"),
]


def _write(app: pid1.App, text: str, shebang: str | None) -> str:
    text = E.script(text, str(app.path))
    if shebang:
        text = shebang + "\n" + text.split("\n", 1)[1]
    path = app.dir / "docker-entrypoint.sh"
    with pid1._FORK:  # no child may inherit the file open for writing (ETXTBSY)
        path.write_text(text)
    path.chmod(0o755)
    return text


@pytest.mark.parametrize("init", [False, pytest.param(True, marks=pytest.mark.needs("tini"))], ids=["pid1", "tini"])
@pytest.mark.parametrize(("name", "text", "shebang", "args", "sh"), CASES, ids=[c[0] for c in CASES])
def test_the_script_stops_as_follow_claims(name, text, shebang, args, sh, init):
    app = pid1.App(shutdown=SU_SHUTDOWN if "zabbix, no" in name else 0, orphans=2)
    try:
        script = str(app.dir / "docker-entrypoint.sh")
        source = _write(app, text, shebang)
        env = {"PATH": "…"}  # pid1.stop's environment: nothing else is set
        out = follow(source, args, env, sh, path=script, user="root", env_complete=True)
        paths = out.starts
        assert len(paths) == 1 and not out.may, out  # every case here has one path that runs
        expected = claim(paths[0], init)
        argv = ["tini", "--", script, *args] if init else [script, *args]
        run = pid1.stop(argv, app, settle=0.5)
        assert run.outcome in expected, f"{name}: follow says {paths[0]}, claiming {expected}, but the stop was {run}"
        if paths[0].kind == "su":
            assert 1.5 < run.seconds < 3.5, run  # su's SIGKILL 2 s after SIGTERM
        if paths[0].kind in ("su", "exec") and not init and expected == {"graceful"}:
            assert run.zombies == 2  # nothing in front reaps: an exec'd app or su keeps orphans
    finally:
        app.cleanup()
