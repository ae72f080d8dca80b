"""The HTML edition's markup, assets and page context (furo).

The downloads offered on every page live in book_downloads.py.

It also sets the HTML translator (the EPUB translator in book_epub.py builds
on it):

* docutils writes bibliography entries with ``role="doc-biblioentry"``
  (deprecated in DPUB-ARIA 1.1) inside a ``role="list"`` that then holds no
  list items; axe-core and Ace flag both (aria-deprecated-role,
  aria-required-children), so entries are written as ``role="listitem"``;
* a source cited 25 times gets the back-links "(1,2,3,...,25)" with no place
  to break the line: on a phone the chapter's whole column scrolled sideways.
  A ``<wbr />`` after each comma lets the list wrap and looks the same.
"""

from __future__ import annotations

import re

from docutils import nodes
from sphinx.util import logging
from sphinx.writers.html5 import HTML5Translator

logger = logging.getLogger(__name__)

# docutils wraps each bracket of a note number in <span class="fn-bracket">
# for styling that neither furo nor Sphinx's basic theme uses: a chapter's
# 100-odd brackets cost 4 KB of every page.  Plain brackets look the same.
FN_BRACKETS = (('<span class="fn-bracket">[</span>', "["), ('<span class="fn-bracket">]</span>', "]"))


class BookHTMLTranslator(HTML5Translator):
    """HTML5 translator: a bibliography of list items, note back-links that wrap,
    plain brackets around note numbers."""

    def _plain_brackets(self, start: int) -> None:
        for i in range(start, len(self.body)):
            if 'class="fn-bracket"' in self.body[i]:
                for span, bracket in FN_BRACKETS:
                    self.body[i] = self.body[i].replace(span, bracket)

    def visit_citation(self, node):
        super().visit_citation(node)
        self.body[-1] = self.body[-1].replace(' role="doc-biblioentry"', ' role="listitem"')

    def visit_footnote_reference(self, node):
        start = len(self.body)
        super().visit_footnote_reference(node)
        self._plain_brackets(start)

    def depart_footnote_reference(self, node):
        start = len(self.body)
        super().depart_footnote_reference(node)
        self._plain_brackets(start)

    def visit_label(self, node):
        start = len(self.body)
        super().visit_label(node)
        self._plain_brackets(start)

    def depart_label(self, node):
        start = len(self.body)
        super().depart_label(node)
        self._plain_brackets(start)
        for i in range(start, len(self.body)):
            if self.body[i].startswith('<span class="backrefs">'):
                self.body[i] = self.body[i].replace("</a>,<a ", "</a>,<wbr /><a ")


# Needed only where a page shows code: the copy button (its script, the
# clipboard library it loads, its style), the code colours, and furo's styles
# for other extensions, of which the copy button is the only one this book uses.
CODE_ONLY_ASSETS = ("copybutton", "clipboard", "pygments", "furo-extensions")


def trim_assets(context, doctree) -> None:
    """Leave out the code-only assets on pages that show no code:
    about 55 KB less for a reader opening a chapter on a phone."""
    if doctree is not None and next(doctree.findall(nodes.literal_block), None) is not None:
        return
    for key in ("script_files", "css_files"):
        if key in context:
            context[key] = [a for a in context[key]
                            if not any(k in str(getattr(a, "filename", a)) for k in CODE_ONLY_ASSETS)]


def compact_icons(html: str) -> str:
    """furo's icon sprites without indentation, and without the two icons of the
    "edit/view this page" links (source/_templates/partials/icons.html)."""
    html = re.sub(r'\s*<symbol id="svg-(?:pencil|eye)".*?</symbol>', "", html, flags=re.DOTALL)
    return re.sub(r">\s+<", "><", re.sub(r"\s+", " ", html)).strip()


def add_template_filters(app) -> None:
    environment = getattr(getattr(app.builder, "templates", None), "environment", None)
    if environment is not None:
        environment.filters["book_compact_icons"] = compact_icons


def page_context(app, pagename, templatename, context, doctree) -> None:
    if app.builder.name == "epub":
        return
    trim_assets(context, doctree)


def setup(app):
    app.setup_extension("book_downloads")
    for builder in ("html", "dirhtml", "singlehtml"):
        app.set_translator(builder, BookHTMLTranslator, override=True)
    app.connect("builder-inited", add_template_filters)
    app.connect("html-page-context", page_context)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
