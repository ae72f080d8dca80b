"""The one private-API patch that stays earns its keep only while it still patches something.

tools/extensions/pybtex_cache.py replaces ``pybtex.plugin.entry_points``; if a
pybtex upgrade stops calling that name, the patch would silently do nothing
(and builds would get slow again), or answer differently.  These tests fail then.
"""

from __future__ import annotations

import importlib.metadata
import sys

import pybtex.plugin

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
