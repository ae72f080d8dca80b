"""The EPUB laid out for a 6-inch screen: tables as labelled lists, URLs that break.

In the EPUB, every table becomes a labelled list: one entry per row.

A 6-inch e-reader page is about 185 pt wide inside its margins.  MuPDF (the
engine of KOReader, PocketBook and SumatraPDF) ignores a cell's side padding,
cannot hyphenate, and lets a word wider than its column run into the next:
at 12 pt the columns of the book's tables ran together ("30 to 40 hoursabout
50%"), and at 16 pt a three-column table printed on top of itself.  No CSS
fixes a word that is wider than its column.  A list reads the same on every
reading system and at every text size:

    Medicine: Clonazepam (Klonopin) <- the row's first cell, as the term
      Half-life: 30 to 40 hours     <- each other cell, labelled with its header
      ...

Only the EPUB builder is affected; the HTML edition keeps its tables (with
header cells that carry ``scope``, book_html.py).  The table's ids move to the
list, so "Table 3" references still land on it, and its number and caption
head the list.

A URL shown as a note's link text ("https://dailymed.nlm.nih.gov/...
setid=cfa0d79a-843c-4b88-95a1-e9511d649ca1") has no space to break at: MuPDF
cut "5a1-" off at the page edge at 16 pt.  A zero-width space after each
``/ ? & = -`` lets it break there (MuPDF 1.21 to 1.28 ignore ``<wbr>`` and
``overflow-wrap``); the link's target is unchanged.
"""

from __future__ import annotations

import re

from docutils import nodes
from sphinx.transforms.post_transforms import SphinxPostTransform


def inline_children(cell: nodes.entry) -> list[nodes.Node]:
    """The inline content of a cell: its paragraphs' children, joined by spaces."""
    out: list[nodes.Node] = []
    for child in cell.children:
        if out:
            out.append(nodes.Text(" "))
        out.extend(child.children if isinstance(child, nodes.paragraph) else [nodes.Text(child.astext())])
    return out


class TablesAsLabelledLists(SphinxPostTransform):
    """Replace each table with a title paragraph and a definition list of its rows."""

    default_priority = 400
    builders = ("epub",)

    def table_number(self, table: nodes.table) -> str:
        numbers = self.env.toc_fignumbers.get(self.env.docname, {}).get("table", {})
        for id_ in table["ids"]:
            if id_ in numbers:
                return "Table " + ".".join(map(str, numbers[id_])) + ". "
        return ""

    def run(self) -> None:
        for table in list(self.document.findall(nodes.table)):
            group = next(table.findall(nodes.tgroup))
            head = next(group.findall(nodes.thead), None)
            headers = [e.astext() for e in next(head.findall(nodes.row))] if head is not None else []
            body = next(group.findall(nodes.tbody))
            box = nodes.container(classes=["table-list"], ids=table["ids"])
            title = next(iter(table.findall(nodes.title)), None)
            if title is not None:
                caption = nodes.paragraph(classes=["table-list-title"])
                caption += nodes.strong("", self.table_number(table), *title.children)
                box += caption
            entries = nodes.definition_list()
            for row in body.findall(nodes.row):
                cells = list(row.findall(nodes.entry))
                item = nodes.definition_list_item()
                term = nodes.term()
                if headers and headers[0]:
                    term += nodes.Text(headers[0] + ": ")
                term.extend(inline_children(cells[0]))
                item += term
                definition = nodes.definition()
                for n, cell in enumerate(cells[1:], 1):
                    para = nodes.paragraph()
                    if n < len(headers) and headers[n]:
                        para += nodes.strong("", headers[n] + ": ")
                    para.extend(inline_children(cell))
                    definition += para
                item += definition
                entries += item
            box += entries
            table.replace_self(box)


URL_BREAKS = re.compile(r"([/?&=-]+)(?=[^/?&=-])")


class BreakableURLs(SphinxPostTransform):
    """Let a link whose text is its own URL break after / ? & = and -."""

    default_priority = 400
    builders = ("epub",)

    def run(self) -> None:
        for ref in self.document.findall(nodes.reference):
            uri = ref.get("refuri", "")
            if "://" in uri and len(ref.children) == 1 and isinstance(ref[0], nodes.Text) \
                    and ref.astext() == uri:
                ref[0] = nodes.Text(URL_BREAKS.sub("\\1\u200b", uri))


def setup(app):
    app.add_post_transform(TablesAsLabelledLists)
    app.add_post_transform(BreakableURLs)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
