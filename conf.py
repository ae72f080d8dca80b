"""Sphinx settings for the Klonopin (clonazepam) e-book.

A settings page, grouped by output format.  Code that does work lives in
``tools/extensions/``; the edition and the book's metadata live once in
``source/_data/book.toml``.
"""

import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT / "tools" / "extensions"))

with open(ROOT / "source" / "_data" / "book.toml", "rb") as f:
    BOOK = tomllib.load(f)

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
    "book_csp",
    "book_epub",
    "book_figures",
    "book_glyphs",
    "book_html",
    "book_latex",
    "book_meta",
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

# -- Citations (sphinxcontrib-bibtex) ------------------------------------------

# Paths are relative to this file. One .bib file per chapter keeps merges clean.
bibtex_bibfiles = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "source" / "bib").glob("*.bib"))
bibtex_default_style = "unsrt"
bibtex_reference_style = "label"
# Chapters cite with :footcite:, so each chapter closes with its own sources;
# the back-matter bibliography lists every source once.
bibtex_foot_reference_style = "foot"

# -- Facts (tools/extensions/facts.py) -----------------------------------------

facts_file = "_data/facts.toml"

# -- Options for HTML output ---------------------------------------------------

html_theme = "furo"
html_title = BOOK["short_title"]
html_static_path = ["source/_static"]
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
# The PDF and EPUB of this edition, shipped with the site (book_html.py);
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
# The HTML edition's favicon and copy-button icons: nothing in the EPUB uses them.
epub_exclude_files = ["_static/book.css.map", "_static/favicon.svg", "_static/check-solid.svg", "_static/copy-button.svg"]
epub_accessibility_summary = BOOK["accessibility_summary"]

# -- Options for LaTeX (PDF) output ----------------------------------------------

latex_engine = "xelatex"  # pdflatex stops at Greek letters and math symbols
latex_documents = [
    (root_doc, f"{BOOK['basename']}.tex", BOOK["title"], BOOK["author"], "manual", True),
]
latex_show_urls = "no"
latex_elements = {
    "papersize": "letterpaper",
    "pointsize": "11pt",
    # A screen PDF: no blank pages from a two-sided layout.
    "classoptions": ",openany,oneside",
    "releasename": "Edition",
    # Plain chapter headings: chapters carry titles, not numbers, in every edition.
    "fncychap": "",
    "preamble": (ROOT / "tools" / "latex" / "preamble.tex").read_text()
    + f"\\hypersetup{{pdfsubject={{{BOOK['description_short']}}}, "
    + f"pdfkeywords={{{BOOK['keywords']}}}, pdflang={{en-US}}}}\n",
    "sphinxsetup": "TitleColor={rgb}{0,0,0}, InnerLinkColor={rgb}{0.1,0.2,0.5}",
}
latex_domain_indices = False
# makeindex, not xindy: the same index for these ASCII terms, 0.3 s faster
# (book_latex.py fails the build if a term ever needs xindy).
latex_use_xindy = False
