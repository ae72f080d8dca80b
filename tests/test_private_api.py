"""The one private-API patch that stays earns its keep only while it still patches something.

tools/extensions/pybtex_cache.py replaces ``pybtex.plugin.entry_points``; if a
pybtex upgrade stops calling that name, the patch would silently do nothing
(and builds would get slow again), or answer differently.  These tests fail then.

The same module's style ``unsrt_once`` (public API: a registered pybtex style)
must print every source exactly as pybtex's ``unsrt`` does, and format it once.
"""

from __future__ import annotations

import importlib.metadata
import sys

import pybtex.plugin
from pybtex.database import parse_file
from pybtex.style.formatting.unsrt import Style as Unsrt

from conftest import ROOT

sys.path.insert(0, str(ROOT / "tools" / "extensions"))
import pybtex_cache  # noqa: E402


def test_pybtex_still_looks_its_plugins_up_through_the_patched_name():
    assert "entry_points" in pybtex.plugin._load_entry_point.__code__.co_names, \
        "pybtex.plugin._load_entry_point no longer calls entry_points: pybtex_cache.py patches nothing"


def test_the_cached_look_up_answers_as_importlib_does():
    for group, name in (("pybtex.style.formatting", "unsrt"), ("pybtex.backends", "docutils"),
                        ("pybtex.style.formatting", None)):
        params = {"group": group} | ({"name": name} if name else {})
        assert sorted(pybtex_cache.entry_points(**params)) == sorted(importlib.metadata.entry_points(**params))
        assert len(pybtex_cache.entry_points(**params)) > 0


def test_the_patched_pybtex_finds_the_books_style(monkeypatch):
    calls = []
    real = pybtex_cache.entry_points
    monkeypatch.setattr(pybtex.plugin, "entry_points", lambda **kw: calls.append(kw) or real(**kw))
    assert pybtex.plugin.find_plugin("pybtex.style.formatting", "unsrt").__name__ == "Style"
    assert calls, "find_plugin answered without asking entry_points: the patch would do nothing"


def _sources():
    for bib in sorted((ROOT / "source" / "bib").glob("*.bib")):
        yield from parse_file(str(bib)).entries.values()


def test_every_source_is_printed_as_unsrt_prints_it():
    style = pybtex.plugin.find_plugin("pybtex.style.formatting", pybtex_cache.STYLE)()
    entries = list(_sources())
    assert len(entries) > 10
    for entry in entries:
        for label in ("", "3"):
            ours, theirs = style.format_entry(label, entry), Unsrt().format_entry(label, entry)
            assert (ours.key, ours.label, ours.text.render_as("text")) == \
                (theirs.key, theirs.label, theirs.text.render_as("text")), entry.key


def test_a_source_cited_again_is_not_formatted_again():
    """sphinxcontrib-bibtex asks for a new style at every citation: the second
    asks must get the first one's formatting, not format the entry again."""
    entry = next(_sources())
    first = pybtex.plugin.find_plugin("pybtex.style.formatting", pybtex_cache.STYLE)().format_entry("", entry)
    again = pybtex.plugin.find_plugin("pybtex.style.formatting", pybtex_cache.STYLE)().format_entry("", entry)
    assert again is first
    other = next(e for e in _sources() if e.key != entry.key)
    assert pybtex.plugin.find_plugin("pybtex.style.formatting", pybtex_cache.STYLE)().format_entry(
        "", other) is not first
