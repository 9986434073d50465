"""What a container's argv starts: an init, privilege wrappers, `SHELL -c SCRIPT` layers, and the
main process at the end of the chain (design.md "Shell analysis"; pid1-facts §3-§7)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

SHELLS = {"sh", "bash", "dash", "ash", "zsh", "ksh", "mksh"}
# argv[0] -> kind of process that then runs as PID 1 (pid1-facts §7).
FORWARDING_INITS = {
    "tini": "tini", "tini-static": "tini", "docker-init": "tini",
    "dumb-init": "dumb-init", "catatonit": "catatonit",
}  # fmt: skip
PID1_ONLY = {"/init": "s6-overlay", "/sbin/init": "systemd", "/usr/sbin/init": "systemd",
             "/lib/systemd/systemd": "systemd", "/usr/lib/systemd/systemd": "systemd"}  # fmt: skip
SUPERVISORS = {"supervisord": "supervisord", "runsvdir": "runit", "runit": "runit", "my_init": "runit"}
# Options of each init that take a value, so the child argv can be found.
INIT_VALUE_OPTIONS = {"tini": {"-p", "-e"}, "dumb-init": {"-r", "--rewrite"}, "catatonit": set()}
# Wrappers that exec their command (no extra process): name -> number of operands before it.
EXEC_WRAPPERS = {"gosu": 1, "su-exec": 1, "setpriv": 0, "chpst": 0, "env": 0, "nohup": 0}
# Their options that take a value as the next word (chpst(8), setpriv(1)).
WRAPPER_VALUE_OPTIONS = {
    "chpst": {"-u", "-U", "-b", "-e", "-/", "-n", "-l", "-L", "-m", "-d", "-o", "-p", "-f", "-c", "-r", "-t"},
    "setpriv": {"--reuid", "--regid", "--ruid", "--euid", "--rgid", "--egid", "--groups", "--inh-caps",
                "--ambient-caps", "--bounding-set", "--securebits", "--selinux-label", "--apparmor-profile",
                "--pdeathsig"},
}  # fmt: skip
SU_WRAPPERS = {"su", "runuser"}
# Builtins and short-lived utilities: never the long-running main process of a script.
TRIVIAL = {"echo", "printf", "true", "false", ":", "exit", "return", "wait", "set", "export", "cd",
           "umask", "ulimit", "unset", "shift", "trap", ".", "source", "test", "[", "[[", "read",
           "local", "readonly", "declare", "break", "continue",
           "cat", "touch", "mkdir", "cp", "mv", "rm", "ln", "ls", "chmod", "chown", "chgrp", "id",
           "whoami", "date", "hostname", "uname", "pwd", "printenv", "pidof", "grep", "sed",
           "head", "tail", "wc", "sort", "tee", "mount", "umount", "sysctl", "envsubst"}  # fmt: skip
# Words that name no program: reserved words, POSIX special builtins, and the builtins of dash,
# bash and busybox ash that have no executable behind them (echo, printf, test, [, true, false,
# kill and pwd have one). `exec NAME` fails with "NAME: not found" (exit 127) and Docker
# cannot start one as argv[0]. `time` is bash's keyword, whose /usr/bin/time most images lack.
NOT_PROGRAMS = {
    "!", "{", "}", "[[", "]]", "case", "coproc", "do", "done", "elif", "else", "esac", "fi", "for",
    "function", "if", "in", "select", "then", "time", "until", "while",
    ":", ".", "break", "continue", "eval", "exec", "exit", "export", "readonly", "return", "set",
    "shift", "times", "trap", "unset",
    "alias", "bg", "cd", "chdir", "command", "fc", "fg", "getopts", "hash", "jobs", "read", "type",
    "ulimit", "umask", "unalias", "wait", "local",
    "bind", "builtin", "caller", "compgen", "complete", "compopt", "declare", "dirs", "disown",
    "enable", "help", "history", "let", "logout", "mapfile", "popd", "pushd", "readarray", "shopt",
    "source", "suspend", "typeset",
}  # fmt: skip
TERM_SIGNALS = {"TERM", "SIGTERM", "15"}


def basename(word: str) -> str:
    return word.rsplit("/", 1)[-1]


# Main, Script and Launch are never compared: eq=False spares compiling an __eq__ for each at import
@dataclass(eq=False)
class Main:
    """The command of a script that becomes (or should become) the main process."""

    words: list[str]
    sources: list  # per word: (pointer of its argv element, offset in it), or None if not clean
    exec_offset: int  # offset in the script where `exec ` goes
    execd: bool
    kind: str = "program"  # or "function" or "alias" (defined in the script), or "builtin" (NOT_PROGRAMS)


@dataclass(eq=False)
class Script:
    """A `SHELL -c SCRIPT` layer of the argv."""

    shell: str  # the shell's name ("busybox" for `busybox sh`)
    text: str
    # where the text sits in the task definition, if cleanly: (pointer of the argv element, offset
    # in it, whether a space put in it stays in the script: not in an unquoted word of a script)
    source: tuple[str, int, bool] | None
    verdict: str = "none"  # see `_judge`
    main: Main | None = None
    plain: bool = False  # the main command has no redirections and no job runs in the background
    trap: str | None = None  # the action of a TERM trap, if any
    error: str | None = None  # why the script could not be parsed
    keepalive: str | None = None  # the keep-alive command that is the main process, if any
    beside: str | None = None  # the program that runs before or beside that keep-alive, if any
    traps: list[str] = field(default_factory=list)  # conditions of every trap set with an action
    # what runs in the shell unseen here (`eval`, `.`, `alias`): it may define the main command as
    # a function or alias, or set a trap, so exec'ing it is unsafe
    unseen: str | None = None
    after: str | None = None  # the command that follows the main one ("followed")

    @property
    def forwards_term(self) -> bool:
        """The TERM trap passes the signal on (pid1-facts §4's forwarding pattern)."""
        return self.trap is not None and "kill" in self.trap

    @property
    def idle(self) -> bool:
        """The script runs nothing that could shut down gracefully: a lone keep-alive, a ticker
        loop or a one-shot check. Exec'ing it would not make a stop graceful."""
        return self.verdict in ("idle-loop", "check") or (self.verdict == "keepalive" and not self.beside)

    @property
    def trap_kills_app(self) -> bool:
        """`trap ACTION TERM; app & wait` with an action that does not pass SIGTERM on: the trap
        ends the wait, the shell exits, and the kernel SIGKILLs the app (pid1-facts §4)."""
        return self.verdict == "background-wait" and bool(self.trap) and not self.forwards_term

    @property
    def exec_at(self) -> int | None:
        """Where `exec ` goes in the argv element holding the script: before the main command,
        when it is a program (`exec` of a function or builtin is "not found") and maps cleanly."""
        if self.source is None or not self.source[2] or self.main is None or self.main.kind != "program":
            return None
        return self.source[1] + self.main.exec_offset

    @property
    def shell_execs(self) -> bool:
        """Whether the shell replaces itself with the final simple command (pid1-facts §4): bash
        (>= 5.1) when it has no redirections and no background job was started before it,
        busybox ash always; never a function or `eval` (they run in the shell), nor with a trap
        set (the shell stays to run it)."""
        if self.verdict != "simple" or self.traps or (self.main.kind != "program" and self.main.words[0] != "command"):
            return False
        return (self.shell == "bash" and self.plain) or self.shell in ("busybox", "ash")


@dataclass(eq=False)
class Launch:
    """The chain of processes a container's argv starts."""

    argv: list[str]
    init: str | None = None  # tini, dumb-init or catatonit in front
    init_args: list[str] = field(default_factory=list)
    pid1: str | None = None  # the init, s6-overlay, systemd, supervisord or runit, when PID 1
    su: list[str] | None = None  # words of an `su`/`runuser` main command
    su_direct: bool = False  # that command is the argv itself, not inside a script
    scripts: list[Script] = field(default_factory=list)
    main: list[str] | None = None  # the main program's words, when known
    sh: str | None = None  # what /bin/sh is in the image, when it was read


def _shell_at(argv: list[str], i: int, sh: str | None = None) -> tuple[str, int] | None:
    """(shell name, index of its first option) when argv[i] starts a shell. `sh`: what the
    image's /bin/sh is, when read ("busybox" is ash, which execs; others stay `sh`)."""
    name = basename(argv[i])
    if sh == "busybox" and argv[i] in ("sh", "/bin/sh"):
        return "busybox", i + 1
    if name in SHELLS:
        return name, i + 1
    if name == "busybox" and i + 1 < len(argv) and argv[i + 1] in SHELLS:
        return "busybox", i + 2
    return None


def _script_index(argv: list[str], i: int) -> int | None:
    """Index of the script operand when the shell options starting at argv[i] include `c`."""
    has_c = False
    while i < len(argv):
        arg = argv[i]
        if arg == "--":
            i += 1
            break
        if arg in ("-o", "+o", "-O", "+O"):
            i += 2
        elif arg.startswith("--"):
            i += 1
        elif len(arg) > 1 and arg[0] in "-+":
            has_c = has_c or (arg[0] == "-" and "c" in arg[1:])
            i += 1
        else:
            break
    return i if has_c and i < len(argv) else None


def _skip_init(argv: list[str], i: int, name: str) -> int:
    takes_value = INIT_VALUE_OPTIONS[name]
    while i < len(argv) and argv[i].startswith("-"):
        if argv[i] == "--":
            return i + 1
        i += 2 if argv[i] in takes_value else 1
    return i


def _skip_wrapper(argv: list[str], i: int) -> int:
    """Index of the command that an exec-ing wrapper (gosu, env, ...) at argv[i] runs."""
    name = basename(argv[i])
    i += 1
    if name == "env":
        while i < len(argv) and ("=" in argv[i] or argv[i].startswith("-")):
            i += 2 if argv[i] in ("-u", "-C", "-S") else 1
        return i
    takes_value = WRAPPER_VALUE_OPTIONS.get(name, set())
    while i < len(argv) and argv[i].startswith("-"):
        if argv[i] == "--":
            return i + 1
        i += 2 if argv[i] in takes_value else 1
    return i + EXEC_WRAPPERS[name]


def analyse(argv: list[str], pointers: list[str | None] | None = None, sh: str | None = None) -> Launch:
    """Follow the argv (with the document pointer of each element, None for one the document
    does not hold) down to its main process; `sh` is what the image's /bin/sh is, if known."""
    launch = Launch(argv, sh=sh)
    sources = [(p, 0, True) if p else None for p in pointers] if pointers else [None] * len(argv)
    _follow(launch, argv, sources, pid1=True, in_script=False)
    return launch


def _follow(launch: Launch, argv: list[str], sources: list, pid1: bool, in_script: bool) -> None:
    """Walk one argv: an init, exec-ing wrappers, su, then a shell layer or the main program.
    `pid1`: argv[0] replaces the process that is PID 1 (it is not a child of a shell)."""
    i = 0
    if pid1 and argv:
        init = FORWARDING_INITS.get(basename(argv[0])) or ("tini" if argv[0] == "/dev/init" else None)
        if init:
            launch.init = launch.pid1 = init
            i = _skip_init(argv, 1, init)
            launch.init_args = argv[1:i]
            pid1 = False  # the init's child is not PID 1
    while i < len(argv) and basename(argv[i]) in EXEC_WRAPPERS:
        i = _skip_wrapper(argv, i)
    if i >= len(argv):
        return
    name = basename(argv[i])
    launch.main = argv[i:]
    if pid1 and launch.pid1 is None:  # also behind a wrapper that execs: `/usr/bin/env /init`
        launch.pid1 = PID1_ONLY.get(argv[i]) or SUPERVISORS.get(name)
    if name in SU_WRAPPERS:
        launch.su, launch.su_direct = argv[i:], not in_script
        return
    shell = _shell_at(argv, i, launch.sh)
    k = _script_index(argv, shell[1]) if shell else None
    if k is None:
        return
    script = Script(shell[0], argv[k], sources[k])
    launch.scripts.append(script)
    _judge(script)
    main = script.main
    if main is not None:
        skip = 1 if main.execd else 0
        replaced = pid1 and (main.execd or script.shell_execs)
        _follow(launch, main.words[skip:], main.sources[skip:], pid1=replaced, in_script=True)


# ---- parsing --------------------------------------------------------------------------------


ASSIGNMENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*=")
PREFIXES = {"command", "builtin"}  # run the builtin that follows, without functions or aliases


def _words(node) -> list:
    """The words of a command from its name on. bashlex takes an assignment that follows a
    redirection (`</dev/null PORT=80 node`) for a word; it is still an assignment."""
    words = [p for p in node.parts if p.kind == "word"]
    i = 0
    while i < len(words) and ASSIGNMENT.match(words[i].word):
        i += 1
    return words[i:]


def _name(node) -> list[str]:
    """The words of a command with `command` and `builtin` prefixes dropped."""
    words = [w.word for w in _words(node)] if node.kind == "command" else []
    while words[:1] and words[0] in PREFIXES and words[1:2] != ["-v"] and words[1:2] != ["-V"]:
        words = words[1:]
    return words


def _flatten(nodes) -> list[list]:
    """Top-level commands of a script, each as [node, operator that follows it]."""
    items: list[list] = []
    for node in nodes:
        if node.kind != "list":
            items.append([node, None])
            continue
        for part in node.parts:
            if part.kind == "operator":
                items[-1][1] = part.op
            else:
                items.extend(_flatten([part]))
    return items


def _commands(node) -> list:
    """The simple commands inside a node (a pipeline, loop, if, group or subshell)."""
    if node.kind == "command":
        return [node]
    found, after = [], None
    for child in getattr(node, "parts", None) or getattr(node, "list", None) or []:
        if after not in ("if", "elif"):  # an if's condition is a test, not the main process
            found += _commands(child)
        after = child.word if child.kind == "reservedword" else None
    return found


def _walk(nodes):
    """Every node of the tree that runs in the shell itself: not inside a subshell `( … )` or a
    command substitution."""
    for node in nodes:
        if node.kind == "compound" and node.list and node.list[0].kind == "reservedword" and node.list[0].word == "(":
            continue
        yield node
        yield from _walk(getattr(node, "parts", None) or getattr(node, "list", None) or [])


def _traps(nodes) -> list[str]:
    """The conditions of every trap the shell sets with an action: the shell forks its last
    command to stay and run it, and `exec` would drop it. `trap '' SIG` (ignore, which exec
    keeps) and `trap - SIG` (reset) are not counted."""
    found = []
    for node in _walk(nodes):
        words = _name(node)
        if words[:1] != ["trap"]:
            continue
        args = words[2:] if words[1:2] == ["--"] else words[1:]
        if len(args) >= 2 and args[0] and not args[0].startswith("-") and not args[0].isdigit():
            found += args[1:]
    return found


def _is_trivial(node) -> bool:
    """A node that runs no long-lived program: builtins and short-lived utilities only
    (`tail -f` is the keep-alive exception), or a function definition."""
    if node.kind == "function":
        return True
    for cmd in _commands(node):
        words = [w.word for w in _words(cmd)]
        if not words:
            continue  # assignments or redirections only
        if basename(words[0]) not in TRIVIAL and not (words[0] == "exec" and len(words) == 1):
            return False
        if words[0] == "env" and any("=" not in w and not w.startswith("-") for w in words[1:]):
            return False  # `env FOO=1 app` runs app
        if words[0] == "tail" and any(w.startswith("-f") or w.startswith("-F") or w == "--follow" for w in words):
            return False
    return True


def _keepalive(node) -> str | None:
    """The command text of a keep-alive: `tail -f`, a `sleep` (a program without a SIGTERM
    handler that only waits), or a `while true; do sleep …; done` loop; None for anything else."""
    if node.kind == "compound" and node.list and node.list[0].kind in ("while", "until"):
        cmds = [[w.word for w in _words(c)] for c in _commands(node)]
        if all(not w or w[0] == "sleep" or w[0] in TRIVIAL for w in cmds) and any(w[:1] == ["sleep"] for w in cmds):
            return f"{node.list[0].kind} … sleep … done"
        return None
    if node.kind != "command":
        return None
    words = [w.word for w in _words(node)]
    words = words[1:] if words[:1] == ["exec"] else words
    if words[:1] == ["tail"] and any(w.startswith(("-f", "-F")) or w == "--follow" for w in words):
        return " ".join(words)
    if words[:1] == ["sleep"] and len(words) > 1:
        return " ".join(words)
    return None


def _restarts_program(loop) -> bool:
    """Whether a loop restarts a program: its body runs one as a plain command and does not
    `sleep` (`while true; do ./server; done`). A loop that sleeps is taken for a ticker
    (`while :; do curl …; sleep 10; done`): which of its commands are short-lived is unknown."""
    in_body, programs = False, False
    for part in loop.parts:
        if part.kind == "reservedword":
            in_body = part.word == "do"
            continue
        if in_body:
            commands = (
                [part] if part.kind == "command" else [p for p in getattr(part, "parts", []) if p.kind == "command"]
            )
            for cmd in commands:
                words = [w.word for w in _words(cmd)]
                if words[:1] == ["sleep"]:
                    return False
                programs = programs or (bool(words) and not _is_trivial(cmd))
    return programs


def _first_word(node) -> str | None:
    for cmd in _commands(node):
        words = [w.word for w in _words(cmd) if w.word != "exec"]
        if words:
            return words[0]
    return None


def _trap_action(node) -> str | None:
    """The action of `trap ACTION … TERM …`, if the node sets one."""
    words = _name(node)
    if len(words) >= 3 and words[0] == "trap":
        if any(s.upper() in ("TERM", "SIGTERM", "15") for s in words[2:]):
            return words[1]
    return None


@lru_cache(maxsize=1024)  # every rule asks about the same scripts, and repos repeat them
def parse(text: str):
    """bashlex's tree of the script. bashlex expands a single-quoted part of a word as if it were
    unquoted, and loops forever on a `${` there with no `}` after it (`echo '${'b`): it is given
    the text with each `$` and backquote inside single quotes masked (same offsets), and the
    words it changed take their values from the original text."""
    from .shellparser import load  # lazily: only containers with a shell script pay for it

    masked = _mask_single_quoted(text)
    nodes = load()(masked)
    if masked != text:
        _restore_words(nodes, text, masked)
    return nodes


def _mask_single_quoted(text: str) -> str:
    """The text with `$` and backquotes inside single-quoted strings turned into `_`."""
    out, i, double = list(text), 0, False
    while i < len(text):
        c = text[i]
        if c == "\\":
            i += 1
        elif c == '"':
            double = not double
        elif c == "#" and not double and (i == 0 or text[i - 1] in " \t\n;&|()"):
            end = text.find("\n", i)  # a comment: to the end of the line
            i = len(text) if end < 0 else end
            continue
        elif c == "'" and not double:
            end = text.find("'", i + 1)
            if end < 0:
                break
            for j in range(i + 1, end):
                if text[j] in "$`":
                    out[j] = "_"
            i = end
        i += 1
    return "".join(out)


def _restore_words(node, text: str, masked: str) -> None:
    """Give each word (and assignment) of the tree whose text was masked its original value."""
    if isinstance(node, list):
        for child in node:
            _restore_words(child, text, masked)
        return
    if not hasattr(node, "kind"):
        return
    if node.kind in ("word", "assignment") and text[slice(*node.pos)] != masked[slice(*node.pos)]:
        node.word = _unquote(text[slice(*node.pos)])
    for value in vars(node).values():
        if isinstance(value, list) or hasattr(value, "kind"):
            _restore_words(value, text, masked)


def _unquote(raw: str) -> str:
    """A word's value after quote removal (expansions are kept as written, as bashlex does)."""
    out, i, double = [], 0, False
    while i < len(raw):
        c = raw[i]
        if c == "'" and not double:
            end = raw.find("'", i + 1)
            out.append(raw[i + 1 : end])
            i = end + 1
            continue
        if c == '"':
            double = not double
        elif c == "\\" and i + 1 < len(raw):
            nxt = raw[i + 1]
            out.append("" if nxt == "\n" else nxt if not double or nxt in '$`"\\' else c + nxt)
            i += 2
            continue
        else:
            out.append(c)
        i += 1
    return "".join(out)


def _judge(script: Script) -> None:
    """Find the main command of the script and classify how it runs.

    Verdicts: "exec" (the main command is exec'd), "simple" (a simple command run as a child),
    "negated" (`! app`), "sourced" (the script ends in `. FILE`),
    "keepalive" (the main command is a keep-alive such as `tail -f /dev/null`), "loop" (a
    while/until/for loop around a program), "idle-loop" (one of builtins, sleep and pipelines), "check" (`main && exit 0 || exit 1`: a one-shot check),
    "pipeline", "background" (`app &` at the end, no wait), "background-wait" (`app & … wait`),
    "compound" (if/while/subshell/...), "followed" (commands follow the main one), "trap" (a trap
    makes the shell fork), "none" (no main command: only builtins), "unknown" (valid shell that
    the parser lacks, such as `case` or `time`: nothing is claimed), "error" (unparsable).
    """
    try:
        nodes = parse(script.text)
    except NotImplementedError:  # bashlex parsed the script up to a construct it lacks
        script.verdict = "unknown"
        return
    except Exception as exc:  # bashlex raises many kinds; each means "cannot tell"
        script.verdict, script.error = "error", _parse_error(exc)
        return
    items = _flatten(nodes)
    traps = [a for a in (_trap_action(n) for n, _ in items) if a is not None]
    script.trap = traps[-1] if traps else None
    script.traps = _traps(nodes)
    script.unseen = _unseen(nodes)
    end = len(items)
    while end and _is_trivial(items[end - 1][0]) and not _sources(items[end - 1][0]):
        end -= 1
    if not end:
        script.verdict = "none"
        return
    node, op = items[end - 1]
    script.keepalive = _keepalive(node) if op != "&" else None
    if script.keepalive:
        script.verdict = "keepalive"
        script.beside = next((_first_word(n) for n, _ in reversed(items[: end - 1]) if not _is_trivial(n)), None)
        return
    trailing = [_words(n)[0].word for n, _ in items[end:] if _words(n)]
    if op in ("&&", "||") and trailing and set(trailing) == {"exit"}:
        script.verdict = "check"
        return
    negated = node.kind == "pipeline" and node.parts[0].kind == "reservedword" and len(node.parts) == 2
    if negated and node.parts[1].kind == "command":  # `! app`: the shell waits to invert the status
        script.main, script.verdict = _main_of(script, node.parts[1], nodes), "negated"
        return
    if node.kind != "command":
        loop = node.kind == "compound" and node.list and node.list[0].kind in ("while", "until", "for")
        if loop:
            script.verdict = "loop" if _restarts_program(node.list[0]) else "idle-loop"
        else:
            script.verdict = "pipeline" if node.kind == "pipeline" else "compound"
        return
    script.main = _main_of(script, node, nodes)
    if _sources(node):
        script.verdict = "sourced" if op != "&" else "background"
    elif op == "&":
        script.verdict = "background-wait" if "wait" in trailing else "background"
    elif end < len(items):
        script.verdict = "followed"
        script.after = script.text[slice(*items[end][0].pos)]
    elif script.main.execd:
        script.verdict = "exec"
    elif _execs_inside(script, nodes):
        script.verdict = "unknown"
    elif script.trap is not None:
        script.verdict = "trap"
    else:
        script.verdict = "simple"
        script.plain = not any(p.kind == "redirect" for p in node.parts) and all(o != "&" for _, o in items[:end])


def _unseen(nodes) -> str | None:
    """The first command that runs shell code or defines names this analysis does not follow:
    `eval`, `.`/`source` (the file's commands) and `alias` (what a name then runs)."""
    for node in _walk(nodes):
        words = _name(node)
        if words[:1] and words[0] in ("eval", ".", "source", "alias"):
            return " ".join(words[:2])
    return None


def _sources(node) -> bool:
    """`. FILE` or `source FILE`: the file's commands run in this shell, unseen here."""
    return node.kind == "command" and [w.word for w in _words(node)][:1] in (["."], ["source"])


def _main_of(script: Script, node, nodes) -> Main:
    words = _words(node)
    texts = [w.word for w in words]
    execd = texts[0] == "exec"
    name = texts[1] if execd and len(texts) > 1 else texts[0]
    aliases = {w.split("=", 1)[0] for n in _walk(nodes) if _name(n)[:1] == ["alias"] for w in _name(n)[1:]}
    kind = ("function" if name in _functions(nodes) else "alias" if name in aliases
            else "builtin" if name in NOT_PROGRAMS else "program")  # fmt: skip
    return Main(texts, [_word_source(script, w) for w in words], words[0].pos[0], execd, kind)


def _functions(nodes) -> dict:
    """The functions the script defines (`NAME()` or `function NAME`): name -> definition node."""
    return {next(p.word for p in n.parts if p.kind == "word"): n for n in _walk(nodes) if n.kind == "function"}


def _execs_inside(script: Script, nodes) -> bool:
    """The main command is a function of the script or an `eval` whose text holds an `exec`:
    whether the shell is replaced depends on what runs first, which is not worked out here."""
    main = script.main
    if main.kind == "function":
        body = _functions(nodes)[main.words[main.execd]].parts[-1:]
        return any(c.kind == "command" and _words(c)[:1] and _words(c)[0].word == "exec" for c in _walk(body))
    return main.words[0] == "eval" and "exec" in " ".join(main.words[1:]).split()


def _parse_error(exc: Exception) -> str:
    """What went wrong, in the parser's words when it says where ("unexpected token ';;'
    (position 3)"), never its internals."""
    text = (str(exc).splitlines() or [""])[0]
    if type(exc).__module__.startswith("bashlex") and "position" in text:
        return text
    return "the parser gave up on it"


def _word_source(script: Script, word):
    """Where a word's text sits in the task definition: only when it is written plainly or in
    one pair of quotes, so that an offset inside the word is an offset inside the element. A
    space put in a plain word would split it (`sh -c exec ./app` runs `exec` alone)."""
    if script.source is None:
        return None
    start, end = word.pos
    raw = script.text[start:end]
    if raw == word.word:
        return script.source[0], script.source[1] + start, False
    if len(raw) >= 2 and raw[0] == raw[-1] and raw[0] in "'\"" and raw[1:-1] == word.word:
        return script.source[0], script.source[1] + start + 1, script.source[2]
    return None


# ---- su and runuser -------------------------------------------------------------------------

META = re.compile(r"[|&;<>()$`\\\"'*?\[\]#~{}\n]")


def su_replacement(words: list[str]) -> tuple[str, list[str]] | None:
    """(user, argv to exec instead) for `su [-s SHELL] USER -c CMD` (options in any order) or
    `runuser -u USER [--] CMD…`; None for any other option, which the fix could not keep."""
    user = shell = command = None
    i = 1
    while i < len(words):
        w = words[i]
        if w in ("-s", "--shell", "-c", "--command", "-u") and i + 1 < len(words):
            if w == "-u":
                rest = words[i + 2 :]
                rest = rest[1:] if rest[:1] == ["--"] else rest
                return (words[i + 1], rest) if basename(words[0]) == "runuser" and rest else None
            if w in ("-s", "--shell"):
                shell = words[i + 1]
            else:
                command = words[i + 1]
            i += 2
        elif w.startswith(("--shell=", "--command=")):
            if w.startswith("--shell="):
                shell = w.split("=", 1)[1]
            else:
                command = w.split("=", 1)[1]
            i += 1
        elif w.startswith("-") or user is not None:
            return None
        else:
            user = w
            i += 1
    if user is None or not command or not command.strip():
        return None
    words = split_exec(command.split())
    if not META.search(command) and "=" not in words[0] and words[0] not in NOT_PROGRAMS:
        return user, words
    return user, [shell or "/bin/sh", "-c", command]


def split_exec(words: list[str]) -> list[str]:
    """The words of a command line as an argv: a leading `exec` dropped (an argv is exec'd
    anyway), unless options follow it (bash's `exec -a NAME`)."""
    if words[:1] == ["exec"] and len(words) > 1 and not words[1].startswith("-"):
        return words[1:]
    return words
