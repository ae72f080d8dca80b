"""Speed for sphinxcontrib-bibtex: pybtex's plugin look-ups, and each source formatted once.

sphinxcontrib-bibtex 2.7 handles every ``:footcite:`` (the book has several
hundred) by asking pybtex for a new formatting style and formatting the cited
entries again, even when the chapter's note for that source exists already.
Two costs follow, and this module removes both:

1. **Plugin look-ups.**  pybtex 0.26 answers each ``find_plugin`` with
   ``importlib.metadata.entry_points(group=..., name=...)``, which reads the
   metadata of every installed package again, and then picks its answer out
   of all of them.  The installed packages do not change while Sphinx runs,
   so they are read once, and each question's answer is kept.

   A private-API patch (pybtex has no setting for this): it replaces the name
   ``entry_points`` that ``pybtex/plugin/__init__.py`` imports from
   importlib.metadata and calls in ``find_plugin``/``_load_entry_point``.
   Upstream: no pybtex issue found; the same fix was made in Pygments for its
   plugin look-ups (pygments/pygments#2979, "speedup: cache entry points").
   Guarded by tests/test_private_api.py, which fails when pybtex stops calling
   ``pybtex.plugin.entry_points`` or when the cached answer differs.

2. **Formatting.**  The style ``unsrt_once`` (the bibliography's
   ``:style:``; the chapter notes have a short style of their own since they
   were shortened, book_short_notes.py) is pybtex's ``unsrt``, registered through pybtex's public plugin
   interface, whose ``format_entry`` keeps what it formatted: an entry is
   formatted once per build, not once per citation.  pybtex's formatted text
   is never changed in place (sphinxcontrib-bibtex renders it into new nodes
   each time), so one copy serves every citation.  No private API.
   tests/test_private_api.py checks that it formats every source exactly as
   ``unsrt`` does.

Measured on 2 cores, ``sphinx-build -b print`` from clean, 2 runs each,
when every note was formatted with ``unsrt_once``:
without the formatting cache 9.8-9.9 CPU s, with it 6.8-7.2 (the output is
the same bytes); the plugin look-up cache alone took a clean HTML build from
50-73 s to 7-19 s when it came in.
"""

from __future__ import annotations

import functools
import importlib.metadata

import pybtex.plugin
from pybtex.style.formatting.unsrt import Style as Unsrt

STYLE = "unsrt_once"


@functools.cache
def _installed():
    return importlib.metadata.entry_points()  # every installed package's entry points, read once


@functools.cache
def _selected(params: tuple) -> importlib.metadata.EntryPoints:
    return _installed().select(**dict(params))


def entry_points(**params):
    """importlib.metadata.entry_points(**params), from the list read once."""
    return _selected(tuple(sorted(params.items())))


class FormatOnce(Unsrt):
    """pybtex's unsrt style, each (entry, label) formatted once for the whole build."""

    _formatted: dict = {}  # id(entry), label, id(bib_data) -> (entry, bib_data, FormattedEntry)

    def format_entry(self, label, entry, bib_data=None):
        key = (id(entry), label, id(bib_data))
        kept = self._formatted.get(key)
        if kept is None or kept[0] is not entry or kept[1] is not bib_data:  # an id reused by a new object
            kept = self._formatted[key] = (entry, bib_data, super().format_entry(label, entry, bib_data))
        return kept[2]


pybtex.plugin.register_plugin("pybtex.style.formatting", STYLE, FormatOnce)


def setup(app):
    if pybtex.plugin.entry_points is not entry_points:
        pybtex.plugin.entry_points = entry_points
    return {"version": "3.0", "parallel_read_safe": True, "parallel_write_safe": True}
