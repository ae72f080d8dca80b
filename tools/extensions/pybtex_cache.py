"""Read the installed entry points once, for pybtex's plugin look-ups.

sphinxcontrib-bibtex 2.7 asks pybtex for its formatting style on every
``:footcite:`` (the book has several hundred), and pybtex 0.26 answers each
question with ``importlib.metadata.entry_points(group=..., name=...)``, which
reads the metadata of every installed package again.  On 2 cores that scan was
most of a clean build's reading time (tools/build.py html, clean, 3 runs each:
see the numbers below).  The installed packages do not change while Sphinx
runs, so the metadata is read once and every question answered from it.

A private-API patch (pybtex has no setting for this): it replaces the name
``entry_points`` that ``pybtex/plugin/__init__.py`` imports from
importlib.metadata and calls in ``find_plugin``/``_load_entry_point``.
Upstream: no pybtex issue found; the same fix was made in Pygments for its
plugin look-ups (pygments/pygments#2979, "speedup: cache entry points").
Guarded by tests/test_private_api.py, which fails when pybtex stops calling
``pybtex.plugin.entry_points`` or when the cached answer differs.

Measured (tools/build.py html from a clean work folder, 2 shared cores, 3 runs):
without this module 50-73 s, with it 7-19 s.  The formatted-entry cache and the
``Text.from_latex`` copy that this module used to install are gone: they won
fractions of a second on incremental builds by replacing pybtex methods.
"""

from __future__ import annotations

import functools
import importlib.metadata

import pybtex.plugin


@functools.cache
def _installed():
    return importlib.metadata.entry_points()  # every installed package's entry points, read once


def entry_points(**params):
    """importlib.metadata.entry_points(**params), from the list read once."""
    return _installed().select(**params)


def setup(app):
    if pybtex.plugin.entry_points is not entry_points:
        pybtex.plugin.entry_points = entry_points
    return {"version": "2.0", "parallel_read_safe": True, "parallel_write_safe": True}
