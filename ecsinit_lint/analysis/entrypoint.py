"""Follow an image's entrypoint script for the container's arguments and Env, with no I/O: which
program ends up PID 1, whether the script's shell stays PID 1 in front of it, whether `su` or
`runuser` does (pid1-facts §4, §6, §11). Nothing is run: the script is read as data.

Every path the script can take for what is known is followed; a test on what is not known (a file,
a variable not given, `$(id -u)` for an unknown user) forks into both branches. A path through a
construct this module does not model ends as "unknown": it says nothing rather than guess.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from fnmatch import fnmatchcase

from .shell import EXEC_WRAPPERS, SU_WRAPPERS, TRIVIAL, _commands, _skip_wrapper, basename, parse

MAX_PATHS = 32  # paths followed at most; more is "unknown"
MAX_STEPS = 5000  # commands evaluated at most over all paths
MAX_UNROLL = 32  # a `for` loop over more known words than this is not unrolled


class Unknown:
    """A word whose value is not known. `many`: it may expand to any number of words ($@ of
    unknown arguments, an unquoted unknown variable). `excludes`: values it is known not to have."""

    def __init__(self, text: str, many: bool = False, excludes: frozenset = frozenset(), self_path: bool = False):
        self.text, self.many, self.excludes, self.self_path = text, many, excludes, self_path

    def __repr__(self) -> str:
        return f"<{self.text}>"

    def __eq__(self, other) -> bool:
        return isinstance(other, Unknown) and (self.text, self.many, self.self_path) == (
            other.text,
            other.many,
            other.self_path,
        )

    def __hash__(self) -> int:
        return hash((self.text, self.many))


@dataclass(frozen=True)
class Path:
    """One way the script can end.

    kind: "exec" (the script exec'd `argv`: that program is PID 1), "su" (it exec'd `su`/`runuser`,
    which forks and stays PID 1, SIG003), "child" (no exec: the shell stays PID 1 and `argv` runs
    as its child, SIG001), "exit" (the script ends without starting a long-running program),
    "unknown" (`reason` says what could not be followed)."""

    kind: str
    argv: tuple = ()  # the words, `Unknown` where not known
    line: int | None = None  # 1-based line of the command in the script
    su: tuple | None = None  # the su/runuser words in front of the program, if any
    reexec: str | None = None  # the user the script re-exec'd itself as (gosu USER "$0" "$@")
    reason: str | None = None

    @property
    def program(self) -> tuple:
        """argv after the exec-ing wrappers (gosu, su-exec, setpriv, env, chpst)."""
        return tuple(_unwrap(list(self.argv)) or ())


@dataclass(frozen=True)
class Outcome:
    shell: str | None  # "dash", "bash" or "busybox": the shell that runs the script
    paths: tuple = ()
    reason: str | None = None  # why nothing could be followed

    @property
    def unknown(self) -> bool:
        return not self.paths or all(p.kind == "unknown" for p in self.paths)

    @property
    def starts(self) -> tuple:
        """The paths that start a program (exec, su, child): "exit" paths (errors, `--help`,
        no arguments) start nothing to judge."""
        return tuple(p for p in self.paths if p.kind in ("exec", "su", "child"))

    @property
    def may(self) -> bool:
        """The paths differ: a verdict holds only for some of them (or some are unknown)."""
        kinds = {(p.kind, p.su is not None) for p in self.paths if p.kind != "exit"}
        return len(kinds) > 1

    def kinds(self) -> set[str]:
        return {p.kind for p in self.paths}


def follow(
    text: str,
    args=(),
    env=None,
    sh: str | None = None,
    *,
    path: str | None = None,
    user: str | None = None,
    env_complete: bool = False,
) -> Outcome:
    """The ways the script `text` ends when run with arguments `args` (None: not known).

    env: the variables the container is known to have (a value of None: known to be unset); a
    variable not in it is unknown, or unset if `env_complete`. sh: which shell `/bin/sh` is in the image ("dash", "bash",
    "busybox", None: unknown, taken for dash, pid1-facts §4). path: where the script is in the
    image ($0). user: the container's user ("" or "root" or "0" is root; None: unknown)."""
    shell = _shebang(text, sh)
    if shell is None:
        return Outcome(None, reason="not a shell script (no #!/bin/sh, bash or ash line)")
    try:
        source = rewrite(text)
        nodes = parse(source)
    except Unsupported as exc:
        return Outcome(shell, reason=f"not followed: {exc}")
    except NotImplementedError:
        return Outcome(shell, reason="a construct the parser lacks")
    except Exception:  # bashlex raises many kinds; each means "cannot tell"
        return Outcome(shell, reason="the script could not be parsed")
    root = None if user is None else user.split(":")[0] in ("", "root", "0")
    run = _Run(source, shell, path, env or {}, env_complete)
    start = _State(args=None if args is None else tuple(args), root=root)
    try:
        ends = run.block(nodes, [start])
        paths = [run.end(s) for s in ends]
    except _TooMany:
        return Outcome(shell, reason="too many paths to follow")
    return Outcome(shell, tuple(dict.fromkeys(paths)))


# ---- the shell that runs it -----------------------------------------------------------------


def _shebang(text: str, sh: str | None) -> str | None:
    first = text.split("\n", 1)[0]
    if not first.startswith("#!"):
        return None
    words = first[2:].split()
    if words and basename(words[0]) == "env":
        words = [w for w in words[1:] if not w.startswith("-")]
    if not words:
        return None
    name = basename(words[0])
    if name == "busybox" and words[1:2] in (["sh"], ["ash"]):
        return "busybox"
    if name == "sh":
        return sh if sh in ("dash", "bash", "busybox") else "dash"
    return {"bash": "bash", "dash": "dash", "ash": "busybox"}.get(name)


# ---- `case` and `[[`, which bashlex lacks: rewritten into what it parses ----------------------

ARRAY = "__array__"  # the value an array assignment is rewritten to: any number of words
_BREAK = set(" \t\n;&|()<>")
_STARTS = {"", "\n", ";", "&", "|", "(", "{", "then", "do", "else", "elif", "if", "while", "until", "!", ";;"}


class Unsupported(Exception):
    pass


def rewrite(text: str) -> str:
    """The script with each `case W in P1|P2) BODY ;; … esac` turned into `if __case__ W P1 P2;
    then BODY; elif …; fi` (same semantics: the first matching pattern runs, none matching does
    nothing), each `NAME=( … )` into `NAME=__array__`, and each `[[ … ]]` without `&& || < > ( )` inside into `__dbltest__ … ]]`, keeping
    every line where it was; here-document bodies become blank lines (`</dev/null`). Raises Unsupported (then nothing is claimed) on what it cannot map."""
    return _Scanner(text).rewrite(0, top=True)[0]


class _Scanner:
    def __init__(self, text: str):
        self.t = text
        self.heredocs: list[str] = []  # delimiters whose bodies start at the next newline

    def skip_quoted(self, i: int) -> int:
        """Index after the quoted string, `$(…)`, `${…}`, backquotes or escape starting at i."""
        t = self.t
        c = t[i]
        if c == "'":
            j = t.find("'", i + 1)
            if j < 0:
                raise Unsupported("unterminated quote")
            return j + 1
        if c == "\\":
            return i + 2
        if c in '`"':
            j = i + 1
            while j < len(t) and t[j] != c:
                j = self.skip_quoted(j) if t[j] in "\\`$" and c == '"' or t[j] == "\\" else j + 1
            if j >= len(t):
                raise Unsupported("unterminated quote")
            return j + 1
        if c == "$" and t[i + 1 : i + 2] in ("(", "{"):
            return self.group_end(i + 1)
        return i + 1

    def group_end(self, i: int) -> int:
        """Index after the `( … )` or `{ … }` of a substitution whose opener is at i."""
        t = self.t
        opener, close = t[i], ")" if t[i] == "(" else "}"
        depth, j = 0, i
        while j < len(t):
            ch = t[j]
            if ch in "'\"`\\" or (ch == "$" and t[j + 1 : j + 2] in ("(", "{")):
                j = self.skip_quoted(j)
                continue
            heredoc = t.startswith("<<", j) and t[j - 1] != "<" and t[j + 2 : j + 3] != "<"
            case = t[j - 1] in _BREAK and t.startswith("case", j) and t[j + 4 : j + 5] in _BREAK
            if close == ")" and (heredoc or case):  # their `)` or body would end it too early
                raise Unsupported("case or a here-document inside $( )")
            if ch == opener:
                depth += 1
            elif ch == close:
                depth -= 1
                if depth == 0:
                    return j + 1
            j += 1
        raise Unsupported("unterminated substitution")

    def word_at(self, i: int) -> tuple[str, int]:
        """The shell word starting at i (quotes kept) and the index after it."""
        t, j = self.t, i
        while j < len(t) and t[j] not in _BREAK:
            j = self.skip_quoted(j) if t[j] in "'\"`\\$" else j + 1
        return t[i:j], j

    def skip_blank(self, i: int, newlines: bool = True) -> int:
        """Skip blanks (and newlines, comments and pending here-document bodies if `newlines`)."""
        t = self.t
        while i < len(t):
            if t[i] in " \t" or (t[i] == "\\" and t[i + 1 : i + 2] == "\n"):
                i += 1 if t[i] != "\\" else 2
            elif newlines and t[i] == "\n":
                i = self.bodies(i + 1)
            elif newlines and t[i] == "#":
                while i < len(t) and t[i] != "\n":
                    i += 1
            else:
                break
        return i

    def bodies(self, i: int) -> int:
        """Index after the bodies of the pending here-documents, which start at i."""
        t = self.t
        for delim in self.heredocs:
            while i < len(t):
                nl = t.find("\n", i)
                line = t[i : nl if nl >= 0 else len(t)]
                i = nl + 1 if nl >= 0 else len(t)
                if line.lstrip("\t") == delim:
                    break
        self.heredocs = []
        return i

    def rewrite(self, i: int, top: bool = False, stop: tuple = ()) -> tuple[str, int]:
        """Copy from i, rewriting; unless `top`, stop (without consuming) at `;;`, `;&`, an
        unmatched `)` or a word in `stop` in command position."""
        t, out, prev, depth = self.t, [], "", 0
        while i < len(t):
            c = t[i]
            if c in "'\"`\\" or (c == "$" and t[i + 1 : i + 2] in ("(", "{")):
                j = self.skip_quoted(i)
                out.append(t[i:j])
                i, prev = j, "w"
                continue
            if c == "#" and (i == 0 or t[i - 1] in " \t\n;&|()"):
                j = t.find("\n", i)
                j = len(t) if j < 0 else j
                out.append(t[i:j])
                i = j
                continue
            if c in "<>" and t[i + 1 : i + 2] == "(":  # <( … ): a subshell, its output a file here
                j = self.group_end(i + 1)
                out.append("/dev/fd/63" + "\n" * t[i:j].count("\n"))
                i, prev = j, "w"
                continue
            if t.startswith("<<<", i):  # a here-string: a plain word follows
                out.append("<<<")
                i += 3
                continue
            if t.startswith("<<", i):
                j = self.skip_blank(i + 2 + (t[i + 2 : i + 3] == "-"), newlines=False)
                word, j = self.word_at(j)
                delim = re.sub(r"[\'\"\\\\]", "", word)
                if not delim:
                    raise Unsupported("here-document")
                self.heredocs.append(delim)
                out.append(" </dev/null")  # its text decides nothing here; bashlex trips on some
                i, prev = j, "w"
                continue
            if not top and (t.startswith(";;", i) or t.startswith(";&", i)):
                break
            if c in " \t":
                out.append(c)
                i += 1
                continue
            if c == "\n":
                j = self.bodies(i + 1)
                out.append("\n" * t[i:j].count("\n"))
                i, prev = j, c
                continue
            if c in ";&|(){":
                if c == "(":
                    depth += 1
                elif c == ")":
                    if depth == 0 and not top:
                        break
                    depth -= 1
                out.append(c)
                i, prev = i + 1, c
                continue
            word, j = self.word_at(i)
            if not word:
                out.append(c)
                i += 1
                continue
            command_position = prev in _STARTS
            if re.fullmatch(r"[A-Za-z_]\w*\+?=", word) and t[j : j + 1] == "(":  # NAME=( … ): an array
                end = self.array_end(j)
                out.append(word + ARRAY + "\n" * t[j:end].count("\n"))
                i, prev = end, "w"
                continue
            if command_position and word in stop and depth == 0:
                break
            if command_position and word == "case":
                text, i = self.case(j)
                out.append(text)
                prev = "w"
                continue
            if command_position and word == "[[":
                end = t.find("]]", j)
                inner = t[j:end] if end >= 0 else ""
                if end < 0 or any(ch in inner for ch in "&|<>()\n;") or "[[" in inner:
                    raise Unsupported("[[ … ]] with operators")
                out.append("__dbltest__" + inner + "]]")
                i, prev = end + 2, "w"
                continue
            out.append(word)
            prev = word if command_position and word in _STARTS else "w"
            i = j
        return "".join(out), i

    def array_end(self, i: int) -> int:
        """Index after the `( … )` of an array assignment starting at i."""
        t, j = self.t, i + 1
        while j < len(t) and t[j] != ")":
            j = self.skip_quoted(j) if t[j] in "'\"`\\$" else j + 1
        if j >= len(t):
            raise Unsupported("unterminated array")
        return j + 1

    def case(self, i: int) -> tuple[str, int]:
        """Rewrite the case whose `case` word ends at i: (text, index after `esac`)."""
        t = self.t
        i = self.skip_blank(i, newlines=False)
        subject, i = self.word_at(i)
        j = self.skip_blank(i)
        if not subject or not t.startswith("in", j) or t[j + 2 : j + 3] not in _BREAK | {""}:
            raise Unsupported("case without in")
        pieces, first = ["\n" * t[i:j].count("\n")], True
        i = j + 2
        while True:
            k = self.skip_blank(i)
            pieces.append("\n" * t[i:k].count("\n"))
            i = k
            if t.startswith("esac", i) and t[i + 4 : i + 5] in _BREAK | {""}:
                i += 4
                break
            if i >= len(t):
                raise Unsupported("case without esac")
            i += t[i] == "("
            patterns = []
            while True:
                pattern, i = self.word_at(self.skip_blank(i, newlines=False))
                i = self.skip_blank(i, newlines=False)
                if not pattern or t[i : i + 1] not in ("|", ")"):
                    raise Unsupported("case pattern")
                patterns.append("__pat__" + pattern)
                i += 1
                if t[i - 1] == ")":
                    break
            body, i = self.rewrite(i, stop=("esac",))
            if t.startswith(";;&", i) or t.startswith(";&", i):
                raise Unsupported("case fall-through")
            i += 2 if t.startswith(";;", i) else 0
            code = body.rstrip()
            sep = "" if not code or code.endswith(("&", ";")) else ";"
            head = "if" if first else "elif"
            pieces.append(
                f"{head} __case__ {subject} {' '.join(patterns)}; then :; {code}{sep}"
                + "\n" * body[len(code) :].count("\n")
            )
            first = False
        text = "".join(pieces)
        return (":" + text) if first else (text + " fi"), i


# ---- following the script -------------------------------------------------------------------


class _TooMany(Exception):
    pass


@dataclass
class _State:
    args: tuple | None
    root: bool | None
    vars: dict = field(default_factory=dict)
    funcs: dict = field(default_factory=dict)
    stack: tuple = ()
    status: int | None = 0
    main: tuple | None = None  # (words, line) of the last long-running command started without exec
    bg: tuple | None = None  # the same for the last background job
    reexec: str | None = None
    locals: frozenset = frozenset()  # names the running function declared `local`
    opaque: bool = False  # a variable not known by name was set: every other one is unknown
    done: Path | None = None  # the path ended
    flow: str | None = None  # "return", "break", "continue" being propagated

    def fork(self) -> _State:
        return replace(self, vars=dict(self.vars), funcs=dict(self.funcs))


class _Run:
    def __init__(self, text: str, shell: str, path: str | None, env, env_complete: bool):
        self.text, self.shell, self.path, self.env, self.env_complete = text, shell, path, env, env_complete
        self.steps = 0

    def line(self, node) -> int:
        return self.text.count("\n", 0, node.pos[0]) + 1

    def give_up(self, state: _State, node, reason: str) -> _State:
        state.done = Path("unknown", line=self.line(node) if node is not None else None, reason=reason)
        return state

    def end(self, state: _State) -> Path:
        if state.done is not None:
            return state.done
        if state.flow:  # `return` or `break` outside a function or loop: an error in bash
            return Path("unknown", reason=f"`{state.flow}` outside a function or loop")
        if state.main is not None:
            return self.child(state, *state.main)
        return Path("exit", reexec=state.reexec)

    def child(self, state: _State, words, line) -> Path:
        program = _unwrap(list(words))
        su = tuple(program) if program and isinstance(program[0], str) and basename(program[0]) in SU_WRAPPERS else None
        return Path("child", tuple(words), line, su=su, reexec=state.reexec)

    # -- lists of commands --

    def block(self, nodes, states: list[_State]) -> list[_State]:
        for node in nodes:
            states = self.node(node, states)
        return states

    def node(self, node, states: list[_State]) -> list[_State]:
        out = []
        for s in states:
            if s.done or s.flow:
                out.append(s)
                continue
            self.steps += 1
            if self.steps > MAX_STEPS:
                raise _TooMany
            out += self.one(node, s)
        if len([s for s in out if not s.done]) > MAX_PATHS:
            raise _TooMany
        return out

    def one(self, node, s: _State) -> list[_State]:
        kind = node.kind
        if kind == "list":
            return self.andor(node.parts, s)
        if kind == "command":
            return self.command(node, s)
        if kind == "function":
            s.funcs[node.parts[0].word] = node.parts[-1]
            s.status = 0
            return [s]
        if kind == "pipeline":
            return self.pipeline(node, s)
        if kind == "compound":
            return self.compound(node, s)
        if kind in ("reservedword", "operator"):
            return [s]
        return [self.give_up(s, node, f"a {kind} node")]

    def andor(self, parts, s: _State) -> list[_State]:
        """`a && b || c; d &`: run each part after the operator that precedes it allows."""
        states, op = [s], None
        i = 0
        while i < len(parts):
            part = parts[i]
            nxt = parts[i + 1].op if i + 1 < len(parts) and parts[i + 1].kind == "operator" else None
            new = []
            for st in states:
                if st.done or st.flow:
                    new.append(st)
                    continue
                if op in ("&&", "||"):
                    if st.status is None:  # both: the next part runs, or it is skipped
                        new.append(st.fork())
                    elif (st.status == 0) != (op == "&&"):
                        new.append(st)
                        continue
                if nxt == "&":
                    new += self.background(part, st)
                else:
                    new += self.node(part, [st])
            states = new
            op = nxt
            i += 2 if nxt else 1
        return states

    def background(self, node, s: _State) -> list[_State]:
        if node.kind == "command":
            words = self.words(node, s)
            if words is not None and words and not _trivial(words):
                s.bg = (tuple(words), self.line(node))
        s.status = 0
        return [s]

    def pipeline(self, node, s: _State) -> list[_State]:
        parts = [p for p in node.parts if p.kind not in ("pipe", "reservedword")]
        negate = node.parts[0].kind == "reservedword" and node.parts[0].word == "!"
        if negate and len(parts) == 1:
            states = self.node(parts[0], [s])
            for st in states:
                st.status = None if st.status is None else int(st.status == 0)
            return states
        # each part runs in a subshell: no effect here; the first long-running one is the main process
        for part in parts:
            if part.kind == "command":
                words = self.words(part, s)
                if words is None:
                    return [self.give_up(s, part, "a word it cannot expand")]
                if words and not _trivial(words):
                    s.main = (tuple(words), self.line(part))
                    break
        s.status = None
        return [s]

    def compound(self, node, s: _State) -> list[_State]:
        head = node.list[0]
        if head.kind == "if":
            return self.if_(head, s)
        if head.kind == "for":
            return self.for_(head, s)
        if head.kind in ("while", "until"):
            return self.loop(head, s)
        if head.kind == "reservedword" and head.word == "{":
            return self.block([n for n in node.list if n.kind not in ("reservedword", "redirect")], [s])
        if head.kind == "reservedword" and head.word == "(":
            # a subshell: nothing it does changes this shell; it may run a program as a child
            words = self.first_program(node, s)
            if words:
                s.main = words
            s.status = None
            return [s]
        return [self.give_up(s, node, "a compound command")]

    def first_program(self, node, s):
        for cmd in _commands(node):
            words = self.words(cmd, s)
            if words and not _trivial(words) and words[0] not in s.funcs:
                return tuple(words), self.line(cmd)
        return None

    def if_(self, node, s: _State) -> list[_State]:
        parts = node.parts
        out, pending, i = [], [s], 0
        while i < len(parts):
            word = parts[i].word if parts[i].kind == "reservedword" else None
            if word in ("if", "elif"):
                cond = parts[i + 1]
                body = parts[i + 3]  # after `then`
                states = self.node(cond, pending)
                pending = []
                for st in states:
                    if st.done or st.flow:
                        out.append(st)
                    elif st.status == 0:
                        out += self.node(body, [st])
                    elif st.status is None:
                        other = st.fork()
                        out += self.node(body, [st])
                        pending.append(other)
                    else:
                        pending.append(st)
                i += 4
            elif word == "else":
                out += self.node(parts[i + 1], pending)
                pending = []
                i += 2
            else:
                i += 1
        for st in pending:
            st.status = 0
        return out + pending

    def for_(self, node, s: _State) -> list[_State]:
        parts = node.parts
        name = parts[1].word
        words_nodes, body = [], None
        i = 2
        if i < len(parts) and parts[i].kind == "reservedword" and parts[i].word == "in":
            i += 1
            while parts[i].kind == "word":
                words_nodes.append(parts[i])
                i += 1
            items = []
            for w in words_nodes:
                fields = self.expand(w, s)
                if fields is None:
                    return [self.give_up(s, w, "a word it cannot expand")]
                items += fields
        else:
            items = list(s.args) if s.args is not None else None
        body = parts[next(k for k, p in enumerate(parts) if p.kind == "reservedword" and p.word == "do") + 1]
        if items is None or any(isinstance(w, Unknown) and w.many for w in items) or len(items) > MAX_UNROLL:
            return self.loop(node, s)
        states = [s]
        for item in items:
            live = []
            for st in states:
                if st.done or st.flow in ("return",):
                    live.append(st)
                    continue
                if st.flow == "break":
                    live.append(st)
                    continue
                st.vars[name] = item
                live += self.node(body, [st])
            for st in live:
                if st.flow == "continue":
                    st.flow = None
            states = live
        for st in states:
            if st.flow == "break":
                st.flow = None
        return states

    def loop(self, node, s: _State) -> list[_State]:
        """A loop whose turns are not known: followed only when its body neither leaves the
        script, nor calls a function, nor changes the arguments; what it assigns becomes unknown."""
        assigned = set()
        for cmd in _commands(node):
            words = [w.word for w in cmd.parts if w.kind == "word"]
            if words[:1] and (
                words[0] in ("exec", "exit", "return", "set", "shift", "eval", ".", "source", "break", "continue")
                or words[0] in s.funcs
            ):
                return [self.give_up(s, node, f"`{words[0]}` in a loop")]
            for w in cmd.parts:
                if w.kind == "assignment":
                    assigned.add(w.word.split("=", 1)[0].rstrip("+"))
            if words[:1] in (["read"], ["local"], ["export"], ["declare"]):
                assigned.update(x.split("=", 1)[0] for x in words[1:] if not x.startswith("-"))
        if node.kind == "for":
            assigned.add(node.parts[1].word)
        for name in assigned:
            s.vars[name] = Unknown("$" + name)
        s.status = None
        return [s]

    # -- simple commands --

    def command(self, node, s: _State) -> list[_State]:
        assigns = [p for p in node.parts if p.kind == "assignment"]
        wordnodes = [p for p in node.parts if p.kind == "word"]
        if not wordnodes:
            for a in assigns:
                name, _, _ = a.word.partition("=")
                value = self.expand(a, s)
                known = value is not None and "+" not in name and value != ARRAY
                s.vars[name.rstrip("+")] = value if known else Unknown("$" + name.rstrip("+"), many=value == ARRAY)
            s.status = 0
            return [s]
        words = []
        for w in wordnodes:
            fields = self.expand(w, s)
            if fields is None:
                return [self.give_up(s, w, f"the word `{self.text[slice(*w.pos)]}`")]
            words += fields
        if not words:
            s.status = 0
            return [s]
        name = words[0]
        if isinstance(name, Unknown):
            if name.self_path:
                return [self.give_up(s, node, "the script runs itself")]
            s.main, s.status = (tuple(words), self.line(node)), None
            return [s]
        return self.builtin(node, name, words, s)

    def builtin(self, node, name: str, words: list, s: _State) -> list[_State]:
        line = self.line(node)
        if name == "exec":
            return self.exec_(node, words[1:], s)
        if name in s.funcs:
            return self.call(s.funcs[name], words, s)
        if name == "command" and len(words) > 1 and words[1] not in ("-v", "-V", "-p"):
            return (
                self.builtin(node, words[1], words[1:], s)
                if isinstance(words[1], str)
                else [self.give_up(s, node, "command")]
            )
        if name == "exit":  # the container stops: an error or `--help` path, no verdict
            s.done = Path("exit", line=line, reexec=s.reexec)
            return [s]
        if name == "return":
            s.flow = "return"
            s.status = _int(words[1]) if len(words) > 1 else s.status
            return [s]
        if name in ("break", "continue"):
            s.flow = name
            return [s]
        if name == "set":
            return self.set_(node, words, s)
        if name == "shift":
            n = _int(words[1]) if len(words) > 1 else 1
            if s.args is None or n is None:
                s.args = None
            else:
                s.args = s.args[n:]
            s.status = 0
            return [s]
        if name == "__dbltest__":
            if self.shell == "dash":
                return [self.give_up(s, node, "[[ under dash")]
            s.status = self.dbltest(node, s)
            return [s]
        if name in ("[", "test"):
            if name == "[" and (not words or words[-1] != "]"):
                s.status = None
                return [s]
            s.status = _test(words[1:-1] if name != "test" else words[1:], self.shell)
            return [s]
        if name == "__case__":
            s.status = self.case_match(node, words, s)
            return [s]
        if name in ("true", ":", "echo", "printf"):  # output only: they succeed
            s.status = 0
            return [s]
        if name == "false":
            s.status = 1
            return [s]
        if name in ("export", "local", "readonly", "declare", "typeset"):
            for w in words[1:]:
                key = w.split("=", 1)[0] if isinstance(w, str) else ""
                if name == "local" and key and not key.startswith("-"):
                    s.locals |= {key}
                if isinstance(w, str) and "=" in w and not w.startswith("-"):
                    s.vars[key] = w.split("=", 1)[1]
                elif name == "local" and key and not key.startswith("-"):
                    s.vars[key] = None
                elif isinstance(w, Unknown):  # `export "$var"="$val"`: some variable changed
                    s.opaque = True
            s.status = 0
            return [s]
        if name == "unset":
            for w in words[1:]:
                if isinstance(w, str) and not w.startswith("-"):
                    s.vars[w] = None
            s.status = 0
            return [s]
        if name == "read":
            for w in words[1:]:
                if isinstance(w, str) and re.fullmatch(r"[A-Za-z_]\w*", w):
                    s.vars[w] = Unknown("$" + w)
            s.status = None
            return [s]
        if name in (".", "source", "eval", "alias"):
            return [self.give_up(s, node, f"`{name}`: commands not in the script")]
        if name == "wait":
            if s.bg is not None:
                s.main = s.bg
            s.status = None
            return [s]
        if name == "trap":
            s.status = 0
            return [s]
        if _trivial(words):
            s.status = None
            return [s]
        s.main, s.status = (tuple(words), line), None
        return [s]

    def set_(self, node, words, s: _State) -> list[_State]:
        """`set -- ARGS`, `set -eo pipefail`, `set -e ARGS`: the options change nothing here."""
        rest, k = words[1:], 0
        while k < len(rest) and isinstance(rest[k], str) and rest[k][:1] in "-+" and rest[k] not in ("-", "+", "--"):
            k += 2 if "o" in rest[k][1:] else 1
        if k < len(rest) and not isinstance(rest[k], str):
            return [self.give_up(s, node, "set with an unknown word")]
        if rest[k : k + 1] == ["--"]:
            k += 1
        elif k == len(rest):
            s.status = 0
            return [s]
        args = tuple(rest[k:])
        s.args = None if any(isinstance(w, Unknown) and w.many for w in args) else args
        s.status = 0
        return [s]

    def call(self, body, words, s: _State) -> list[_State]:
        name = words[0]
        if s.stack.count(name) > 3 or len(s.stack) > 20:
            return [self.give_up(s, body, "recursion")]
        saved_args, saved_vars, saved_locals = s.args, dict(s.vars), s.locals
        s.locals = frozenset()
        s.args = tuple(words[1:]) if not any(isinstance(w, Unknown) and w.many for w in words[1:]) else None
        s.stack = (name, *s.stack)
        states = self.node(body, [s])
        for st in states:
            st.stack = st.stack[1:]
            st.args = saved_args
            if st.flow == "return":
                st.flow = None
            for key in st.locals:  # a variable the function declared `local` gets its old value back
                st.vars.pop(key, None)
                if key in saved_vars:
                    st.vars[key] = saved_vars[key]
            st.locals = saved_locals
        return states

    def exec_(self, node, words, s: _State) -> list[_State]:
        line = self.line(node)
        if not words:  # `exec >log 2>&1`: redirections only
            s.status = 0
            return [s]
        if isinstance(words[0], str) and words[0].startswith("-"):
            return [self.give_up(s, node, "exec with options")]
        program = _unwrap(words)
        if program is None:
            return [self.give_up(s, node, "an exec wrapper with unknown words")]
        target = program[0] if program else None
        if isinstance(target, str) and target in s.funcs:  # exec skips functions: PATH decides (pid1-facts §4)
            return [self.give_up(s, node, "exec of a name the script defines as a function")]
        if target is not None and (target == self.path or isinstance(target, Unknown) and target.self_path):
            if s.reexec is not None:
                return [self.give_up(s, node, "the script re-execs itself twice")]
            user = _wrapper_user(words, len(words) - len(program))
            if user is None:
                return [self.give_up(s, node, "a re-exec as an unknown user")]
            rest = program[1:]
            args = None if any(isinstance(w, Unknown) and w.many for w in rest) else tuple(rest)
            again = _State(args=args, root=user.split(":")[0] in ("root", "0"), reexec=user)
            states = self.block(parse(self.text), [again])
            return states
        if (
            self.shell == "busybox"
            and target is not None
            and isinstance(target, str)
            and basename(target) in SU_WRAPPERS
        ):
            return [self.give_up(s, node, "busybox su may exec instead of forking (pid1-facts §11, not run)")]
        su = tuple(program) if isinstance(target, str) and basename(target) in SU_WRAPPERS else None
        s.done = Path("su" if su else "exec", tuple(words), line, su=su, reexec=s.reexec)
        return [s]

    def dbltest(self, node, s: _State) -> int | None:
        """`[[ A OP B ]]`: no field splitting, and the right side of `==`/`!=` is a pattern."""
        raws = [p for p in node.parts if p.kind == "word"][1:-1]
        if len(raws) == 3 and raws[1].word in ("==", "=", "!="):
            left = self.expand(raws[0], s, split=False)
            pattern = _pattern(self.text[slice(*raws[2].pos)], s, self)
            if pattern is None or left is None or isinstance(left, Unknown):
                return None
            return int(bool(re.match(pattern, left)) == (raws[1].word == "!="))
        words = [self.expand(w, s, split=False) for w in raws]
        return None if None in words else _test(words, self.shell)

    def case_match(self, node, words, s: _State) -> int | None:
        """`__case__ SUBJECT __pat__P…`: 0 if a pattern matches the subject, 1 if none can."""
        raws = [p for p in node.parts if p.kind == "word"]
        subject, raws = self.expand(raws[1], s, split=False), raws[2:]
        if subject is None:
            return None
        result = 1
        for raw in raws:
            pattern = _pattern(self.text[slice(*raw.pos)].removeprefix("__pat__"), s, self)
            if pattern is None:
                return None
            if isinstance(subject, Unknown):
                if pattern == r"(?s:.*)\Z" or pattern == "(?s:.*)\\Z":
                    return 0
                result = None
                continue
            if re.match(pattern, subject):
                return 0
        return result

    # -- words --

    def words(self, node, s: _State):
        words = []
        for w in node.parts:
            if w.kind != "word":
                continue
            fields = self.expand(w, s)
            if fields is None:
                return None
            words += fields
        return words

    def expand(self, node, s: _State, split: bool = True):
        """The fields of a word, or its one value if not `split` (None: it uses something not
        modelled). An assignment's value is not split."""
        raw = self.text[slice(*node.pos)]
        if node.kind == "assignment":
            raw, split = raw.split("=", 1)[1], False
        return _Expander(self, s).fields(raw, not split)


def _int(word) -> int | None:
    return int(word) if isinstance(word, str) and re.fullmatch(r"-?\d+", word.strip()) else None


def _trivial(words) -> bool:
    name = words[0]
    if not isinstance(name, str):
        return False
    if basename(name) == "tail" and any(
        isinstance(w, str) and (w.startswith(("-f", "-F")) or w == "--follow") for w in words
    ):
        return False
    if name == "env" and any(isinstance(w, str) and "=" not in w and not w.startswith("-") for w in words[1:]):
        return False
    return basename(name) in TRIVIAL


def _unwrap(words: list) -> list | None:
    """The words after the exec-ing wrappers; None when an unknown word hides where they end."""
    i, plain = 0, [w if isinstance(w, str) else "?" for w in words]
    while i < len(words) and isinstance(words[i], str) and basename(words[i]) in EXEC_WRAPPERS:
        j = _skip_wrapper(plain, i)
        if any(isinstance(w, Unknown) and w.many for w in words[i : j + 1]):
            return None
        i = j
    return list(words[i:])


def _wrapper_user(words: list, end: int) -> str | None:
    """The user a wrapper chain (gosu USER, su-exec USER, setpriv --reuid=U, chpst -u U) drops to."""
    user = None
    for i, w in enumerate(words[:end]):
        if not isinstance(w, str):
            continue
        if basename(w) in ("gosu", "su-exec") and i + 1 < end:
            user = words[i + 1] if isinstance(words[i + 1], str) else None
        elif w.startswith("--reuid="):
            user = w.split("=", 1)[1]
        elif w == "-u" and i + 1 < end and basename(words[0]) == "chpst":
            user = words[i + 1] if isinstance(words[i + 1], str) else None
    return user


# ---- tests: `[ … ]` ----------------------------------------------------------------------------


def _eq(a, b) -> bool | None:
    if isinstance(a, str) and isinstance(b, str):
        return a == b
    for x, y in ((a, b), (b, a)):
        if isinstance(x, Unknown) and isinstance(y, str) and y in x.excludes:
            return False
    return None


def _test(args: list, shell: str) -> int | None:
    """The status of `[ ARGS ]` (0 true, 1 false, None unknown)."""
    value = _truth(args, shell)
    return None if value is None else (0 if value else 1)


def _not(v):
    return None if v is None else not v


def _truth(args: list, shell: str) -> bool | None:
    if any(isinstance(a, Unknown) and a.many for a in args):
        return None
    for op, combine in (("-o", "or"), ("-a", "and")):
        if op in args and len(args) > 3:
            k = args.index(op)
            left, right = _truth(args[:k], shell), _truth(args[k + 1 :], shell)
            if combine == "or":
                return True if True in (left, right) else None if None in (left, right) else False
            return False if False in (left, right) else None if None in (left, right) else True
    if args[:1] == ["!"]:
        return _not(_truth(args[1:], shell))
    if len(args) == 0:
        return False
    if len(args) == 1:
        a = args[0]
        return bool(a) if isinstance(a, str) else (True if "" in a.excludes else None)
    if len(args) == 2:
        op, a = args
        if op == "-z":
            return _eq(a, "")
        if op == "-n":
            return _not(_eq(a, ""))
        return None
    if len(args) == 3:
        a, op, b = args
        if op in ("=", "=="):
            if op == "==" and shell == "dash":
                return None
            return _eq(a, b)
        if op == "!=":
            return _not(_eq(a, b))
        if op in ("-eq", "-ne", "-lt", "-le", "-gt", "-ge"):
            x, y = _int(a), _int(b)
            if x is None or y is None:
                if op in ("-eq", "-ne") and isinstance(a, Unknown) and b in a.excludes:
                    return op == "-ne"
                return None
            return {"-eq": x == y, "-ne": x != y, "-lt": x < y, "-le": x <= y, "-gt": x > y, "-ge": x >= y}[op]
    return None


# ---- word expansion ---------------------------------------------------------------------------

_NAME = re.compile(r"[A-Za-z_][A-Za-z_0-9]*")


class _Expander:
    def __init__(self, run: _Run, s: _State):
        self.run, self.s = run, s

    def param(self, name: str, raw: str):
        """The value of a parameter: str, None (unset) or Unknown."""
        s, run = self.s, self.run
        if name.isdigit():
            k = int(name)
            if k == 0:
                return run.path if run.path else Unknown("$0", self_path=True)
            if s.args is None:
                return Unknown(raw)
            return s.args[k - 1] if k <= len(s.args) else None
        if name == "#":
            return str(len(s.args)) if s.args is not None else Unknown(raw, excludes=frozenset())
        if name in ("BASH_SOURCE", "BASH_SOURCE[0]"):
            if run.shell != "bash":
                raise _NoModel
            return run.path if run.path else Unknown(raw, self_path=True)
        if name.startswith("FUNCNAME"):
            if run.shell != "bash":
                raise _NoModel
            names = (*s.stack, "main") if s.stack else ()
            m = re.fullmatch(r"FUNCNAME(?:\[(\d+)\])?", name)
            if not m:
                raise _NoModel
            k = int(m.group(1) or 0)
            return names[k] if k < len(names) else None
        if name == "?":
            return str(s.status) if s.status is not None else Unknown(raw)
        if not _NAME.fullmatch(name):
            raise _NoModel
        if name in s.vars:
            return s.vars[name]
        if s.opaque:
            return Unknown(raw)
        if name in run.env or run.env_complete:
            return run.env.get(name)
        return Unknown(raw)

    def fields(self, raw: str, assignment: bool = False):
        try:
            return self._fields(raw, assignment)
        except (_NoModel, ValueError, IndexError):
            return None

    def _fields(self, raw: str, assignment: bool):
        """Split `raw` into fields: [(pieces, quoted_everything)] joined. Pieces are str or Unknown."""
        fields: list[list] = [[]]
        at_fields = None
        i, n = 0, len(raw)
        while i < n:
            c = raw[i]
            if c == "'":
                j = raw.index("'", i + 1)
                fields[-1].append(raw[i + 1 : j])
                i = j + 1
            elif c == '"':
                i, at = self.dquote(raw, i + 1, fields)
                if at is not None:
                    at_fields = at
            elif c == "\\":
                fields[-1].append(raw[i + 1 : i + 2])
                i += 2
            elif c == "$":
                value, i, is_at = self.dollar(raw, i)
                if is_at:
                    if self.s.args is None:
                        fields[-1].append(Unknown("$@", many=True))
                    else:
                        at_fields = list(self.s.args)
                        fields[-1].append(_AT)
                elif isinstance(value, Unknown):
                    fields[-1].append(
                        value
                        if assignment
                        else Unknown(value.text, many=True, excludes=value.excludes, self_path=value.self_path)
                    )
                elif value:
                    if assignment:
                        fields[-1].append(value)
                    else:  # field splitting on IFS (default)
                        parts = value.split()
                        if value[:1].isspace() and fields[-1]:
                            fields.append([])
                        for k, p in enumerate(parts):
                            if k:
                                fields.append([])
                            fields[-1].append(p)
                        if value[-1:].isspace():
                            fields.append([])
            elif c in "*?[" and not assignment and raw not in ("[", "]"):
                fields[-1].append(Unknown(raw, many=True))
                i += 1
            elif c == "`":
                raise _NoModel
            elif c == "~" and i == 0 and not assignment:
                fields[-1].append(Unknown("~"))
                i += 1
            else:
                fields[-1].append(c)
                i += 1
        out = []
        for pieces in fields:
            if _AT in pieces:  # "a$@b": the first argument joins a, the last one b
                k = pieces.index(_AT)
                before, after, args = pieces[:k], pieces[k + 1 :], at_fields or []
                if _AT in after:
                    raise _NoModel
                if not args:
                    out += [_join(before + after, raw)] if before or after else []
                elif len(args) == 1:
                    out.append(_join([*before, args[0], *after], raw))
                else:
                    out += [_join([*before, args[0]], raw), *args[1:-1], _join([args[-1], *after], raw)]
                continue
            if not pieces:
                continue
            out.append(_join(pieces, raw))
        if assignment:
            return _join([p for f in fields for p in f if p is not _AT], raw) if fields else ""
        return out

    def dquote(self, raw: str, i: int, fields):
        at = None
        buf = fields[-1]
        start_len = len(buf)
        while i < len(raw) and raw[i] != '"':
            c = raw[i]
            if c == "\\" and raw[i + 1 : i + 2] in ('"', "\\", "$", "`", "\n"):
                buf.append(raw[i + 1])
                i += 2
            elif c == "$":
                value, i, is_at = self.dollar(raw, i)
                if is_at:
                    if self.s.args is None:
                        buf.append(Unknown('"$@"', many=True))
                    else:
                        at = list(self.s.args)
                        buf.append(_AT)
                elif value is None:
                    buf.append("")
                else:
                    buf.append(value)
            elif c == "`":
                raise _NoModel
            else:
                buf.append(c)
                i += 1
        if len(buf) == start_len:
            buf.append("")
        return i + 1, at

    def dollar(self, raw: str, i: int):
        """(value, index after, whether it is $@) for the expansion at raw[i] == '$'."""
        nxt = raw[i + 1 : i + 2]
        if nxt == "(":
            end = _close(raw, i + 1)
            inner = raw[i + 2 : end - 1].strip()
            if raw[i + 2 : i + 3] == "(":
                raise _NoModel  # $(( arithmetic ))
            if inner in ("id -u", "id -ru"):
                root = self.s.root
                value = (
                    "0"
                    if root
                    else Unknown("$(id -u)", excludes=frozenset({"0"}))
                    if root is False
                    else Unknown("$(id -u)")
                )
                return value, end, False
            return Unknown(f"$({inner})"), end, False
        if nxt == "{":
            end = _close(raw, i + 1)
            return self.braced(raw[i + 2 : end - 1]), end, raw[i + 2 : end - 1] == "@"
        if nxt == "@":
            return None, i + 2, True
        if nxt == "*":
            args = self.s.args
            known = args is not None and all(isinstance(a, str) for a in args)
            return (" ".join(args) if known else Unknown("$*")), i + 2, False
        if nxt in ("'", '"'):
            raise _NoModel  # $'…' and $"…"
        if nxt and (nxt.isdigit() or nxt in "#?$!-"):
            if nxt in "$!-":
                return Unknown("$" + nxt), i + 2, False
            return self.param(nxt, "$" + nxt), i + 2, False
        m = _NAME.match(raw, i + 1)
        if not m:
            return "$", i + 1, False
        return self.param(m.group(0), "$" + m.group(0)), m.end(), False

    def braced(self, inner: str):
        """${NAME}, ${#NAME}, ${NAME:-W}, ${NAME:=W}, ${NAME#P}, ${NAME%P}, ${NAME:O:L}, arrays of
        FUNCNAME and BASH_SOURCE."""
        if inner == "#FUNCNAME[@]" or inner == "#FUNCNAME[*]":
            if self.run.shell != "bash":
                raise _NoModel
            return str(len(self.s.stack) + 1 if self.s.stack else 0)
        if inner.startswith("#"):
            v = self.param(inner[1:], "${" + inner + "}")
            if v is None:
                return "0"
            return str(len(v)) if isinstance(v, str) else Unknown("${" + inner + "}")
        indirect = re.fullmatch(r"!([A-Za-z_]\w*)(.*)", inner, re.S)
        if indirect:  # ${!var}: the variable named by var's value (bash)
            if self.run.shell == "dash":
                raise _NoModel
            target = self.param(indirect.group(1), "${" + inner + "}")
            if not (isinstance(target, str) and _NAME.fullmatch(target)):
                return Unknown("${" + inner + "}")
            return self.braced(target + indirect.group(2))
        if re.fullmatch(r"[A-Za-z_]\w*\[[@*]\]", inner):  # a bash array: any number of words
            if self.run.shell == "dash":
                raise _NoModel
            return Unknown("${" + inner + "}", many=True)
        m = re.fullmatch(r"([A-Za-z_]\w*(?:\[\d+\])?|\d+|[#?])(.*)", inner, re.S)
        if not m:
            raise _NoModel
        name, op = m.groups()
        value = self.param(name, "${" + inner + "}")
        if not op:
            return value
        if op[:2] in (":-", ":=") or op[:1] in ("-", "="):
            colon = op[0] == ":"
            word = op[2:] if colon else op[1:]
            empty = value is None or (colon and value == "")
            if isinstance(value, Unknown) and not (colon and "" in value.excludes):
                return Unknown("${" + inner + "}")
            if empty:
                default = self.fields_one(word)
                if "=" in op[:2] and _NAME.fullmatch(name):
                    self.s.vars[name] = default
                return default
            return value
        if op[:2] in (":+",) or op[:1] == "+":
            word = op[2:] if op[0] == ":" else op[1:]
            if isinstance(value, Unknown):
                return Unknown("${" + inner + "}")
            return self.fields_one(word) if value not in (None, "") or (op[0] == "+" and value is not None) else ""
        m2 = re.fullmatch(r":(\d+)(?::(\d+))?", op)
        if m2:
            if self.run.shell == "dash":
                raise _NoModel
            if not isinstance(value, str):
                return "" if value is None else Unknown("${" + inner + "}")
            start, length = int(m2.group(1)), m2.group(2)
            return value[start : start + int(length)] if length is not None else value[start:]
        m3 = re.fullmatch(r"(##|#|%%|%)(.*)", op, re.S)
        if m3:
            kind, pat = m3.groups()
            if not re.fullmatch(r"[\w.\-/]*\*?|\*?[\w.\-/]*", pat):
                raise _NoModel
            if value is None:
                return ""
            if isinstance(value, Unknown):
                return Unknown("${" + inner + "}")
            return _strip(value, kind, pat)
        raise _NoModel

    def fields_one(self, word: str):
        fields = self._fields(word, assignment=True)
        return fields


class _NoModel(Exception):
    pass


_AT = object()


def _strip(value: str, kind: str, pat: str) -> str:
    if kind.startswith("#"):
        for k in range(len(value) + 1) if kind == "#" else range(len(value), -1, -1):
            if fnmatchcase(value[:k], pat):
                return value[k:]
        return value
    for k in range(len(value), -1, -1) if kind == "%" else range(len(value) + 1):
        if fnmatchcase(value[k:], pat):
            return value[:k]
    return value


def _join(pieces: list, raw: str):
    if all(isinstance(p, str) for p in pieces):
        return "".join(pieces)
    unknowns = [p for p in pieces if isinstance(p, Unknown)]
    if len(pieces) == 1:
        return pieces[0]
    return Unknown(raw, many=any(u.many for u in unknowns), self_path=False)


def _close(raw: str, i: int) -> int:
    """Index after the `( … )` or `{ … }` whose opener is at raw[i], as the scanner reads it."""
    try:
        return _Scanner(raw).group_end(i)
    except Unsupported:
        raise _NoModel from None


def _pattern(raw: str, s: _State, run: _Run) -> str | None:
    """A case pattern as a regular expression: quoted parts literal, `* ? [..]` globs; None when
    it expands something."""
    out, i = [], 0
    while i < len(raw):
        c = raw[i]
        if c == "'":
            j = raw.index("'", i + 1)
            out.append(re.escape(raw[i + 1 : j]))
            i = j + 1
        elif c == '"':
            j = raw.find('"', i + 1)
            if j < 0 or "$" in raw[i:j] or "\\" in raw[i:j]:
                return None
            out.append(re.escape(raw[i + 1 : j]))
            i = j + 1
        elif c == "\\":
            out.append(re.escape(raw[i + 1 : i + 2]))
            i += 2
        elif c == "$" or c == "`":
            return None
        elif c == "*":
            out.append(".*")
            i += 1
        elif c == "?":
            out.append(".")
            i += 1
        elif c == "[":
            j = raw.find("]", i + 2)
            if j < 0:
                return None
            body = raw[i + 1 : j]
            if body.startswith("!"):
                body = "^" + body[1:]
            out.append("[" + body.replace("\\", "\\\\") + "]")
            i = j + 1
        else:
            out.append(re.escape(c))
            i += 1
    return "(?s:" + "".join(out) + r")\Z"
