"""The undocumented surfaces the book relies on, each named when an upgrade moves it.

The first part: the one private-API patch that stays earns its keep only while it still patches something.

tools/extensions/pybtex_cache.py replaces ``pybtex.plugin.entry_points``; if a
pybtex upgrade stops calling that name, the patch would silently do nothing
(and builds would get slow again), or answer differently.  These tests fail then.

The same module's style ``unsrt_once`` (public API: a registered pybtex style)
must print every source exactly as pybtex's ``unsrt`` does, and format it once.

The second part (below "Sphinx, docutils and furo"): every undocumented Sphinx,
docutils or furo name an extension overrides, calls or patches.  Each assertion
names the surface and the extension that needs it, so a failure after an
upgrade says what to update.  The test roots (test_roots.py) build each
extension and see the generated markup its string replacements expect
(book_markup.replace_once stops a build naming the anchor).
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


# -- Sphinx, docutils and furo ------------------------------------------------------------

import inspect  # noqa: E402
import re  # noqa: E402
from pathlib import Path  # noqa: E402

import furo  # noqa: E402
import pytest  # noqa: E402
from docutils.core import publish_parts  # noqa: E402
from sphinx import addnodes  # noqa: E402
from sphinx.builders.epub3 import Epub3Builder  # noqa: E402
from sphinx.builders.singlehtml import SingleFileHTMLBuilder  # noqa: E402
from sphinx.environment.adapters import indexentries, toctree  # noqa: E402
from sphinx.transforms.post_transforms import SphinxPostTransform  # noqa: E402
from sphinx.writers.html5 import HTML5Translator  # noqa: E402

import book_epub  # noqa: E402
import book_html  # noqa: E402
import book_print  # noqa: E402


def params(func) -> list[str]:
    return list(inspect.signature(func).parameters)


# (class, method, its parameters as the override calls super() with them, the extension)
OVERRIDES = [
    (Epub3Builder, "init", ["self"], "book_epub.BookEpubBuilder"),
    (Epub3Builder, "toc_add_files", ["self", "refnodes"], "book_epub.BookEpubBuilder"),
    (Epub3Builder, "build_content", ["self"], "book_epub.BookEpubBuilder"),
    (Epub3Builder, "build_navigation_doc", ["self"], "book_epub.BookEpubBuilder"),
    (Epub3Builder, "build_epub", ["self"], "book_epub.BookEpubBuilder"),
    (SingleFileHTMLBuilder, "get_theme_config", ["self"], "book_print.PrintBuilder"),
    (SingleFileHTMLBuilder, "assemble_doctree", ["self"], "book_print.PrintBuilder"),
    (HTML5Translator, "__init__", ["self", "document", "builder"], "book_html.BookHTMLTranslator"),
    *[(HTML5Translator, m, ["self", "node"], "book_html.BookHTMLTranslator / book_notes / book_print")
      for m in ("visit_citation", "visit_footnote", "visit_footnote_reference", "depart_footnote_reference",
                "visit_label", "depart_label", "visit_entry", "depart_term", "visit_table",
                "visit_inline", "depart_inline")],
]


@pytest.mark.parametrize("cls,method,expected,user", OVERRIDES,
                         ids=[f"{c.__name__}.{m}" for c, m, _, _ in OVERRIDES])
def test_every_overridden_method_is_still_there_with_its_parameters(cls, method, expected, user):
    found = getattr(cls, method, None)
    assert found is not None, f"{cls.__module__}.{cls.__name__}.{method} is gone: {user} overrides it"
    assert params(found)[:len(expected)] == expected, \
        f"{cls.__name__}.{method}{inspect.signature(found)}: {user} calls it as ({', '.join(expected)})"


def test_the_print_builders_handle_page_still_takes_its_context_and_template():
    """book_print.PrintBuilder.handle_page(pagename, addctx, templatename='page.html', ...)."""
    got = params(SingleFileHTMLBuilder.handle_page)
    assert got[:4] == ["self", "pagename", "addctx", "templatename"], \
        f"StandaloneHTMLBuilder.handle_page{inspect.signature(SingleFileHTMLBuilder.handle_page)}: book_print"
    assert inspect.signature(SingleFileHTMLBuilder.handle_page).parameters["templatename"].default == "page.html"


def test_the_epub_builder_still_has_the_attributes_book_epub_reads_and_sets():
    """html_tag (set in init: the <html> start tag of every content document, which
    Epub3Builder passes to the basic theme's layout.html), coverpage_name, files:
    read or set by BookEpubBuilder."""
    passed = "self.globalcontext['html_tag']" in inspect.getsource(Epub3Builder)
    assert "html_tag" in Epub3Builder.__dict__ and passed, \
        "Epub3Builder no longer passes html_tag to the templates: book_epub's lang/xml:lang would be lost"
    import sphinx
    layout = Path(sphinx.__file__).parent / "themes" / "basic" / "layout.html"
    assert "{{ html_tag }}" in layout.read_text(), "the basic theme's layout.html no longer writes html_tag: book_epub"
    source = inspect.getsource(Epub3Builder.__mro__[1])  # sphinx.builders._epub_base.EpubBuilder
    for name in ("coverpage_name", "self.files"):
        assert name in source, f"EpubBuilder no longer has {name}: book_epub.BookEpubBuilder uses it"


def test_index_entries_still_group_terms_as_the_print_index_reads_them():
    """book_print._index: IndexEntries(env).create_index(builder) ->
    [(letter, [(term, (links, subitems, key))])], each link (main, uri)."""
    assert params(indexentries.IndexEntries.__init__) == ["self", "env"], "IndexEntries(env): book_print"
    assert params(indexentries.IndexEntries.create_index)[:2] == ["self", "builder"], \
        "IndexEntries.create_index(builder): book_print"
    source = inspect.getsource(indexentries)
    assert re.search(r"tuple\[str, list\[tuple\[str, _IndexEntry", source) or "_IndexEntry" in source, \
        "IndexEntries no longer builds _IndexEntry rows (links, subitems, key): book_print._index reads them"


def test_global_toctree_for_doc_still_takes_the_print_builders_arguments():
    sig = inspect.signature(toctree.global_toctree_for_doc)
    assert params(toctree.global_toctree_for_doc)[:3] == ["env", "docname", "builder"], \
        f"global_toctree_for_doc{sig}: book_print._contents_chapter"
    for name in ("tags", "collapse", "maxdepth"):
        assert name in sig.parameters, f"global_toctree_for_doc{sig} has no {name}: book_print._contents_chapter"
    assert hasattr(addnodes, "start_of_file"), "addnodes.start_of_file is gone: book_print.assemble_doctree"


def test_post_transforms_and_translator_switching_are_still_there():
    """book_notes: a SphinxPostTransform, and the builder's translator class wrapped in a mixin."""
    assert "run" in SphinxPostTransform.__dict__ or hasattr(SphinxPostTransform, "run")
    from sphinx.builders import Builder
    assert hasattr(Builder, "get_translator_class"), "Builder.get_translator_class is gone: book_notes.add_mixin"


def test_asset_objects_still_carry_their_file_name():
    """book_html.trim_assets filters the page context's script_files and css_files by
    the undocumented ``filename`` of Sphinx's asset objects."""
    from sphinx.builders.html._assets import _CascadingStyleSheet, _JavaScript
    for cls in (_JavaScript, _CascadingStyleSheet):
        assert cls("_static/x.js").filename == "_static/x.js", f"{cls.__name__}.filename: book_html.trim_assets"


def test_docutils_still_writes_what_the_html_translator_replaces():
    """book_html.py rewrites docutils' note brackets and bibliography role as text."""
    body = publish_parts("A note [#a]_ and [Src]_.\n\n.. [#a] Note.\n\n.. [Src] Source.\n",
                         writer="html5")["body"]
    assert book_html.OPEN_BRACKET in body and book_html.CLOSE_BRACKET in body, \
        "docutils no longer writes <span class=\"fn-bracket\">: book_html's plain brackets"
    assert 'role="doc-biblioentry"' in body, "docutils no longer writes role=\"doc-biblioentry\": book_html"
    assert re.search(r'<a class="[^"]*brackets[^"]*" [^>]*role="doc-noteref"', body), \
        "docutils' note reference start tag changed: book_epub.BookEpubTranslator.visit_footnote_reference"
    assert 'role="doc-footnote"' in body, "docutils' footnote role changed: book_epub.visit_footnote"


FURO = Path(furo.__file__).parent / "theme" / "furo"


def test_furo_still_writes_the_markup_the_books_page_template_patches():
    """source/_templates/page.html replaces pieces of furo's page (book_replace_once): each is still there."""
    template = (ROOT / "source" / "_templates" / "page.html").read_text()
    anchors = re.findall(r"book_replace_once\((?:super\(\)|body), '([^']+)'", template)
    assert len(anchors) == template.count("book_replace_once("), anchors  # every call is read here
    assert len(anchors) >= 4, anchors  # the drawers' labels, the phone header's search, the menu button
    furo_page = (FURO / "page.html").read_text()
    for anchor in anchors:
        assert anchor.replace("\\'", "'") in furo_page, f"furo's page.html no longer writes {anchor!r}: " \
            "source/_templates/page.html patches it"
    assert "{% block body" in furo_page and "{% block footer" in (FURO / "page.html").read_text() + \
        (FURO / "base.html").read_text(), "furo's body/footer blocks moved: source/_templates/page.html"


def test_furo_still_has_the_templates_the_book_overrides_or_names():
    for name in ("page.html", "search.html", "partials/icons.html",
                 *(f"sidebar/{s}.html" for s in ("brand", "search", "scroll-start", "navigation", "scroll-end"))):
        assert (FURO / name).is_file(), f"furo has no {name}: the book's templates or html_sidebars name it"
    icons = (FURO / "partials" / "icons.html").read_text()
    assert 'id="svg-pencil"' in icons and 'id="svg-eye"' in icons, \
        "furo's icon sprite changed: book_html.compact_icons drops svg-pencil and svg-eye"
    assert "metatags" in (FURO / "base.html").read_text(), "furo no longer writes metatags: book_csp puts the CSP there"


def test_sphinx_still_has_the_search_summary_switch():
    """book_search turns off html_show_search_summary (Sphinx's summaries fetch each page)."""
    from sphinx.builders.html import setup as html_setup
    assert "html_show_search_summary" in inspect.getsource(html_setup), \
        "html_show_search_summary is gone: book_search.turn_off_fetching_summaries"


def test_the_extensions_subclass_what_these_tests_guard():
    assert issubclass(book_epub.BookEpubBuilder, Epub3Builder)
    assert issubclass(book_print.PrintBuilder, SingleFileHTMLBuilder)
    assert issubclass(book_html.BookHTMLTranslator, HTML5Translator)


def test_the_bibtex_domain_still_says_where_each_full_entry_stands():
    """book_short_notes links each chapter note to its source's entry through the bibtex
    domain's citations (not a documented API of sphinxcontrib-bibtex)."""
    from sphinxcontrib.bibtex.directives import BibliographyKey
    from sphinxcontrib.bibtex.domain import BibtexDomain, Citation

    assert {"citation_id", "bibliography_key", "key"} <= set(Citation._fields), \
        f"sphinxcontrib.bibtex Citation fields changed: {Citation._fields}: book_short_notes"
    assert "docname" in BibliographyKey._fields, "BibliographyKey has no docname: book_short_notes"
    for prop in ("citations", "bibdata"):
        assert isinstance(getattr(BibtexDomain, prop, None), property), \
            f"BibtexDomain.{prop} is gone: book_short_notes.LinkNotesToSources"
