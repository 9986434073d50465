"""Hypothesis strategies: task definitions built from the real corpus, then mutated."""

from __future__ import annotations

import copy
import json
from pathlib import Path

from hypothesis import strategies as st

CORPUS = Path(__file__).parents[2] / "shared" / "corpus" / "real"
if not CORPUS.is_dir():
    CORPUS = Path("/work/shared/corpus/real")


def corpus_taskdefs() -> list[dict]:
    """The corpus's JSON register-task-definition inputs (a fixed base when it is absent)."""
    docs = []
    for path in sorted(CORPUS.glob("*.json")):
        try:
            data = json.loads(path.read_text(encoding="utf-8-sig"))
        except ValueError:
            continue
        if isinstance(data, dict) and isinstance(data.get("containerDefinitions"), list):
            docs.append(data)
    return docs or [{"family": "app", "containerDefinitions": [{"name": "app", "image": "debian", "command": ["./app"]}]}]


BASES = corpus_taskdefs()
ARGVS = [
    ["sh", "-c", "migrate && exec app"],
    ["sh", "-c", "migrate && app"],
    ["/bin/bash", "-c", "app; echo done"],
    ["su", "app", "-c", "./server"],
    ["tini", "--", "./server"],
    ["sh", "-c", "if true; then app; fi"],
    ["sh", "-c", "trap 'kill $PID' TERM; app & PID=$!; wait"],
    ["sh", "-c", "echo ${"],
    ["./server", "--port", "80"],
]
KEYS = ["linuxParameters", "initProcessEnabled", "entrypoint", "command", "entryPoint", "name", "image",
        "networkMode", "pidMode", "essential", "memory", "LogConfiguration", "x~y/z", ""]  # fmt: skip

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**40), 2**40), st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=12), st.sampled_from(['{{ must_env "X" }}', "${IMAGE}", "<IMAGE>", "true", "awsvpc", "task"]),
)  # fmt: skip
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=6), inner, max_size=3),
    max_leaves=8,
)


def _pointers(value, ptr=()):
    yield ptr
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for k, v in items:
        yield from _pointers(v, ptr + (k,))


@st.composite
def task_definitions(draw) -> dict:
    """A corpus task definition with a few of its values replaced, added or removed."""
    data = copy.deepcopy(draw(st.sampled_from(BASES)))
    for _ in range(draw(st.integers(0, 4))):
        containers = data.get("containerDefinitions")
        if isinstance(containers, list) and containers and isinstance(containers[0], dict) and draw(st.booleans()):
            containers[0]["command"] = list(draw(st.sampled_from(ARGVS)))
            continue
        path = draw(st.sampled_from(list(_pointers(data))[1:] or [()]))
        parent = data
        for token in path[:-1]:
            parent = parent[token]
        action = draw(st.sampled_from(["replace", "add", "remove"]))
        if not path or (action == "remove" and path == ("containerDefinitions",)):
            continue
        if action == "replace":
            parent[path[-1]] = draw(json_values)
        elif action == "remove":
            del parent[path[-1]]
        elif isinstance(parent, dict):
            parent[draw(st.sampled_from(KEYS))] = draw(json_values)
    return data
