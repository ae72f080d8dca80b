"""An EPUB 3 builder that passes EPUBCheck 5.3 and Ace by DAISY, reproducibly.

Stock Sphinx 9 writes an EPUB that EPUBCheck 5.3 and Ace by DAISY flag
(missing accessibility metadata, no ``lang`` on content documents, no
``role="doc-toc"``, deprecated ``doc-biblioentry``).  This module replaces the
``epub`` builder with a subclass that:

* adds the EPUB Accessibility 1.1 package metadata (schema:accessMode,
  accessModeSufficient, accessibilityFeature, accessibilityHazard,
  accessibilitySummary, dcterms:conformsTo) that the template lacks;
* writes ``lang``/``xml:lang`` on every content document and
  ``role="doc-toc"`` on the navigation document's ``<nav epub:type="toc">``;
* writes bibliography entries as ``role="listitem"`` instead of
  ``role="doc-biblioentry"`` (deprecated in DPUB-ARIA 1.1, EPUBCheck warning
  RSC-017), so the ``role="list"`` around them holds list items (Ace and axe:
  aria-required-children), and lets long note back-link lists wrap: both
  come from the HTML edition's translator (book_html.py);
* marks footnote references ``epub:type="noteref"`` and footnotes
  ``epub:type="footnote"`` next to their DPUB-ARIA roles, so reading systems
  open a note as a pop-up and Ace finds role and type matching;
* puts the "Get help now" page (``epub_first_page``) first after the cover,
  in the spine, the toc.ncx and the navigation document alike, so a reader
  in trouble opens the book on it;
* adds a landmarks navigation (cover, contents, start of the body matter)
  beside the contents, which reading systems use for "go to beginning";
* writes note references without docutils' ``brackets`` class: the markup
  holds "[5]" already, and the stock theme's CSS brackets (or a
  ``content: none`` to suppress them) were drawn as text by MuPDF
  ("none[5]none");
* writes table header cells with ``scope`` (PDF/UA and screen readers);
* gives every file a fixed time from ``SOURCE_DATE_EPOCH`` (never before
  1980, which zip cannot store) and a fixed mode before Sphinx zips them, so
  two builds of the same source give the same bytes.
"""

from __future__ import annotations

import html
import os
import re
import time

from book_html import BookHTMLTranslator
from book_markup import replace_once
from sphinx.builders.epub3 import Epub3Builder
from sphinx.errors import ExtensionError

ZIP_EPOCH_MIN = 315532800  # 1980-01-01T00:00:00Z, the earliest time a zip stores

A11Y_FEATURES = (
    "tableOfContents",
    "readingOrder",
    "structuralNavigation",
    "alternativeText",
    "displayTransformability",
)
# No "index": the EPUB has none (epub_use_index = False in conf.py; Sphinx's would be
# "[1]" links that need page numbers).  tests/test_epub_index_claim.py keeps the two in step.


def zip_file_time() -> float:
    """The file time that ``ZipFile.write`` records as ``SOURCE_DATE_EPOCH`` in UTC.

    Zip stores a local date and time without a zone, and ``ZipFile.write``
    takes it from ``time.localtime`` of the file's time; so the file gets the
    local time whose broken-down value is the UTC one, the same on every
    machine whatever its time zone."""
    epoch = int(os.environ.get("SOURCE_DATE_EPOCH", ZIP_EPOCH_MIN))
    return time.mktime(time.gmtime(max(epoch, ZIP_EPOCH_MIN))[:8] + (-1,))


def accessibility_metadata(summary: str) -> str:
    lines = [
        '<meta property="schema:accessMode">textual</meta>',
        '<meta property="schema:accessMode">visual</meta>',
        '<meta property="schema:accessModeSufficient">textual</meta>',
        *(f'<meta property="schema:accessibilityFeature">{f}</meta>' for f in A11Y_FEATURES),
        '<meta property="schema:accessibilityHazard">none</meta>',
        f'<meta property="schema:accessibilitySummary">{html.escape(summary)}</meta>',
        "<meta property=\"dcterms:conformsTo\">EPUB Accessibility 1.1 - WCAG 2.1 Level AA</meta>",
    ]
    return "\n    ".join(lines)


class BookEpubTranslator(BookHTMLTranslator):
    """The HTML edition's translator (book_html.py), with EPUB note semantics."""

    def visit_footnote(self, node):
        super().visit_footnote(node)
        self.body[-1] = replace_once(self.body[-1], ' role="doc-footnote"',
                                     ' epub:type="footnote" role="doc-footnote"',
                                     "BookEpubTranslator.visit_footnote")

    def visit_footnote_reference(self, node):
        super().visit_footnote_reference(node)
        # body[-2] is the <a ...> start tag, body[-1] the opening bracket
        where = "BookEpubTranslator.visit_footnote_reference"
        tag = replace_once(self.body[-2], ' role="doc-noteref"',
                           ' epub:type="noteref" role="doc-noteref"', where)
        self.body[-2] = replace_once(tag, 'class="footnote-reference brackets"',
                                     'class="footnote-reference"', where)


class BookEpubBuilder(Epub3Builder):
    """Sphinx's EPUB 3 builder with accessibility metadata and a stable zip."""

    name = "epub"
    default_translator_class = BookEpubTranslator

    def init(self) -> None:
        super().init()
        lang = self.config.epub_language or self.config.language or "en"
        self.html_tag = (
            '<html xmlns="http://www.w3.org/1999/xhtml" '
            'xmlns:epub="http://www.idpf.org/2007/ops" '
            f'lang="{lang}" xml:lang="{lang}">'
        )

    def toc_add_files(self, refnodes: list[dict]) -> None:
        """The book's pages in reading order, the first page (and its sections) moved to the front.

        Sphinx builds the spine, toc.ncx and nav.xhtml from this list, so all
        three agree; the root document (title page and contents) follows."""
        super().toc_add_files(refnodes)
        first = self.config.epub_first_page
        if not first:
            return
        uri = first + self.out_suffix
        start = next((i for i, n in enumerate(refnodes) if n["refuri"] == uri), None)
        if start is None:
            raise ExtensionError(f"epub_first_page: {first!r} is not in the table of contents")
        end = start + 1
        while end < len(refnodes) and refnodes[end]["level"] > refnodes[start]["level"]:
            end += 1
        refnodes[:end] = refnodes[start:end] + refnodes[:start]

    def build_content(self) -> None:
        super().build_content()
        opf = self.outdir / "content.opf"
        text = opf.read_text(encoding="utf-8")
        summary = self.config.epub_accessibility_summary
        text = replace_once(text, "\n  </metadata>",
                            f"\n    {accessibility_metadata(summary)}\n  </metadata>", "content.opf")
        # EPUB 3 names the cover image by a property (Kobo, Apple Books); Sphinx writes only
        # the EPUB 2 <meta name="cover">.
        cover = re.search(r'<meta name="cover" content="([^"]+)"', text)
        if cover:
            text = re.sub(rf'(<item id="{re.escape(cover.group(1))}" [^>]*?)\s*/>',
                          r'\1 properties="cover-image" />', text, count=1)
        opf.write_text(text, encoding="utf-8")

    def build_navigation_doc(self) -> None:
        super().build_navigation_doc()
        nav = self.outdir / "nav.xhtml"
        text = nav.read_text(encoding="utf-8")
        text = replace_once(text, '<?xml version="1.0" encoding="UTF-8"?>',
                            '<?xml version="1.0" encoding="utf-8"?>', "nav.xhtml")
        text = replace_once(text, '<nav epub:type="toc">',
                            '<nav epub:type="toc" id="toc" role="doc-toc">', "nav.xhtml")
        text = replace_once(text, "</nav>", "</nav>\n" + self.landmarks(), "nav.xhtml")
        nav.write_text(text, encoding="utf-8")

    def landmarks(self) -> str:
        """The landmarks navigation: hidden from the page, read by reading systems."""
        marks = [("toc", self.config.root_doc + self.out_suffix, "Table of contents")]
        if self.config.epub_cover and self.config.epub_cover[1]:
            marks.insert(0, ("cover", self.coverpage_name, "Cover"))
        if self.config.epub_first_page:
            marks.append(("bodymatter", self.config.epub_first_page + self.out_suffix,
                          "Start of the book"))
        items = "\n".join(f'        <li><a epub:type="{kind}" href="{href}">{html.escape(title)}</a></li>'
                          for kind, href, title in marks)
        return (f'    <nav epub:type="landmarks" id="landmarks" hidden="hidden">\n'
                f"      <h2>Landmarks</h2>\n      <ol>\n{items}\n      </ol>\n    </nav>")

    def build_epub(self) -> None:
        """Sphinx's own zip, from files given a fixed time and mode first.

        Sphinx writes each entry with its file's modification time and mode
        (``ZipFile.write``), so two builds differ in bytes, and a file older
        than 1980 stops the build (sphinx-doc/sphinx#14168, open).  Setting
        every file to the ``SOURCE_DATE_EPOCH`` time (never before 1980) and
        to mode 644 beforehand leaves the writing, and its entry order
        (mimetype first and stored, as OCF asks), to Sphinx."""
        stamp = zip_file_time()
        for name in ("mimetype", "META-INF/container.xml", "content.opf", "toc.ncx", *self.files):
            path = self.outdir / name
            path.chmod(0o644)
            os.utime(path, (stamp, stamp))
        super().build_epub()

def setup(app):
    app.add_config_value("epub_accessibility_summary", "", "epub", types=[str])
    # The document a reader sees first after the cover (the root document follows it).
    app.add_config_value("epub_first_page", "", "epub", types=[str])
    app.add_builder(BookEpubBuilder, override=True)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
