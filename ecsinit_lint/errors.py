"""The errors that end a run with exit status 2, or set a fix aside: every stage raises them."""

from __future__ import annotations


class InputError(Exception):
    """Input that cannot be read: reported as `path:line:col: message`, exit status 2."""

    def __init__(self, path: str, message: str, line: int = 1, column: int = 1):
        super().__init__(message)
        self.path, self.message, self.line, self.column = path, message, line, column

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.column}: {self.message}"

    def to_json(self) -> dict:
        return {"file": self.path, "line": self.line, "column": self.column, "message": self.message}

    def __reduce__(self):  # pickled back from the worker processes of a big `check`
        return InputError, (self.path, self.message, self.line, self.column)


class ConfigError(InputError):
    """A configuration file or option that cannot be used."""


class FixError(Exception):
    """A fix that cannot be applied: the document is left as it was."""
