"""One-file `check` beside its floor, side by side in one run: `python benchmarks/startup.py`.

The floor of a one-file check is the CLI framework: `python -c "import typer"`. Each round runs
every command once, in turn, so that a busy machine slows them alike; the table gives the
medians of wall time and of CPU time (user + system, less sensitive to other load) and each
command's ratio to `import typer`. The commands run with bytecode (compiled first): a
PYTHONDONTWRITEBYTECODE environment would otherwise compile ecsinit-lint again on every run.
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).parents[1]
# Two clean task definitions: an exec-form command, and a `sh -c` script (which loads bashlex)
PLAIN = {"family": "web", "containerDefinitions": [
    {"name": "web", "image": "acme/web", "command": ["gunicorn", "app"], "linuxParameters": {"initProcessEnabled": True}}]}  # fmt: skip
SCRIPT = {"family": "web", "containerDefinitions": [
    {"name": "web", "image": "acme/web", "command": ["sh", "-c", "migrate && exec gunicorn app"],
     "linuxParameters": {"initProcessEnabled": True}}]}  # fmt: skip


def _timed(argv: list[str], env: dict) -> tuple[float, float]:
    """Wall and CPU seconds of one run of argv."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(argv)}: exit status {proc.returncode}")
    return wall, usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args()
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    for folder in ("ecsinit_lint", "rules"):
        compileall.compile_dir(str(ROOT / folder), quiet=1)
    cli = str(Path(sys.executable).with_name("ecsinit-lint"))
    with tempfile.TemporaryDirectory() as tmp:
        path, script = Path(tmp) / "taskdef.json", Path(tmp) / "script.json"
        path.write_text(json.dumps(PLAIN, indent=2) + "\n")
        script.write_text(json.dumps(SCRIPT, indent=2) + "\n")
        env["XDG_CACHE_HOME"] = tmp  # the bashlex tables: built by the warm-up run, then read
        commands = {
            "python -c pass": [sys.executable, "-c", "pass"],
            "json.load of the file": [sys.executable, "-c", f"import json; json.load(open({str(path)!r}))"],
            "import typer (the floor)": [sys.executable, "-c", "import typer"],
            "ecsinit-lint check FILE": [cli, "check", str(path)],
            "check FILE with sh -c": [cli, "check", str(script)],
            "ecsinit-lint --help": [cli, "--help"],
        }
        for argv in commands.values():  # warm-up: page cache, bytecode, bashlex tables
            _timed(argv, env)
        times: dict[str, list[tuple[float, float]]] = {name: [] for name in commands}
        for _ in range(args.rounds):
            for name, argv in commands.items():
                times[name].append(_timed(argv, env))
    medians = {
        name: (statistics.median(w for w, _ in t), statistics.median(c for _, c in t)) for name, t in times.items()
    }
    floor_wall, floor_cpu = medians["import typer (the floor)"]
    print(f"{args.rounds} rounds, medians")
    print(f"{'':26} {'wall ms':>8} {'x floor':>8} {'CPU ms':>8} {'x floor':>8}")
    for name, (wall, cpu) in medians.items():
        print(f"{name:26} {wall * 1000:8.1f} {wall / floor_wall:8.2f} {cpu * 1000:8.1f} {cpu / floor_cpu:8.2f}")


if __name__ == "__main__":
    main()
