"""The HTML edition ships the PDF and the EPUB of the same edition.

Like the Read the Docs downloads menu and CPython's download page, every HTML
page links to the PDF and the EPUB, with their sizes.  The build script
builds those two first and passes their folder as ``book_downloads_dir``;
this extension copies them into ``_downloads/`` of the HTML output, gives
every page a ``book_downloads`` list for the sidebar template, and provides
the ``downloads`` directive for the downloads page.

In the EPUB and the PDF the directive says which edition the reader holds
and where the others are: no download link points into a file that is not
there.

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

import shutil
from pathlib import Path

from docutils import nodes
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective
from sphinx.writers.html5 import HTML5Translator

logger = logging.getLogger(__name__)

KINDS = (("pdf", "PDF", "for printing and reading on a computer"),
         ("epub", "EPUB", "for e-readers, tablets and phones"))


class BookHTMLTranslator(HTML5Translator):
    """HTML5 translator: a bibliography of list items, note back-links that wrap."""

    def visit_citation(self, node):
        super().visit_citation(node)
        self.body[-1] = self.body[-1].replace(' role="doc-biblioentry"', ' role="listitem"')

    def depart_label(self, node):
        start = len(self.body)
        super().depart_label(node)
        for i in range(start, len(self.body)):
            if self.body[i].startswith('<span class="backrefs">'):
                self.body[i] = self.body[i].replace("</a>,<a ", "</a>,<wbr /><a ")


def human_size(size: int) -> str:
    if size >= 1_000_000:
        return f"{size / 1_000_000:.1f} MB"
    return f"{max(1, round(size / 1000))} KB"


def find_downloads(config, confdir: Path) -> list[dict]:
    """The PDF and EPUB files to ship, with their sizes (missing ones left out)."""
    if not config.book_downloads_dir:
        return []
    folder = (confdir / config.book_downloads_dir).resolve()
    found = []
    for ext, kind, purpose in KINDS:
        path = folder / f"{config.epub_basename}.{ext}"
        if path.is_file():
            size = path.stat().st_size
            found.append({
                "kind": kind,
                "purpose": purpose,
                "name": path.name,
                "path": path,
                "size": size,
                "size_text": human_size(size),
                "url": f"_downloads/{path.name}",
            })
    return found


class DownloadsDirective(SphinxDirective):
    """A list of the book's downloads, with sizes and the edition date."""

    has_content = False

    def run(self):
        config = self.config
        builder = self.env.app.builder
        edition = f"edition {config.release}, content reviewed {config.today}"
        self.env.note_dependency(str(Path(self.env.app.confdir) / "source" / "_data" / "book.toml"))
        if builder.format != "html" or builder.name == "epub":
            fmt = "EPUB" if builder.name == "epub" else "PDF"
            para = nodes.paragraph(
                text=f"You are reading the {fmt} edition ({edition}). "
                "The same book is published as a website, a PDF and an EPUB file."
            )
            return [para]
        downloads = find_downloads(config, Path(self.env.app.confdir))
        intro = nodes.paragraph(text=f"This is {edition}. The same text is offered as:")
        items = nodes.bullet_list()
        depth = self.env.docname.count("/")
        for d in downloads:
            item = nodes.list_item()
            para = nodes.paragraph()
            para += nodes.reference(
                "", f"{d['kind']} ({d['size_text']})",
                refuri="../" * depth + d["url"], classes=["book-download"],
            )
            para += nodes.Text(f": {d['purpose']}.")
            item += para
            items += item
        if not downloads:
            return [nodes.paragraph(text=f"This is {edition}. The PDF and EPUB files "
                                    "are added when the whole book is built (make book).")]
        return [intro, items]


def copy_downloads(app, exception) -> None:
    if exception or app.builder.format != "html" or app.builder.name == "epub":
        return
    target = Path(app.outdir) / "_downloads"
    for d in find_downloads(app.config, Path(app.confdir)):
        target.mkdir(exist_ok=True)
        shutil.copyfile(d["path"], target / d["name"])


def page_context(app, pagename, templatename, context, doctree) -> None:
    if app.builder.name == "epub":
        return
    context["book_downloads"] = find_downloads(app.config, Path(app.confdir))
    context["book_edition"] = app.config.release


def setup(app):
    app.add_config_value("book_downloads_dir", "", "html", types=[str])
    app.add_directive("downloads", DownloadsDirective)
    for builder in ("html", "dirhtml", "singlehtml"):
        app.set_translator(builder, BookHTMLTranslator, override=True)
    app.connect("html-page-context", page_context)
    app.connect("build-finished", copy_downloads)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
