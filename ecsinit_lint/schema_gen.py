"""Generate the task-definition JSON Schema shipped in `ecsinit_lint/data/` from the botocore
ECS service model. Run at development time: `python -m ecsinit_lint.schema_gen` (needs boto3).

The schema says which keys exist and what type and enum values each takes: what TD001 and
TD002 check. Lengths, patterns and required members are left out: ECS reports those itself.
Each root accepts the request's members plus the read-only members of the matching describe
output, which deploy tools strip before registering.
"""

from __future__ import annotations

import json
import sys

from .core.schema import SCHEMA_PATH

# schema root -> (request shape, describe shape): register-task-definition and its daemon variant
ROOTS = {
    "TaskDefinition": ("RegisterTaskDefinitionRequest", "TaskDefinition"),
    "DaemonTaskDefinition": ("RegisterDaemonTaskDefinitionRequest", "DaemonTaskDefinition"),
}
CONTAINER_ROOTS = {"TaskDefinition": "ContainerDefinition", "DaemonTaskDefinition": "DaemonContainerDefinition"}
SCALARS = {
    "string": {"type": "string"},
    "blob": {"type": "string"},
    "boolean": {"type": "boolean"},
    "integer": {"type": "integer"},
    "long": {"type": "integer"},
    "float": {"type": "number"},
    "double": {"type": "number"},
    "timestamp": {"type": ["string", "number"]},
}


def _ref(name: str) -> dict:
    return {"$ref": f"#/$defs/{name}"}


def _shape(shapes: dict, name: str, defs: dict) -> dict:
    """A reference to the $defs entry for shape `name`, filling $defs on the way."""
    shape = shapes[name]
    kind = shape["type"]
    if kind in SCALARS:  # inlined: a scalar's schema is smaller than a reference
        return dict(SCALARS[kind], enum=list(shape["enum"])) if "enum" in shape else dict(SCALARS[kind])
    if name not in defs:
        defs[name] = {}  # first, as shapes can be recursive; it stays so for a free-form document
        if kind == "structure" and not shape.get("document"):
            members = {m: _shape(shapes, spec["shape"], defs) for m, spec in shape["members"].items()}
            defs[name] = {"type": "object", "properties": members, "additionalProperties": False}
        elif kind == "list":
            defs[name] = {"type": "array", "items": _shape(shapes, shape["member"]["shape"], defs)}
        elif kind == "map":
            defs[name] = {"type": "object", "additionalProperties": _shape(shapes, shape["value"]["shape"], defs)}
        elif kind != "structure":
            raise ValueError(f"shape {name}: unknown type {kind}")
    return _ref(name)


def generate(model: dict) -> dict:
    shapes, defs = model["shapes"], {}
    roots = {}
    for root, (request, describe) in ROOTS.items():
        _shape(shapes, request, defs)
        props = defs.pop(request)["properties"]
        for member, spec in shapes[describe]["members"].items():
            props.setdefault(member, _shape(shapes, spec["shape"], defs))
        roots[root] = {"type": "object", "properties": props, "additionalProperties": False}
    for root, container in CONTAINER_ROOTS.items():
        roots[root + "Container"] = _shape(shapes, container, defs)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$comment": f"Generated from the botocore ECS model (API {model['metadata']['apiVersion']}) "
        "by `python -m ecsinit_lint.schema_gen`: do not edit.",
        "roots": roots,
        "$defs": dict(sorted(defs.items())),
    }


def render(schema: dict) -> str:
    return json.dumps(schema, indent=1) + "\n"


def botocore_model() -> dict:
    from botocore.loaders import Loader

    return Loader().load_service_model("ecs", "service-2")


def main() -> None:
    SCHEMA_PATH.write_text(render(generate(botocore_model())))
    print(f"wrote {SCHEMA_PATH}", file=sys.stderr)


if __name__ == "__main__":
    main()
