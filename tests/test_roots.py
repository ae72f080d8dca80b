"""Each local extension on a test root of its own (tests/roots/test-<name>/), built in
process by sphinx.testing's ``app`` fixture, as Sphinx's own suite and
sphinxcontrib-bibtex do: the fast layer, a second or less each.

The roots: ``epub`` (book_epub.py), ``html`` (book_html.py under furo and the
book's templates), ``print`` (book_print.py), ``csp-meta`` (book_csp.py).  The
``book`` root (tests/roots/test-book) is the inputs, chapters, facts, notes and
search root (test_inputs.py, test_note_marks.py, test_search_text.py).

Where an extension reaches into generated markup (book_markup.replace_once) or
an undocumented Sphinx, docutils or furo surface, a root build fails, naming
it, when an upgrade moves it; test_private_api.py names the surfaces one by one.
"""

from __future__ import annotations

import re
import time
import zipfile

import pytest
from bs4 import BeautifulSoup

from conftest import ROOT

import book_csp
import book_epub
from book_markup import AnchorNotFound


def soup(path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def no_warnings(app) -> None:
    assert app.warning.getvalue().strip() == "", app.warning.getvalue()


# -- EPUB (book_epub.py) --------------------------------------------------------------

@pytest.fixture
def epub(app, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1764000000")
    app.build()
    no_warnings(app)
    return app


@pytest.mark.sphinx("epub", testroot="epub")
def test_epub_package_has_the_accessibility_metadata(epub):
    opf = (epub.outdir / "content.opf").read_text()
    for prop in ("schema:accessMode", "schema:accessModeSufficient", "schema:accessibilityFeature",
                 "schema:accessibilityHazard", "dcterms:conformsTo"):
        assert f'<meta property="{prop}">' in opf, prop
    assert '<meta property="schema:accessibilitySummary">A test book &amp; its summary.</meta>' in opf
    assert opf.index("schema:accessMode") < opf.index("</metadata>")


@pytest.mark.sphinx("epub", testroot="epub")
def test_epub_navigation_has_a_doc_toc_and_landmarks(epub):
    nav = (epub.outdir / "nav.xhtml").read_text()
    assert nav.startswith('<?xml version="1.0" encoding="utf-8"?>')
    assert '<nav epub:type="toc" id="toc" role="doc-toc">' in nav
    landmarks = re.search(r'<nav epub:type="landmarks" id="landmarks" hidden="hidden">(.*?)</nav>', nav, re.S)
    assert landmarks, nav
    assert re.findall(r'epub:type="(\w+)" href="([^"]+)"', landmarks[1]) == [
        ("toc", "index.xhtml"), ("bodymatter", "help.xhtml")]


@pytest.mark.sphinx("epub", testroot="epub")
def test_epub_opens_on_the_first_page_in_spine_ncx_and_nav(epub):
    opf = (epub.outdir / "content.opf").read_text()
    spine = re.findall(r'<itemref idref="([^"]+)"', opf)
    ids = dict(re.findall(r'<item id="([^"]+)" href="([^"]+)"', opf))
    assert [ids[i] for i in spine][:3] == ["help.xhtml", "index.xhtml", "chapter.xhtml"], spine
    ncx = (epub.outdir / "toc.ncx").read_text()
    nav = (epub.outdir / "nav.xhtml").read_text()
    toc = nav[nav.index('role="doc-toc"'):nav.index("</nav>")]
    for where, pages in (("toc.ncx", re.findall(r'<content src="([^"#]+)', ncx)),
                         ("nav.xhtml", re.findall(r'href="([^"#]+)', toc))):
        # the first page and its sections, then the rest
        assert pages[0] == "help.xhtml" and "chapter.xhtml" in pages, (where, pages)
        assert pages.index("chapter.xhtml") > max(i for i, p in enumerate(pages) if p == "help.xhtml"), (where, pages)


@pytest.mark.sphinx("epub", testroot="epub")
def test_epub_documents_declare_language_and_note_semantics(epub):
    page = (epub.outdir / "chapter.xhtml").read_text()
    assert '<html xmlns="http://www.w3.org/1999/xhtml" xmlns:epub="http://www.idpf.org/2007/ops" ' \
           'lang="en" xml:lang="en">' in page
    ref = re.search(r'<a [^>]*role="doc-noteref"[^>]*>', page)[0]
    assert 'epub:type="noteref" role="doc-noteref"' in ref and 'class="footnote-reference"' in ref, ref
    assert 'epub:type="footnote" role="doc-footnote"' in page
    assert '<th scope="col"' in page and 'data-label="Name"' in page


@pytest.mark.sphinx("epub", testroot="epub")
def test_epub_zip_is_dated_source_date_epoch_and_mimetype_first(epub):
    with zipfile.ZipFile(epub.outdir / "root-epub.epub") as zf:
        infos = zf.infolist()
    assert infos[0].filename == "mimetype" and infos[0].compress_type == zipfile.ZIP_STORED
    assert {i.date_time for i in infos} == {time.gmtime(1764000000)[:6]}
    assert {(i.external_attr >> 16) & 0o777 for i in infos} == {0o644}


@pytest.mark.sphinx("epub", testroot="epub")
def test_epub_a_moved_anchor_stops_the_build_naming_it(app, monkeypatch):
    """What an upgrade that writes the navigation document differently does to the build."""
    real = book_epub.Epub3Builder.build_navigation_doc

    def moved(self):
        real(self)
        nav = self.outdir / "nav.xhtml"
        nav.write_text(nav.read_text().replace('<nav epub:type="toc">', '<nav class="toc" epub:type="toc">'))

    monkeypatch.setattr(book_epub.Epub3Builder, "build_navigation_doc", moved)
    with pytest.raises(AnchorNotFound, match=r"nav\.xhtml: expected to find '<nav epub:type=\"toc\">'"):
        app.build()


# -- HTML (book_html.py, furo, source/_templates) --------------------------------------

@pytest.fixture
def html(app):
    app.build()
    no_warnings(app)
    return app


@pytest.mark.sphinx("html", testroot="html")
def test_html_bibliography_entries_are_list_items(html):
    page = (html.outdir / "chapter.html").read_text()
    assert 'role="doc-biblioentry"' not in page
    assert re.search(r'<div class="citation" id="label2024" role="listitem">', page), page


@pytest.mark.sphinx("html", testroot="html")
def test_html_notes_have_plain_brackets_and_one_back_link(html):
    page = soup(html.outdir / "chapter.html")
    assert not page.select("span.fn-bracket")
    refs = page.select("a.footnote-reference")
    assert [a.get_text() for a in refs] == ["[1]", "[1]"]
    note = page.select_one("aside.footnote")
    assert len(note.select('a[role="doc-backlink"]')) == 1, note
    assert note.select_one("span.label").get_text() == "[1]"


@pytest.mark.sphinx("html", testroot="html")
def test_html_table_cells_carry_scope_and_data_label(html):
    page = soup(html.outdir / "chapter.html")
    assert [th.get("scope") for th in page.select("table th")] == ["col", "col"]
    assert [td.get("data-label") for td in page.select("table tbody td")] == ["Name", "Value"]


@pytest.mark.sphinx("html", testroot="html")
def test_html_one_viewport_and_glossary_terms_apart(html):
    text = (html.outdir / "chapter.html").read_text()
    assert text.count('name="viewport"') == 1
    assert "<dt" in text and "</dt><dd>" not in text


@pytest.mark.sphinx("html", testroot="html")
def test_html_code_assets_only_on_pages_with_code(html):
    def assets(name):
        page = soup(html.outdir / name)
        return [t.get("src") or t.get("href") for t in page.select("script[src], link[rel=stylesheet]")]
    assert any("copybutton" in a for a in assets("code.html"))
    assert not any(k in a for a in assets("chapter.html") for k in ("copybutton", "clipboard", "pygments"))


@pytest.mark.sphinx("html", testroot="html")
def test_html_furo_markup_the_templates_patch(html):
    """source/_templates/page.html names furo's two drawers and its menu icon, and links the Index."""
    page = (html.outdir / "chapter.html").read_text()
    assert '<aside aria-label="Book navigation" class="sidebar-drawer"' in page
    assert '<aside aria-label="On this page" class="toc-drawer' in page
    assert '<svg role="img" aria-label="Menu: the book\'s chapters"><use href="#svg-menu">' in page
    assert '<p class="book-index-link"><a href="genindex.html">Index</a></p>' in page


# -- print (book_print.py) -------------------------------------------------------------

@pytest.fixture
def printed(app):
    """The Typst document the print builder writes (book_print.py, book_typst.py).
    The cover is drawn at build time (never committed): a plain one stands in here."""
    from PIL import Image

    (app.srcdir / "_generated").mkdir(exist_ok=True)
    Image.new("RGB", (60, 80), (30, 50, 80)).save(app.srcdir / "_generated" / "cover.png")
    app.build()
    no_warnings(app)
    return (app.outdir / "index.typ").read_text(encoding="utf-8")


@pytest.mark.sphinx("print", testroot="print")
def test_print_document_holds_every_chapter_in_order(printed):
    assert printed.index("[A chapter]") < printed.index("[Another chapter]") < printed.index("[Index]")
    assert "A sentence with a note" in printed and "Text\\." in printed


@pytest.mark.sphinx("print", testroot="print")
def test_print_note_marks_have_no_brackets_and_header_cells_a_scope(printed):
    """One raised mark per place, its number alone; the header row is Typst's table.header,
    which Typst tags as header cells with a column scope (PDF/UA-1)."""
    assert re.findall(r"#mark\[.*?#link\(<one>\)\[([^\]]*)\]\]", printed) == ["1"]
    header = printed[printed.index("table.header("):]
    header = header[:header.index("]),") + 3]
    assert "Name" in header and "Value" in header and "Low" not in header, header


@pytest.mark.sphinx("print", testroot="print")
def test_print_index_lists_each_term_with_its_places(printed):
    """The index is built from Sphinx's IndexEntries (undocumented): each term, its links."""
    entries = dict(re.findall(r"#index-entry\[([^#\]]+)((?:#index-page\(<[^>]+>\))+)\]", printed))
    assert set(entries) == {"liver disease", "kidney disease"}, entries
    assert entries["liver disease"].count("#index-page(") == 2
    assert entries["kidney disease"].count("#index-page(") == 1


# -- CSP (book_csp.py) -------------------------------------------------------------------

@pytest.mark.sphinx("html", testroot="csp-meta")
def test_csp_meta_is_first_and_hashes_every_inline_script(app):
    app.build()
    no_warnings(app)
    page = (app.outdir / "index.html").read_text()
    head = page[page.index("<head>"):page.index("</head>")]
    meta = re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]+)">', head)
    # in furo's metatags, at the top of <head>: before any script, stylesheet or style block
    assert meta and head.index(meta[0]) < min(page.index("<script"), head.index("<link"), head.index("<style")), \
        head[:600]
    assert book_csp.PLACEHOLDER not in page
    hashes = re.findall(r"'(sha256-[^']+)'", meta[1])
    assert hashes and sorted(hashes) == sorted(h.strip("'") for h in book_csp.script_hashes(page))
    inline = [s for s in soup(app.outdir / "index.html").find_all("script") if not s.get("src")]
    assert len(hashes) == len(inline) > 0


@pytest.mark.sphinx("epub", testroot="csp-meta")
def test_csp_is_not_written_into_the_epub(app):
    app.build()
    assert "Content-Security-Policy" not in (app.outdir / "index.xhtml").read_text()


def test_every_root_is_built_by_a_test():
    """A root no test names is dead weight that looks like coverage."""
    roots = sorted(p.name.removeprefix("test-") for p in (ROOT / "tests" / "roots").iterdir() if p.is_dir())
    named = set()
    for path in (ROOT / "tests").glob("*.py"):
        named |= set(re.findall(r"""testroot=["']([\w-]+)["']""", path.read_text()))
    named.add("book")  # conftest's tiny book (TINY_ROOT)
    assert roots and not set(roots) - named, sorted(set(roots) - named)
