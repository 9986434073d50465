"""RFC 6901 JSON Pointers: how every stage names a place in a task definition."""

from __future__ import annotations


def split_pointer(pointer: str) -> list[str]:
    """RFC 6901 pointer -> reference tokens."""
    if not pointer:
        return []
    return [t.replace("~1", "/").replace("~0", "~") for t in pointer[1:].split("/")]


def _escape(token) -> str:
    token = str(token)
    return token.replace("~", "~0").replace("/", "~1") if "~" in token or "/" in token else token


def join_pointer(tokens) -> str:
    return "".join(["/" + _escape(t) for t in tokens])
