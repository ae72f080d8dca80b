"""Make sphinxcontrib-bibtex fast: cache pybtex's plugin look-ups and formatted entries.

Two costs, neither of which changes the output:

* sphinxcontrib-bibtex 2.7 asks pybtex for its formatting style on every
  ``:footcite:`` (the book has several hundred), and pybtex 0.26 answers each
  question by scanning every installed package's entry points
  (``importlib.metadata.entry_points``).  That scan was 90 % of a clean
  build's reading time.  The installed entry points do not change while
  Sphinx runs, so they are read once and every question is answered from
  that list.

* Every ``:footcite:`` formats its entry again, and every build formats all
  the entries of the bibliography again, even when no source changed: most of
  the time is spent decoding LaTeX in each field.  Formatted entries are kept
  in a cache in the builder's doctree folder, keyed by the style, the label
  and every field and name of the entry, so an edited ``.bib`` entry is
  formatted afresh.  An incremental HTML build gets about 0.3 s faster.
  Within one build, each distinct field is decoded from LaTeX once
  (``Text.from_latex``), though every entry is formatted at least twice (as a
  note and in the bibliography).
"""

from __future__ import annotations

import codecs
import functools
import hashlib
import os
import pickle
import tempfile
from pathlib import Path

import latexcodec  # noqa: F401  (registers the "ulatex" codec)
import pybtex.plugin
from pybtex.markup import LaTeXParser
from pybtex.richtext import Text
from pybtex.style.formatting import BaseStyle

CACHE_NAME = "pybtex-formatted.pickle"
CACHE_VERSION = 1  # bump when the key or the stored value changes
MAX_ENTRIES = 4096  # beyond this, keep only what the last build used


# -- plugin look-ups --------------------------------------------------------------


@functools.cache
def _all_entry_points():
    return _uncached()  # every installed package's entry points, read once


_uncached = pybtex.plugin.entry_points


def entry_points(**params) -> tuple:
    return tuple(_all_entry_points().select(**params))


# -- LaTeX decoding -----------------------------------------------------------------


@functools.lru_cache(maxsize=4096)
def _decode_latex(latex: str) -> str:
    return codecs.decode(latex, "ulatex")


def from_latex(cls, latex):
    """pybtex's Text.from_latex, decoding each distinct string once (a new Text each call)."""
    return LaTeXParser(_decode_latex(latex)).parse()


# -- formatted entries ------------------------------------------------------------


class FormatCache:
    """Formatted entries, as pickled bytes so each caller gets its own copy."""

    def __init__(self) -> None:
        self.path: Path | None = None
        self.stored: dict[str, bytes] = {}
        self.used: set[str] = set()
        self.dirty = False

    def load(self, path: Path) -> None:
        self.path = path
        try:
            with open(path, "rb") as f:
                version, stored = pickle.load(f)
        except (OSError, EOFError, pickle.UnpicklingError, ValueError, TypeError):
            return
        if version == CACHE_VERSION and isinstance(stored, dict):
            self.stored = stored

    def save(self) -> None:
        if self.path is None or not self.dirty:
            return
        if len(self.stored) > MAX_ENTRIES:
            self.stored = {k: v for k, v in self.stored.items() if k in self.used}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".pybtex-")
        os.fchmod(fd, 0o644)
        with os.fdopen(fd, "wb") as f:
            pickle.dump((CACHE_VERSION, self.stored), f, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, self.path)
        self.dirty = False


CACHE = FormatCache()


def _style_id(style: BaseStyle) -> tuple:
    def name(obj) -> str:
        cls = type(obj)
        return f"{cls.__module__}.{cls.__qualname__}"

    return (name(style), name(style.name_style), name(style.label_style),
            name(style.sorting_style), style.abbreviate_names, style.min_crossrefs)


def _entry_id(entry) -> tuple:
    persons = tuple((role, tuple(str(p) for p in people)) for role, people in entry.persons.items())
    return (entry.key, entry.type, tuple(entry.fields.items()), persons)


_format_entry = BaseStyle.format_entry


def format_entry(self, label, entry, bib_data=None):
    if bib_data is not None:  # cross-references: the entry alone is not the whole input
        return _format_entry(self, label, entry, bib_data=bib_data)
    key = hashlib.sha256(repr((_style_id(self), label, _entry_id(entry))).encode()).hexdigest()
    CACHE.used.add(key)
    blob = CACHE.stored.get(key)
    if blob is None:
        formatted = _format_entry(self, label, entry)
        CACHE.stored[key] = pickle.dumps(formatted, protocol=pickle.HIGHEST_PROTOCOL)
        CACHE.dirty = True
        return formatted
    return pickle.loads(blob)


def _builder_inited(app) -> None:
    CACHE.load(Path(app.doctreedir) / CACHE_NAME)


def _build_finished(app, exception) -> None:
    if exception is None:
        CACHE.save()


def setup(app):
    pybtex.plugin.entry_points = entry_points
    BaseStyle.format_entry = format_entry
    Text.from_latex = classmethod(from_latex)
    app.connect("builder-inited", _builder_inited)
    app.connect("build-finished", _build_finished)
    return {"version": "1.1", "parallel_read_safe": True, "parallel_write_safe": True}
