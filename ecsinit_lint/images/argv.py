"""The argv a container runs, by Docker's merge of the task definition over the image config
(pid1-facts §3; moby's `merge`): a task `entryPoint` replaces the image ENTRYPOINT and drops
its CMD; a task `command` alone replaces the CMD and follows the image ENTRYPOINT. A
Dockerfile's shell form (`CMD app`) is already `["/bin/sh", "-c", "app"]` in the config."""

from __future__ import annotations

from dataclasses import dataclass

from .image import Config

TASK_ENTRYPOINT, TASK_COMMAND = "entryPoint", "command"
IMAGE_ENTRYPOINT, IMAGE_CMD = "image ENTRYPOINT", "image CMD"


@dataclass(frozen=True)
class Part:
    source: str  # one of the four names above
    words: tuple[str, ...]


@dataclass(frozen=True)
class Effective:
    parts: tuple[Part, ...]  # what runs, in order
    dropped: tuple[Part, ...]  # what the image set and the task definition overrode

    @property
    def argv(self) -> list[str]:
        return [w for p in self.parts for w in p.words]

    def source_of(self, index: int) -> str | None:
        """Where argv[index] came from."""
        for part in self.parts:
            if index < len(part.words):
                return part.source
            index -= len(part.words)
        return None


def effective(config: Config | None, entry_point: list[str] | None, command: list[str] | None) -> Effective:
    """The merge, with each part's origin. An empty task list counts as unset for `command`
    and, for `entryPoint`, clears the image ENTRYPOINT but keeps its CMD, as moby does."""
    image_ep = config.entrypoint if config else None
    image_cmd = config.cmd if config else None
    parts, dropped = [], []
    if entry_point:
        parts.append(Part(TASK_ENTRYPOINT, tuple(entry_point)))
        if image_ep:
            dropped.append(Part(IMAGE_ENTRYPOINT, image_ep))
        if command:
            parts.append(Part(TASK_COMMAND, tuple(command)))
        if image_cmd:
            dropped.append(Part(IMAGE_CMD, image_cmd))
        return Effective(tuple(parts), tuple(dropped))
    if entry_point is None and image_ep:
        parts.append(Part(IMAGE_ENTRYPOINT, image_ep))
    elif entry_point is not None and image_ep:
        dropped.append(Part(IMAGE_ENTRYPOINT, image_ep))
    if command:
        parts.append(Part(TASK_COMMAND, tuple(command)))
        if image_cmd:
            dropped.append(Part(IMAGE_CMD, image_cmd))
    elif image_cmd:
        parts.append(Part(IMAGE_CMD, image_cmd))
    return Effective(tuple(parts), tuple(dropped))
