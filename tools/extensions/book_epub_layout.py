"""The EPUB laid out for a 6-inch screen: tables as labelled lists, URLs that break,
warning titles that cannot be left alone at the foot of a page.

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

A URL or DOI shown as a note's link text ("https://dailymed.nlm.nih.gov/...
setid=cfa0d79a-843c-4b88-95a1-e9511d649ca1") has few places to break: MuPDF
breaks after "/" and "?" but not after a hyphen before a digit, and cut "5a1-"
off at the page edge at 16 pt.  Zero-width spaces after ``/ ? & = -`` fixed
that, but a reader who copied the URL took them along (MuPDF 1.21 to 1.28
ignore ``<wbr>`` and ``overflow-wrap``).  Now the text is left exactly as the
URL is, and a long one is marked ``long-url``: book-epub.css sets it smaller,
so its longest unbroken run fits a 6-inch line at 16 pt.

A warning box's title ("Get help now", "Danger") was a paragraph of its own,
and MuPDF keeps no paragraph with the next (it ignores ``page-break-after:
avoid``, and 1.28 ignores ``display: inline`` on it): the title ended a
page, the 911 text began the next.  In the EPUB the title of a warning box
runs in, in bold, at the start of the box's first paragraph ("Get help now:
Call 911 at once ..."), so the two are on one line.
"""

from __future__ import annotations

from docutils import nodes
from sphinx import addnodes
from sphinx.locale import admonitionlabels
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
            headers, header_notes = [], []
            if head is not None:
                for entry in next(head.findall(nodes.row)):
                    notes = list(entry.findall(nodes.footnote_reference))
                    for note in notes:  # cited once, after the caption, not in every row's label
                        note.parent.remove(note)
                    header_notes.extend(notes)
                    headers.append(" ".join(entry.astext().split()))
            body = next(group.findall(nodes.tbody))
            box = nodes.container(classes=["table-list"], ids=table["ids"])
            title = next(iter(table.findall(nodes.title)), None)
            if title is not None or header_notes:
                caption = nodes.paragraph(classes=["table-list-title"])
                caption += nodes.strong("", self.table_number(table), *(title.children if title else []))
                for note in header_notes:
                    caption += [nodes.Text(" "), note]
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


class BreakableURLs(SphinxPostTransform):
    """Mark a link whose text is a long URL or DOI ("doi:10.1080/14740338.2018.1429403")
    ``long-url``; its text stays the URL, character for character."""

    default_priority = 400
    builders = ("epub",)

    def run(self) -> None:
        for ref in self.document.findall(nodes.reference):
            if "refuri" not in ref or len(ref.children) != 1 or not isinstance(ref[0], nodes.Text):
                continue
            text = ref.astext()
            if len(text) > 20 and not any(c.isspace() for c in text):
                ref["classes"].append("long-url")


# A warning this short fits on half a 6-inch page at 12 pt: it starts a new
# page rather than be split (MuPDF honours page-break-before, not -inside).
SHORT_BOX_WORDS = 60
WARNING_BOXES = {"danger", "warning", "caution", "important", "attention", "get-help"}


def starts_new_page(box: nodes.Element) -> None:
    """Give a short box a page of its own start; its section's heading goes with
    it when the box comes right under that heading, else the heading would end
    the page before (MuPDF keeps no heading with what follows)."""
    parent = box.parent
    before = parent[: parent.index(box)]
    heading_only = all(isinstance(n, (nodes.title, nodes.target, addnodes.index)) for n in before)
    if isinstance(parent, nodes.section) and heading_only:
        parent["classes"].append("keep-whole")
    else:
        box["classes"].append("keep-whole")


class RunInWarningTitles(SphinxPostTransform):
    """Move a warning box's title into its first paragraph, as a bold run-in heading."""

    default_priority = 400
    builders = ("epub",)

    def run(self) -> None:
        for box in list(self.document.findall(nodes.Admonition)):
            classes = set(box["classes"]) | {box.tagname}
            if not classes & WARNING_BOXES:
                continue
            title = box[0] if isinstance(box[0], nodes.title) else None
            body = box[1:] if title is not None else box[0:]
            if not body or not isinstance(body[0], nodes.paragraph):
                continue
            if title is None:  # .. danger:: and friends: Sphinx writes the label as the title
                text = admonitionlabels.get(box.tagname, box.tagname.title())
                title_children = [nodes.Text(text)]
                generic = nodes.admonition("", *box.children, classes=[box.tagname, *box["classes"]],
                                           ids=box["ids"])
                box.replace_self(generic)
                box = generic
            else:
                title_children = list(title.children)
                box.remove(title)
            if len(box.astext().split()) <= SHORT_BOX_WORDS:
                starts_new_page(box)
            first = box[0]
            first.insert(0, nodes.strong("", "", *title_children, nodes.Text(": "),
                                         classes=["admonition-title"]))


def setup(app):
    app.add_post_transform(TablesAsLabelledLists)
    app.add_post_transform(RunInWarningTitles)
    app.add_post_transform(BreakableURLs)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
