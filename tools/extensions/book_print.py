"""The print document: the whole book as one Typst file, for the PDF editions.

The ``print`` builder assembles the book the way Sphinx's ``singlehtml``
does, then writes it as Typst (``book_typst.py``) with the layout of
``book_print.typ`` beside this file; ``tools/print_pdf.py`` compiles it into
the three editions.  It writes, into its output folder:

* ``index.typ``: a cover, the chapters, an index with page numbers and a last
  page that says where the newest edition lives;
* ``book_print.typ`` (the template), ``cover.png`` and the figures in
  ``_images/``, their labels set in the book's FreeSans;
* ``links.json``: what each link is, in reading order, for its alternate text.

The chapters are the top level (each chapter title an H1, its sections H2
and H3), not inside the home page, whose own prose is written for the
website; the contents follow "Get help now".  Note marks never merge: each
sentence's sources are one raised mark, "1, 3" (book_notes.py).

Every character of the print document is checked against the font that will
set it (``book_glyphs.py``, loaded by conf.py), so a missing glyph fails the
build with the source file and line; Typst refuses one at export too.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from book_address import address_paragraphs
from book_typst import TypstWriter, string
from docutils import nodes
from figure_files import SVG_FONTS
from sphinx import addnodes
from sphinx.builders.singlehtml import SingleFileHTMLBuilder
from sphinx.environment.adapters.indexentries import IndexEntries
from sphinx.util import logging

logger = logging.getLogger(__name__)

TEMPLATE = Path(__file__).with_name("book_print.typ")
PRINT_FIGURE_FONT = b"font-family: FreeSans"  # the figures name DejaVu Sans first, for the screen


class PrintBuilder(SingleFileHTMLBuilder):
    """The whole book as one Typst file (index.typ), with its figures and template."""

    name = "print"
    epilog = "The print document is in %(outdir)s."
    search = False

    def get_theme_config(self):
        return "basic", {}

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
        """Where the contents go: Typst writes them, with page numbers (book_print.typ)."""
        section = nodes.section(ids=["print-contents"], classes=["print-contents"])
        section += nodes.title(text="Contents")
        return section

    def write_doc_serialized(self, docname, doctree) -> None:
        pass

    def write_doc(self, docname, doctree) -> None:
        self.post_process_images(doctree)
        writer = TypstWriter(self, doctree)
        meta = self.config.book_print_meta
        keywords = ", ".join(string(k.strip()) for k in meta.get("keywords", "").split(","))
        alt = f"Cover: {meta['title']}. {meta['author']}, edition {self.config.release}."
        body = writer.render(doctree) + self._index_typst(writer) + self._last_page(writer, meta)
        head = (f'#import "book_print.typ": *\n'
                f"#show: book.with(title: {string(meta['title'])}, author: {string(meta['author'])}, "
                f"description: {string(meta['description_short'])}, keywords: ({keywords},))\n"
                f"#cover(\"cover.png\", {string(alt)})\n")
        (self.outdir / "index.typ").write_text(head + body, encoding="utf-8")
        (self.outdir / "links.json").write_text(json.dumps(writer.links, indent=0), encoding="utf-8")

    def finish(self) -> None:
        self.copy_image_files()
        for svg in self._images_dir.glob("*.svg"):  # the figures' labels in the book's FreeSans
            data = svg.read_bytes()
            if SVG_FONTS not in data:
                raise RuntimeError(f"{svg}: no figure font declaration to replace ({SVG_FONTS.decode()})")
            svg.write_bytes(data.replace(SVG_FONTS, PRINT_FIGURE_FONT))
        shutil.copyfile(TEMPLATE, self.outdir / TEMPLATE.name)
        shutil.copyfile(self.srcdir / "_generated" / "cover.png", self.outdir / "cover.png")  # book_cover.py

    def _index_typst(self, writer: TypstWriter) -> str:
        def pages(term: str, links: list[str], main: str) -> str:
            out = ""
            for link in links:
                anchor = writer.alias.get(link[1:], link[1:])
                label = writer.found.get((anchor, main.lower()), anchor)  # the term's words, if found
                writer.links.append({"kind": "internal", "target": label, "alt": f"Page about {term}"})
                out += f"#index-page(<{label}>)"
            return out

        writer.wanted = []  # terms not found in their sections: the index's own words are not where they stand
        out = "\n\n#heading(level: 1)[Index] <print-index>\n\n#index-columns["
        for letter, rows in self._index():
            out += f"\n#heading(level: 2, outlined: false, bookmarked: true)[{writer.text(letter)}]\n"
            for row in rows:
                out += f"\n#index-entry[{writer.text(row['term'])}{pages(row['term'], row['links'], row['term'])}]"
                for sub, links in row["sub"]:
                    name = f"{row['term']}, {sub}"
                    out += f"\n#index-entry[#h(1em){writer.text(sub)}{pages(name, links, row['term'])}]"
        return out + "]\n"

    def _last_page(self, writer: TypstWriter, book: dict) -> str:
        def link(uri: str) -> str:
            return writer.link(string(uri), writer.text(uri), uri, "external")

        out = ("\n\n#heading(level: 1)[This edition] <print-last-page>\n\n"
               + writer.text(f"{book['title']}, edition {self.config.release}. Content reviewed {book['reviewed']}.")
               + "\n\n")
        # the same words as the site's and the EPUB's "This edition" and downloads page (book_address.py)
        for kind in ("edition", "report"):
            for para in address_paragraphs(kind, book, self.config.release, book["reviewed"]):
                for child in para.children:
                    if isinstance(child, nodes.reference):
                        out += link(child["refuri"])
                    else:
                        out += writer.text(child.astext())
                out += "\n\n"
        if "sourcing-errors" in self.env.domaindata["std"]["labels"]:
            see = writer.link(writer.target("sourcing-errors"), writer.text("How to report an error"),
                              "How to report an error")
            out += (writer.text("See ") + see + f"#see-page({writer.target('sourcing-errors')})"
                    + writer.text(" for what to include.") + "\n\n")
        return out + writer.text("This book is information, not medical advice. Decisions about "
                                 "clonazepam belong to you and your prescriber.") + "\n"

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
