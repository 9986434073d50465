"""bashlex, with its LALR tables cached on disk.

bashlex rebuilds its parse tables with PLY on every import (about 0.3 s, more than the rest of a
one-file lint). The tables depend only on the grammar, so they are pickled once per grammar in the
user's cache directory and loaded from there; any failure falls back to building them.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import pickle
import sys
import tempfile
from pathlib import Path


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "ecsinit-lint"


def _cached_table(table_class):
    class CachedLRTable(table_class):
        def __init__(self, grammar, log=None):
            grammar_text = repr([(p.name, p.prod, p.prec) for p in grammar.Productions])
            key = hashlib.sha256(grammar_text.encode()).hexdigest()[:16]
            path = cache_dir() / f"bashlex-lr-{key}.pickle"
            try:
                with open(path, "rb") as f:
                    self.lr_action, self.lr_goto = pickle.load(f)
                self.grammar, self.lr_productions = grammar, grammar.Productions
                self.sr_conflicts, self.rr_conflicts = [], []
                return
            except (OSError, pickle.PickleError, ValueError, EOFError):
                pass
            super().__init__(grammar, log)
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                fd, tmp = tempfile.mkstemp(dir=path.parent)
                with os.fdopen(fd, "wb") as f:
                    pickle.dump((self.lr_action, self.lr_goto), f)
                os.replace(tmp, path)
            except OSError:
                pass  # a read-only home only costs the rebuild

    return CachedLRTable


def load():
    """bashlex.parse, importing bashlex with the cached tables.

    bashlex's `__init__` builds the parser, so the package is set up without running it, its
    `yacc` module is imported and given the caching table class, and then `__init__` runs."""
    if "bashlex" not in sys.modules:
        spec = importlib.util.find_spec("bashlex")
        package = importlib.util.module_from_spec(spec)
        sys.modules["bashlex"] = package
        try:
            yacc = importlib.import_module("bashlex.yacc")
            yacc.LRTable = _cached_table(yacc.LRTable)
            spec.loader.exec_module(package)
        except BaseException:
            for name in [m for m in sys.modules if m.split(".")[0] == "bashlex"]:
                del sys.modules[name]
            raise
    return sys.modules["bashlex"].parse
