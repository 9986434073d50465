"""What reading one image may cost: bytes, tar members, time. Hitting a cap is an ImageError
that names the cap, so a tar bomb, a huge layer or a slow registry costs a note, not the run."""

from __future__ import annotations

import time
from dataclasses import dataclass

from .errors import ImageError

MIB = 1 << 20


@dataclass(frozen=True)
class Limits:
    bytes: int = 512 * MIB  # downloaded plus decompressed, per image
    members: int = 200_000  # tar members scanned, per image
    seconds: float = 60.0  # per image, network and scanning
    timeout: float = 15.0  # one network wait (connect, or one read)
    document: int = 4 * MIB  # a manifest, an index or a config blob
    file: int = 4 * MIB  # one file read from the layers


class Budget:
    """The caps of one image being read, counting down."""

    def __init__(self, image: object, limits: Limits):
        self.image, self.limits = image, limits
        self.deadline = time.monotonic() + limits.seconds
        self.bytes = self.members = 0

    def remaining(self) -> float:
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise ImageError(
                self.image, f"gave up after {self.limits.seconds:g} s reading the image (the time cap per image)"
            )
        return left

    def wait(self) -> float:
        """The timeout for one network wait: the per-operation one, within the time cap."""
        return max(0.05, min(self.limits.timeout, self.remaining()))

    def take(self, count: int) -> None:
        self.bytes += count
        if self.bytes > self.limits.bytes:
            raise ImageError(
                self.image,
                f"read more than {self.limits.bytes // MIB} MiB (the cap per image): a huge layer or a compression bomb",
            )
        self.remaining()

    def member(self) -> None:
        self.members += 1
        if self.members > self.limits.members:
            raise ImageError(self.image, f"scanned more than {self.limits.members} tar members (the cap per image)")
