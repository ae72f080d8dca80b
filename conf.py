"""Sphinx settings for the Klonopin (clonazepam) e-book.

A settings page, grouped by output format.  Code that does work lives in
``tools/extensions/``; the edition and the book's metadata live once in
``source/_data/book.toml``.
"""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT / "tools" / "extensions"))

from book_data import load_book  # noqa: E402 (the path above makes it importable)

BOOK = load_book(ROOT)

# -- General configuration ---------------------------------------------------

project = BOOK["title"]
author = BOOK["author"]
copyright = f"{BOOK['year']}, {BOOK['author']}"
version = BOOK["edition"]  # an empty version breaks the EPUB (RSC-005)
release = BOOK["edition"]
today = BOOK["reviewed"]  # the date the clinical content was last reviewed
language = "en"

needs_sphinx = "9.0"  # keep in step with pyproject.toml
extensions = [
    # Sphinx and third-party extensions
    "sphinx_copybutton",
    "sphinxcontrib.bibtex",
    # local extensions, in tools/extensions/
    "book_address",
    "book_chapters",
    "book_cover",
    "book_csp",
    "book_downloads",
    "book_epub",
    "book_epub_front",
    "book_epub_layout",
    "book_figures",
    "book_glyphs",
    "book_html",
    "book_inputs",
    "book_meta",
    "book_notes",
    "book_print",
    "book_search",
    "book_search_answers",
    "book_short_notes",
    "book_sources",
    "book_units",
    "facts",
    "pybtex_cache",
]

root_doc = "index"
templates_path = ["source/_templates"]
exclude_patterns = ["_data", "_includes", "bib"]
numfig = True
smartquotes = True
nitpicky = True  # -n as well, so a broken reference fails every build

# An epilog, not a prolog: a prolog shifts the line numbers that some
# extensions (sphinxcontrib-bibtex) report.
# Phone numbers are tel: links, written once here.
rst_epilog = """
.. |call-911| replace:: `911 <tel:911>`__
.. |call-988| replace:: `988 <tel:988>`__
.. |poison-help| replace:: `1-800-222-1222 <tel:+18002221222>`__
.. |fda-1088| replace:: `1-800-FDA-1088 <tel:+18003321088>`__
"""

# Every chapter has a label, a review date and its closing source list
# (book_chapters.py); clinical ones also open with a "Key points" box.
# These are not clinical chapters: help, front matter and method.
book_chapters_without_key_points = ["help", "questions", "about", "key-facts", "sourcing"]

# -- Citations (sphinxcontrib-bibtex) ------------------------------------------

# Paths are relative to this file. One .bib file per chapter keeps merges clean.
bibtex_bibfiles = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "source" / "bib").glob("*.bib"))
# Chapters cite with :footcite:, so each chapter closes with its own notes, short
# ones: who, year, short title, each linked to the source's full entry, which
# stands once, in the back-matter bibliography (book_short_notes.py).
bibtex_default_style = "short_note"  # the notes' style; the bibliography names its own (unsrt_once)
bibtex_cite_id = "source-{key}"  # the id of each source's full entry, the notes' link target
bibtex_footcite_id = "footcite-{key}"  # the id of each chapter note, which book_short_notes links
bibtex_reference_style = "label"
bibtex_foot_reference_style = "foot"

# -- Facts (tools/extensions/facts.py) -----------------------------------------

facts_file = "_data/facts.toml"

# -- Options for HTML output ---------------------------------------------------

html_theme = "furo"
html_title = BOOK["short_title"]
# The cover is drawn from book.toml at build time (tools/make_cover.py, book_cover.py)
# into source/_generated/, and shipped as _static/cover.png (EPUB cover, print document).
html_static_path = ["source/_static", "source/_generated/cover.png"]
html_css_files = ["book.css"]
html_favicon = "source/_static/favicon.svg"  # an open book; without one, browsers ask for /favicon.ico
html_last_updated_fmt = None
html_show_sourcelink = False
html_copy_source = False
html_permalinks_icon = "#"
html_theme_options = {
    # furo loads no web font and no remote asset; keep it that way.
    "navigation_with_keys": True,
    "top_of_page_buttons": [],
}
# The PDFs and the EPUB of this edition, shipped with the site (book_downloads.py);
# the build script points this at the freshly built files.
book_downloads_dir = "build"
html_sidebars = {
    "**": [
        "sidebar/brand.html",
        "sidebar/search.html",
        "sidebar/scroll-start.html",
        "sidebar/navigation.html",
        "sidebar/downloads.html",
        "sidebar/scroll-end.html",
    ]
}
copybutton_exclude = ".linenos, .gp"

# -- Options for EPUB output ---------------------------------------------------

epub_basename = BOOK["basename"]
epub_title = BOOK["title"]
epub_author = BOOK["author"]
epub_publisher = BOOK["publisher"]
epub_contributor = BOOK["author"]
epub_description = BOOK["description"]
epub_copyright = copyright
epub_language = language
# One identifier for both: they must match (NCX-001, sphinx-doc/sphinx#11184),
# and epub_uid doubles as an XML id, so no colon.
epub_identifier = BOOK["identifier"]
epub_uid = BOOK["identifier"]
epub_scheme = "URL"
epub_theme = "book_epub"
html_theme_path = ["tools/themes"]
epub_cover = ("_static/cover.png", "epub-cover.html")
epub_show_urls = "no"
epub_tocdepth = 2
# The reader opens the book on "Get help now" (book_epub.py), then the title page.
epub_first_page = "help"
epub_guide = (("toc", "index.xhtml", "Table of Contents"),)
# E-readers search the text; an index of "[1]" links that MuPDF sets on top of itself does not help.
epub_use_index = False
# The HTML edition's assets: nothing in the EPUB uses them (its pages link
# only book-epub.css, tools/themes/book_epub/layout.html).
epub_exclude_files = [
    "_static/book.css", "_static/book.css.map", "_static/favicon.svg",
    "_static/check-solid.svg", "_static/copy-button.svg", "_static/copybutton.css",
    "_static/pygments.css", "_static/basic.css", "_static/epub.css",
    "_static/file.png", "_static/minus.png", "_static/plus.png",
]
epub_accessibility_summary = BOOK["accessibility_summary"]

# -- Options for the PDF editions (print builder, Typst) -------------------------

# The print document (tools/extensions/book_print.py, written as Typst with the
# template book_print.typ) reads the book's identity and where readers find the
# newest edition from book.toml; tools/print_pdf.py compiles it in three editions
# (Letter, 6-inch, large print).
book_print_meta = BOOK
