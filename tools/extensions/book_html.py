"""The HTML edition's markup, assets and page context (furo).

The downloads offered on every page live in book_downloads.py.

It also sets the HTML translator (the EPUB translator in book_epub.py builds
on it):

* docutils writes bibliography entries with ``role="doc-biblioentry"``
  (deprecated in DPUB-ARIA 1.1) inside a ``role="list"`` that then holds no
  list items; axe-core and Ace flag both (aria-deprecated-role,
  aria-required-children), so entries are written as ``role="listitem"``;
* a source cited 96 times got the back-links "(1,2,3,...,96)" with no place
  to break the line: the note number links back to the first citation only;
* header cells carry ``scope`` (screen readers, PDF/UA), and body cells a
  ``data-label`` with their column's header, so that on a phone each row
  stacks as a labelled list (book.css) instead of squeezing four columns;
* docutils' own viewport meta is left out: the theme writes one;
* a glossary term and its definition are apart in the page's text
  (search summaries read "dependenceThe" before).
"""

from __future__ import annotations

import re

from docutils import nodes
from book_markup import replace_once
from sphinx.util import logging
from sphinx.writers.html5 import HTML5Translator

logger = logging.getLogger(__name__)

# docutils wraps each bracket of a note number in <span class="fn-bracket">
# for styling that neither furo nor Sphinx's basic theme uses: a chapter's
# 100-odd brackets cost 4 KB of every page.  Plain brackets look the same.
OPEN_BRACKET, CLOSE_BRACKET = '<span class="fn-bracket">[</span>', '<span class="fn-bracket">]</span>'
# docutils' own viewport meta: the theme's layout writes one already.
DOCUTILS_VIEWPORT = "<meta name=\"viewport\""


class BookHTMLTranslator(HTML5Translator):
    """HTML5 translator: a bibliography of list items, one back-link per note,
    plain brackets around note numbers, header cells with a scope, one viewport meta."""

    def __init__(self, document, builder):
        super().__init__(document, builder)
        self.meta = [m for m in self.meta if not m.startswith(DOCUTILS_VIEWPORT)]

    def _plain(self, index: int, span: str, bracket: str, where: str) -> None:
        self.body[index] = replace_once(self.body[index], span, bracket, where)

    def visit_citation(self, node):
        super().visit_citation(node)
        self.body[-1] = replace_once(self.body[-1], ' role="doc-biblioentry"', ' role="listitem"',
                                     "BookHTMLTranslator.visit_citation")

    def visit_footnote(self, node):
        # A source cited 96 times got 96 back-links, "(1,2,...,96)": a run
        # that cannot break on an e-reader and fills lines on a phone.  The
        # note number links back to the first place the source is cited; the
        # reading system's or browser's Back returns to any other.
        if len(node["backrefs"]) > 1:
            node["backrefs"] = node["backrefs"][:1]
        super().visit_footnote(node)

    def visit_footnote_reference(self, node):
        super().visit_footnote_reference(node)
        self._plain(-1, OPEN_BRACKET, "[", "BookHTMLTranslator.visit_footnote_reference")

    def depart_footnote_reference(self, node):
        super().depart_footnote_reference(node)
        self._plain(-2, CLOSE_BRACKET, "]", "BookHTMLTranslator.depart_footnote_reference")

    def visit_label(self, node):
        start = len(self.body)
        super().visit_label(node)
        self._plain(start + 1, OPEN_BRACKET, "[", "BookHTMLTranslator.visit_label")

    def depart_label(self, node):
        start = len(self.body)
        super().depart_label(node)
        at = next((i for i in range(start, len(self.body)) if CLOSE_BRACKET in self.body[i]), start)
        self._plain(at, CLOSE_BRACKET, "]", "BookHTMLTranslator.depart_label")

    def visit_entry(self, node):
        super().visit_entry(node)
        where = "BookHTMLTranslator.visit_entry"
        column = node.parent.index(node)
        if isinstance(node.parent.parent, nodes.thead):
            self._book_headers = getattr(self, "_book_headers", {})
            self._book_headers[column] = header_text(node)
        elif column < len(getattr(self, "_book_headers", {})):
            # On a phone each row stacks, each cell labelled with its header (book.css).
            label = self.attval(self._book_headers[column])
            tag = "<th" if self.body[-1].startswith("<th") else "<td"
            self.body[-1] = replace_once(self.body[-1], tag, f'{tag} data-label="{label}"', where)
        if self.body[-1].startswith("<th"):
            scope = "col" if isinstance(node.parent.parent, nodes.thead) else "row"
            self.body[-1] = replace_once(self.body[-1], "<th", f'<th scope="{scope}"', where)

    def depart_term(self, node):
        # "dependence</dt><dd>The ..." read as one word, "dependenceThe", in the
        # search page's summaries (they use the text of the page): a line break
        # between the term and its definition keeps them apart and looks the same.
        super().depart_term(node)
        if self.body[-1].endswith("</dt>"):
            self.body.append("\n")

    def visit_table(self, node):
        self._book_headers = {}
        super().visit_table(node)


def header_text(entry) -> str:
    """A header cell's words without its note marks ("Risk [18]" labels a cell "Risk")."""
    return " ".join("".join(t.astext() for t in entry.findall(nodes.Text)
                            if not isinstance(t.parent, nodes.footnote_reference)).split())


# Needed only where a page shows code: the copy button (its script, the
# clipboard library it loads, its style), the code colours, and furo's styles
# for other extensions, of which the copy button is the only one this book uses.
CODE_ONLY_ASSETS = ("copybutton", "clipboard", "pygments", "furo-extensions")


def trim_assets(context, doctree) -> None:
    """Leave out the code-only assets on pages that show no code:
    about 55 KB less for a reader opening a chapter on a phone.

    Sphinx has no public way to leave a globally added asset off one page (an
    extension can add assets per page, not remove them), so this filters the
    page context's lists by file name; their items are Sphinx's asset objects,
    whose ``filename`` is not documented.  If they change, nothing is left out
    and tests/test_html.py::test_code_assets_load_only_on_pages_that_show_code
    fails."""
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


def template_replace_once(html: str, anchor: str, replacement: str) -> str:
    """For source/_templates/page.html: replace_once, naming the template."""
    return replace_once(html, anchor, replacement, "source/_templates/page.html")


def page_context(app, pagename, templatename, context, doctree) -> None:
    # Helpers the book's templates call, passed in the page context (Sphinx has
    # no public way to add Jinja filters; the context is its documented API).
    context["book_compact_icons"] = compact_icons
    context["book_replace_once"] = template_replace_once
    if app.builder.name == "epub":
        return
    trim_assets(context, doctree)


def setup(app):
    app.setup_extension("book_downloads")
    for builder in ("html", "dirhtml", "singlehtml"):
        app.set_translator(builder, BookHTMLTranslator, override=True)
    app.connect("html-page-context", page_context)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
