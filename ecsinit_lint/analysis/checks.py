"""What several rules ask of a task definition: which containers run Linux with their own PID
namespace, how each one's argv launches, and how a fix addresses an argv element."""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from ..core.taskdef import Container, TaskDef, is_unknown, memoised
from .launchtype import launch_type
from .shell import Launch, Script, analyse, basename

MUST_BE_PID1 = {"s6-overlay", "systemd"}  # what does not start under Docker's init (pid1-facts §2)


def linux_containers(task: TaskDef) -> list[Container]:
    """Containers that the Linux-only fields apply to: none of a Windows task."""
    return [] if task.is_windows else task.containers


def init_state(c: Container) -> bool | None:
    """initProcessEnabled as set: True, False (also when absent or null: ECS then applies no
    init), or None when not known."""
    params = c.get("linuxParameters")
    if params is None:
        return False
    if not isinstance(params, dict) or is_unknown(params):  # `!Ref X`, `var.x`
        return None
    value = params.get(c.key("initProcessEnabled"))
    if value is None:
        return False
    if is_unknown(value) or not isinstance(value, bool):
        return None
    return value


@memoised  # every rule asks
def launch(c: Container) -> Launch | None:
    """How the container's argv starts, or None when the task definition does not say."""
    argv = c.argv
    # what the image's /bin/sh is matters only to a shell in the argv (reading it may fetch a layer)
    sh = c.image.shell if c.image is not None and any("sh" in w for w in argv or ()) else None
    return _analysed(tuple(argv), c.argv_sources(), sh) if argv else None


@lru_cache(maxsize=1024)  # every rule asks, and the same argv recurs across files
def _analysed(argv: tuple[str, ...], pointers: tuple[str | None, ...], sh: str | None) -> Launch:
    return analyse(list(argv), list(pointers), sh)


def other_views(c: Container):
    """(which `Fn::If` branches, the container) in each other view of the container's resource:
    a fix to a value they share must not break them."""
    for which, view in c.task.views:
        for other in view.containers:
            if other is not c and other.pointer == c.pointer:
                yield which, other


def stop_signal(c: Container) -> str:
    """The signal ECS stops the container with: its image's STOPSIGNAL when read, else SIGTERM.
    That Fargate sends the image's is not verified (pid1-facts §3): there it says both."""
    signal = c.image.stop_signal if c.image is not None else None
    if signal is None or signal == "SIGTERM":
        return "SIGTERM"
    return f"SIGTERM or {signal} (the image's STOPSIGNAL)" if launch_type(c.task) == "fargate" else signal


def from_image(c: Container) -> str:
    """` (the image's ENTRYPOINT `…` and CMD `…`)` when part of the argv came from the image
    read with --images, else "": what a finding on that argv names."""
    said = c.image.origin if c.image is not None else ""
    return f" ({said})" if said else ""


def label(c: Container) -> str:
    return f"`{c.name}`" if c.name else "the container"


def stop_timeout(c: Container) -> str:
    value = c.get("stopTimeout")
    return f"{value} s" if isinstance(value, int) else "stopTimeout (30 s by default)"


@memoised  # most rules start from it
def launches(task: TaskDef) -> list[tuple[Container, Launch]]:
    """(container, launch) for each Linux container whose argv is known."""
    return [(c, started) for c in linux_containers(task) if (started := launch(c)) is not None]


def docker_init_launches(task: TaskDef) -> list[tuple[Container, Launch]]:
    """(container, launch) for each container Docker starts behind its own init: the flag is
    true, the task has its own PID namespace and the argv is known."""
    if task.shares_pid_namespace:
        return []
    return [(c, started) for c, started in launches(task) if init_state(c) is True]


def element(c: Container, pointer: str) -> str:
    """The argv element at a document pointer."""
    return c.argv[c.argv_pointers.index(pointer)]


@memoised
def scripts(task: TaskDef) -> list[tuple[Container, Launch, Script]]:
    """(container, launch, script) for each `SHELL -c` layer of each Linux container's argv."""
    return [(c, started, script) for c, started in launches(task) for script in started.scripts]


def where(c: Container, started: Launch, script) -> str:
    """Pointer of the argv element holding a script, or of the script it is nested in."""
    for s in [script, *reversed(started.scripts)]:
        if s.source:
            return s.source[0]
    return c.argv_pointers[0]


def init_in_front(c: Container, started: Launch) -> str | None:
    """The init that is PID 1 in front of the argv: one the argv starts, or Docker's own (tini)
    when initProcessEnabled is true and the task has its own PID namespace (pid1-facts §2)."""
    if started.init:
        return started.init
    if init_state(c) is True and not c.task.shares_pid_namespace:
        return "Docker's init"
    return None


# ---- the image's entrypoint script (--images) ------------------------------------------------

TRAP = re.compile(r"(?m)(^|[;&|{(]|\bthen|\bdo|\belse)[ \t]*trap[ \t]")
KEEPALIVES = {"tail", "sleep"}  # exec'ing one would not help: SIG004's case


@memoised  # SIG001 and SIG003 both ask
def image_scripts(task: TaskDef) -> list[tuple[Container, Any]]:
    """(container, ending) for each Linux container whose PID 1 is its image's entrypoint script
    (read with --images), followed for the container's arguments, Env and user (images/reader.py
    `Ending`); none where the script was not read or no path of it could be followed."""
    found = []
    for c in linux_containers(task):
        ending = c.image.ending(c) if c.image is not None else None
        if ending is not None and not ending.outcome.unknown:
            found.append((c, ending))
    return found


def script_ends(ending, wanted: Callable) -> tuple[list, bool]:
    """(the paths of the script that `wanted` picks, in line order; whether another path can
    run, so that a finding says "may"). A path that starts nothing (`exit`) does not count."""
    runs = [p for p in ending.outcome.paths if p.kind != "exit"]
    picked = sorted((p for p in runs if wanted(p)), key=lambda p: p.line or 0)
    return picked, len(picked) < len(runs)


def script_sets_trap(ending) -> bool:
    """Whether the script sets a trap anywhere (one may forward SIGTERM to the child)."""
    return bool(TRAP.search(ending.text))


def keepalive(path) -> bool:
    program = path.program
    return bool(program) and isinstance(program[0], str) and basename(program[0]) in KEEPALIVES


def shown(words, upto: str | None = None, keep: int | None = None) -> str:
    """Words as a command line, up to `upto` (else 3 words), at most `keep`, then `…`."""
    import shlex  # only for a finding on an image's script: off the one-file path

    text = [w if isinstance(w, str) else w.text for w in words]
    end = text.index(upto) + 1 if upto in text else min(len(text), 3)
    end = min(end, keep) if keep is not None else end
    return " ".join(shlex.quote(w) if w and not w.startswith("$") else w for w in text[:end]) + (
        " …" if end < len(text) else ""
    )


def shown_paths(paths, upto: str | None = None) -> str:
    """The command the paths run, as `shown`, up to the first word in which they differ."""
    argvs = [p.argv for p in paths]
    same = next((i for i, words in enumerate(zip(*argvs)) if len(set(words)) > 1), min(map(len, argvs)))
    differ = same < max(map(len, argvs))
    return shown(argvs[0], upto, keep=same if differ else None) if same else "…"


def script_lines(paths) -> str:
    lines = sorted({p.line for p in paths if p.line})
    if not lines:
        return ""
    return f" (line {lines[0]})" if len(lines) == 1 else f" (lines {', '.join(map(str, lines))})"


def docker_init(c: Container) -> bool:
    """Docker's init runs in front of the argv: the flag is on and the task has its own PID namespace."""
    return init_state(c) is True and not c.task.shares_pid_namespace
