"""bashlex, with its LALR tables cached on disk.

bashlex rebuilds its parse tables with PLY on every import (about 0.3 s, more than the rest of a
one-file lint). The tables depend only on the grammar, so they are saved once per grammar in the
user's cache directory and loaded from there; any failure falls back to building them.

They are saved with marshal, beside the grammar they were built from: pickle, hashlib (OpenSSL)
and tempfile would cost more to import (~14 ms) than loading the tables.
"""

from __future__ import annotations

import importlib.util
import marshal
import os
import sys
import threading
import zlib
from pathlib import Path


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "ecsinit-lint"


def _cached_table(table_class):
    class CachedLRTable(table_class):
        def __init__(self, grammar, log=None):
            grammar_text = repr([(p.name, p.prod, p.prec) for p in grammar.Productions])
            # per Python version (marshal's format is its own) and grammar; the file holds the
            # grammar too, so that a crc32 clash only costs a rebuild
            key = "py%d%d-%08x" % (*sys.version_info[:2], zlib.crc32(grammar_text.encode()))
            path = cache_dir() / f"bashlex-lr-{key}.marshal"
            try:
                with open(path, "rb") as f:
                    text, lr_action, lr_goto = marshal.load(f)
                if text == grammar_text:
                    self.lr_action, self.lr_goto = lr_action, lr_goto
                    self.grammar, self.lr_productions = grammar, grammar.Productions
                    self.sr_conflicts, self.rr_conflicts = [], []
                    return
            except (OSError, ValueError, EOFError, TypeError):
                pass
            super().__init__(grammar, log)
            try:
                import tempfile  # only to write the cache, once

                path.parent.mkdir(parents=True, exist_ok=True)
                fd, tmp = tempfile.mkstemp(dir=path.parent)
                with os.fdopen(fd, "wb") as f:
                    marshal.dump((grammar_text, self.lr_action, self.lr_goto), f)
                os.replace(tmp, path)
            except OSError:
                pass  # a read-only home only costs the rebuild

    return CachedLRTable


_LOADING = threading.Lock()  # the package is in sys.modules before it is set up


def load():
    """bashlex.parse, importing bashlex with the cached tables.

    bashlex's `__init__` builds the parser, so the package is set up without running it, its
    `yacc` module is imported and given the caching table class, and then `__init__` runs.
    Under a lock: an audit lints revisions in threads."""
    with _LOADING:
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
