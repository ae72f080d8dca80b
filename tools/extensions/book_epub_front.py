"""The EPUB's first pages get to the point: help once, then the contents, then the questions.

The EPUB opens on "Get help now" (``epub_first_page``, book_epub.py), then the
root document (title and contents).  Both included the same help box, and
each closed with the box's ten full references: a reader paged through the
box and its sources twice before the contents, and "Common questions" began
on page 29 of 435 at 12 pt (6.8 %).  At 16 pt the box, kept whole
(``page-break-inside: avoid``) but taller than a 6-inch page, pushed its 911
instruction to page 3 under a heading, the review date and an empty frame;
Calibre drew the help page as its heading alone.

In the EPUB only (the site's home page keeps its box: a browser tab is not
read from the front):

* the root document drops its copy of the box, with what its include file
  adds after it (the box's sources), and the notes only these cited, and
  says in one line where help is ("Get help now", the first page);
* on the help page the review date follows the box, so the 911 instruction is
  the first line under the heading at any text size, and the box is marked
  ``may-break`` (book-epub.css lets it run on to the next page).

tests/test_epub_front_matter.py lays the EPUB out with MuPDF at 12 and 16 pt
on a 6-inch page and in Chromium as a paginated reading system would.
"""

from __future__ import annotations

from docutils import nodes
from sphinx.transforms.post_transforms import SphinxPostTransform

HELP_CLASS = "get-help"
BREAKABLE = "may-break"


def help_boxes(document: nodes.document) -> list[nodes.Element]:
    return [box for box in document.findall(nodes.Element)
            if isinstance(box, nodes.Admonition) and HELP_CLASS in box["classes"]]


def drop_unreferenced_notes(document: nodes.document) -> None:
    """Notes that no mark in the document points to any more, and note lists left empty."""
    cited = {ref["refid"] for ref in document.findall(nodes.footnote_reference) if "refid" in ref}
    for note in list(document.findall(nodes.footnote)):
        if not set(note["ids"]) & cited:
            note.parent.remove(note)
    for box in list(document.findall(nodes.container)):
        if not box.children:  # the footbibliography's container, all its notes gone
            box.parent.remove(box)


class HelpOnceBeforeTheContents(SphinxPostTransform):
    """The EPUB's root document without the help box; the help page with the box first."""

    default_priority = 390  # before book_epub_layout (400) gives warning boxes their run-in titles
    builders = ("epub",)

    def run(self, **kwargs) -> None:
        docname = self.env.docname
        first = self.config.epub_first_page
        if docname == self.config.root_doc and first:
            self.drop_box(first)
        elif docname == first:
            self.box_first()

    def drop_box(self, first: str) -> None:
        boxes = help_boxes(self.document)
        if not boxes:
            return
        pointer = nodes.paragraph(classes=["help-pointer"])
        ref = nodes.reference("", "", internal=True, refuri=first + self.app.builder.out_suffix)
        ref += nodes.strong("", "Get help now")
        pointer += [nodes.Text("In an emergency: "), ref,
                    nodes.Text(", the first page of this book, says whom to call.")]
        boxes[0].parent.insert(boxes[0].parent.index(boxes[0]), pointer)
        # the box and what its include file adds after it ("Sources for this box", two
        # paragraphs): all of it stays on the help page
        source = boxes[0].source
        for box in boxes:
            parent = box.parent
            for node in [n for n in parent.children if n.source == source]:
                parent.remove(node)
        drop_unreferenced_notes(self.document)

    def box_first(self) -> None:
        boxes = help_boxes(self.document)
        if not boxes:
            return
        box = boxes[0]
        box["classes"].append(BREAKABLE)
        section = box.parent
        for para in list(section.children[: section.index(box)]):
            if isinstance(para, nodes.paragraph) and "reviewed" in para["classes"]:
                section.remove(para)
                section.insert(section.index(box) + 1, para)


def setup(app):
    app.add_post_transform(HelpOnceBeforeTheContents)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
