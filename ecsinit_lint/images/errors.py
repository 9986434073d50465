"""The one error of the image layer: an image that cannot be read, and why, in one line."""

from __future__ import annotations


class ImageError(Exception):
    """`IMAGE: REASON`. Every fault (network, auth, digest, format, caps) is this type, so a
    caller notes it and judges the container from the task definition alone."""

    def __init__(self, image: object, reason: str):
        self.image, self.reason = str(image), " ".join(str(reason).split())  # one line
        super().__init__(f"{self.image}: {self.reason}")
