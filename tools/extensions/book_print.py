"""The print document: the whole book as one plain HTML page, for WeasyPrint.

The PDF editions are made from this page and one print stylesheet
(``tools/themes/book_print/static/print.css``) by ``tools/print_pdf.py``.
furo's page is the wrong input: WeasyPrint took 138 s to lay out one of its
pages, against about 10 s for the whole book from plain markup.

The ``print`` builder is Sphinx's ``singlehtml`` with three differences:

* its own theme (``book_print``, set the way Sphinx's EPUB builder sets
  ``epub_theme``) and page template (``print-book.html``): a cover, the
  chapters, an index with page numbers and a last page that says where the
  newest edition lives;
* the chapters are the top level of the page (each chapter title an ``h1``,
  its sections ``h2`` and ``h3``), not inside the home page, whose own prose
  is written for the website; a "Contents" chapter follows "Get help now";
* note marks never merge: the brackets docutils writes around note numbers
  are left out and the stylesheet sets each sentence's mark as a superscript;
  the sources of one sentence are already one mark, "1, 3" (book_notes.py).

Every character of the print document is checked against the font that will
set it (``book_glyphs.py``, loaded by conf.py), so a missing glyph fails the
build with the source file and line; print_pdf.py checks the PDF afterwards.
"""

from __future__ import annotations

import re

from book_html import BookHTMLTranslator
from docutils import nodes
from sphinx import addnodes
from sphinx.builders.singlehtml import SingleFileHTMLBuilder
from sphinx.environment.adapters.indexentries import IndexEntries
from sphinx.environment.adapters.toctree import global_toctree_for_doc
from sphinx.util import logging

logger = logging.getLogger(__name__)

PRINT_THEME = "book_print"
PAGE_TEMPLATE = "print-book.html"
BRACKETS = re.compile(r"^\[|\]$")


class BookPrintTranslator(BookHTMLTranslator):
    """Note marks without brackets (a superscript needs none); table header cells
    with a scope (PDF/UA: every TH needs one)."""

    def visit_footnote_reference(self, node):
        start = len(self.body)
        super().visit_footnote_reference(node)
        self._no_brackets(start)

    def depart_footnote_reference(self, node):
        start = len(self.body)
        super().depart_footnote_reference(node)
        self._no_brackets(start)

    def _no_brackets(self, start: int) -> None:
        for i in range(start, len(self.body)):
            self.body[i] = self.body[i].replace("[", "").replace("]", "")

    def visit_entry(self, node):
        start = len(self.body)
        super().visit_entry(node)
        for i in range(start, len(self.body)):
            if self.body[i].startswith("<th") and "scope=" not in self.body[i]:
                scope = "col" if isinstance(node.parent.parent, nodes.thead) else "row"
                self.body[i] = self.body[i].replace("<th", f'<th scope="{scope}"', 1)


class PrintBuilder(SingleFileHTMLBuilder):
    """One HTML page for print, in the book_print theme."""

    name = "print"
    epilog = "The print document is in %(outdir)s."
    default_translator_class = BookPrintTranslator
    search = False

    def get_theme_config(self):
        return PRINT_THEME, {}

    def assemble_doctree(self) -> nodes.document:
        tree = super().assemble_doctree()
        chapters = [n for n in tree.findall(addnodes.start_of_file)
                    if not any(isinstance(p, addnodes.start_of_file) for p in _ancestors(n.parent))]
        if len(chapters) < 2:
            raise RuntimeError("the print document found no chapters in the root toctree")
        tree.clear()
        tree += chapters[0]
        tree += self._contents_chapter()
        tree.extend(chapters[1:])
        shared = self._shared_ids = _unique_ids(chapters)
        for ref in tree.findall(nodes.reference):
            # "#document-cautions#cautions": a section of another chapter.  On one
            # page the anchor alone is the address (what singlehtml's deprecated
            # fix_refuris did), renamed where two chapters use the same one.
            uri = ref.get("refuri", "")
            if uri.startswith("#document-") and uri.count("#") > 1:
                doc, _, anchor = uri[len("#document-"):].partition("#")
                ref["refuri"] = "#" + (f"{doc}--{anchor}" if anchor in shared else anchor)
        self._reading_order = {i: n for n, node in enumerate(tree.findall(nodes.Element)) for i in node["ids"]}
        return tree

    def _contents_chapter(self) -> nodes.section:
        toc = global_toctree_for_doc(self.env, self.config.root_doc, self, tags=self.tags,
                                     collapse=False, maxdepth=2)
        index = nodes.list_item("", addnodes.compact_paragraph(
            "", "", nodes.reference("", "Index", internal=True, refuri="#print-index")), classes=["toctree-l1"])
        next(toc.findall(nodes.bullet_list)).append(index)
        section = nodes.section(ids=["print-contents"], classes=["print-contents"])
        section += nodes.title(text="Contents")
        section += toc
        return section

    def handle_page(self, pagename, addctx, templatename="page.html", *args, **kwargs):
        if templatename == "page.html":
            templatename = PAGE_TEMPLATE
            addctx = {**addctx, "print_index": self._index(), "book": self.config.book_print_meta}
        return super().handle_page(pagename, addctx, templatename, *args, **kwargs)

    def _index(self) -> list:
        """Sphinx's general index, each link reduced to its anchor on this page."""
        groups = IndexEntries(self.env).create_index(self)

        def anchors(links) -> list[str]:
            # in reading order, so the page numbers ascend (Sphinx sorts a term's links
            # as strings: "#index-26" before "#index-4")
            found = [_anchor(uri, self._shared_ids) for _main, uri in links]
            return sorted(found, key=lambda a: self._reading_order.get(a[1:], len(self._reading_order)))

        out = []
        for letter, entries in groups:
            rows = [{"term": term, "links": anchors(links), "sub": [(sub, anchors(sl)) for sub, sl in subitems]}
                    for term, (links, subitems, _key) in entries]
            out.append((letter, rows))
        return out


def _unique_ids(chapters) -> set[str]:
    """Give the ids that several chapters use (each chapter's "panic-disorder"
    section, its note "footcite-klonopin-label") the chapter's name, so every
    link, page number and note on the one page goes to its own chapter's.
    singlehtml leaves them duplicated (see SingleFileHTMLBuilder.assemble_toc_secnumbers)."""
    seen: dict[str, set[str]] = {}
    for chapter in chapters:
        for node in chapter.findall(nodes.Element):
            for i in node.get("ids", []):
                seen.setdefault(i, set()).add(chapter["docname"])
    shared = {i for i, docs in seen.items() if len(docs) > 1}
    for chapter in chapters:
        doc = chapter["docname"]
        for node in chapter.findall(nodes.Element):
            if "ids" in node:
                node["ids"] = [f"{doc}--{i}" if i in shared else i for i in node["ids"]]
            for key in ("refid", "backrefs"):
                value = node.get(key)
                if isinstance(value, str) and value in shared:
                    node[key] = f"{doc}--{value}"
                elif isinstance(value, list):
                    node[key] = [f"{doc}--{v}" if v in shared else v for v in value]
            uri = node.get("refuri", "")
            if uri.startswith("#") and uri.count("#") == 1 and uri[1:] in shared:
                node["refuri"] = f"#{doc}--{uri[1:]}"
    return shared


def _anchor(uri: str, shared: set[str]) -> str:
    """"#document-uses#index-3" -> "#uses--index-3" (a shared id) or "#term-GABA"."""
    doc, _, anchor = uri.partition("#document-")[2].partition("#")
    return f"#{doc}--{anchor}" if anchor in shared else f"#{anchor}"


def _ancestors(node):
    while node is not None:
        yield node
        node = node.parent


def setup(app):
    app.setup_extension("book_html")
    app.add_config_value("book_print_meta", {}, "html", types=[dict])
    app.add_builder(PrintBuilder)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
